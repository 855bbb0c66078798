import { Chart, Duration, Testing } from 'cdk8s';
import { GrpcMethodMatchType } from '../../src/core/grpc-match';
import { StringMatch } from '../../src/core/request-match';
import { RetryOn } from '../../src/core/route-policy';
import { IstioGrpcMirrorRoute, IstioGrpcMirrorRouteProps } from '../../src/istio/grpc-mirror-route';
import { IstioGateway } from '../../src/istio/istio-gateway';
import { MeshService } from '../../src/services/mesh-service';
import { MirrorRoute } from '../../src/istio/mirror-route';
import { MirrorRolloutPlan } from '../../src/rollout/rollout-plan';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';

interface Fixture {
  readonly chart: Chart;
  readonly service: MeshService;
}

/** grpc-echo v1, v2 and v3 behind one service whose port 9000 is named `portName` (plus http 8080 when `withHttp`). */
function fixture(portName = 'grpc', withHttp = false): Fixture {
  const chart = new Chart(Testing.app(), 'grpc', { namespace: 'default' });
  const versions = ['v1', 'v2', 'v3'].map(v => new ServiceVersion(chart, `grpc-echo-${v}`, {
    app: 'grpc-echo', version: v, image: 'ghcr.io/example/grpc-echo:1.0', containerPort: 9000,
  }));
  const ports = [{ name: portName, port: 9000 }, ...(withHttp ? [{ name: 'http', port: 8080, targetPort: 9000 }] : [])];
  return { chart, service: new MeshService(chart, 'grpc-echo', { ports, versions }) };
}

function route(f: Fixture, props: Partial<IstioGrpcMirrorRouteProps> = {}): IstioGrpcMirrorRoute {
  return new IstioGrpcMirrorRoute(f.chart, 'route', {
    destination: { service: f.service, version: 'v1', port: 9000 },
    mirror: { service: f.service, version: 'v2', port: 9000 },
    ...props,
  });
}

function http(chart: Chart): any[] {
  const vs = Testing.synth(chart).filter(m => m.kind === 'VirtualService');
  expect(vs).toHaveLength(1);
  return vs[0].spec.http;
}

