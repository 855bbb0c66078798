import { Chart, Testing } from 'cdk8s';
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { GatewayApiGateway } from '../../../src/gateway-api/gateway-api-gateway';
import { HttpMirrorRoute } from '../../../src/gateway-api/http-mirror-route';
import { MeshService } from '../../../src/services/mesh-service';
import { HttpbinMirrorChart, MeshApi } from '../../../src/scenario/httpbin-mirror-chart';

// The Gateway API checks follow the specification's reference rules (gateway-api v1.6, apis/v1/httproute_types.go
// and referencegrant_types.go): defaults of parentRefs and backendRefs, ReferenceGrants for other namespaces,
// listener hostnames and allowedRoutes. Each test gives a minimal input that is reported and a near-identical one
// that is not.

// What the Gateway API implementation (here Istio, from the class istio) does with the mirrors, TM0200-TM0299, is
// tested in implementation.test.ts; these tests are about the references.
// The implementation profiles' findings (TM02xx, test/analysis/analyzers/implementation.test.ts) are left out here.
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

// Issue #15, section 3: checks found missing by running the analyzer over upstream configurations
// (scripts/upstream-corpus.js; the upstream files themselves are in test/analysis/upstream-corpus.test.ts).

test('TM0105 is not reported for a mesh (GAMMA) route: Istio checks ReferenceGrants only for Gateway parents', () => {
  // istio/istio route_collections.go HTTPRouteCollection: convertHTTPRoute(ctx, r, obj, n, !mesh) (enforceRefGrant false for
  // mesh parents); gateway-api conformance/tests/mesh/mesh-consumer-route.yaml routes to another namespace without a grant.
  const rule = { backendRefs: [{ name: 'echo', namespace: 'mesh', port: 8000 }] };
  const meshParent = { parentRefs: [{ group: '', kind: 'Service', name: 'echo', namespace: 'mesh', port: 8000 }], hostnames: undefined };
  const objects = [service('echo', 'mesh'), route(rule, meshParent, 'consumer')];
  expect(codes(objects)).toEqual([]);
  // A ServiceEntry parent is a mesh parent too (conversion.go referenceAllowed, case gvk.ServiceEntry).
  const seParent = { parentRefs: [{ group: 'networking.istio.io', kind: 'ServiceEntry', name: 'echo', namespace: 'mesh' }], hostnames: undefined };
  const entry = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'echo', namespace: 'mesh' }, spec: { hosts: ['echo.example.com'] } };
  expect(codes([service('echo', 'mesh'), entry, route(rule, seParent, 'consumer')])).toEqual([]);
  // With a Gateway parent as well, the Gateway's copy of the route needs the grant.
  const both = { parentRefs: [...meshParent.parentRefs, { name: 'gw', namespace: 'consumer', sectionName: 'https' }] };
  expect(codes([service('echo', 'mesh'), service('echo', 'consumer'), gateway([HTTPS], 'consumer'), route(rule, both, 'consumer')]))
    .toEqual(['TM0105 HTTPRoute consumer/httpbin']);
});

