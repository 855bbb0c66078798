import {
  IMPLEMENTATION_NAMES, judgeMirrors, MirrorFeature, MirrorUse, notPortable, parseImplementation, parseVersion, PROFILES, profileOfGatewayClass,
  ImplementationChoice, Verdict,
} from '../../../src/gateway-api/rules/implementations';

/** One mirror of every request, on a rule that can carry bodies. */
const ONE: MirrorUse = { maxMirrorsPerRule: 1, partial: false, fraction: false, withBodies: true };
const TWO: MirrorUse = { ...ONE, maxMirrorsPerRule: 2 };
const PERCENT: MirrorUse = { ...ONE, partial: true };
const FRACTION: MirrorUse = { ...ONE, partial: true, fraction: true };
const SAFE_ONLY: MirrorUse = { ...ONE, withBodies: false };

function choice(text: string): ImplementationChoice {
  const c = parseImplementation(text);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

const judge = (use: MirrorUse, text: string): Verdict[] => judgeMirrors(use, choice(text));
const errors = (use: MirrorUse, text: string) => judge(use, text).filter(v => v.level === 'error');
const featureErrors = (use: MirrorUse, text: string) => errors(use, text).map(v => v.feature);

describe('implementation profiles', () => {
  test('there is a profile for each implementation the issue names, and each fact cites a source', () => {
    expect(IMPLEMENTATION_NAMES).toEqual(expect.arrayContaining([
      'istio', 'envoy-gateway', 'nginx-gateway-fabric', 'kgateway', 'contour', 'cilium', 'gke', 'linkerd', 'kong', 'traefik',
    ]));
    for (const p of PROFILES) {
      for (const feature of Object.values(MirrorFeature)) {
        expect(p.features[feature].length).toBeGreaterThan(0);
        for (const fact of p.features[feature]) {
          expect(fact.source).toMatch(/conformance\/reports\/v1\.[3-6]|\.go|\.rs|#\d+/);
          const bounds = [fact.since, fact.before].filter((v): v is string => v !== undefined);
          expect(bounds.map(parseVersion).filter(v => v === undefined)).toEqual([]);
        }
      }
      for (const fact of p.hostSuffix) expect(fact.source.length).toBeGreaterThan(10);
    }
  });

  test('versions parse with or without v, pre-release and GKE suffixes; other text does not', () => {
    expect(parseVersion('v2.1.0')).toEqual([2, 1, 0]);
    expect(parseVersion('1.28')).toEqual([1, 28, 0]);
    expect(parseVersion('2.3.0-rc.3')).toEqual([2, 3, 0]);
    expect(parseVersion('1.33.4-gke.1134000')).toEqual([1, 33, 4]);
    expect(parseVersion('latest')).toBeUndefined();
    expect(parseVersion('1.2.3.4')).toBeUndefined();
  });

  test('NAME@VERSION: unknown names and bad versions are refused with the allowed values', () => {
    expect(parseImplementation('kgateway@v2.2.1')).toEqual({ profile: PROFILES.find(p => p.name === 'kgateway'), version: 'v2.2.1' });
    expect(parseImplementation('Istio')).toEqual({ profile: PROFILES.find(p => p.name === 'istio'), version: undefined });
    expect(parseImplementation('haproxy')).toMatch(/unknown implementation "haproxy": expected one of istio, envoy-gateway, .*traefik/);
    expect(parseImplementation('istio@latest')).toMatch(/version of implementation istio must be a release number such as 1.28 or v2.2.1, got "latest"/);
  });

  test('well-known gatewayClassNames map to their implementation; others to none', () => {
    const of = (c: string) => profileOfGatewayClass(c)?.name;
    expect(of('istio')).toBe('istio');
    expect(of('eg')).toBe('envoy-gateway');
    expect(of('nginx')).toBe('nginx-gateway-fabric');
    expect(of('kgateway')).toBe('kgateway');
    expect(of('contour')).toBe('contour');
    expect(of('cilium')).toBe('cilium');
    expect(of('gke-l7-global-external-managed')).toBe('gke');
    expect(of('kong')).toBe('kong');
    expect(of('traefik')).toBe('traefik');
    expect(of('my-class')).toBeUndefined();
  });

  // conformance/reports/v1.3.0/kong-operator/standard-v2.0.6-*-report.yaml to v1.6/kong-operator/experimental-v2.3.0-rc.3-*:
  // all three mirror features in unsupportedFeatures; conformance/reports/v1.3.0/traefik-traefik/experimental-v3.5.0 to
  // v1.6/traefik-traefik/experimental-v3.7.10: the same.
  test.each(['kong@2.2.0', 'traefik@3.7.10', 'kong', 'traefik'])('%s: any mirror is an error (the conformance reports list no mirror feature)', impl => {
    const found = errors(ONE, impl);
    expect(found.map(v => v.feature)).toEqual([MirrorFeature.REQUEST_MIRROR]);
    expect(found[0].message).toMatch(/does not support it \(source: kubernetes-sigs\/gateway-api conformance\/reports\/v1\.3\.0\/.*\): remove the mirror/);
  });

  // linkerd/linkerd2 policy-controller/k8s/index/src/outbound/index/http.rs (version-2.18, version-2.20):
  // bail!("RequestMirror filter is not supported"), although conformance/reports/v1.3.0/linkerd-linkerd/standard-2.18 lists it.
  test('linkerd: the policy controller rejects RequestMirror, whatever the report says', () => {
    const found = errors(ONE, 'linkerd@2.18');
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/Linkerd 2.18 rejects every RequestMirror filter \(its policy controller\) \(source: linkerd\/linkerd2 policy-controller/);
  });

  // projectcontour/contour internal/dag/gatewayapi_processor.go (v1.33.6): every MirrorPolicy gets Weight: 100.
  test('contour: one or several mirrors of every request work; a percentage is an error (ignored: every request is mirrored)', () => {
    expect(errors(ONE, 'contour@1.33')).toEqual([]);
    expect(errors(TWO, 'contour@1.33')).toEqual([]);
    const found = errors(PERCENT, 'contour@1.33.6');
    expect(found.map(v => v.feature)).toEqual([MirrorFeature.PERCENTAGE_MIRROR]);
    expect(found[0].message).toMatch(/Contour 1.33.6 ignores percent and fraction and mirrors every request .*gatewayapi_processor.go.*: mirror every request \(percent 100\)/);
    expect(featureErrors(FRACTION, 'contour')).toEqual([MirrorFeature.PERCENTAGE_MIRROR]);
  });

  // conformance/reports/v1.3.0/gke-gateway/standard-1.33.4-managed-gxlb-report.yaml to v1.6/gke-gateway/v1.6.0-gke-report.yaml:
  // HTTPRouteRequestMultipleMirrors unsupported, the other two supported.
  test('gke: no multiple mirrors; one mirror and percentages work', () => {
    expect(featureErrors({ ...PERCENT, maxMirrorsPerRule: 2 }, 'gke@1.36.2-gke.2154000')).toEqual([MirrorFeature.MULTIPLE_MIRRORS]);
    expect(errors(PERCENT, 'gke')).toEqual([]);
  });

  // conformance/reports/v1.4.0/kgateway/v2.1.0-report.yaml (multiple and percentage unsupported), v1.4.1/kgateway/v2.2.1-report.yaml (supported).
  test('kgateway: 2.1 has neither multiple mirrors nor percentages, 2.2.1 has both, 2.2.0 is unknown (a warning)', () => {
    expect(featureErrors({ ...TWO, partial: true }, 'kgateway@2.1.0')).toEqual([MirrorFeature.MULTIPLE_MIRRORS, MirrorFeature.PERCENTAGE_MIRROR]);
    expect(errors({ ...TWO, partial: true }, 'kgateway@v2.2.1')).toEqual([]);
    const unknown = judge(TWO, 'kgateway@2.2.0').filter(v => v.about === 'unknown');
    expect(unknown).toEqual([expect.objectContaining({ level: 'warning', feature: MirrorFeature.MULTIPLE_MIRRORS })]);
    expect(unknown[0].message).toMatch(/not known: this library knows kgateway 2.1 up to \(not including\) 2.2: unsupported; 2.2.1 and newer: supported/);
    // Without a version: the newest supports it, older versions that do not are a warning.
    const versionless = judge(TWO, 'kgateway');
    expect(versionless.filter(v => v.level === 'error')).toEqual([]);
    expect(versionless.find(v => v.about === 'unknown')?.message).toMatch(/Give the implementation's version \(e.g. kgateway@2.2.1\)/);
  });

  // conformance/reports/v1.3.0/nginx-nginx-gateway-fabric/experimental-2.0.0-default-report.yaml (percentage unsupported) and 2.1.0 (supported).
  test('nginx-gateway-fabric: percentages from 2.1 on', () => {
    expect(featureErrors(PERCENT, 'nginx-gateway-fabric@2.0.0')).toEqual([MirrorFeature.PERCENTAGE_MIRROR]);
    expect(errors({ ...PERCENT, maxMirrorsPerRule: 2 }, 'nginx-gateway-fabric@2.1.0')).toEqual([]);
  });

  // istio/istio pilot/pkg/config/kube/gateway/conversion.go createMirrorFilter: 1.22.0/1.23.0 write no percentage; 1.24.0 to
  // 1.24.2 convert a fraction as numerator/denominator; 1.24.3 as 100*numerator/denominator (testdata/http.yaml.golden: 4/8 -> 50).
  test('istio: percentages ignored before 1.24, fractions 100 times too small in 1.24.0 to 1.24.2, right from 1.24.3', () => {
    expect(errors(PERCENT, 'istio@1.23.0')[0].message).toMatch(/Istio 1.23.0 ignores percent and fraction .* at tags 1.22.0 and 1.23.0/);
    expect(errors(PERCENT, 'istio@1.24.2')).toEqual([]);
    expect(errors(FRACTION, 'istio@1.24.2')[0].message).toMatch(/mirrors 100 times too few requests/);
    expect(errors(FRACTION, 'istio@1.24.3')).toEqual([]);
    expect(errors({ ...FRACTION, maxMirrorsPerRule: 2 }, 'istio@1.30')).toEqual([]);
    expect(judge(PERCENT, 'istio@1.21').map(v => v.about)).toContain('unknown');
  });

  // istio/istio pilot/pkg/features/pilot.go: DISABLE_SHADOW_HOST_SUFFIX (1.28.0 on, default true); absent at 1.27.0.
  test('istio: the Host suffix is a warning up to 1.27, none from 1.28 on, and a versioned warning without version', () => {
    expect(judge(SAFE_ONLY, 'istio@1.27.3')).toEqual([expect.objectContaining({ level: 'warning', about: 'host' })]);
    expect(judge(SAFE_ONLY, 'istio@1.28')).toEqual([]);
    expect(judge(SAFE_ONLY, 'istio').find(v => v.about === 'host')?.message).toMatch(/\(Istio before 1.28; newer versions do not, give the version to check\)/);
  });

  // istio/istio#58870, Envoy router.cc: "exceeds buffer limit 1048576. Give up on the retry/shadow".
  test('istio and contour: request bodies over the 1 MiB buffer are not mirrored (a warning), unless only safe methods are mirrored', () => {
    expect(judge(ONE, 'istio@1.28')).toEqual([expect.objectContaining({ level: 'warning', about: 'body' })]);
    expect(judge(ONE, 'contour@1.33').map(v => v.about)).toEqual(['host', 'body']);
    expect(judge(SAFE_ONLY, 'istio@1.28')).toEqual([]);
  });

  // envoyproxy/gateway internal/xds/translator/route.go: DisableShadowHostSuffixAppend: true from v1.6.0 (#7229), absent in v1.5.x.
  test('envoy-gateway: everything supported; -shadow only before 1.6', () => {
    expect(judge({ ...FRACTION, maxMirrorsPerRule: 3 }, 'envoy-gateway@1.9.0')).toEqual([]);
    expect(judge(ONE, 'envoy-gateway@1.5.9').map(v => v.about)).toEqual(['host']);
  });

  // conformance/reports/v1.6/cilium/standard-v1.20.0-default-report.yaml: all three supported.
  test('cilium: everything supported from 1.19 on; 1.18 is unknown', () => {
    expect(judge({ ...FRACTION, maxMirrorsPerRule: 2 }, 'cilium@1.20.0')).toEqual([]);
    expect(judge(ONE, 'cilium@1.18').map(v => [v.level, v.about])).toEqual([['warning', 'unknown']]);
  });

  test('a route without mirrors is never judged', () => {
    expect(judge({ ...ONE, maxMirrorsPerRule: 0 }, 'traefik')).toEqual([]);
  });

  test('without implementation: what is not portable is named, with the implementations that lack it', () => {
    expect(notPortable(ONE)).toEqual([expect.stringMatching(/^HTTPRouteRequestMirror \(a RequestMirror filter; not supported or ignored by Linkerd, Kong .*Traefik\)$/)]);
    const both = notPortable({ ...FRACTION, maxMirrorsPerRule: 2 });
    expect(both[1]).toMatch(/^HTTPRouteRequestMultipleMirrors \(2 RequestMirror filters in one rule; not supported or ignored by GKE Gateway, Linkerd/);
    expect(both[2]).toMatch(/^HTTPRouteRequestPercentageMirror \(a mirror of part of the requests \(fraction\); not supported or ignored by Contour, Linkerd/);
  });
});
