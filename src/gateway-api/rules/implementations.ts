/**
 * Implementation profiles of the Gateway API flavor: which implementation of the Gateway API supports which of the
 * three mirroring features (`HTTPRouteRequestMirror`, `HTTPRouteRequestMultipleMirrors`,
 * `HTTPRouteRequestPercentageMirror`), by version where support changed, how the mirrored copy's Host header looks,
 * and the pure rule that judges the mirrors of a route against a profile. Pure: no cdk8s; the constructs
 * (`HttpMirrorRoute`) and the analyzer (`src/analysis/analyzers/implementation.ts`) both use it.
 *
 * Every fact names its source: a conformance report of kubernetes-sigs/gateway-api (`conformance/reports/<release>/...`,
 * read at commit 4564255a, August 2026, the reports of Gateway API v1.3.0 to v1.6.1), or the implementation's code at a
 * tag. Where the code contradicts the report (Linkerd, Contour), the code wins and the entry says so. A version no
 * fact covers is unknown, and an unknown is a warning, never an error.
 */

/** The conformance feature names of mirroring (`pkg/features/httproute.go` of kubernetes-sigs/gateway-api). */
export enum MirrorFeature {
  /** One `RequestMirror` filter on a rule. */
  REQUEST_MIRROR = 'HTTPRouteRequestMirror',
  /** Two or more `RequestMirror` filters on one rule. */
  MULTIPLE_MIRRORS = 'HTTPRouteRequestMultipleMirrors',
  /** `percent` or `fraction` on a `RequestMirror` filter (mirroring only part of the requests). */
  PERCENTAGE_MIRROR = 'HTTPRouteRequestPercentageMirror',
}

/** What an implementation does with a feature. */
export type Support =
  /** Implemented as the Gateway API specifies. */
  | 'supported'
  /** Not implemented: the filter (or the route) is rejected, or the report lists the feature as unsupported. */
  | 'unsupported'
  /** Accepted but not applied: the route works, the feature silently does nothing (or something else). */
  | 'ignored';

/** A version range `[since, before)`; a missing bound is open. Versions compare by major.minor.patch. */
export interface VersionRange {
  readonly since?: string;
  readonly before?: string;
}

/** What one range of versions does with one feature, and where that is written. */
export interface SupportFact extends VersionRange {
  readonly support: Support;
  /** The report file (with its Gateway API release) or code path (with its tag) this is read from. */
  readonly source: string;
  /** What the implementation does, a verb phrase ("ignores percent and fraction ..."), when not simply "supported" or "unsupported". */
  readonly detail?: string;
  /** The fact holds only for a share written as a `fraction` (a whole `percent` is supported). */
  readonly fractionOnly?: boolean;
}

/** Whether a range of versions appends `-shadow` to the mirrored copy's `Host`/`:authority`. */
export interface HostSuffixFact extends VersionRange {
  readonly suffix: boolean;
  readonly source: string;
  readonly detail?: string;
}

/** Everything this library knows about one implementation. */
export interface ImplementationProfile {
  /** The name `--implementation` and `GatewayImplementation.of()` take. */
  readonly name: string;
  /** The name users know it by. */
  readonly title: string;
  /** The `gatewayClassName`s that mean this implementation when nothing else says so. */
  readonly gatewayClassNames: readonly string[];
  /** Prefixes of such class names (GKE's `gke-l7-global-external-managed`, ...). */
  readonly gatewayClassPrefixes?: readonly string[];
  /** Facts per feature; no fact for a version = unknown. */
  readonly features: Readonly<Record<MirrorFeature, readonly SupportFact[]>>;
  /** Facts on the Host suffix; none = unknown (then nothing is reported about it). */
  readonly hostSuffix: readonly HostSuffixFact[];
  /** When set, request bodies larger than the proxy's buffer are not mirrored (Envoy gives up on the shadow). */
  readonly bodyLimit?: { readonly limit: string; readonly source: string };
}

