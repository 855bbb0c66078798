import { Testing } from 'cdk8s';
import { MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { SAFE_METHODS } from '../../src/core/request-match';
import { GatewayApiGateway } from '../../src/gateway-api/gateway-api-gateway';
import { GatewayImplementation } from '../../src/gateway-api/gateway-implementation';
import { HttpMirrorRoute, HttpMirrorRouteProps } from '../../src/gateway-api/http-mirror-route';
import { BODYLESS_METHODS } from '../../src/gateway-api/rules/implementations';
import { MirrorRolloutPlan } from '../../src/rollout/rollout-plan';
import { GatewayApiFixture, gatewayApiFixture } from './support';

function gateway(f: GatewayApiFixture, props: { gatewayClassName?: string; implementation?: GatewayImplementation }, id = 'gw'): GatewayApiGateway {
  return new GatewayApiGateway(f.chart, id, { name: `${id}-gateway`, hostname: 'httpbin.example.com', credentialName: 'httpbin-credential', ...props });
}

function route(f: GatewayApiFixture, props: Partial<HttpMirrorRouteProps> = {}, id = 'route'): HttpMirrorRoute {
  return new HttpMirrorRoute(f.chart, id, {
    destination: { service: f.service, version: 'v1' },
    mirror: { service: f.service, version: 'v2' },
    gateways: [f.gateway],
    ...props,
  });
}

describe('GatewayImplementation', () => {
  test('of() takes a known name and an optional version; toString() is the CLI\'s NAME@VERSION', () => {
    expect(GatewayImplementation.of('contour', '1.33').toString()).toBe('contour@1.33');
    expect(GatewayImplementation.CONTOUR.name).toBe('contour');
    expect(GatewayImplementation.CONTOUR.version).toBeUndefined();
    expect(GatewayImplementation.ISTIO.withVersion('1.28').toString()).toBe('istio@1.28');
  });

  test('fails when the name is unknown or the version is no release number', () => {
    expect(() => GatewayImplementation.of('haproxy')).toThrow(/^GatewayImplementation: unknown implementation "haproxy": expected one of istio, envoy-gateway/);
    expect(() => GatewayImplementation.of('istio', 'newest')).toThrow(/version of implementation istio must be a release number such as 1.28 or v2.2.1, got "newest"/);
  });

  test('fromGatewayClassName() knows the well-known classes only', () => {
    expect(GatewayImplementation.fromGatewayClassName('gke-l7-regional-external-managed')?.name).toBe('gke');
    expect(GatewayImplementation.fromGatewayClassName('eg')?.name).toBe('envoy-gateway');
    expect(GatewayImplementation.fromGatewayClassName('internal-lb')).toBeUndefined();
  });
});

describe('implementation of GatewayApiGateway and HttpMirrorRoute', () => {
  test('a gateway infers its implementation from a well-known class, none from another class, and takes an explicit one', () => {
    const f = gatewayApiFixture();
    expect(f.gateway.implementation?.name).toBe('istio');
    expect(gateway(f, { gatewayClassName: 'internal-lb' }, 'a').implementation).toBeUndefined();
    expect(gateway(f, { gatewayClassName: 'internal-lb', implementation: GatewayImplementation.of('kgateway', '2.1.0') }, 'b').implementation?.toString())
      .toBe('kgateway@2.1.0');
  });

  test('fails when a route on a Contour gateway mirrors part of the requests (Contour ignores the percentage)', () => {
    const f = gatewayApiFixture();
    route(f, { gateways: [gateway(f, { gatewayClassName: 'contour' })], mirrorPercent: 10 });
    expect(() => Testing.synth(f.chart)).toThrow(
      /\[?test\/ns\/route\]? the route needs HTTPRouteRequestPercentageMirror .* but Contour 1.33 and newer ignores percent and fraction and mirrors every request .*: mirror every request \(percent 100\)/);
  });

  test('a route mirroring every request on Contour synthesizes, with percent 100', () => {
    const f = gatewayApiFixture();
    route(f, { gateways: [gateway(f, { gatewayClassName: 'contour' })] });
    const hr = Testing.synth(f.chart).find(m => m.kind === 'HTTPRoute' && m.metadata.name === 'httpbin');
    expect(hr.spec.rules[0].filters[0].requestMirror.percent).toBe(100);
  });

  test('fails when a gateway\'s implementation (given with version) has no multiple mirrors', () => {
    const f = gatewayApiFixture();
    route(f, {
      gateways: [gateway(f, { gatewayClassName: 'internal-lb', implementation: GatewayImplementation.of('kgateway', 'v2.1.0') })],
      mirror: undefined,
      mirrors: [{ service: f.service, version: 'v2' }, { service: f.service, version: 'v3' }],
    });
    expect(() => Testing.synth(f.chart)).toThrow(/HTTPRouteRequestMultipleMirrors \(2 RequestMirror filters in one rule\), but kgateway v2.1.0 does not support it/);
  });

  test('fails when a gateway of class kong carries a mirror at all', () => {
    const f = gatewayApiFixture();
    route(f, { gateways: [gateway(f, { gatewayClassName: 'kong' })] });
    expect(() => Testing.synth(f.chart)).toThrow(/needs HTTPRouteRequestMirror \(a RequestMirror filter\), but Kong \(Kong Operator\).*: remove the mirror/);
  });

  test('the route\'s own implementation overrides its gateways\'', () => {
    const f = gatewayApiFixture();
    route(f, { gateways: [gateway(f, { gatewayClassName: 'contour' })], mirrorPercent: 10, implementation: GatewayImplementation.ENVOY_GATEWAY });
    const hr = Testing.synth(f.chart).find(m => m.kind === 'HTTPRoute' && m.metadata.name === 'httpbin');
    expect(hr.spec.rules[0].filters[0].requestMirror.percent).toBe(10);
  });

  test('fails when a mesh route names Linkerd, whose policy controller rejects RequestMirror', () => {
    const f = gatewayApiFixture();
    route(f, { gateways: undefined, implementation: GatewayImplementation.of('linkerd', '2.18') });
    expect(() => Testing.synth(f.chart)).toThrow(/Linkerd 2.18 rejects every RequestMirror filter \(its policy controller\)/);
  });

  test('fails when an Istio 1.24.2 route mirrors a fraction (converted 100 times too small); a whole percent passes', () => {
    const f = gatewayApiFixture();
    route(f, { mirrorPercent: 12.5, implementation: GatewayImplementation.of('istio', '1.24.2') });
    expect(() => Testing.synth(f.chart)).toThrow(/a mirror of part of the requests \(fraction\).*Istio 1.24.2 converts a fraction as numerator\/denominator/);
    const g = gatewayApiFixture();
    route(g, { mirrorPercent: 10, implementation: GatewayImplementation.of('istio', '1.24.2') });
    expect(Testing.synth(g.chart).find(m => m.kind === 'HTTPRoute' && m.metadata.name === 'httpbin').spec.rules[0].filters[0].requestMirror.percent).toBe(10);
  });

  test('a stage of a rollout plan is checked against the implementation too', () => {
    const f = gatewayApiFixture();
    const r = route(f, { gateways: [gateway(f, { gatewayClassName: 'contour' })] });
    const plan = new MirrorRolloutPlan(f.chart, 'plan', {
      route: r,
      stages: [{ name: 'mirror-10', mirrors: [{ service: f.service, version: 'v2', percent: 10 }] }],
    });
    expect(() => plan.stageManifests(plan.stageNames[0])).toThrow(/stage .*mirror-10: .*Contour 1.33 and newer ignores percent and fraction/);
  });

  test('the analyzer\'s methods without bodies are the construct\'s safe methods (mirrorSafeMethodsOnly)', () => {
    expect([...BODYLESS_METHODS]).toEqual(SAFE_METHODS);
  });

  test('fails when implementation is not a GatewayImplementation', () => {
    const f = gatewayApiFixture();
    expect(() => route(f, { implementation: 'contour' as any })).toThrow(/test\/ns\/route: implementation must be a GatewayImplementation .*got "contour"/);
    expect(() => gateway(f, { implementation: { name: 'x' } as any })).toThrow(/test\/ns\/gw: implementation must be a GatewayImplementation/);
  });

  test('a given implementation is written as an annotation, which the analysis of the output reads; an inferred one is not', () => {
    const f = gatewayApiFixture();
    const gw = gateway(f, { gatewayClassName: 'internal-lb', implementation: GatewayImplementation.of('envoy-gateway', '1.5.0') });
    route(f, { gateways: [gw] });
    const manifests = Testing.synth(f.chart);
    const annotations = (kind: string, name: string) => manifests.find(m => m.kind === kind && m.metadata.name === name).metadata.annotations ?? {};
    expect(annotations('Gateway', 'gw-gateway')['cdk8s-traffic-mirror/implementation']).toBe('envoy-gateway@1.5.0');
    expect(annotations('Gateway', 'httpbin-gateway')['cdk8s-traffic-mirror/implementation']).toBeUndefined();
    expect(annotations('HTTPRoute', 'httpbin')['cdk8s-traffic-mirror/implementation']).toBeUndefined();
    // The class alone says nothing; the annotation says Envoy Gateway 1.5.0, which appends -shadow.
    expect(MeshAnalyzer.analyze(manifests).filter(m => m.code.startsWith('TM02')).map(m => `${m.code} ${m.message.split(':')[0]}`))
      .toEqual(['TM0202 Implementation Envoy Gateway 1.5.0, from the annotation cdk8s-traffic-mirror/implementation of Gateway default/gw-gateway']);

    const g = gatewayApiFixture();
    route(g, { implementation: GatewayImplementation.of('istio', '1.28') });
    const routed = Testing.synth(g.chart).find(m => m.kind === 'HTTPRoute' && m.metadata.name === 'httpbin');
    expect(routed.metadata.annotations['cdk8s-traffic-mirror/implementation']).toBe('istio@1.28');
  });
});
