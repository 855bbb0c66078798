import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { IMeshService, IRouteGateway } from '../../src/core/references';
import { StringMatch } from '../../src/core/request-match';
import { MirrorRouteOptions, RouteSpec } from '../../src/core/route-model';
import { IstioGateway } from '../../src/istio/istio-gateway';
import { MirrorRoute } from '../../src/istio/mirror-route';
import { MeshService } from '../../src/services/mesh-service';
import { ServiceVersion } from '../../src/workloads/service-version';

// RouteSpec holds the rules every API shares; the Istio rules are tested with the Istio renderer, the constructs'
// use of both with MirrorRoute.

function setup() {
  const chart = Testing.chart();
  const service = MeshService.fromServiceAttributes(chart, 'svc', { name: 'httpbin', ports: [8000], versions: ['v1', 'v2'] });
  const twoPorts = MeshService.fromServiceAttributes(chart, 'two', { name: 'two', ports: [8000, 9000] });
  const scope = new Construct(chart, 'route');
  const spec = (props: MirrorRouteOptions, gateways: IRouteGateway[] = []) => new RouteSpec(scope, scope, props, gateways);
  return { chart, service, twoPorts, spec };
}

describe('RouteSpec', () => {
  test('a mirror route is one rule: the destination at weight 100 and the mirror at its percent, ports resolved', () => {
    const { service, spec } = setup();
    const model = spec({ destination: { service, version: 'v1' }, mirror: { service, version: 'v2' }, mirrorPercent: 12.5 }).model();
    expect(model).toMatchObject({ name: 'httpbin', namespace: undefined, hosts: undefined, gateways: [], meshService: service });
    expect(model.rules).toEqual([{
      port: undefined, timeoutMillis: undefined, retries: undefined, requestHeaders: undefined, responseHeaders: undefined,
      destinations: [{ service, version: 'v1', port: 8000, weight: 100 }],
      mirrors: [{ backend: { service, version: 'v2', port: 8000 }, percent: 12.5 }],
    }]);
  });

  test('mirroring by match or safe methods only is a "mirrored" rule with the mirrors, then a "default" rule without', () => {
    const { service, spec } = setup();
    const uri = StringMatch.prefix('/api/');
    const model = spec({ destination: { service, version: 'v1' }, mirror: { service, version: 'v2' }, mirrorMatches: [{ uri }], mirrorSafeMethodsOnly: true }).model();
    expect(model.rules.map(r => ({ name: r.name, matches: r.matches, methods: r.methods, mirrors: r.mirrors.length })))
      .toEqual([{ name: 'mirrored', matches: [{ uri }], methods: ['GET', 'HEAD', 'OPTIONS'], mirrors: 1 }, { name: 'default', matches: undefined, methods: undefined, mirrors: 0 }]);
  });

  test('a mirror at 0% is kept in the code but not in the model, and then needs no rule of its own', () => {
    const { service, spec } = setup();
    const model = spec({ destination: { service, version: 'v1' }, mirror: { service, version: 'v2' }, mirrorPercent: 0, mirrorSafeMethodsOnly: true }).model();
    expect(model.rules).toHaveLength(1);
    expect(model.rules[0].mirrors).toEqual([]);
  });

  test('the mesh belongs to the first destination\'s service, unless the route is attached to gateways only', () => {
    const { chart, service, spec } = setup();
    const gateway = IstioGateway.fromGatewayName(chart, 'gw', 'gw');
    expect(spec({ destination: { service } }, [gateway]).model()).toMatchObject({ meshService: undefined, gateways: [{ gateway }] });
    expect(spec({ destination: { service }, includeMesh: true }, [gateway]).model().meshService).toBe(service);
  });

  test('withTargets derives a stage with the route\'s other settings and checks it like the route', () => {
    const { service, spec } = setup();
    const route = spec({ destination: { service, version: 'v1' }, mirrorMatches: [{ uri: StringMatch.prefix('/a') }] });
    const stage = route.withTargets([{ service, version: 'v1', weight: 90 }, { service, version: 'v2', weight: 10 }], []);
    expect(stage.rules).toHaveLength(1);
    expect(stage.rules[0].destinations.map(d => [d.version, d.weight])).toEqual([['v1', 90], ['v2', 10]]);
    expect(route.withTargets(undefined, [{ service, version: 'v2', percent: 10 }]).rules[0].name).toBe('mirrored');
    expect(() => route.withTargets([{ service, version: 'v1', weight: 50 }], [])).toThrow(/the weights of destinations add up to 50/);
    expect(() => route.withTargets(undefined, [{ service, version: 'v1' }])).toThrow(/mirrors\[0\] is the same as the destination/);
  });

  test('reports versions the service does not define, once per target', () => {
    const { service, spec } = setup();
    const route = spec({ destination: { service, version: 'v3' }, mirror: { service, version: 'v2' }, mirrorMatches: [{ uri: StringMatch.prefix('/') }] });
    // Reported once, although both rules (mirrored, default) route to it.
    expect(route.problems(route.model())).toEqual([
      'destination version "v3" is not defined for service httpbin (its versions: v1, v2): add a version "v3" to the service or pick one of its versions',
    ]);
    const unknown = MeshService.fromServiceAttributes(new Construct(Testing.chart(), 'x'), 'u', { name: 'u', ports: [80] });
    const open = spec({ destination: { service: unknown, version: 'anything' } });
    expect(open.problems(open.model())).toEqual([]);
  });

  test('fails when a port is not a port of the service, or is needed and not given', () => {
    const { service, twoPorts, spec } = setup();
    expect(() => spec({ destination: { service, port: 9000 } }))
      .toThrow('test/route: destination.port 9000 is not a port of service httpbin (its ports: 8000): use one of them');
    expect(() => spec({ destination: { service: twoPorts } }))
      .toThrow('test/route: destination.port is required: service two has several ports (8000, 9000); name the port the route targets');
    expect(spec({ destination: { service: twoPorts, port: 9000 } }).model().rules[0].destinations[0].port).toBe(9000);
  });

  test('fails when a mirror overlaps the serving pods', () => {
    const { service, spec } = setup();
    expect(() => spec({ destination: { service, version: 'v1' }, mirror: { service } }))
      .toThrow(/mirror \(httpbin, no version: every pod of the service\) includes the pods of destination \(httpbin version v1\)/);
    expect(() => spec({ destination: { service }, mirror: { service, version: 'v2' } }))
      .toThrow(/set destination.version to the serving version, so that only copies reach version v2/);
    expect(() => spec({ destinations: [{ service, version: 'v1', weight: 90 }, { service, version: 'v2', weight: 10 }], mirror: { service, version: 'v2' } }))
      .toThrow(/mirror \(httpbin version v2\) is one of the weighted destinations \(weight 10\)/);
    const twice = spec({ destination: { service, version: 'v1' }, mirror: { service, version: 'v2' } });
    expect(() => twice.addMirror('addMirror(httpbin)', { service, version: 'v2' }, () => {})).toThrow(/addMirror\(httpbin\) mirrors to httpbin version v2 again/);
  });

  test('addMirror lets the caller refuse the model with the new mirror, and then keeps nothing', () => {
    const { service, spec } = setup();
    const route = spec({ destination: { service, version: 'v1' } });
    expect(() => route.addMirror('addMirror(httpbin)', { service, version: 'v2' }, () => { throw new Error('refused'); })).toThrow('refused');
    expect(route.mirrorTargets).toEqual([]);
    route.addMirror('addMirror(httpbin)', { service, version: 'v2' }, model => expect(model.rules[0].mirrors).toHaveLength(1));
    expect(route.mirrorTargets).toEqual([{ service, version: 'v2', port: 8000, percent: 100 }]);
  });

  test('the declared mirror matches are in the model even while no mirror is active, for the renderer to check', () => {
    const { service, spec } = setup();
    const uri = StringMatch.prefix('/api');
    expect(spec({ destination: { service, version: 'v1' }, mirrorMatches: [{ uri }] }).model().mirrorMatches).toEqual([{ uri }]);
  });

  test('reports matches or safe methods without a mirror', () => {
    const { service, spec } = setup();
    const route = spec({ destination: { service, version: 'v1' }, mirrorMatches: [{ uri: StringMatch.prefix('/') }], mirrorSafeMethodsOnly: true });
    expect(route.problems(route.model())).toEqual([
      expect.stringMatching(/^mirrorMatches is set but the route has no mirror/),
      expect.stringMatching(/^mirrorSafeMethodsOnly is set but the route has no mirror/),
    ]);
  });
});

