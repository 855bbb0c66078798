import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { FindingLevel, MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { HttpbinMirrorChart, MeshApi } from '../../../src/scenario/httpbin-mirror-chart';

// TM0200-TM0204: the route's mirrors judged against the implementation that runs it (the profiles of
// src/gateway-api/rules/implementations.ts, whose own tests cite the source of each fact). The implementation comes
// from --implementation (AnalyzeOptions.implementation), else from the parent Gateway's well-known gatewayClassName.

const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8000 }] } });

const gateway = (gatewayClassName: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' },
  spec: { gatewayClassName, listeners: [{ name: 'http', port: 80, protocol: 'HTTP', hostname: 'httpbin.example.com' }] },
});

const mirror = (extra: any = {}, name = 'httpbin-v2') => ({ type: 'RequestMirror', requestMirror: { backendRef: { name, port: 8000 }, ...extra } });

const route = (filters: any[], parentRefs: any[] = [{ name: 'gw' }], matches?: any[]) => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'httpbin', namespace: 'default' },
  spec: { parentRefs, hostnames: ['httpbin.example.com'], rules: [{ matches, backendRefs: [{ name: 'httpbin-v1', port: 8000 }], filters }] },
});

const services = [service('httpbin-v1'), service('httpbin-v2'), service('httpbin-v3')];

/** The TM02xx findings, `<code> <level>: <message>`. */
function implementationFindings(objects: any[], implementation?: string): string[] {
  return MeshAnalyzer.analyze(objects, { implementation }).filter(f => f.code.startsWith('TM02')).map(f => `${f.code} ${f.level}: ${f.message}`);
}
const codesOf = (objects: any[], implementation?: string) => implementationFindings(objects, implementation).map(f => f.split(':')[0]);

describe('TM0200 MirrorFeatureUnsupported', () => {
  test('a percentage on a Contour gateway (class contour): ignored, every request is mirrored', () => {
    const found = implementationFindings([...services, gateway('contour'), route([mirror({ percent: 10 })])]);
    expect(found.filter(f => f.startsWith('TM0200'))).toEqual([expect.stringMatching(
      /^TM0200 Error: Implementation from gatewayClassName "contour" of Gateway default\/gw: the route needs HTTPRouteRequestPercentageMirror .*Contour 1.33 and newer ignores percent and fraction/)]);
    // The same route mirroring every request is fine on Contour (the -shadow suffix and the body limit remain warnings).
    expect(codesOf([...services, gateway('contour'), route([mirror({ percent: 100 })])])).toEqual(['TM0202 Warning', 'TM0203 Warning']);
  });

  test('two mirrors in one rule on GKE (class gke-l7-global-external-managed)', () => {
    expect(codesOf([...services, gateway('gke-l7-global-external-managed'), route([mirror(), mirror({}, 'httpbin-v3')])])).toEqual(['TM0200 Error']);
    expect(codesOf([...services, gateway('gke-l7-global-external-managed'), route([mirror()])])).toEqual([]);
  });

  test('any mirror on Kong and Traefik; a fraction whose numerator equals the denominator is a full mirror', () => {
    expect(codesOf([...services, gateway('kong'), route([mirror()])])).toEqual(['TM0200 Error']);
    expect(codesOf([...services, gateway('traefik'), route([mirror({ fraction: { numerator: 5, denominator: 5 } })])])).toEqual(['TM0200 Error']);
  });

  test('--implementation overrides the class, and applies to mesh routes too', () => {
    const mesh = route([mirror()], [{ group: '', kind: 'Service', name: 'httpbin', port: 8000 }]);
    expect(implementationFindings([...services, service('httpbin'), mesh], 'linkerd@2.18')).toEqual([expect.stringMatching(
      /^TM0200 Error: Implementation Linkerd 2.18, given to the analysis: the route needs HTTPRouteRequestMirror .* rejects every RequestMirror filter/)]);
    expect(codesOf([...services, gateway('contour'), route([mirror({ percent: 10 })])], 'envoy-gateway@1.9.0')).toEqual([]);
  });

  test('an Istio 1.24.2 route with a fraction (100 times too few mirrored); the GET-only rule has no body warning', () => {
    const get = [{ method: 'GET' }];
    expect(codesOf([...services, gateway('istio'), route([mirror({ fraction: { numerator: 1, denominator: 8 } })], undefined, get)], 'istio@1.24.2'))
      .toEqual(['TM0200 Error', 'TM0202 Warning']);
    expect(codesOf([...services, gateway('istio'), route([mirror({ percent: 10 })], undefined, get)], 'istio@1.28.1')).toEqual([]);
  });
});