describe('IstioGrpcMirrorRoute', () => {
  test('a method match becomes the exact path /<service>/<method> of the mirrored rule, then a catch-all without mirror', () => {
    const f = fixture();
    const r = route(f, { mirrorPercent: 50, mirrorGrpcMatches: [{ method: { service: 'echo.Echo', method: 'Ping' } }] });
    const rules = http(f.chart);
    expect(rules.map(h => h.name)).toEqual(['mirrored', 'default']);
    expect(rules[0].match).toEqual([{ uri: { exact: '/echo.Echo/Ping' } }]);
    expect(rules[0].mirror).toEqual({ host: f.service.serviceName, subset: 'v2', port: { number: 9000 } });
    expect(rules[0].mirrorPercentage).toEqual({ value: 50 });
    expect(rules[1].match).toBeUndefined();
    expect(rules[1].mirror).toBeUndefined();
    expect(r).toBeInstanceOf(MirrorRoute);
    expect(r.mirrorPercent).toBe(50);
    expectValidManifests(Testing.synth(f.chart));
    expect(Testing.synth(f.chart)).toMatchSnapshot();
  });

  test('a service alone, a method alone, regular expressions and headers, each rendered as Istio\'s GRPCRoute conversion does', () => {
    const f = fixture();
    route(f, {
      mirrorGrpcMatches: [
        { method: { service: 'echo.Echo' } },
        { method: { method: 'Ping' } },
        { method: { service: 'echo\\.v[0-9]+\\.Echo', method: '(Ping|Pong)', type: GrpcMethodMatchType.REGULAR_EXPRESSION } },
        { headers: { 'x-shadow': StringMatch.exact('yes'), 'x-user': StringMatch.regex('beta-.*') } },
      ],
    });
    expect(http(f.chart)[0].match).toEqual([
      { uri: { prefix: '/echo.Echo/' } },
      { uri: { regex: '/[^/]+/Ping' } },
      { uri: { regex: '/echo\\.v[0-9]+\\.Echo/(Ping|Pong)' } },
      { headers: { 'x-shadow': { exact: 'yes' }, 'x-user': { regex: 'beta-.*' } } },
    ]);
    expectValidManifests(Testing.synth(f.chart));
  });

  test('without matches every call is mirrored; port, timeout and gRPC retries are the MirrorRoute\'s', () => {
    const f = fixture('grpc', true);
    route(f, { port: 9000, timeout: Duration.seconds(2), retries: { attempts: 3, retryOn: [RetryOn.GRPC_UNAVAILABLE] } });
    const rules = http(f.chart);
    expect(rules).toHaveLength(1);
    expect(rules[0].match).toEqual([{ port: 9000 }]);
    expect(rules[0].timeout).toBe('2s');
    expect(rules[0].retries).toEqual({ attempts: 3, retryOn: 'unavailable' });
    expect(rules[0].mirror.subset).toBe('v2');
  });

  test('the port match is kept on every gRPC match, and addMirror() adds to the mirrored rule', () => {
    const f = fixture('grpc-api', true);
    const r = route(f, { port: 9000, mirrorGrpcMatches: [{ method: { service: 'echo.Echo', method: 'Ping' } }] });
    r.addMirror({ service: f.service, version: 'v3', port: 9000, percent: 10 });
    const rules = http(f.chart);
    expect(rules[0].match).toEqual([{ uri: { exact: '/echo.Echo/Ping' }, port: 9000 }]);
    expect(rules[0].mirrors.map((m: any) => [m.destination.subset, m.percentage.value])).toEqual([['v2', 100], ['v3', 10]]);
    expect(rules[1].match).toEqual([{ port: 9000 }]);
  });

  test('http2 and grpc-web ports carry gRPC too; a service defined elsewhere is not checked here', () => {
    for (const name of ['http2', 'grpc-web']) {
      const f = fixture(name);
      route(f);
      expect(http(f.chart)[0].mirror.port).toEqual({ number: 9000 });
    }
    const f = fixture();
    const imported = MeshService.fromServiceAttributes(f.chart, 'other', { name: 'other-echo', ports: [9000], versions: ['v1', 'v2'] });
    new IstioGrpcMirrorRoute(f.chart, 'imported', { destination: { service: imported, version: 'v1' }, mirror: { service: imported, version: 'v2' } });
    expect(Testing.synth(f.chart).filter(m => m.kind === 'VirtualService')).toHaveLength(1);
  });

  test('routes through gateways like a MirrorRoute', () => {
    const f = fixture();
    const gateway = new IstioGateway(f.chart, 'gateway', { name: 'echo-gateway', hosts: ['echo.example.com'], credentialName: 'echo-credential' });
    route(f, { gateways: [gateway], mirrorGrpcMatches: [{ method: { service: 'echo.Echo', method: 'Ping' } }] });
    const vs = Testing.synth(f.chart).find(m => m.kind === 'VirtualService');
    expect(vs.spec.gateways).toEqual([gateway.gatewayName]);
    expect(vs.spec.hosts).toEqual(gateway.hosts);
    expect(vs.spec.http[0].match).toEqual([{ uri: { exact: '/echo.Echo/Ping' } }]);
  });

  test('a rollout plan renders its stages through the gRPC renderer: the method match stays on the mirrored rule', () => {
    const f = fixture();
    const r = route(f, { mirrorPercent: 0, mirrorGrpcMatches: [{ method: { service: 'echo.Echo', method: 'Ping' } }] });
    const plan = new MirrorRolloutPlan(f.chart, 'plan', {
      route: r,
      stages: MirrorRolloutPlan.mirrorThenCanary({ stable: { service: f.service, version: 'v1' }, candidate: { service: f.service, version: 'v2' } }),
    });
    const stage = (name: string) => plan.stageManifests(name).find(m => m.kind === 'VirtualService').spec.http;
    expect(stage('01-route')).toHaveLength(1);
    expect(stage('01-route')[0].mirror).toBeUndefined();
    const mirror10 = stage('02-mirror-10');
    expect(mirror10[0].match).toEqual([{ uri: { exact: '/echo.Echo/Ping' } }]);
    expect(mirror10[0].mirrorPercentage).toEqual({ value: 10 });
    expect(mirror10[1].match).toBeUndefined();
    plan.stageNames.forEach(name => expectValidManifests(plan.stageManifests(name)));
  });

  describe('fails when', () => {
    test('a target port is not a gRPC (HTTP/2) port', () => {
      expect(() => route(fixture('http'))).toThrow(/^grpc\/route: destination: port 9000 of service grpc-echo is named "http", so Istio treats it as http \(HTTP\/1\.1 to the pods, which gRPC servers refuse\); gRPC needs a port of protocol grpc, grpc-web, http2: name it "grpc" \(or "grpc-<suffix>"\) in grpc\/grpc-echo$/);
      expect(() => route(fixture('tcp'))).toThrow(/port 9000 of service grpc-echo is named "tcp", so Istio treats it as tcp \(not routed as HTTP: no route or mirror applies\)/);
      const f = fixture('grpc', true);
      expect(() => route(f, { mirror: { service: f.service, version: 'v2', port: 8080 } })).toThrow(/^grpc\/route: mirror: port 8080 of service grpc-echo is named "http"/);
    });

    test('HTTP request matches are given', () => {
      expect(() => route(fixture(), { mirrorMatches: [{ uri: StringMatch.prefix('/echo.Echo/') }] }))
        .toThrow(/^grpc\/route: mirrorMatches matches HTTP requests \(uri, method, query parameters\), which a gRPC route does not have.*use mirrorGrpcMatches/);
      expect(() => route(fixture(), { mirrorSafeMethodsOnly: true })).toThrow(/mirrorSafeMethodsOnly selects HTTP methods, but every gRPC call is a POST/);
    });

    test('a gRPC match is empty, has no conditions, a bad name, a prefix or an invalid regex', () => {
      expect(() => route(fixture(), { mirrorGrpcMatches: [] })).toThrow(/mirrorGrpcMatches must not be empty/);
      expect(() => route(fixture(), { mirrorGrpcMatches: [{}] })).toThrow(/mirrorGrpcMatches\[0\] has no conditions: give method or headers/);
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ method: {} }] })).toThrow(/mirrorGrpcMatches\[0\]\.method: one or both of service and method must be given/);
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ method: { service: 'echo.Echo/Ping' } }] }))
        .toThrow(/mirrorGrpcMatches\[0\]\.method: service "echo.Echo\/Ping" is not a gRPC service name/);
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ headers: { 'x-a': StringMatch.prefix('b') } }] }))
        .toThrow(/mirrorGrpcMatches\[0\]\.headers\["x-a"\] is a prefix match, which gRPC routes do not support/);
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ headers: { 'X-A': StringMatch.exact('b') } }] })).toThrow(/"X-A" is not a lowercase HTTP header name/);
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ method: { service: 'echo(?=x)', type: GrpcMethodMatchType.REGULAR_EXPRESSION } }] }))
        .toThrow(/mirrorGrpcMatches\[0\]\.method: the path regex "\/echo\(\?=x\)\/\.\+" it becomes is not a valid RE2 regular expression/);
    });

    test('a regular expression has a top-level | (Istio joins service and method into one path regex without grouping)', () => {
      expect(() => route(fixture(), { mirrorGrpcMatches: [{ method: { method: 'Ping|Pong', type: GrpcMethodMatchType.REGULAR_EXPRESSION } }] }))
        .toThrow(/mirrorGrpcMatches\[0\]\.method: method "Ping\|Pong" has a top-level "\|".*e\.g\. "\(Ping\|Pong\)"$/);
    });

    test('mirrorGrpcMatches are given to a route that is not a gRPC route', () => {
      const f = fixture();
      expect(() => new MirrorRoute(f.chart, 'http', {
        destination: { service: f.service, version: 'v1' }, mirror: { service: f.service, version: 'v2' },
        ...{ mirrorGrpcMatches: [{ method: { service: 'echo.Echo' } }] },
      })).toThrow(/^grpc\/http: mirrorGrpcMatches is an option of gRPC routes: use GrpcMirrorRoute \(Gateway API\) or IstioGrpcMirrorRoute/);
    });

    test('an HTTP MirrorRoute and a gRPC route apply to the same mesh host (Istio applies one VirtualService per host on sidecars)', () => {
      const f = fixture('grpc', true);
      route(f, { port: 9000 });
      new MirrorRoute(f.chart, 'http', {
        name: 'grpc-echo-http', port: 8080, destination: { service: f.service, version: 'v1', port: 8080 }, mirror: { service: f.service, version: 'v2', port: 8080 },
      });
      expect(() => Testing.synth(f.chart)).toThrow(/IST0109 .*grpc-echo-http/);
    });

    test('mirrorGrpcMatches are set but nothing is mirrored', () => {
      const f = fixture();
      route(f, { mirror: undefined, mirrorGrpcMatches: [{ method: { service: 'echo.Echo' } }] });
      expect(() => Testing.synth(f.chart)).toThrow(/mirrorGrpcMatches is set but the route has no mirror/);
    });
  });
});