const REPORTS = 'kubernetes-sigs/gateway-api conformance/reports';
const report = (path: string) => `${REPORTS}/${path}`;

/** Every feature supported by the same sources. */
function allSupported(since: string | undefined, source: string): Record<MirrorFeature, SupportFact[]> {
  const fact: SupportFact = { since, support: 'supported', source };
  return { [MirrorFeature.REQUEST_MIRROR]: [fact], [MirrorFeature.MULTIPLE_MIRRORS]: [fact], [MirrorFeature.PERCENTAGE_MIRROR]: [fact] };
}

/** Every feature unsupported by the same sources. */
function noneSupported(since: string | undefined, source: string, detail?: string): Record<MirrorFeature, SupportFact[]> {
  const fact: SupportFact = { since, support: 'unsupported', source, detail };
  return { [MirrorFeature.REQUEST_MIRROR]: [fact], [MirrorFeature.MULTIPLE_MIRRORS]: [fact], [MirrorFeature.PERCENTAGE_MIRROR]: [fact] };
}

/** Envoy's router gives up on a shadow whose request body exceeds the buffer limit (1 MiB by default). */
const ENVOY_BODY_LIMIT = (source: string) => ({ limit: '1 MiB', source });

const ISTIO_CONVERSION = 'istio/istio pilot/pkg/config/kube/gateway/conversion.go createMirrorFilter';
const ISTIO_REPORTS = `${report('v1.3.0/istio-istio/experimental-1.26.1-default-report.yaml')}, ${report('v1.4.0/istio-istio/1.28.0-default-report.yaml')}, `
  + report('v1.5/istio-istio/1.30.0-default-report.yaml');

/**
 * The profiles, by name. The Istio profile follows Istio's Gateway API conversion (HTTPRoute -> VirtualService,
 * `createMirrorFilter`), as its golden `pilot/pkg/config/kube/gateway/testdata/http.yaml.golden` shows: each
 * RequestMirror filter becomes one entry of the VirtualService's `mirrors`, `fraction` 4/8 becomes `percentage: 50`.
 */
