import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import { MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { GrpcMethodMatchType } from '../../src/core/grpc-match';
import { StringMatch } from '../../src/core/request-match';
import { GatewayApiGateway } from '../../src/gateway-api/gateway-api-gateway';
import { GrpcMirrorRoute, GrpcMirrorRouteProps } from '../../src/gateway-api/grpc-mirror-route';
import { MeshService } from '../../src/services/mesh-service';
import { MirrorRolloutPlan } from '../../src/rollout/rollout-plan';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests, schemaErrors } from '../support/schema';

interface Fixture {
  readonly chart: Chart;
  readonly service: MeshService;
}

/** grpc-echo v1, v2 and v3 with version Services, port 9000 named `portName`, in `namespace`. */
function fixture(portName = 'grpc', namespace = 'default', chart = new Chart(Testing.app(), 'grpc', { namespace })): Fixture {
  const versions = ['v1', 'v2', 'v3'].map(v => new ServiceVersion(chart, `${namespace}-grpc-echo-${v}`, {
    app: 'grpc-echo', version: v, image: 'ghcr.io/example/grpc-echo:1.0', containerPort: 9000, namespace,
  }));
  const service = new MeshService(chart, `grpc-echo-${namespace}`, {
    name: 'grpc-echo', namespace, port: 9000, portName, versions, versionServices: true,
  });
  return { chart, service };
}

function route(f: Fixture, props: Partial<GrpcMirrorRouteProps> = {}): GrpcMirrorRoute {
  return new GrpcMirrorRoute(f.chart, 'route', {
    destination: { service: f.service, version: 'v1' },
    mirror: { service: f.service, version: 'v2' },
    ...props,
  });
}

function grpcRoute(chart: Chart): any {
  const routes = Testing.synth(chart).filter(m => m.kind === 'GRPCRoute');
  expect(routes).toHaveLength(1);
  return routes[0];
}

const PING = { method: { service: 'echo.Echo', method: 'Ping' } };