test('TM0104: a listener whose protocol or allowedRoutes.kinds does not admit HTTPRoutes', () => {
  // gatewaycommon/conversion.go GenerateGatewaySupportedKinds: HTTP/HTTPS admit HTTPRoute and GRPCRoute, TCP only TCPRoute,
  // TLS only TLSRoute (and TCPRoute when terminated), narrowed by allowedRoutes.kinds (apis/v1/gateway_types.go AllowedRoutes.Kinds).
  const grpcOnly = gateway([{ ...HTTPS, allowedRoutes: { kinds: [{ kind: 'GRPCRoute' }] } }]);
  const findings = analyze([service('httpbin-v1'), service('httpbin-v2'), grpcOnly, route(mirrorRule({}))]);
  expect(findings.map(f => f.code)).toEqual(['TM0104']);
  expect(findings[0].message).toMatch(/^No listener of Gateway "default\/gw" that the parentRef selects accepts HTTPRoutes \(parentRefs\[0\]; https: allowedRoutes.kinds: GRPCRoute/);
  const listed = gateway([{ ...HTTPS, allowedRoutes: { kinds: [{ kind: 'GRPCRoute' }, { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] } }]);
  expect(codes([service('httpbin-v1'), service('httpbin-v2'), listed, route(mirrorRule({}))])).toEqual([]);
  // A kind of another group is not the HTTPRoute kind (and the listener itself is TM0113).
  const otherGroup = gateway([{ ...HTTPS, allowedRoutes: { kinds: [{ group: 'example.com', kind: 'HTTPRoute' }] } }]);
  expect(codes([service('httpbin-v1'), service('httpbin-v2'), otherGroup, route(mirrorRule({}))]))
    .toEqual(['TM0113 Gateway default/gw', 'TM0104 HTTPRoute default/httpbin']);
  const tls = gateway([{ name: 'https', port: 443, protocol: 'TLS', hostname: 'httpbin.example.com', tls: { mode: 'Passthrough' } }]);
  expect(codes([service('httpbin-v1'), service('httpbin-v2'), tls, route(mirrorRule({}))])).toEqual(['TM0104 HTTPRoute default/httpbin']);
});

test('TM0104: allowedRoutes.namespaces.from: Selector is evaluated on the route\'s Namespace', () => {
  // apis/v1/gateway_types.go RouteNamespaces.Selector: "Only Routes in Namespaces matching this Selector will be selected";
  // Istio's namespacesFromSelector (conversion.go) lists the namespaces whose labels match.
  const selector = (sel: any) => gateway([{ ...HTTPS, allowedRoutes: { namespaces: { from: 'Selector', selector: sel } } }], 'infra');
  const crossRoute = route(mirrorRule({}), { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'https' }] }, 'web');
  const web = (labels: any) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web', labels } });
  const backends = [service('httpbin-v1', 'web'), service('httpbin-v2', 'web')];
  const bySharedLabel = selector({ matchLabels: { shared: 'true' } });
  expect(codes([...backends, bySharedLabel, crossRoute, web({ shared: 'true' })])).toEqual([]);
  const findings = analyze([...backends, bySharedLabel, crossRoute, web({ shared: 'false' })]);
  expect(findings.map(f => `${f.code} ${f.name}`)).toEqual(['TM0104 httpbin']);
  expect(findings[0].message).toContain('allowedRoutes.namespaces.from: Selector, {"matchLabels":{"shared":"true"}}), and namespace "web"');
  // matchExpressions, and the name label every Namespace carries.
  expect(codes([...backends, selector({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }), crossRoute, web({ env: 'dev' })]))
    .toEqual(['TM0104 HTTPRoute web/httpbin']);
  expect(codes([...backends, selector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }), crossRoute, web({ env: 'dev' })])).toEqual([]);
  const byName = selector({ matchLabels: { 'kubernetes.io/metadata.name': 'other' } });
  expect(codes([...backends, byName, crossRoute])).toEqual(['TM0104 HTTPRoute web/httpbin']);
  // Without the Namespace object, a selector on other labels cannot be evaluated: nothing is reported.
  expect(codes([...backends, bySharedLabel, crossRoute])).toEqual([]);
});

test('TM0109: a rule with a RequestMirror and no backend (Istio answers 500 and sends no copy)', () => {
  // apis/v1/httproute_types.go HTTPRouteRule.BackendRefs (500 without backends); conversion.go convertHTTPRoute writes
  // directResponse 500 when weightSum(backendRefs) is 0 and there is no redirect.
  const mirrorOnly = { filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'httpbin-v2', port: 8000 } } }] };
  const findings = analyze([...base, route(mirrorOnly)]);
  expect(findings.map(f => f.code)).toEqual(['TM0109']);
  expect(findings[0].message).toMatch(/^Rule rules\[0\] mirrors requests but has no backend to route them to \(no backendRefs\): Istio answers every request/);
  const zero = { ...mirrorOnly, backendRefs: [{ name: 'httpbin-v1', port: 8000, weight: 0 }] };
  expect(analyze([...base, route(zero)]).map(f => f.message)).toEqual([expect.stringContaining('(every backendRef has weight 0)')]);
  // A backend of weight above 0, or a redirect, and the rule is fine.
  expect(codes([...base, route({ ...mirrorOnly, backendRefs: [{ name: 'httpbin-v1', port: 8000 }] })])).toEqual([]);
  const redirect = { filters: [...mirrorOnly.filters, { type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }] };
  expect(codes([...base, route(redirect)])).toEqual([]);
  // Without a mirror, such a rule is not this library's concern.
  expect(codes([...base, route({})])).toEqual([]);
});