export const PROFILES: readonly ImplementationProfile[] = [
  {
    name: 'istio',
    title: 'Istio',
    gatewayClassNames: ['istio', 'istio-waypoint', 'istio-remote'],
    features: {
      [MirrorFeature.REQUEST_MIRROR]: [{ since: '1.22', support: 'supported', source: `${ISTIO_CONVERSION} (1.22.0 on); ${ISTIO_REPORTS}` }],
      // Each filter is appended to the VirtualService's `mirrors` (vs.Mirrors = append(...)) from 1.22.0 on.
      [MirrorFeature.MULTIPLE_MIRRORS]: [{ since: '1.22', support: 'supported', source: `${ISTIO_CONVERSION} (1.22.0 on); ${ISTIO_REPORTS}` }],
      [MirrorFeature.PERCENTAGE_MIRROR]: [
        {
          since: '1.22', before: '1.24', support: 'ignored', source: `${ISTIO_CONVERSION} at tags 1.22.0 and 1.23.0`,
          detail: 'ignores percent and fraction (its conversion writes no percentage) and mirrors every request',
        },
        {
          since: '1.24', before: '1.24.3', support: 'ignored', source: `${ISTIO_CONVERSION} at tags 1.24.0 to 1.24.2 (fixed in 1.24.3)`,
          fractionOnly: true,
          detail: 'converts a fraction as numerator/denominator instead of 100*numerator/denominator and mirrors 100 times too few requests '
            + '(a whole percent is converted correctly)',
        },
        { since: '1.24.3', support: 'supported', source: `${ISTIO_CONVERSION} (1.24.3 on); ${ISTIO_REPORTS}` },
      ],
    },
    hostSuffix: [
      { before: '1.28', suffix: true, source: 'istio/istio pilot/pkg/networking/core/route/route.go (Envoy\'s default; no DISABLE_SHADOW_HOST_SUFFIX before 1.28.0)' },
      {
        since: '1.28', suffix: false, source: 'istio/istio pilot/pkg/features/pilot.go DISABLE_SHADOW_HOST_SUFFIX (1.28.0 on, default true)',
        detail: 'unless istiod runs with DISABLE_SHADOW_HOST_SUFFIX=false (or the 1.27 compatibility profile)',
      },
    ],
    bodyLimit: ENVOY_BODY_LIMIT('istio/istio#58870 (Envoy source/common/router/router.cc: "exceeds buffer limit 1048576. Give up on the retry/shadow")'),
  },
  {
    name: 'envoy-gateway',
    title: 'Envoy Gateway',
    gatewayClassNames: ['eg', 'envoy-gateway', 'envoy'],
    features: allSupported('1.5', `${report('v1.3.0/envoy-gateway/experimental-v1.5.0-default-report.yaml')} to `
      + report('v1.6/envoy-gateway/experimental-v1.9.0-default-report.yaml')),
    hostSuffix: [
      { since: '1.5', before: '1.6', suffix: true, source: 'envoyproxy/gateway internal/xds/translator/route.go at v1.5.0 to v1.5.9 (Envoy\'s default)' },
      {
        since: '1.6', suffix: false,
        source: 'envoyproxy/gateway internal/xds/translator/route.go buildXdsRequestMirrorPolicies (DisableShadowHostSuffixAppend: true, v1.6.0 on, #7229)',
      },
    ],
  },
  {
    name: 'nginx-gateway-fabric',
    title: 'NGINX Gateway Fabric',
    gatewayClassNames: ['nginx'],
    features: {
      [MirrorFeature.REQUEST_MIRROR]: [{
        since: '2.0', support: 'supported',
        source: `${report('v1.3.0/nginx-nginx-gateway-fabric/experimental-2.0.0-default-report.yaml')} to `
          + report('v1.6/nginx-nginx-gateway-fabric/experimental-2.7.0-pre-release-default-report.yaml'),
      }],
      [MirrorFeature.MULTIPLE_MIRRORS]: [{
        since: '2.0', support: 'supported',
        source: `${report('v1.3.0/nginx-nginx-gateway-fabric/experimental-2.0.0-default-report.yaml')} to `
          + report('v1.6/nginx-nginx-gateway-fabric/experimental-2.7.0-pre-release-default-report.yaml'),
      }],
      [MirrorFeature.PERCENTAGE_MIRROR]: [
        { since: '2.0', before: '2.1', support: 'unsupported', source: report('v1.3.0/nginx-nginx-gateway-fabric/experimental-2.0.0-default-report.yaml') },
        {
          since: '2.1', support: 'supported',
          source: `${report('v1.3.0/nginx-nginx-gateway-fabric/experimental-2.1.0-default-report.yaml')} to `
            + report('v1.6/nginx-nginx-gateway-fabric/experimental-2.7.0-pre-release-default-report.yaml'),
        },
      ],
    },
    hostSuffix: [],
  },
  {
    name: 'kgateway',
    title: 'kgateway',
    gatewayClassNames: ['kgateway'],
    features: {
      [MirrorFeature.REQUEST_MIRROR]: [{
        since: '2.1', support: 'supported',
        source: `${report('v1.3.0/kgateway/v2.1.0-main-report.yaml')} to ${report('v1.6/kgateway/v2.4.0-rc.1-report.yaml')}`,
      }],
      [MirrorFeature.MULTIPLE_MIRRORS]: [
        { since: '2.1', before: '2.2', support: 'unsupported', source: report('v1.4.0/kgateway/v2.1.0-report.yaml') },
        { since: '2.2.1', support: 'supported', source: `${report('v1.4.1/kgateway/v2.2.1-report.yaml')} to ${report('v1.6/kgateway/v2.4.0-rc.1-report.yaml')}` },
      ],
      [MirrorFeature.PERCENTAGE_MIRROR]: [
        { since: '2.1', before: '2.2', support: 'unsupported', source: report('v1.4.0/kgateway/v2.1.0-report.yaml') },
        { since: '2.2.1', support: 'supported', source: `${report('v1.4.1/kgateway/v2.2.1-report.yaml')} to ${report('v1.6/kgateway/v2.4.0-rc.1-report.yaml')}` },
      ],
    },
    hostSuffix: [{
      suffix: true, source: 'kgateway release notes 2.5.0, "Control the Host header of mirrored requests" (Envoy\'s default)',
      detail: 'unless a TrafficPolicy sets requestMirror.disableShadowHostSuffixAppend: true (kgateway 2.5.0 on)',
    }],
  },
  {
    name: 'contour',
    title: 'Contour',
    gatewayClassNames: ['contour'],
    features: {
      [MirrorFeature.REQUEST_MIRROR]: [{ since: '1.33', support: 'supported', source: report('v1.3.0/projectcontour-contour/experimental-v1.33.0-default-report.yaml') }],
      [MirrorFeature.MULTIPLE_MIRRORS]: [{ since: '1.33', support: 'supported', source: report('v1.3.0/projectcontour-contour/experimental-v1.33.0-default-report.yaml') }],
      [MirrorFeature.PERCENTAGE_MIRROR]: [{
        since: '1.33', support: 'ignored',
        source: `projectcontour/contour internal/dag/gatewayapi_processor.go (v1.33.6: every MirrorPolicy gets Weight: 100); ${report('v1.3.0/projectcontour-contour/experimental-v1.33.0-default-report.yaml')} (unsupported)`,
        detail: 'ignores percent and fraction and mirrors every request',
      }],
    },
    hostSuffix: [{ since: '1.33', suffix: true, source: 'projectcontour/contour internal/envoy/v3/route.go mirrorPolicy at v1.33.6 (Envoy\'s default)' }],
    bodyLimit: ENVOY_BODY_LIMIT('projectcontour/contour#5869 (Envoy: "exceeds buffer limit 1048576. Give up on the retry/shadow")'),
  },
  {
    name: 'cilium',
    title: 'Cilium',
    gatewayClassNames: ['cilium'],
    features: allSupported('1.19', `${report('v1.4.0/cilium/experimental-v1.19.0-pre.2-default-report.yaml')} to `
      + report('v1.6/cilium/standard-v1.20.0-default-report.yaml')),
    hostSuffix: [],
  },
  {
    name: 'gke',
    title: 'GKE Gateway',
    gatewayClassNames: [],
    gatewayClassPrefixes: ['gke-l7-'],
    features: {
      [MirrorFeature.REQUEST_MIRROR]: [{
        since: '1.33', support: 'supported',
        source: `${report('v1.3.0/gke-gateway/standard-1.33.4-managed-gxlb-report.yaml')} to ${report('v1.6/gke-gateway/v1.6.0-gke-report.yaml')}`,
      }],
      [MirrorFeature.MULTIPLE_MIRRORS]: [{
        since: '1.33', support: 'unsupported',
        source: `${report('v1.3.0/gke-gateway/standard-1.33.4-managed-gxlb-report.yaml')} to ${report('v1.6/gke-gateway/v1.6.0-gke-report.yaml')} (GKE 1.36.2)`,
      }],
      [MirrorFeature.PERCENTAGE_MIRROR]: [{
        since: '1.33', support: 'supported',
        source: `${report('v1.3.0/gke-gateway/standard-1.33.4-managed-gxlb-report.yaml')} to ${report('v1.6/gke-gateway/v1.6.0-gke-report.yaml')}`,
      }],
    },
    hostSuffix: [],
  },
  {
    name: 'linkerd',
    title: 'Linkerd',
    gatewayClassNames: [],
    features: noneSupported('2.18',
      'linkerd/linkerd2 policy-controller/k8s/index/src/outbound/index/http.rs and inbound/index/http.rs (version-2.18 to version-2.20: '
      + '"RequestMirror filter is not supported"), although ' + report('v1.3.0/linkerd-linkerd/standard-2.18-default-report.yaml') + ' lists the features',
      'rejects every RequestMirror filter (its policy controller)'),
    hostSuffix: [],
  },
  {
    name: 'kong',
    title: 'Kong (Kong Operator)',
    gatewayClassNames: ['kong'],
    features: noneSupported('2.0', `${report('v1.3.0/kong-operator/standard-v2.0.6-expressions-report.yaml')} to `
      + report('v1.6/kong-operator/experimental-v2.3.0-rc.3-expressions-standard-report.yaml')),
    hostSuffix: [],
  },
  {
    name: 'traefik',
    title: 'Traefik',
    gatewayClassNames: ['traefik'],
    features: noneSupported('3.5', `${report('v1.3.0/traefik-traefik/experimental-v3.5.0-default-report.yaml')} to `
      + report('v1.6/traefik-traefik/experimental-v3.7.10-default-report.yaml')),
    hostSuffix: [],
  },
];

