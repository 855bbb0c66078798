import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { DEFINED_ELSEWHERE_ANNOTATION } from '../../../src/core/defined-elsewhere';
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { grpcMethodMatchProblem } from '../../../src/core/rules/grpc';
import { schemaErrors } from '../../support/schema';

// GRPCRoute: the HTTPRoute's reference checks (httproute.test.ts) on a GRPCRoute, and what differs for gRPC: the
// GRPCMethodMatch CEL rules (gateway-api v1.6.1 apis/v1/grpcroute_types.go), a mirror Istio cannot resolve failing the
// whole route (istio/istio 1.30.3 pilot/pkg/config/kube/gateway/conversion.go convertGRPCRoute, route_collections.go
// computeRoute), and backend ports that are not HTTP/2. Each test gives a reported input and a near-identical clean one.

// The implementation profiles' warnings for the istio class (TM02xx) are tested in implementation.test.ts.
const findings = (objects: any[]) => MeshAnalyzer.analyze(objects).filter(f => !/^TM02\d\d$/.test(f.code));
const codes = (objects: any[]) => findings(objects).map(f => `${f.code} ${f.level} ${f.kind} ${f.namespace}/${f.name}`);

const service = (name: string, namespace = 'default', port: any = { name: 'grpc', port: 9000 }) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [port] },
});

const gateway = {
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' },
  spec: { gatewayClassName: 'istio', listeners: [{ name: 'grpc', port: 80, protocol: 'HTTP', hostname: 'echo.example.com' }] },
};

const mirrorRule = (backendRef: any = { name: 'grpc-echo-v2', port: 9000 }, matches: any[] = [{ method: { service: 'echo.Echo', method: 'Ping' } }]) => ({
  matches,
  backendRefs: [{ name: 'grpc-echo-v1', port: 9000 }],
  filters: [{ type: 'RequestMirror', requestMirror: { backendRef, percent: 50 } }],
});

const route = (rule: any, spec: any = {}, annotations?: any) => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'grpc-echo', namespace: 'default', annotations },
  spec: { parentRefs: [{ name: 'gw', sectionName: 'grpc' }], hostnames: ['echo.example.com'], rules: [rule], ...spec },
});

const base = [service('grpc-echo-v1'), service('grpc-echo-v2'), gateway];

test('a GRPCRoute mirroring a method to existing grpc Services on an existing listener is clean', () => {
  expect(codes([...base, route(mirrorRule())])).toEqual([]);
  // A service alone, a method alone, or regular expressions: all accepted by the CEL rules.
  expect(codes([...base, route(mirrorRule(undefined, [{ method: { service: 'echo.Echo' } }, { method: { method: 'Ping' } },
    { method: { type: 'RegularExpression', service: 'echo\\..*', method: 'P.*' } }]))])).toEqual([]);
});

test('the HTTPRoute checks apply: missing backend Service (TM0101), parent (TM0103), ReferenceGrant from GRPCRoute (TM0105)', () => {
  expect(codes([service('grpc-echo-v2'), gateway, route(mirrorRule())])).toEqual(['TM0101 Error GRPCRoute default/grpc-echo']);
  expect(codes([service('grpc-echo-v1'), service('grpc-echo-v2'), route(mirrorRule())])).toEqual(['TM0103 Error GRPCRoute default/grpc-echo']);
  const crossNamespace = route({ backendRefs: [{ name: 'grpc-echo-v1', namespace: 'echo', port: 9000 }] });
  const grant = (kind: string) => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'echo' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind, namespace: 'default' }], to: [{ group: '', kind: 'Service' }] },
  });
  const objects = [service('grpc-echo-v1', 'echo'), gateway, crossNamespace];
  expect(codes(objects)).toEqual(['TM0105 Error GRPCRoute default/grpc-echo']);
  // A grant for HTTPRoutes does not admit GRPCRoutes.
  expect(codes([...objects, grant('HTTPRoute')])).toEqual(['TM0105 Error GRPCRoute default/grpc-echo']);
  expect(findings([...objects, grant('HTTPRoute')])[0].message).toContain('from GRPCRoute in "default" to Service');
  expect(codes([...objects, grant('GRPCRoute')])).toEqual([]);
});

test('IST0106: a method match the GRPCMethodMatch CEL rules reject', () => {
  const bad = (method: any) => codes([...base, route(mirrorRule(undefined, [{ method }]))]);
  expect(bad({ service: 'echo/Echo', method: 'Ping' })).toEqual(['IST0106 Error GRPCRoute default/grpc-echo']);
  expect(bad({ service: 'echo.Echo', method: 'Ping/' })).toEqual(['IST0106 Error GRPCRoute default/grpc-echo']);
  expect(bad({ type: 'Exact' })).toEqual(['IST0106 Error GRPCRoute default/grpc-echo']);
  // The same characters are fine in a regular expression.
  expect(bad({ type: 'RegularExpression', service: 'echo/Echo' })).toEqual([]);
  const [finding] = findings([...base, route(mirrorRule(undefined, [{ method: { service: 'echo/Echo', method: 'Ping' } }]))]);
  expect(finding.message).toMatch(/^Schema validation error: service "echo\/Echo" is not a gRPC service name .*\(rules\[0\]\.matches\[0\]\.method\)/);
});