test('TM0110: a backendRef or mirror of a kind Istio does not route to', () => {
  // conversion.go buildDestination: Service, networking.istio.io Hostname, ServiceImport, InferencePool and XBackend;
  // anything else is InvalidKind (gateway-api conformance/tests/httproute-invalid-backendref-unknown-kind.yaml).
  const unknown = { backendRefs: [{ group: 'unknownkind.example.com', kind: 'NonExistent', name: 'httpbin-v1', port: 8000 }] };
  const findings = analyze([...base, route(unknown)]);
  expect(findings.map(f => f.code)).toEqual(['TM0110']);
  expect(findings[0].message).toMatch(/^Backend "default\/httpbin-v1" is of kind "NonExistent" in group "unknownkind.example.com", which Istio does not route to \(rules\[0\].backendRefs\[0\]\)/);
  const badMirror = mirrorRule({});
  badMirror.filters[0].requestMirror.backendRef = { kind: 'no-support', name: 'httpbin-v2', port: 8000 } as any;
  expect(analyze([...base, route(badMirror)]).map(f => f.message)).toEqual([expect.stringMatching(/^Mirror "default\/httpbin-v2" is of kind "no-support".*nothing is mirrored/)]);
  const hostname = { backendRefs: [{ group: 'networking.istio.io', kind: 'Hostname', name: 'api.example.com', port: 443 }] };
  const entry = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'api', namespace: 'default' }, spec: { hosts: ['*.example.com'] } };
  expect(codes([...base, entry, route(hostname)])).toEqual([]);
});

test('TM0101 and TM0103 for the Istio kinds: a Hostname or ServiceImport backend, a ServiceEntry parent that does not exist', () => {
  // conversion.go buildDestination: a Hostname must resolve (LookupHostname), a ServiceImport to an existing Service;
  // referenceAllowed: 'parent service entry: "..." not found' (istio testdata invalid.yaml: invalid-backendRef-hostname,
  // invalid-backendRef-serviceimport, invalid-parentRef-service-entry).
  const hostname = { backendRefs: [{ group: 'networking.istio.io', kind: 'Hostname', name: 'unknown.example.com', port: 80 }] };
  expect(analyze([...base, route(hostname)]).map(f => f.message))
    .toEqual([expect.stringMatching(/^Referenced host "unknown.example.com" not found \(rules\[0\].backendRefs\[0\]\): a Hostname backend/)]);
  // A Service's FQDN resolves as well.
  const fqdn = { backendRefs: [{ group: 'networking.istio.io', kind: 'Hostname', name: 'httpbin-v1.default.svc.cluster.local', port: 8000 }] };
  expect(codes([...base, route(fqdn)])).toEqual([]);
  const serviceImport = { backendRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'unknown', port: 80 }] };
  expect(analyze([...base, route(serviceImport)]).map(f => f.message))
    .toEqual([expect.stringMatching(/^Referenced ServiceImport "default\/unknown" not found/)]);
  expect(codes([...base, route({ backendRefs: [{ ...serviceImport.backendRefs[0], name: 'httpbin-v1' }] })])).toEqual([]);
  const seParent = { parentRefs: [{ group: 'networking.istio.io', kind: 'ServiceEntry', name: 'not-found' }], hostnames: undefined };
  expect(analyze([...base, route(mirrorRule({}), seParent)]).map(f => f.message))
    .toEqual([expect.stringMatching(/^Parent ServiceEntry "default\/not-found" not found \(parentRefs\[0\]\)/)]);
});

test('TM0111: a backendRef to a Service without port', () => {
  // apis/v1/object_reference_types.go BackendObjectReference: "Must have port for Service reference" (CEL);
  // conversion.go buildDestination: "port is required in backendRef".
  const findings = analyze([...base, route({ backendRefs: [{ name: 'httpbin-v1' }] })]);
  expect(findings.map(f => f.code)).toEqual(['TM0111']);
  expect(findings[0].message).toMatch(/^The backendRef to Service "default\/httpbin-v1" has no port \(rules\[0\].backendRefs\[0\]\): the Gateway API requires/);
  const serviceImport = { backendRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'httpbin-v1' }] };
  expect(codes([...base, route(serviceImport)])).toEqual(['TM0111 HTTPRoute default/httpbin']);
  expect(codes([...base, route({ backendRefs: [{ name: 'httpbin-v1', port: 8000 }] })])).toEqual([]);
});