describe('GrpcMirrorRoute', () => {
  test('is the GRPCRoute itself: one construct', () => {
    const f = fixture();
    const r = route(f);
    expect(r).toBeInstanceOf(ApiObject);
    expect(r.grpcRoute).toBe(r);
    expect(ApiObject.of(r)).toBe(r);
    expect([r.apiVersion, r.kind]).toEqual(['gateway.networking.k8s.io/v1', 'GRPCRoute']);
    expect(r.toJson()).toEqual(grpcRoute(f.chart));
  });

  test('a mesh route: GAMMA parent, the method match on the mirrored rule, version Services as backends', () => {
    const f = fixture();
    const r = route(f, { mirrorPercent: 50, mirrorGrpcMatches: [PING] });
    const object = grpcRoute(f.chart);
    expect(object.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(object.metadata.name).toBe(r.routeName);
    expect(object.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: f.service.serviceName, port: 9000 }]);
    const [mirrored, rest] = object.spec.rules;
    expect(mirrored.matches).toEqual([{ method: { type: 'Exact', service: 'echo.Echo', method: 'Ping' } }]);
    expect(mirrored.filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'grpc-echo-v2', port: 9000 }, percent: 50 } }]);
    expect(mirrored.backendRefs).toEqual([{ group: '', kind: 'Service', name: 'grpc-echo-v1', port: 9000, weight: 100 }]);
    expect(rest).toEqual({ name: 'default', backendRefs: mirrored.backendRefs });
    expect(r.grpcRoute.kind).toBe('GRPCRoute');
    const manifests = Testing.synth(f.chart);
    expectValidManifests(manifests);
    expect(MeshAnalyzer.analyze(manifests)).toEqual([]);
    expect(manifests).toMatchSnapshot();
  });

  test('a gateway route with a decimal percentage (fraction), weighted destinations, headers and header modifiers', () => {
    const f = fixture();
    const gateway = new GatewayApiGateway(f.chart, 'gateway', { name: 'echo-gateway', hostname: 'echo.example.com', credentialName: 'echo-credential' });
    route(f, {
      destination: undefined,
      destinations: [{ service: f.service, version: 'v1', weight: 90 }, { service: f.service, version: 'v3', weight: 10 }],
      mirrorPercent: 12.5,
      gateways: [gateway],
      mirrorGrpcMatches: [
        { method: { service: 'echo.Echo' }, headers: { 'x-shadow': StringMatch.exact('yes') } },
        { method: { service: 'echo\\..*', type: GrpcMethodMatchType.REGULAR_EXPRESSION }, headers: { 'x-user': StringMatch.regex('beta-.*') } },
      ],
      requestHeaders: { set: { 'x-route': 'grpc' } },
    });
    const object = grpcRoute(f.chart);
    expect(object.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.gatewayName, sectionName: gateway.sectionName }]);
    expect(object.spec.hostnames).toEqual(['echo.example.com']);
    const [mirrored] = object.spec.rules;
    expect(mirrored.matches).toEqual([
      { method: { type: 'Exact', service: 'echo.Echo' }, headers: [{ type: 'Exact', name: 'x-shadow', value: 'yes' }] },
      { method: { type: 'RegularExpression', service: 'echo\\..*' }, headers: [{ type: 'RegularExpression', name: 'x-user', value: 'beta-.*' }] },
    ]);
    expect(mirrored.filters.map((x: any) => x.type)).toEqual(['RequestHeaderModifier', 'RequestMirror']);
    expect(mirrored.filters[1].requestMirror.fraction).toEqual({ numerator: 125, denominator: 1000 });
    expect(mirrored.backendRefs.map((b: any) => [b.name, b.weight])).toEqual([['grpc-echo-v1', 90], ['grpc-echo-v3', 10]]);
    const manifests = Testing.synth(f.chart);
    expectValidManifests(manifests);
    expect(MeshAnalyzer.analyze(manifests)).toEqual([]);
  });

  test('a target in another namespace gets a ReferenceGrant from GRPCRoutes', () => {
    const chart = new Chart(Testing.app(), 'grpc', { namespace: 'default' });
    const local = fixture('grpc', 'default', chart);
    const other = fixture('grpc', 'echo', chart);
    route(local, { mirror: { service: other.service, version: 'v2' } });
    const grants = Testing.synth(chart).filter(m => m.kind === 'ReferenceGrant');
    expect(grants).toHaveLength(1);
    expect(grants[0].metadata).toEqual({ name: 'default-grpc-echo-grpcroute', namespace: 'echo' });
    expect(grants[0].spec.from).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'default' }]);
    expect(grants[0].spec.to.map((t: any) => t.name)).toEqual(['grpc-echo', 'grpc-echo-v1', 'grpc-echo-v2', 'grpc-echo-v3']);
    expect(grpcRoute(chart).spec.rules[0].filters[0].requestMirror.backendRef).toEqual({ group: '', kind: 'Service', name: 'grpc-echo-v2', namespace: 'echo', port: 9000 });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests);
    expect(MeshAnalyzer.analyze(manifests)).toEqual([]);
  });

  test('a rollout plan varies the GRPCRoute, and keeps the gRPC matches in every mirroring stage', () => {
    const f = fixture();
    const r = route(f, { mirrorPercent: 0, mirrorGrpcMatches: [PING] });
    const plan = new MirrorRolloutPlan(f.chart, 'plan', {
      route: r,
      stages: MirrorRolloutPlan.mirrorThenCanary({ stable: { service: f.service, version: 'v1' }, candidate: { service: f.service, version: 'v2' } }),
    });
    const mirror10 = plan.stageManifests('02-mirror-10').find(m => m.kind === 'GRPCRoute');
    expect(mirror10.spec.rules[0].matches).toEqual([{ method: { type: 'Exact', service: 'echo.Echo', method: 'Ping' } }]);
    expect(mirror10.spec.rules[0].filters[0].requestMirror.percent).toBe(10);
    const routeOnly = plan.stageManifests('01-route').find(m => m.kind === 'GRPCRoute');
    expect(routeOnly.spec.rules).toEqual([{ backendRefs: [{ group: '', kind: 'Service', name: 'grpc-echo-v1', port: 9000, weight: 100 }] }]);
    plan.stageNames.forEach(s => expectValidManifests(plan.stageManifests(s)));
  });

  test('the schema (v1.6.1 CRD with its CEL rules) rejects what the constructs refuse to write', () => {
    const f = fixture();
    route(f, { mirrorGrpcMatches: [PING] });
    const object = grpcRoute(f.chart);
    expect(schemaErrors(object)).toEqual([]);
    object.spec.rules[0].matches[0].method.service = 'echo/Echo';
    expect(schemaErrors(object).join('\n')).toMatch(/service must only contain valid characters/);
    delete object.spec.rules[0].matches[0].method.service;
    delete object.spec.rules[0].matches[0].method.method;
    expect(schemaErrors(object).join('\n')).toMatch(/One or both of 'service' or 'method' must be specified/);
  });

  describe('fails when', () => {
    test('timeout or retries are set (a GRPCRoute has neither in the standard channel)', () => {
      expect(() => route(fixture(), { timeout: Duration.seconds(1) }))
        .toThrow(/^grpc\/route: timeout cannot be expressed: a GRPCRoute has no timeouts in the standard channel \(v1\.6\.1\).*\(the Gateway API\)$/);
      expect(() => route(fixture(), { retries: { attempts: 2 } })).toThrow(/^grpc\/route: retries cannot be expressed: a GRPCRoute has no retries/);
    });

    test('a target port is not a gRPC (HTTP/2) port', () => {
      expect(() => route(fixture('http'))).toThrow(/^grpc\/route: destination: port 9000 of service grpc-echo is named "http", so Istio treats it as http/);
    });

    test('HTTP request matches are given', () => {
      expect(() => route(fixture(), { mirrorMatches: [{ uri: StringMatch.prefix('/echo.Echo/') }] })).toThrow(/use mirrorGrpcMatches/);
    });

    test('a gRPC match has a bad name, an invalid regex, a top-level | or too many headers', () => {
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ method: { service: 'echo.Echo', method: 'Ping()' } }] }))
        .toThrow(/^grpc\/route: mirrorGrpcMatches\[0\]\.method: method "Ping\(\)" is not a gRPC method name .*\(the Gateway API\)$/);
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ method: { method: 'P(?=x)', type: GrpcMethodMatchType.REGULAR_EXPRESSION } }] }))
        .toThrow(/mirrorGrpcMatches\[0\]\.method\.method: "P\(\?=x\)" is not a valid RE2 regular expression/);
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ method: { method: 'Ping|Pong', type: GrpcMethodMatchType.REGULAR_EXPRESSION } }] }))
        .toThrow(/method "Ping\|Pong" has a top-level "\|"/);
      const headers = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`x-h${i}`, StringMatch.exact('1')]));
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ headers }] })).toThrow(/mirrorGrpcMatches\[0\]\.headers lists 17 headers, more than the 16/);
    });

    test('a version has no Service of its own', () => {
      const chart = new Chart(Testing.app(), 'grpc', { namespace: 'default' });
      const service = new MeshService(chart, 'echo', { app: 'echo', port: 9000, portName: 'grpc' });
      expect(() => new GrpcMirrorRoute(chart, 'route', { destination: { service, version: 'v1' } })).toThrow(/which has no Service per version/);
    });

    test('a mirror version is not defined (Istio would fail the whole GRPCRoute on its missing Service)', () => {
      const f = fixture();
      route(f, { mirror: { service: f.service, version: 'v4' } });
      expect(() => Testing.synth(f.chart)).toThrow(/mirror version "v4" is not defined for service grpc-echo/);
    });
  });
});