/**
 * The annotation with which `GatewayApiGateway` and `HttpMirrorRoute` record an implementation given to them
 * (`NAME` or `NAME@VERSION`), so that the analysis of the written manifests judges the route as the synth did.
 */
export const IMPLEMENTATION_ANNOTATION = 'cdk8s-traffic-mirror/implementation';

/** The names of the profiles, for messages. */
export const IMPLEMENTATION_NAMES: readonly string[] = PROFILES.map(p => p.name);

/** The profile named `name` (case-insensitive), or undefined. */
export function profileNamed(name: string): ImplementationProfile | undefined {
  const lower = name.toLowerCase();
  return PROFILES.find(p => p.name === lower);
}

/** The profile a `gatewayClassName` means by default (the well-known class names of each implementation), or undefined. */
export function profileOfGatewayClass(className: string): ImplementationProfile | undefined {
  return PROFILES.find(p => p.gatewayClassNames.includes(className) || (p.gatewayClassPrefixes ?? []).some(prefix => className.startsWith(prefix)));
}

/** A version as numbers, `v2.1.0`, `1.28`, `2.3.0-rc.3` and `1.33.4-gke.1134000` alike; undefined when it is none. */
export function parseVersion(version: string): [number, number, number] | undefined {
  const m = /^v?(\d{1,6})(?:\.(\d{1,6}))?(?:\.(\d{1,6}))?(?:[-+][0-9A-Za-z.-]*)?$/.exec(version);
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

function compare(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function inRange(version: [number, number, number], range: VersionRange): boolean {
  return (range.since === undefined || compare(version, parseVersion(range.since)!) >= 0)
    && (range.before === undefined || compare(version, parseVersion(range.before)!) < 0);
}

function rangeText(range: VersionRange): string {
  if (range.since !== undefined && range.before !== undefined) return `${range.since} up to (not including) ${range.before}`;
  if (range.since !== undefined) return `${range.since} and newer`;
  if (range.before !== undefined) return `before ${range.before}`;
  return 'every version';
}

/** An implementation and, when known, its version: what a route runs on. */
export interface ImplementationChoice {
  readonly profile: ImplementationProfile;
  readonly version?: string;
}

/**
 * Reads `NAME` or `NAME@VERSION` (`istio@1.28`, `kgateway@v2.2.1`); returns the choice, or a message saying what is
 * wrong and what is allowed.
 */
export function parseImplementation(text: string): ImplementationChoice | string {
  const at = text.indexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const version = at < 0 ? undefined : text.slice(at + 1);
  const profile = profileNamed(name);
  if (profile === undefined) {
    return `unknown implementation ${JSON.stringify(name)}: expected one of ${IMPLEMENTATION_NAMES.join(', ')} (optionally with @VERSION, e.g. istio@1.28)`;
  }
  if (version !== undefined && parseVersion(version) === undefined) {
    return `the version of implementation ${profile.name} must be a release number such as 1.28 or v2.2.1, got ${JSON.stringify(version)}`;
  }
  return { profile, version };
}

/** The name of a choice with its version, as messages show it: `Istio 1.28`, `Contour (no version given)`. */
export function choiceTitle(choice: ImplementationChoice): string {
  return choice.version === undefined ? `${choice.profile.title} (no version given)` : `${choice.profile.title} ${choice.version}`;
}

/**
 * The methods whose requests carry no body to buffer: a mirror limited to them is never cut off by the body limit
 * (the same methods as `mirrorSafeMethodsOnly`, SAFE_METHODS of src/core/request-match.ts).
 */
export const BODYLESS_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];

/** What the mirrors of one route use, as the judgement needs it. */
export interface MirrorUse {
  /** The most RequestMirror filters of one rule. */
  readonly maxMirrorsPerRule: number;
  /** Whether a mirror copies only part of the requests (percent below 100, or a fraction below 1). */
  readonly partial: boolean;
  /** Whether such a part is written as a `fraction` (not a whole `percent`). */
  readonly fraction: boolean;
  /** Whether a mirroring rule can match requests with bodies (it is not limited to GET, HEAD and OPTIONS). */
  readonly withBodies: boolean;
}

/** The features `use` needs. */
export function neededFeatures(use: MirrorUse): MirrorFeature[] {
  if (use.maxMirrorsPerRule === 0) return [];
  return [
    MirrorFeature.REQUEST_MIRROR,
    ...(use.maxMirrorsPerRule > 1 ? [MirrorFeature.MULTIPLE_MIRRORS] : []),
    ...(use.partial ? [MirrorFeature.PERCENTAGE_MIRROR] : []),
  ];
}

/** Why a route needs a feature, in the user's terms. */
function need(feature: MirrorFeature, use: MirrorUse): string {
  switch (feature) {
    case MirrorFeature.REQUEST_MIRROR: return 'a RequestMirror filter';
    case MirrorFeature.MULTIPLE_MIRRORS: return `${use.maxMirrorsPerRule} RequestMirror filters in one rule`;
    case MirrorFeature.PERCENTAGE_MIRROR: return `a mirror of part of the requests (${use.fraction ? 'fraction' : 'percent'})`;
  }
}

/** How to do without a feature. */
function without(feature: MirrorFeature): string {
  switch (feature) {
    case MirrorFeature.REQUEST_MIRROR: return 'remove the mirror, or run the route on an implementation that supports RequestMirror';
    case MirrorFeature.MULTIPLE_MIRRORS: return 'mirror to one target per rule, or run the route on an implementation that supports multiple mirrors';
    case MirrorFeature.PERCENTAGE_MIRROR: return 'mirror every request (percent 100), or run the route on an implementation that supports mirror percentages';
  }
}

/** One judgement of a route's mirrors against a profile. */
export interface Verdict {
  /** `error`: the mirror will not do what the route says; `warning`: it may not, or differs in a way users trip over. */
  readonly level: 'error' | 'warning';
  /** What the verdict is about. */
  readonly about: 'feature' | 'unknown' | 'host' | 'body';
  readonly feature?: MirrorFeature;
  /** The whole message: what, which implementation, the source, the fix. */
  readonly message: string;
}

function factText(fact: SupportFact): string {
  const what = fact.detail ?? (fact.support === 'supported' ? 'supports it' : 'does not support it');
  return `${what} (source: ${fact.source})`;
}

/**
 * Judges the mirrors of a route (`use`) against an implementation: an error for each feature it needs that the
 * implementation does not support or silently ignores, a warning for a feature whose support is unknown for the
 * version (or depends on a version that is not given), for the Host suffix of the copies, and for request bodies too
 * large to be mirrored.
 */
export function judgeMirrors(use: MirrorUse, choice: ImplementationChoice): Verdict[] {
  const verdicts: Verdict[] = [];
  const { profile } = choice;
  const version = choice.version === undefined ? undefined : parseVersion(choice.version);
  const title = choiceTitle(choice);
  for (const feature of neededFeatures(use)) {
    const facts = profile.features[feature];
    const needs = `the route needs ${feature} (${need(feature, use)})`;
    if (version !== undefined) {
      const fact = facts.find(f => inRange(version, f));
      if (fact?.fractionOnly === true && !use.fraction) continue;
      if (fact === undefined) {
        verdicts.push({
          level: 'warning', about: 'unknown', feature,
          message: `${needs}, and whether ${title} supports it is not known: this library knows ${profile.title} `
            + `${facts.map(f => `${rangeText(f)}: ${f.support}`).join('; ')}. Check the implementation's conformance report before relying on the mirror`,
        });
      } else if (fact.support !== 'supported') {
        verdicts.push({ level: 'error', about: 'feature', feature, message: `${needs}, but ${title} ${factText(fact)}: ${without(feature)}` });
      }
      continue;
    }
    // No version: judged as of the newest version known; older versions that differ are a warning.
    const newest = facts[facts.length - 1];
    if (newest === undefined) {
      verdicts.push({ level: 'warning', about: 'unknown', feature, message: `${needs}, and whether ${profile.title} supports it is not known: check its conformance report` });
    } else if (newest.support !== 'supported') {
      verdicts.push({ level: 'error', about: 'feature', feature, message: `${needs}, but ${profile.title} ${rangeText(newest)} ${factText(newest)}: ${without(feature)}` });
    } else {
      const older = facts.filter(f => f.support !== 'supported' && (f.fractionOnly !== true || use.fraction));
      if (older.length > 0) {
        verdicts.push({
          level: 'warning', about: 'unknown', feature,
          message: `${needs}: ${profile.title} ${rangeText(newest)} supports it, but ${older.map(f => `${rangeText(f)} ${factText(f)}`).join('; ')}. `
            + `Give the implementation's version (e.g. ${profile.name}@${newest.since ?? '<version>'}) to check the one you run`,
        });
      }
    }
  }
  if (use.maxMirrorsPerRule === 0) return verdicts;
  const suffixFacts = version === undefined ? profile.hostSuffix : profile.hostSuffix.filter(f => inRange(version, f));
  const appending = suffixFacts.filter(f => f.suffix);
  if (appending.length > 0) {
    const when = version === undefined && appending.length < profile.hostSuffix.length
      ? ` (${profile.title} ${appending.map(rangeText).join(', ')}; newer versions do not, give the version to check)` : '';
    verdicts.push({
      level: 'warning', about: 'host',
      message: `${title} appends "-shadow" to the Host/:authority of the mirrored copies${when}${appending[0].detail ? `, ${appending[0].detail}` : ''} `
        + `(source: ${appending.map(f => f.source).join('; ')}): a mirror whose virtual hosts, routing or auth depend on the Host header `
        + 'must accept "<host>-shadow" too',
    });
  }
  if (profile.bodyLimit !== undefined && use.withBodies) {
    verdicts.push({
      level: 'warning', about: 'body',
      message: `${title} does not mirror requests whose body is larger than its ${profile.bodyLimit.limit} buffer (Envoy gives up on the shadow; `
        + `source: ${profile.bodyLimit.source}): the primary still gets them, the mirror never sees them. Mirror only GET, HEAD and OPTIONS `
        + '(mirrorSafeMethodsOnly) or expect large uploads to be missing from the mirror',
    });
  }
  return verdicts;
}

/**
 * What a route uses that not every implementation supports, for the advice given when no implementation is known:
 * e.g. `HTTPRouteRequestPercentageMirror (ignored by Contour, ...)`. Empty when the route is portable.
 */
export function notPortable(use: MirrorUse): string[] {
  return neededFeatures(use).map(feature => {
    const lacking = PROFILES.filter(p => {
      const newest = p.features[feature][p.features[feature].length - 1];
      return newest !== undefined && newest.support !== 'supported';
    });
    return lacking.length === 0 ? undefined : `${feature} (${need(feature, use)}; not supported or ignored by ${lacking.map(p => p.title).join(', ')})`;
  }).filter((s): s is string => s !== undefined);
}