test('TM0112: a certificateRef that is not a core Secret, a client CA that is not a ConfigMap or Secret', () => {
  // conversion.go buildSecretReference ("only secret is allowed"), buildCaCertificateReference ("only secret and configmap
  // are allowed"); gateway-api conformance/tests/gateway-invalid-tls-certificateref.yaml and
  // gateway-with-invalid-clientcertificate-validation.yaml.
  const listener = (ref: any) => ({ ...HTTPS, tls: { mode: 'Terminate', certificateRefs: [ref] } });
  const findings = analyze([gateway([listener({ kind: 'WrongKind', name: 'cert' })])]);
  expect(findings.map(f => f.code)).toEqual(['TM0112']);
  expect(findings[0].message).toMatch(/^Certificate reference "cert" is of kind "WrongKind" in group "" \(listeners\[0\].tls.certificateRefs\[0\]\)/);
  expect(codes([gateway([listener({ group: 'wrong.group.company.io', kind: 'Secret', name: 'cert' })])])).toEqual(['TM0112 Gateway default/gw']);
  expect(codes([gateway([listener({ group: '', kind: 'Secret', name: 'cert' })])])).toEqual([]);
  const withCa = (ref: any) => ({
    ...gateway([HTTPS]),
    spec: { ...gateway([HTTPS]).spec, tls: { frontend: { default: { validation: { caCertificateRefs: [ref] } } } } },
  });
  expect(analyze([withCa({ group: '', kind: 'Service', name: 'ca' })]).map(f => f.message))
    .toEqual([expect.stringMatching(/^CA certificate reference "ca" is of kind "Service" in group "" \(tls.frontend.default.validation.caCertificateRefs\[0\]\)/)]);
  expect(codes([withCa({ group: '', kind: 'ConfigMap', name: 'ca' })])).toEqual([]);
  expect(codes([withCa({ group: '', kind: 'Secret', name: 'ca' })])).toEqual([]);
  // A validation no TLS-terminating listener uses is not read (resolveGatewayTLS, buildTLS): here the only listener is HTTP.
  const httpOnly = withCa({ group: '', kind: 'Service', name: 'ca' });
  httpOnly.spec.listeners = [{ name: 'http', port: 80, protocol: 'HTTP' }];
  expect(codes([httpOnly])).toEqual([]);
});