describe('memoized checks read a user\'s own IMeshService afresh (issue 14)', () => {
  test('a version added to a user\'s IMeshService after a synth is seen by the next synth', () => {
    const chart = Testing.chart();
    const versionNames = ['v1'];
    const own = Object.assign(new Construct(chart, 'own'), { serviceName: 'own', portNumbers: [80], definedElsewhere: true }) as unknown as IMeshService;
    // A live getter, as a user's class would have (Object.assign would copy a getter's value once).
    Object.defineProperty(own, 'versionNames', { get: () => [...versionNames] });
    new MirrorRoute(chart, 'route', { destination: { service: own, version: 'v2' } });
    expect(() => Testing.synth(chart)).toThrow('destination version "v2" is not defined for service own (its versions: v1)');
    // The library is not told of this change (no changed()): the check must not answer from its memo.
    versionNames.push('v2');
    expect(() => Testing.synth(chart)).not.toThrow();
  });
  test('a user\'s IMeshService that a route refers to only after addMirror() is read afresh too', () => {
    const chart = Testing.chart();
    const web = new MeshService(chart, 'web', { port: 80, versions: [ServiceVersion.fromDeploymentName(chart, 'web-v1', { app: 'web', version: 'v1', name: 'web-v1' })] });
    const route = new MirrorRoute(chart, 'route', { destination: { service: web, version: 'v1' } });
    expect(() => Testing.synth(chart)).not.toThrow();
    const versionNames = ['v1'];
    const own = Object.assign(new Construct(chart, 'own'), { serviceName: 'own', portNumbers: [80], definedElsewhere: true }) as unknown as IMeshService;
    Object.defineProperty(own, 'versionNames', { get: () => [...versionNames] });
    route.addMirror({ service: own, version: 'v2' });
    expect(() => Testing.synth(chart)).toThrow('mirror version "v2" is not defined for service own (its versions: v1)');
    versionNames.push('v2');
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});