test('TM0121: a mirror Istio cannot resolve fails the whole GRPCRoute (missing Service, no port, no ReferenceGrant, a host name)', () => {
  const failing = (backendRef: any, objects = base) => findings([...objects, route(mirrorRule(backendRef))]);
  const missing = failing({ name: 'grpc-echo-v3', port: 9000 });
  expect(missing.map(f => `${f.code} ${f.level}`)).toEqual(['TM0121 Error']);
  expect(missing[0].message).toMatch(/^The mirror rules\[0\]\.filters\[0\]\.requestMirror refers to Service "default\/grpc-echo-v3", which does not exist: .*drops every rule of the route/);
  expect(failing({ name: 'grpc-echo-v2' }).map(f => f.code)).toEqual(['TM0121']);
  expect(failing({ name: 'grpc-echo-v2.default.svc.cluster.local', port: 9000 }).map(f => f.code)).toEqual(['TM0121']);
  const other = [...base, service('grpc-echo-v2', 'echo')];
  expect(failing({ name: 'grpc-echo-v2', namespace: 'echo', port: 9000 }, other).map(f => f.code)).toEqual(['TM0121']);
  // The same mirror on an HTTPRoute is the ordinary TM0101 (Istio drops only the mirror there).
  const http = { ...route(mirrorRule({ name: 'grpc-echo-v3', port: 9000 })), kind: 'HTTPRoute' };
  delete (http.spec.rules[0] as any).matches;
  expect(codes([...base, http])).toEqual(['TM0101 Error HTTPRoute default/grpc-echo']);
});

test('TM0121 respects what a route declares as defined elsewhere', () => {
  const declared = { [DEFINED_ELSEWHERE_ANNOTATION]: JSON.stringify([{ kind: 'Service', namespace: 'default', name: 'grpc-echo-v3', ports: [9000] }]) };
  expect(codes([...base, route(mirrorRule({ name: 'grpc-echo-v3', port: 9000 }), {}, declared)])).toEqual([]);
});

test('TM0122: a backend or mirror port that Istio does not treat as HTTP/2', () => {
  const http = [service('grpc-echo-v1'), service('grpc-echo-v2', 'default', { name: 'http', port: 9000 }), gateway];
  const found = findings([...http, route(mirrorRule())]);
  expect(found.map(f => `${f.code} ${f.level}`)).toEqual(['TM0122 Warning']);
  expect(found[0].message).toMatch(/^The gRPC backend Service "default\/grpc-echo-v2" port 9000 is named "http", which Istio treats as http, not HTTP\/2/);
  expect(codes([service('grpc-echo-v1'), service('grpc-echo-v2', 'default', { name: 'http2-echo', port: 9000 }), gateway, route(mirrorRule())])).toEqual([]);
  expect(codes([service('grpc-echo-v1'), service('grpc-echo-v2', 'default', { name: 'web', port: 9000, appProtocol: 'kubernetes.io/h2c' }), gateway,
    route(mirrorRule())])).toEqual([]);
  expect(codes([service('grpc-echo-v1', 'default', { name: 'tcp', port: 9000 }), service('grpc-echo-v2'), gateway, route(mirrorRule())]))
    .toEqual(['TM0122 Warning GRPCRoute default/grpc-echo']);
});

test('TM0108: a RequestMirror inside a GRPCRoute backendRef', () => {
  const rule = { backendRefs: [{ name: 'grpc-echo-v1', port: 9000, filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'grpc-echo-v2', port: 9000 } } }] }] };
  const found = findings([...base, route(rule)]);
  expect(found.map(f => f.code)).toEqual(['TM0108']);
  expect(found[0].message).toContain('drops the whole route');
});

describe('upstream GRPCRoutes (gateway-api v1.6.1, vendored in test/fixtures/gateway-api/)', () => {
  const read = (name: string) => parseAllDocuments(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'gateway-api', name), 'utf8')).map(d => d.toJS());

  test.each([['basic-grpc.yaml'], ['grpcroute-exact-method-matching.yaml']])('%s: its GRPCRoutes are schema-valid and their method names pass', (name) => {
    const routes = read(name).filter(m => m.kind === 'GRPCRoute');
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) {
      expect(schemaErrors(r)).toEqual([]);
      for (const rule of r.spec.rules) {
        for (const m of rule.matches ?? []) {
          expect(grpcMethodMatchProblem(m.method?.type ?? 'Exact', m.method?.service, m.method?.method)).toBeUndefined();
        }
      }
    }
  });

  test('basic-grpc.yaml: only its Services are missing (TM0101 for each backend); with grpc Services it analyzes clean', () => {
    const objects = read('basic-grpc.yaml');
    expect(findings(objects).map(f => `${f.code} ${f.kind}/${f.name} ${f.message}`)).toEqual([
      expect.stringMatching(/^TM0101 GRPCRoute\/grpc-app-1 Referenced Service "default\/my-service1" not found \(rules\[0\]\.backendRefs\[0\]\)/),
      expect.stringMatching(/^TM0101 GRPCRoute\/grpc-app-1 Referenced Service "default\/my-service2" not found \(rules\[1\]\.backendRefs\[0\]\)/),
    ]);
    const services = ['my-service1', 'my-service2'].map(n => service(n, 'default', { name: 'grpc', port: 50051 }));
    expect(codes([...objects, ...services])).toEqual([]);
  });
});