test('TM0106: a client-CA ConfigMap in another namespace without a ReferenceGrant', () => {
  // apis/v1/gateway_types.go FrontendTLSValidation.CACertificateRefs ("a resource in another namespace UNLESS there is a
  // ReferenceGrant"); conversion.go buildTLS checks the grant before resolving (istio testdata frontend-tls-refgrant.yaml).
  const perPort = {
    ...gateway([HTTPS]),
    spec: {
      ...gateway([HTTPS]).spec,
      tls: { frontend: { perPort: [{ port: 443, tls: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca', namespace: 'certs' }] } } }] } },
    },
  };
  const findings = analyze([perPort]);
  expect(findings.map(f => f.code)).toEqual(['TM0106']);
  expect(findings[0].message).toMatch(/^CA certificate ConfigMap "certs\/ca" is in another namespace without a ReferenceGrant \(tls.frontend.perPort\[0\].tls.validation.caCertificateRefs\[0\]\)/);
  const grant = (kind: string) => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'certs' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default' }], to: [{ group: '', kind }] },
  });
  expect(codes([perPort, grant('ConfigMap')])).toEqual([]);
  // The perPort entry of a port without a TLS-terminating listener is not used.
  const otherPort = { ...perPort.spec.tls.frontend.perPort[0], port: 8443 };
  expect(codes([{ ...perPort, spec: { ...perPort.spec, tls: { frontend: { perPort: [otherPort] } } } }])).toEqual([]);
  // A grant to Secrets does not cover a ConfigMap.
  expect(codes([perPort, grant('Secret')])).toEqual(['TM0106 Gateway default/gw']);
});

test('TM0113: a listener whose allowedRoutes.kinds lists kinds its protocol does not support', () => {
  // gatewaycommon/conversion.go GenerateGatewaySupportedKinds (valid only when every listed kind is supported);
  // gateway-api conformance/tests/gateway-invalid-route-kind.yaml; istio testdata route-binding.yaml (listener scope-route).
  const withKinds = (kinds: any[]) => gateway([{ ...HTTPS, allowedRoutes: { kinds } }]);
  const findings = analyze([withKinds([{ kind: 'InvalidRoute' }])]);
  expect(findings.map(f => `${f.code} ${f.kind} ${f.name}`)).toEqual(['TM0113 Gateway gw']);
  expect(findings[0].message).toBe('Listener "https" lists route kinds its protocol "HTTPS" does not support in allowedRoutes.kinds (listeners[0]: '
    + 'InvalidRoute; supported: HTTPRoute, GRPCRoute): the listener\'s ResolvedRefs is False (InvalidRouteKinds) and it admits no routes at all. '
    + 'Remove those kinds, or use a listener of the protocol they need.');
  expect(analyze([withKinds([{ kind: 'InvalidRoute' }, { kind: 'HTTPRoute' }])]).map(f => f.message))
    .toEqual([expect.stringContaining('and it admits only HTTPRoute.')]);
  expect(codes([withKinds([{ kind: 'TCPRoute' }])])).toEqual(['TM0113 Gateway default/gw']);
  expect(codes([withKinds([{ group: 'example.com', kind: 'HTTPRoute' }])])).toEqual(['TM0113 Gateway default/gw']);
  expect(codes([withKinds([{ kind: 'HTTPRoute' }, { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }])])).toEqual([]);
  // TLS passthrough admits TLSRoute only (conformance tlsroute-listener-passthrough-supported-kinds.yaml).
  const passthrough = gateway([{ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' }, allowedRoutes: { kinds: [{ kind: 'TLSRoute' }, { kind: 'TCPRoute' }] } }]);
  expect(codes([passthrough])).toEqual(['TM0113 Gateway default/gw']);
  // A UDP listener (which Istio does not serve) listing UDPRoute is not a kinds problem (conformance udproute-simple.yaml).
  expect(codes([gateway([{ name: 'udp', port: 53, protocol: 'UDP', allowedRoutes: { kinds: [{ kind: 'UDPRoute' }] } }])])).toEqual([]);
});

test('routes and Gateways that another implementation handles are left to it', () => {
  // Istio manages only Gateways of its own classes (controllerName istio.io/...) and leaves a mesh route whose parent uses
  // another implementation's waypoint to it (conversion.go waypointManagedByAnotherController; istio testdata
  // foreign-waypoint.yaml, where the route's backend kind example.com/Backend is that implementation's).
  const foreignClass = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'example' }, spec: { controllerName: 'example.com/gateway-controller' } };
  const istioClass = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'istio' }, spec: { controllerName: 'istio.io/gateway-controller' } };
  const custom = { backendRefs: [{ group: 'example.com', kind: 'Backend', name: 'mcp', port: 80 }] };
  const gw = (className: string) => ({ ...gateway([HTTPS]), spec: { ...gateway([HTTPS]).spec, gatewayClassName: className } });
  expect(codes([...base.slice(0, 2), foreignClass, gw('example'), route(custom)])).toEqual([]);
  expect(codes([...base.slice(0, 2), istioClass, gw('istio'), route(custom)])).toEqual(['TM0110 HTTPRoute default/httpbin']);
  // A class that is not in the input is taken to be Istio's.
  expect(codes([...base.slice(0, 2), gw('example'), route(custom)])).toEqual(['TM0110 HTTPRoute default/httpbin']);
  // A foreign Gateway's own certificate refs are not Istio's either.
  const badCert = { ...HTTPS, tls: { mode: 'Terminate', certificateRefs: [{ kind: 'WrongKind', name: 'cert' }] } };
  expect(codes([foreignClass, { ...gateway([badCert]), spec: { ...gateway([badCert]).spec, gatewayClassName: 'example' } }])).toEqual([]);
  // A mesh parent whose Service (or Namespace) uses a waypoint of a foreign class.
  const waypoint = { ...gateway([{ name: 'mesh', port: 15008, protocol: 'HBONE' }]), metadata: { name: 'example-waypoint', namespace: 'default' } };
  waypoint.spec = { ...waypoint.spec, gatewayClassName: 'example' };
  const meshRoute = route(custom, { parentRefs: [{ group: '', kind: 'Service', name: 'mcp' }], hostnames: undefined });
  const mcp = (labels: any) => ({ ...service('mcp'), metadata: { name: 'mcp', namespace: 'default', labels } });
  expect(codes([foreignClass, waypoint, mcp({ 'istio.io/use-waypoint': 'example-waypoint' }), meshRoute])).toEqual([]);
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'istio.io/use-waypoint': 'example-waypoint' } } };
  expect(codes([foreignClass, waypoint, mcp({}), namespace, meshRoute])).toEqual([]);
  expect(codes([foreignClass, waypoint, mcp({ 'istio.io/use-waypoint': 'none' }), namespace, meshRoute])).toEqual(['TM0110 HTTPRoute default/httpbin']);
});
