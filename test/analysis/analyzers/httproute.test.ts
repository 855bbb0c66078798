import { Chart, Testing } from 'cdk8s';
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { GatewayApiGateway } from '../../../src/gateway-api/gateway-api-gateway';
import { HttpMirrorRoute } from '../../../src/gateway-api/http-mirror-route';
import { MeshService } from '../../../src/istio/mesh-service';
import { HttpbinMirrorChart, MeshApi } from '../../../src/scenario/httpbin-mirror-chart';

// The Gateway API checks follow the specification's reference rules (gateway-api v1.6, apis/v1/httproute_types.go
// and referencegrant_types.go): defaults of parentRefs and backendRefs, ReferenceGrants for other namespaces,
// listener hostnames and allowedRoutes. Each test gives a minimal input that is reported and a near-identical one
// that is not.

// What the Gateway API implementation (here Istio, from the class istio) does with the mirrors, TM0200-TM0299, is
// tested in implementation.test.ts; these tests are about the references.
const analyze = (objects: any[]) => MeshAnalyzer.analyze(objects).filter(f => !/^TM02\d\d$/.test(f.code));
const codes = (objects: any[]) => analyze(objects).map(f => `${f.code} ${f.kind} ${f.namespace}/${f.name}`);

const service = (name: string, namespace = 'default', port = 8000) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ name: 'http', port }] },
});

const gateway = (listeners: any[], namespace = 'default') => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace },
  spec: { gatewayClassName: 'istio', listeners },
});

const HTTPS = { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'httpbin.example.com', tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert' }] } };

const route = (rule: any, spec: any = {}, namespace = 'default') => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'httpbin', namespace },
  spec: { parentRefs: [{ name: 'gw', sectionName: 'https' }], hostnames: ['httpbin.example.com'], rules: [rule], ...spec },
});

const mirrorRule = (mirror: any) => ({
  backendRefs: [{ name: 'httpbin-v1', port: 8000 }],
  filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'httpbin-v2', port: 8000 }, ...mirror } }],
});

const base = [service('httpbin-v1'), service('httpbin-v2'), gateway([HTTPS])];

test('a mirror route to existing Services on an existing listener is clean', () => {
  expect(codes([...base, route(mirrorRule({ percent: 10 }))])).toEqual([]);
  expect(codes([...base, route(mirrorRule({ fraction: { numerator: 125, denominator: 1000 } }))])).toEqual([]);
});

test('TM0101: a backendRef or mirror to a missing Service or port', () => {
  expect(codes([service('httpbin-v1'), gateway([HTTPS]), route(mirrorRule({}))])).toEqual(['TM0101 HTTPRoute default/httpbin']);
  const wrongPort = route({ backendRefs: [{ name: 'httpbin-v1', port: 80 }] });
  expect(analyze([...base, wrongPort]).map(f => f.message)).toEqual([
    expect.stringMatching(/^Referenced port 80 of Service "default\/httpbin-v1" not found \(rules\[0\].backendRefs\[0\]\): the Service exposes port\(s\) 8000/),
  ]);
});

test('TM0102: a mirror without port (Istio requires backendRef.port on a RequestMirror)', () => {
  const rule = { backendRefs: [{ name: 'httpbin-v1', port: 8000 }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'httpbin-v2' } } }] };
  expect(codes([...base, route(rule)])).toEqual(['TM0102 HTTPRoute default/httpbin']);
});

test('TM0103: a parentRef to a missing Gateway, listener or port', () => {
  expect(codes([service('httpbin-v1'), service('httpbin-v2'), route(mirrorRule({}))])).toEqual(['TM0103 HTTPRoute default/httpbin']);
  expect(codes([...base, route(mirrorRule({}), { parentRefs: [{ name: 'gw', sectionName: 'http' }] })])).toEqual(['TM0103 HTTPRoute default/httpbin']);
  expect(codes([...base, route(mirrorRule({}), { parentRefs: [{ name: 'gw', port: 80 }] })])).toEqual(['TM0103 HTTPRoute default/httpbin']);
  expect(codes([...base, route(mirrorRule({}), { parentRefs: [{ name: 'gw', port: 443 }] })])).toEqual([]);
  // A GAMMA parent (group "", kind Service) must be an existing Service.
  const gamma = { parentRefs: [{ group: '', kind: 'Service', name: 'httpbin', port: 8000 }], hostnames: undefined };
  expect(codes([...base, route(mirrorRule({}), gamma)])).toEqual(['TM0103 HTTPRoute default/httpbin']);
  expect(codes([...base, service('httpbin'), route(mirrorRule({}), gamma)])).toEqual([]);
});