describe('TM0201 to TM0203: warnings', () => {
  test('TM0201: a version the profile does not cover, or no version where older versions differ', () => {
    expect(codesOf([...services, gateway('kgateway'), route([mirror(), mirror({}, 'httpbin-v3')])], 'kgateway@2.2.0')).toEqual(['TM0201 Warning', 'TM0202 Warning']);
    expect(implementationFindings([...services, gateway('kgateway'), route([mirror({ percent: 5 })])]).filter(f => f.startsWith('TM0201')))
      .toEqual([expect.stringMatching(/kgateway 2.2.1 and newer supports it, but 2.1 up to \(not including\) 2.2 does not support it .*kgateway@2.2.1/)]);
  });

  test('TM0202: Envoy Gateway 1.5 appends -shadow, 1.6 and newer do not', () => {
    const objects = [...services, gateway('eg'), route([mirror()])];
    expect(implementationFindings(objects, 'envoy-gateway@v1.5.0')).toEqual([expect.stringMatching(
      /^TM0202 Warning: .*Envoy Gateway v1.5.0 appends "-shadow" to the Host\/:authority of the mirrored copies .*route.go at v1.5.0 to v1.5.9/)]);
    expect(implementationFindings(objects, 'envoy-gateway@1.6.0')).toEqual([]);
  });

  test('TM0203: Istio does not mirror bodies over 1 MiB', () => {
    expect(implementationFindings([...services, gateway('istio'), route([mirror()])], 'istio@1.28')).toEqual([expect.stringMatching(
      /^TM0203 Warning: .*Istio 1.28 does not mirror requests whose body is larger than its 1 MiB buffer .*istio\/istio#58870/)]);
  });
});

describe('TM0204 MirrorNotPortable', () => {
  test('a route whose implementation is not known names what is not portable', () => {
    const found = implementationFindings([...services, gateway('internal-lb'), route([mirror({ percent: 10 }), mirror({}, 'httpbin-v3')])]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^TM0204 Info: The Gateway API implementation that runs the route is not known for Gateway default\/gw \(gatewayClassName "internal-lb" is not a well-known class\)/);
    expect(found[0]).toMatch(/HTTPRouteRequestMultipleMirrors \(2 RequestMirror filters in one rule; not supported or ignored by GKE Gateway/);
    expect(found[0]).toMatch(/HTTPRouteRequestPercentageMirror \(a mirror of part of the requests \(percent\); not supported or ignored by Contour/);
    expect(found[0]).toMatch(/--implementation NAME\[@VERSION\]/);
  });

  test('a mesh route, and a Gateway that is not in the input, are not known either; a route without mirrors gets nothing', () => {
    const mesh = route([mirror()], [{ group: '', kind: 'Service', name: 'httpbin', port: 8000 }]);
    expect(implementationFindings([...services, service('httpbin'), mesh])).toEqual([expect.stringMatching(/^TM0204 Info: .* Service default\/httpbin \(a mesh route/)]);
    expect(implementationFindings([...services, route([mirror()])])).toEqual([expect.stringMatching(/^TM0204 Info: .* Gateway default\/gw \(not in the input\)/)]);
    expect(implementationFindings([...services, gateway('internal-lb'), route([])])).toEqual([]);
  });
});

test('the reference scenario in the Gateway API flavor (class istio, no version) gets Istio\'s warnings only', () => {
  const levels = (mirrorPercent: number) => MeshAnalyzer.analyze(Testing.synth(new HttpbinMirrorChart(Testing.app(), 'c', { api: MeshApi.GATEWAY_API, mirrorPercent })))
    .map(f => `${f.code} ${f.level}`);
  expect(levels(100)).toEqual(['TM0202 Warning', 'TM0203 Warning']);
  expect(levels(12.5)).toEqual(['TM0201 Warning', 'TM0202 Warning', 'TM0203 Warning']);
  expect(levels(0)).toEqual([]);
});

test('AnalyzeOptions.implementation: an unknown name or a bad version throws with the allowed values', () => {
  expect(() => MeshAnalyzer.analyze([], { implementation: 'haproxy' })).toThrow(/^MeshAnalyzer: implementation: unknown implementation "haproxy": expected one of istio/);
  expect(() => MeshAnalyzer.analyze([], { implementation: 'istio@next' })).toThrow(/must be a release number such as 1.28 or v2.2.1, got "next"/);
  expect(MeshAnalyzer.analyze([], { implementation: 'istio@1.28' }).filter(f => f.level === FindingLevel.ERROR)).toEqual([]);
});

// istio/istio 1.30.3 pilot/pkg/config/kube/gateway/testdata/http.yaml, the route "mirror" (test/fixtures/gateway-api):
// its golden (http.yaml.golden) converts it to two mirrors of 50% (fraction 4/8) and 80%, which the Istio profile
// supports from 1.24.3 on; before that, the same input mirrors too little (1.24.0-1.24.2) or everything (1.22, 1.23).
test('Istio\'s own Gateway API conversion testdata with two mirrors passes from 1.24.3 on, as its golden shows', () => {
  const yaml = fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'gateway-api', 'istio-http-mirror.yaml'), 'utf8');
  const objects = MeshAnalyzer.parseYaml(yaml);
  const errorsOn = (implementation: string) => implementationFindings(objects, implementation).filter(f => f.startsWith('TM0200'));
  expect(errorsOn('istio@1.24.3')).toEqual([]);
  expect(errorsOn('istio@1.30.3')).toEqual([]);
  expect(errorsOn('istio@1.24.2')).toEqual([expect.stringMatching(/mirrors 100 times too few requests/)]);
  expect(errorsOn('istio@1.23.0')).toEqual([expect.stringMatching(/ignores percent and fraction/)]);
  // Without a flag, the Gateway's class istio says Istio.
  expect(implementationFindings(objects).map(f => f.split(':')[1])).toEqual([
    ' Implementation from gatewayClassName "istio" of Gateway istio-system/gateway',
    ' Implementation from gatewayClassName "istio" of Gateway istio-system/gateway',
    ' Implementation from gatewayClassName "istio" of Gateway istio-system/gateway',
  ]);
});

describe('the annotation cdk8s-traffic-mirror/implementation (written by the constructs when given one)', () => {
  const annotate = (o: any, value: any) => ({ ...o, metadata: { ...o.metadata, annotations: { 'cdk8s-traffic-mirror/implementation': value } } });

  test('on the route it wins over the Gateway\'s class; on the Gateway over its class; --implementation over both', () => {
    const percent = route([mirror({ percent: 10 })]);
    expect(codesOf([...services, gateway('contour'), annotate(percent, 'envoy-gateway@1.9.0')])).toEqual([]);
    expect(codesOf([...services, annotate(gateway('internal-lb'), 'contour@1.33'), percent])).toEqual(['TM0200 Error', 'TM0202 Warning', 'TM0203 Warning']);
    expect(codesOf([...services, gateway('istio'), annotate(percent, 'contour@1.33')], 'envoy-gateway@1.9.0')).toEqual([]);
  });

  test('a value that is no NAME[@VERSION] is a schema error (IST0106), and the implementation is then not known', () => {
    const found = MeshAnalyzer.analyze([...services, gateway('internal-lb'), annotate(route([mirror()]), 'contour@latest')])
      .filter(f => f.code === 'IST0106' || f.code.startsWith('TM02')).map(f => `${f.code} ${f.message}`);
    expect(found).toEqual([
      expect.stringMatching(/^IST0106 Schema validation error: annotation cdk8s-traffic-mirror\/implementation: the version of implementation contour must be/),
      expect.stringMatching(/^TM0204 /),
    ]);
    expect(MeshAnalyzer.analyze([...services, annotate(gateway('istio'), 7)]).map(f => f.message)).toEqual([
      expect.stringMatching(/annotation cdk8s-traffic-mirror\/implementation: it must be a string, got 7/),
    ]);
  });
});