test('TM0104: no listener accepts the route\'s hostnames or namespace', () => {
  expect(codes([...base, route(mirrorRule({}), { hostnames: ['other.example.com'] })])).toEqual(['TM0104 HTTPRoute default/httpbin']);
  expect(codes([service('httpbin-v1'), service('httpbin-v2'), gateway([{ ...HTTPS, hostname: '*.example.com' }]), route(mirrorRule({}))])).toEqual([]);
  expect(codes([service('httpbin-v1'), service('httpbin-v2'), gateway([{ ...HTTPS, hostname: undefined }]), route(mirrorRule({}), { hostnames: ['x.y'] })])).toEqual([]);
  // Listeners accept routes of their Gateway's namespace by default (allowedRoutes.namespaces.from: Same).
  const elsewhere = [service('httpbin-v1', 'web'), service('httpbin-v2', 'web'), gateway([HTTPS], 'infra')];
  const crossRoute = route(mirrorRule({}), { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'https' }] }, 'web');
  expect(codes([...elsewhere, crossRoute])).toEqual(['TM0104 HTTPRoute web/httpbin']);
  const all = gateway([{ ...HTTPS, allowedRoutes: { namespaces: { from: 'All' } } }], 'infra');
  expect(codes([service('httpbin-v1', 'web'), service('httpbin-v2', 'web'), all, crossRoute])).toEqual([]);
});

test('TM0105: a backend in another namespace without a ReferenceGrant', () => {
  const rule = { backendRefs: [{ name: 'httpbin-v1', port: 8000 }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', namespace: 'shadow', port: 8000 } } }] };
  const objects = [...base, service('shadow', 'shadow'), route(rule)];
  expect(codes(objects)).toEqual(['TM0105 HTTPRoute default/httpbin']);
  const grant = {
    apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'shadow' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }], to: [{ group: '', kind: 'Service' }] },
  };
  expect(codes([...objects, grant])).toEqual([]);
  // A grant for another name, or from another namespace, does not count.
  expect(codes([...objects, { ...grant, spec: { ...grant.spec, to: [{ group: '', kind: 'Service', name: 'other' }] } }])).toEqual(['TM0105 HTTPRoute default/httpbin']);
  expect(codes([...objects, { ...grant, spec: { ...grant.spec, from: [{ ...grant.spec.from[0], namespace: 'web' }] } }])).toEqual(['TM0105 HTTPRoute default/httpbin']);
});

test('TM0106: a certificate Secret in another namespace without a ReferenceGrant', () => {
  const listener = { ...HTTPS, tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert', namespace: 'certs' }] } };
  expect(codes([gateway([listener])])).toEqual(['TM0106 Gateway default/gw']);
  const grant = {
    apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'certs' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default' }], to: [{ group: '', kind: 'Secret', name: 'cert' }] },
  };
  expect(codes([gateway([listener]), grant])).toEqual([]);
});

test('IST0106: mirror percentages out of range, or percent with fraction', () => {
  expect(codes([...base, route(mirrorRule({ percent: 101 }))])).toEqual(['IST0106 HTTPRoute default/httpbin']);
  expect(codes([...base, route(mirrorRule({ percent: 12.5 }))])).toEqual(['IST0106 HTTPRoute default/httpbin']);
  expect(codes([...base, route(mirrorRule({ fraction: { numerator: 3, denominator: 2 } }))])).toEqual(['IST0106 HTTPRoute default/httpbin']);
  expect(codes([...base, route(mirrorRule({ percent: 10, fraction: { numerator: 1 } }))])).toEqual(['IST0106 HTTPRoute default/httpbin']);
});

test('TM0108: a RequestMirror inside backendRefs[].filters (Istio rejects it there)', () => {
  const rule = { backendRefs: [{ name: 'httpbin-v1', port: 8000, filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'httpbin-v2', port: 8000 } } }] }] };
  expect(codes([...base, route(rule)])).toEqual(['TM0108 HTTPRoute default/httpbin']);
});

test('the reference scenario in the Gateway API flavor analyzes clean, both stages', () => {
  for (const mirrorPercent of [0, 12.5, 100]) {
    const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror', { api: MeshApi.GATEWAY_API, mirrorPercent });
    expect(analyze(Testing.synth(chart))).toEqual([]);
  }
});

test('a route to an imported Gateway and a service of another team is declared on the HTTPRoute, so it analyzes clean', () => {
  const chart = new Chart(Testing.app(), 'web', { namespace: 'web' });
  const shared = GatewayApiGateway.fromGatewayName(chart, 'shared', 'infra/shared-gateway', 'https');
  const reviews = MeshService.fromServiceAttributes(chart, 'reviews', { name: 'reviews', namespace: 'team-b', ports: [9080], versions: ['v1', 'v2'] });
  new HttpMirrorRoute(chart, 'route', {
    destination: { service: reviews, version: 'v1' }, mirror: { service: reviews, version: 'v2' }, gateways: [shared], hosts: ['reviews.example.com'],
  });
  const manifests = Testing.synth(chart);
  const route = manifests.find(m => m.kind === 'HTTPRoute');
  expect(JSON.parse(route.metadata.annotations['cdk8s-traffic-mirror/defined-elsewhere'])).toEqual([
    { kind: 'Gateway', namespace: 'infra', name: 'shared-gateway' },
    { kind: 'Service', namespace: 'team-b', name: 'reviews-v1', ports: [9080] },
    { kind: 'Service', namespace: 'team-b', name: 'reviews-v2', ports: [9080] },
  ]);
  expect(analyze(manifests)).toEqual([]);
  // Without the declaration, the Gateway and the Services are missing.
  const stripped = manifests.map(m => ({ ...m, metadata: { ...m.metadata, annotations: undefined } }));
  expect(analyze(stripped).map(f => f.code).sort()).toEqual(['TM0101', 'TM0101', 'TM0103']);
});
