/**
 * The Kubernetes Gateway API (`gateway.networking.k8s.io`) equivalents of the reference checks: HTTPRoute parents,
 * backends and mirrors, ReferenceGrants, and the certificate references of Gateways. istioctl has no analyzer for
 * these (it reports Gateway API problems through the objects' status at run time), so the codes are this library's
 * (`TM01xx`), except schema errors, which are IST0106. Internal: not exported from index.ts.
 *
 * The rules follow the Gateway API specification (v1.6): a parentRef defaults to group `gateway.networking.k8s.io`,
 * kind `Gateway` and the route's namespace; a backendRef to group `""`, kind `Service` and the route's namespace; a
 * reference to another namespace needs a ReferenceGrant there (`from` the referring kind and namespace, `to` the
 * referenced kind, optionally by name); a listener without hostname accepts every hostname, a listener accepts routes
 * of its own Gateway's namespace unless `allowedRoutes.namespaces.from` says `All` (or `Selector`, a label selector on
 * the route's Namespace), and only the route kinds of its protocol, narrowed by `allowedRoutes.kinds`.
 *
 * Where the specification leaves a choice to the implementation, Istio's Gateway API controller decides
 * (istio/istio `pilot/pkg/config/kube/gateway/conversion.go` and `route_collections.go`, master of 2026-08): which
 * backend kinds are supported (`buildDestination`), that a mesh (GAMMA) route needs no ReferenceGrant for its
 * backends (`convertHTTPRoute(..., enforceRefGrant: !mesh)`), which certificate kinds a listener accepts
 * (`buildSecretReference`, `buildCaCertificateReference`), and what Istio leaves to other implementations (Gateways of
 * a foreign GatewayClass, mesh parents served by a foreign waypoint: `waypointManagedByAnotherController`).
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/
 */
import { DeclaredObject, DEFINED_ELSEWHERE_ANNOTATION, parseDefinedElsewhere } from '../../core/defined-elsewhere';
import { hostMatches } from '../../istio/rules/hosts';
import { asArray, isObject, stringMap, strings } from '../hosts';
import { Report, Subject } from '../report';

const GROUP = 'gateway.networking.k8s.io';

export interface GatewayApiObject extends Subject {
  readonly spec: any;
}

interface Listener {
  readonly name: string;
  readonly port: number;
  readonly hostname?: string;
  /** `Same` (the default), `All`, or `Selector` (then `selector` applies). */
  readonly from: string;
  /** `allowedRoutes.namespaces.selector` (a LabelSelector), for `from: Selector`. */
  readonly selector?: any;
  /** Whether an HTTPRoute may attach: its protocol supports HTTPRoutes and `allowedRoutes.kinds` (when set) lists it. */
  readonly allowsHttpRoute: boolean;
  /** Why it may not, for the message. */
  readonly kindsShown: string;
}

/**
 * The route kinds a listener supports, as Istio's `GenerateGatewaySupportedKinds` (pilot/pkg/config/kube/gatewaycommon/
 * conversion.go) computes them: by protocol (HTTP and HTTPS: HTTPRoute and GRPCRoute; TCP: TCPRoute; TLS: TLSRoute, and
 * TCPRoute when terminated), narrowed to `allowedRoutes.kinds` when that is set (a kind's group defaults to
 * gateway.networking.k8s.io, apis/v1/gateway_types.go RouteGroupKind).
 */
function listenerKinds(l: any): { allowsHttpRoute: boolean; kindsShown: string } {
  const protocol = typeof l.protocol === 'string' ? l.protocol : '';
  const supported = supportedRouteKinds(l);
  const kinds = asArray(l.allowedRoutes?.kinds).filter(isObject);
  if (kinds.length === 0) {
    return { allowsHttpRoute: supported.includes('HTTPRoute'), kindsShown: `protocol ${protocol || '(none)'} supports ${supported.join(', ') || 'no route kind'}` };
  }
  const listed = kinds.some((k: any) => k.kind === 'HTTPRoute' && (k.group ?? GROUP) === GROUP);
  return {
    allowsHttpRoute: listed && supported.includes('HTTPRoute'),
    kindsShown: `allowedRoutes.kinds: ${kinds.map((k: any) => String(k.kind)).join(', ')}; protocol ${protocol || '(none)'} supports ${supported.join(', ') || 'no route kind'}`,
  };
}

/** The route kinds (of group gateway.networking.k8s.io) Istio supports on a listener of this protocol (`GenerateGatewaySupportedKinds`). */
function supportedRouteKinds(l: any): string[] {
  const protocol = typeof l.protocol === 'string' ? l.protocol : '';
  return protocol === 'HTTP' || protocol === 'HTTPS' ? ['HTTPRoute', 'GRPCRoute']
    : protocol === 'TCP' ? ['TCPRoute']
      : protocol === 'TLS' ? (l.tls?.mode === 'Terminate' ? ['TLSRoute', 'TCPRoute'] : ['TLSRoute']) : [];
}

/**
 * Whether a LabelSelector (apis/meta/v1 LabelSelector: `matchLabels` and `matchExpressions` with In, NotIn, Exists,
 * DoesNotExist, all ANDed) selects labels; undefined when that cannot be told because a label it reads is unknown.
 */
function selectorMatches(selector: any, labels: Record<string, string> | undefined): boolean | undefined {
  if (!isObject(selector)) return false; // a Selector listener without selector is rejected; it admits nothing
  const matchLabels = isObject(selector.matchLabels) ? stringMap(selector.matchLabels) : {};
  const expressions = asArray(selector.matchExpressions).filter(isObject);
  if (labels === undefined) {
    // Only the Namespace's name label is known without the Namespace object (set by the API server since Kubernetes 1.21).
    const keys = [...Object.keys(matchLabels), ...expressions.map((e: any) => e.key)];
    if (keys.some(k => k !== NAME_LABEL)) return undefined;
  }
  const known = labels ?? {};
  const ok = (e: any): boolean => {
    const values = strings(e.values);
    const has = Object.prototype.hasOwnProperty.call(known, e.key);
    switch (e.operator) {
      case 'In': return has && values.includes(known[e.key]);
      case 'NotIn': return !has || !values.includes(known[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  };
  return Object.entries(matchLabels).every(([k, v]) => known[k] === v) && expressions.every(ok);
}

const NAME_LABEL = 'kubernetes.io/metadata.name';
const USE_WAYPOINT = 'istio.io/use-waypoint';

/**
 * Backend kinds Istio routes to (`buildDestination` in conversion.go), as `group/kind`; any other kind is refused with
 * ResolvedRefs False, reason InvalidKind (Gateway API: "referencing unsupported backendRef"), and its share of the
 * requests is answered with 500. InferencePool and XBackend need istiod feature flags, which this analyzer cannot see.
 */
const SUPPORTED_BACKENDS = new Set(['/Service', 'networking.istio.io/Hostname', 'multicluster.x-k8s.io/ServiceImport',
  'inference.networking.k8s.io/InferencePool', 'gateway.networking.x-k8s.io/XBackend']);

/** Backend kinds that need a port (`buildDestination`: "port is required in backendRef"; InferencePool and XBackend carry their own). */
const PORTED_BACKENDS = new Set(['/Service', 'networking.istio.io/Hostname', 'multicluster.x-k8s.io/ServiceImport']);

/** The Gateway API objects of the input (and the Services they refer to), indexed once. */
export class GatewayApiIndex {
  public readonly routes: GatewayApiObject[] = [];
  public readonly gateways: GatewayApiObject[] = [];
  public readonly listeners = new Map<string, Listener[] | undefined>();
  /** `namespace/name` of each Gateway -> its `gatewayClassName`. */
  private readonly gatewayClasses = new Map<string, string>();
  /** `namespace/name` -> port numbers of every Service of the input, and of the Services routes declare (undefined ports = any). */
  public readonly services = new Map<string, number[] | undefined>();
  /** `namespace/name` -> hosts of every Istio ServiceEntry of the input (a mesh parent, and what Hostname backends resolve to). */
  public readonly serviceEntries = new Map<string, string[]>();
  /** `Service|namespace/name` and `ServiceEntry|namespace/name` -> labels, for the waypoint a mesh parent uses. */
  private readonly parentLabels = new Map<string, Record<string, string>>();
  /** GatewayClass name -> its `controllerName`, for the GatewayClasses of the input. */
  private readonly controllers = new Map<string, string>();
  /** Namespace name -> its labels (with `kubernetes.io/metadata.name`), for the Namespaces of the input. */
  public readonly namespaceLabels = new Map<string, Record<string, string>>();
  private readonly grants: GatewayApiObject[] = [];

  constructor(manifests: any[], defaultNamespace: string) {
    const declared: DeclaredObject[] = [];
    for (const m of manifests) {
      const metadata = isObject(m?.metadata) ? m.metadata : {};
      const apiVersion = typeof m?.apiVersion === 'string' ? m.apiVersion : '';
      const o: GatewayApiObject = {
        kind: m.kind,
        namespace: typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace,
        name: typeof metadata.name === 'string' ? metadata.name : '',
        spec: isObject(m.spec) ? m.spec : {},
      };
      if (m.kind === 'ServiceEntry' && apiVersion.startsWith('networking.istio.io/')) {
        this.serviceEntries.set(`${o.namespace}/${o.name}`, strings(o.spec.hosts));
        this.parentLabels.set(`ServiceEntry|${o.namespace}/${o.name}`, isObject(metadata.labels) ? stringMap(metadata.labels) : {});
      }
      if (m.kind === 'Namespace' && apiVersion === 'v1') {
        this.namespaceLabels.set(o.name, { ...(isObject(metadata.labels) ? stringMap(metadata.labels) : {}), [NAME_LABEL]: o.name });
      }
      if (m.kind === 'Service' && apiVersion === 'v1') {
        this.services.set(`${o.namespace}/${o.name}`, asArray(o.spec.ports).map((p: any) => Number(p?.port)).filter(n => Number.isInteger(n)));
        this.parentLabels.set(`Service|${o.namespace}/${o.name}`, isObject(metadata.labels) ? stringMap(metadata.labels) : {});
      }
      if (!apiVersion.startsWith(`${GROUP}/`)) continue;
      switch (m.kind) {
        case 'HTTPRoute': {
          this.routes.push(o);
          const parsed = parseDefinedElsewhere(metadata.annotations?.[DEFINED_ELSEWHERE_ANNOTATION]);
          if (metadata.annotations?.[DEFINED_ELSEWHERE_ANNOTATION] !== undefined && 'objects' in parsed) declared.push(...parsed.objects);
          break;
        }
        case 'GatewayClass':
          if (typeof o.spec.controllerName === 'string') this.controllers.set(o.name, o.spec.controllerName);
          break;
        case 'Gateway':
          this.gateways.push(o);
          this.gatewayClasses.set(`${o.namespace}/${o.name}`, String(o.spec.gatewayClassName ?? ''));
          this.listeners.set(`${o.namespace}/${o.name}`, asArray(o.spec.listeners).filter(isObject).map((l: any) => ({
            name: String(l.name ?? ''),
            port: Number(l.port),
            hostname: typeof l.hostname === 'string' ? l.hostname : undefined,
            from: typeof l.allowedRoutes?.namespaces?.from === 'string' ? l.allowedRoutes.namespaces.from : 'Same',
            selector: l.allowedRoutes?.namespaces?.selector,
            ...listenerKinds(l),
          })));
          break;
        case 'ReferenceGrant':
          this.grants.push(o);
          break;
      }
    }
    // A real object wins over a declaration; a declared Gateway has unknown listeners (it accepts everything).
    for (const d of declared) {
      const key = `${d.namespace}/${d.name}`;
      if (d.kind === 'Gateway' && !this.listeners.has(key)) this.listeners.set(key, undefined);
      if (d.kind === 'Service' && !this.services.has(key)) this.services.set(key, d.ports);
    }
  }

  /**
   * Whether another implementation handles the Gateway `namespace/name`: its GatewayClass is in the input with a
   * `controllerName` that is not Istio's (`istio.io/...`). Istio ignores such Gateways and the parentRefs to them; a
   * Gateway whose class is not in the input is taken to be Istio's.
   */
  public foreignGateway(key: string): boolean {
    const controller = this.controllers.get(this.gatewayClasses.get(key) ?? '');
    return controller !== undefined && !controller.startsWith('istio.io/');
  }

  /**
   * Whether a mesh parent (a Service or ServiceEntry) is served by another implementation's waypoint, as Istio's
   * `waypointManagedByAnotherController` (conversion.go) tells: its `istio.io/use-waypoint` label, else its Namespace's,
   * names a Gateway (in `istio.io/use-waypoint-namespace`, else the parent's namespace) of a foreign class. Istio then
   * leaves the route to that implementation.
   */
  public foreignWaypoint(kind: string, key: string): boolean {
    const own = this.parentLabels.get(`${kind}|${key}`);
    if (own === undefined) return false;
    const namespace = key.slice(0, key.indexOf('/'));
    const labels = own[USE_WAYPOINT] !== undefined ? own : this.namespaceLabels.get(namespace) ?? {};
    const waypoint = labels[USE_WAYPOINT];
    if (waypoint === undefined || waypoint === '' || waypoint.toLowerCase() === 'none') return false;
    return this.foreignGateway(`${labels['istio.io/use-waypoint-namespace'] || namespace}/${waypoint}`);
  }

  /** Whether Istio leaves this parentRef of a route to another implementation (a foreign Gateway or waypoint). */
  public foreignParent(p: any, routeNamespace: string): boolean {
    const group = p?.group ?? GROUP;
    const kind = p?.kind ?? 'Gateway';
    const key = `${typeof p?.namespace === 'string' ? p.namespace : routeNamespace}/${p?.name}`;
    if (group === GROUP && kind === 'Gateway') return this.foreignGateway(key);
    if (group === '' && kind === 'Service') return this.foreignWaypoint('Service', key);
    if (group === 'networking.istio.io' && kind === 'ServiceEntry') return this.foreignWaypoint('ServiceEntry', key);
    return false;
  }

  /**
   * Whether a host resolves in the mesh, as Istio's `LookupHostname` for a Hostname backend: a host of a ServiceEntry
   * (wildcards included) or the FQDN of a Service of the input.
   */
  public hostKnown(host: string): boolean {
    for (const hosts of this.serviceEntries.values()) {
      if (hosts.some(h => hostMatches(h, host))) return true;
    }
    const fqdn = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(host);
    return fqdn !== null && this.services.has(`${fqdn[2]}/${fqdn[1]}`);
  }

  /** Whether a ReferenceGrant in `toNamespace` lets `fromKind` objects of `fromNamespace` refer to `toKind` `toName`. */
  public granted(fromGroup: string, fromKind: string, fromNamespace: string, toGroup: string, toKind: string, toNamespace: string,
    toName: string): boolean {
    return this.grants.some(g => g.namespace === toNamespace
      && asArray(g.spec.from).some((f: any) => (f?.group ?? '') === fromGroup && f?.kind === fromKind && f?.namespace === fromNamespace)
      && asArray(g.spec.to).some((t: any) => (t?.group ?? '') === toGroup && t?.kind === toKind && (t?.name === undefined || t.name === toName)));
  }
}

/** Analyzes the Gateway API objects of the manifests. */
export function analyzeGatewayApi(manifests: any[], defaultNamespace: string, report: Report): void {
  const index = new GatewayApiIndex(manifests, defaultNamespace);
  for (const route of index.routes) {
    const parents = asArray(route.spec.parentRefs);
    // A route whose every parent another implementation handles is that implementation's to judge, not Istio's.
    if (parents.length > 0 && parents.every(p => index.foreignParent(p, route.namespace))) continue;
    checkParents(index, report, route);
    asArray(route.spec.rules).forEach((rule: any, i: number) => checkRule(index, report, route, rule, i));
  }
  for (const gateway of index.gateways) {
    if (index.foreignGateway(`${gateway.namespace}/${gateway.name}`)) continue;
    checkCertificateRefs(index, report, gateway);
    checkCaCertificateRefs(index, report, gateway);
    checkListenerRouteKinds(report, gateway);
  }
}

/**
 * TM0113: `allowedRoutes.kinds` of a listener lists a kind its protocol does not support. Istio then sets the listener's
 * ResolvedRefs False, reason InvalidRouteKinds, and admits only the supported kinds that are listed (none, if none is):
 * `GenerateGatewaySupportedKinds` returns the intersection and `len(intersection) == len(kinds)` as validity; the
 * Gateway API asks the same (apis/v1/gateway_types.go AllowedRoutes.Kinds, ListenerReasonInvalidRouteKinds;
 * conformance/tests/gateway-invalid-route-kind.yaml, tlsroute-listener-passthrough-supported-kinds.yaml). Only for the
 * protocols Istio serves (HTTP, HTTPS, TCP, TLS): a UDP listener lists UDPRoute rightly for implementations that serve it.
 */
function checkListenerRouteKinds(report: Report, gateway: GatewayApiObject): void {
  asArray(gateway.spec.listeners).forEach((l: any, i: number) => {
    if (!isObject(l)) return;
    const kinds = asArray(l.allowedRoutes?.kinds).filter(isObject);
    // A protocol Istio does not serve at all (UDP, or an implementation-specific one) is not a route kind problem: skip it.
    if (kinds.length === 0 || !['HTTP', 'HTTPS', 'TCP', 'TLS'].includes(l.protocol)) return;
    const supported = supportedRouteKinds(l);
    const isSupported = (k: any) => (k.group ?? GROUP) === GROUP && supported.includes(k.kind);
    const invalid = kinds.filter(k => !isSupported(k));
    if (invalid.length === 0) return;
    const admitted = kinds.filter(isSupported).map((k: any) => String(k.kind));
    const shown = (k: any) => (k.group !== undefined && k.group !== GROUP ? `${k.group}/${k.kind}` : String(k.kind));
    report.add('TM0113', gateway, `Listener "${l.name}" lists route kinds its protocol ${JSON.stringify(l.protocol ?? '')} does not support in `
      + `allowedRoutes.kinds (listeners[${i}]: ${invalid.map(shown).join(', ')}; supported: ${supported.join(', ') || 'none'}): the listener's `
      + `ResolvedRefs is False (InvalidRouteKinds) and it admits ${admitted.length > 0 ? `only ${admitted.join(', ')}` : 'no routes at all'}. `
      + 'Remove those kinds, or use a listener of the protocol they need.');
  });
}

/**
 * A mesh (GAMMA) parent: a Service (group "") or an Istio ServiceEntry. Istio converts a route's rules once for its
 * mesh parents and once for its Gateway parents, and checks ReferenceGrants only for the latter
 * (`convertHTTPRoute(ctx, r, obj, n, !mesh)` in route_collections.go); the Gateway API asks none for a mesh route's
 * backends either (conformance/tests/mesh/mesh-consumer-route.yaml routes to another namespace without a grant).
 */
export function isMeshParent(p: any): boolean {
  const group = p?.group ?? GROUP;
  const kind = p?.kind ?? 'Gateway';
  return (group === '' && kind === 'Service') || (group === 'networking.istio.io' && kind === 'ServiceEntry');
}

export function checkParents(index: GatewayApiIndex, report: Report, route: GatewayApiObject): void {
  const hostnames = strings(route.spec.hostnames);
  asArray(route.spec.parentRefs).forEach((p: any, i: number) => {
    if (!isObject(p) || index.foreignParent(p, route.namespace)) return;
    const where = `parentRefs[${i}]`;
    const group = p.group ?? GROUP;
    const kind = p.kind ?? 'Gateway';
    const namespace = typeof p.namespace === 'string' ? p.namespace : route.namespace;
    const key = `${namespace}/${p.name}`;
    if (group === '' && kind === 'Service') {
      // A GAMMA parent: the route applies to the Service's mesh traffic.
      if (!index.services.has(key)) {
        report.add('TM0103', route, `Parent Service "${key}" not found (${where}): a mesh (GAMMA) route applies to the traffic of an existing `
          + 'Service; create it or correct parentRefs.');
      }
      return;
    }
    if (group === 'networking.istio.io' && kind === 'ServiceEntry') {
      // A mesh parent too (conversion.go referenceAllowed, case gvk.ServiceEntry: 'parent service entry: "..." not found').
      if (!index.serviceEntries.has(key)) {
        report.add('TM0103', route, `Parent ServiceEntry "${key}" not found (${where}): a mesh route applies to the traffic of an existing `
          + 'ServiceEntry; create it or correct parentRefs.');
      }
      return;
    }
    if (group !== GROUP || kind !== 'Gateway') return;
    if (!index.listeners.has(key)) {
      report.add('TM0103', route, `Parent Gateway "${key}" not found (${where}): create the Gateway, or correct parentRefs (the namespace defaults `
        + `to the route's, "${route.namespace}").`);
      return;
    }
    const listeners = index.listeners.get(key);
    if (listeners === undefined) return; // defined elsewhere: its listeners are not known
    const selected = listeners.filter(l => (p.sectionName === undefined || l.name === p.sectionName)
      && (p.port === undefined || l.port === Number(p.port)));
    if (selected.length === 0) {
      report.add('TM0103', route, `Gateway "${key}" has no listener ${p.sectionName !== undefined ? `named "${p.sectionName}"` : ''}`
        + `${p.port !== undefined ? ` on port ${p.port}` : ''} (${where}; its listeners: ${listeners.map(l => `${l.name} (${l.port})`).join(', ') || 'none'}). `
        + 'Use one of its listeners, or drop sectionName/port to attach to all of them.');
      return;
    }
    const ofKind = selected.filter(l => l.allowsHttpRoute);
    if (ofKind.length === 0) {
      report.add('TM0104', route, `No listener of Gateway "${key}" that the parentRef selects accepts HTTPRoutes (${where}; `
        + `${selected.map(l => `${l.name}: ${l.kindsShown}`).join('; ')}): the route is not attached (NotAllowedByListeners). `
        + 'Attach it to an HTTP or HTTPS listener, or add {kind: HTTPRoute} to the listener\'s allowedRoutes.kinds.');
      return;
    }
    const routeLabels = index.namespaceLabels.get(route.namespace);
    const admits = (l: Listener): boolean => {
      if (l.from === 'All') return true;
      if (l.from === 'Selector') return selectorMatches(l.selector, routeLabels) !== false; // unknown labels: taken as admitted
      return namespace === route.namespace;
    };
    const allowed = ofKind.filter(admits);
    if (allowed.length === 0) {
      const bySelector = ofKind.filter(l => l.from === 'Selector');
      report.add('TM0104', route, bySelector.length > 0
        ? `The listeners of Gateway "${key}" admit routes of the namespaces their selector selects (allowedRoutes.namespaces.from: Selector, `
          + `${JSON.stringify(bySelector[0].selector ?? null)}), and namespace "${route.namespace}" of this route does not match (${where}; its labels: `
          + `${JSON.stringify(routeLabels ?? { [NAME_LABEL]: route.namespace })}): the route is not attached. Label the namespace, or change the selector.`
        : `The listeners of Gateway "${key}" accept routes of their own namespace only (allowedRoutes.namespaces.from: Same), `
          + `and this route is in "${route.namespace}" (${where}): the route is not attached. Move the route, or allow its namespace on the listener.`);
      return;
    }
    const accepts = (l: Listener) => l.hostname === undefined || hostnames.length === 0 || hostnames.some(h => hostMatches(l.hostname!, h));
    if (!allowed.some(accepts)) {
      report.add('TM0104', route, `No listener of Gateway "${key}" accepts the hostnames [${hostnames.join(' ')}] (${where}; listener hostnames: `
        + `${allowed.map(l => l.hostname).join(', ')}): the route is not attached there. Add a matching hostname to the route or the listener.`);
    }
  });
}

function checkRule(index: GatewayApiIndex, report: Report, route: GatewayApiObject, rule: any, i: number): void {
  if (!isObject(rule)) return;
  const istioParents = asArray(route.spec.parentRefs).filter(p => !index.foreignParent(p, route.namespace));
  const enforceGrants = !(istioParents.length > 0 && istioParents.every(isMeshParent));
  checkMirrorWithoutBackend(report, route, rule, i);
  asArray(rule.backendRefs).forEach((b: any, j: number) => {
    const where = `rules[${i}].backendRefs[${j}]`;
    checkBackend(index, report, route, b, where, false, enforceGrants);
    asArray(b?.filters).forEach((f: any, k: number) => {
      if (f?.type === 'RequestMirror' || isObject(f?.requestMirror)) {
        report.add('TM0108', route, `RequestMirror filter inside a backendRef (${where}.filters[${k}]): Istio rejects mirrors there. Move the filter to `
          + `the rule's filters (rules[${i}].filters), where it mirrors every request of the rule.`);
      }
    });
  });
  asArray(rule.filters).forEach((f: any, k: number) => {
    if (f?.type !== 'RequestMirror' || !isObject(f.requestMirror)) return;
    const where = `rules[${i}].filters[${k}].requestMirror`;
    const mirror = f.requestMirror;
    checkBackend(index, report, route, mirror.backendRef, `${where}.backendRef`, true, enforceGrants);
    checkMirrorShare(report, route, mirror, where);
  });
}

/**
 * TM0109: a rule that mirrors but has no backend to route to (no backendRefs, or all of weight 0) and no redirect.
 * The Gateway API answers such a rule with 500 (apis/v1/httproute_types.go, HTTPRouteRule.BackendRefs: "If all entries
 * in BackendRefs are invalid, and there are also no filters specified in this route rule, all traffic which matches
 * this rule MUST receive a 500 status code"); Istio writes it as `directResponse: {status: 500}` (convertHTTPRoute,
 * `weightSum(r.BackendRefs) == 0 && vs.Redirect == nil`), and a direct response has no route action, which is where
 * Envoy's request mirror policies live (`applyHTTPRouteDestination` in pilot/pkg/networking/core/route/route.go), so
 * nothing is mirrored either.
 */
function checkMirrorWithoutBackend(report: Report, route: GatewayApiObject, rule: any, i: number): void {
  const filters = asArray(rule.filters);
  if (!filters.some((f: any) => f?.type === 'RequestMirror') || filters.some((f: any) => f?.type === 'RequestRedirect')) return;
  const backends = asArray(rule.backendRefs);
  const weight = backends.reduce((sum: number, b: any) => sum + (typeof b?.weight === 'number' ? b.weight : 1), 0);
  if (weight > 0) return;
  report.add('TM0109', route, `Rule rules[${i}] mirrors requests but has no backend to route them to (${backends.length === 0
    ? 'no backendRefs' : 'every backendRef has weight 0'}): Istio answers every request of the rule with 500 and, as the rule then has no route, `
    + 'sends no copy either. Add the backendRef that serves the requests (the mirror only copies them).');
}

export function checkMirrorShare(report: Report, route: GatewayApiObject, mirror: any, where: string): void {
  if (mirror.percent !== undefined && mirror.fraction !== undefined) {
    report.add('IST0106', route, `Schema validation error: only one of percent or fraction may be specified in HTTPRequestMirrorFilter (${where}). `
      + 'Keep percent for a whole percentage, fraction for a decimal one.');
  }
  if (mirror.percent !== undefined && !(Number.isInteger(mirror.percent) && mirror.percent >= 0 && mirror.percent <= 100)) {
    report.add('IST0106', route, `Schema validation error: percent must be an integer from 0 to 100, got ${JSON.stringify(mirror.percent)} (${where}).`
      + ' Use fraction (numerator/denominator) for a decimal percentage.');
  }
  const fraction = mirror.fraction;
  if (fraction !== undefined) {
    const numerator = fraction?.numerator;
    const denominator = fraction?.denominator ?? 100;
    if (!Number.isInteger(numerator) || numerator < 0 || !Number.isInteger(denominator) || denominator < 1 || numerator > denominator) {
      report.add('IST0106', route, `Schema validation error: fraction must be a numerator from 0 to its denominator (an integer of at least 1, `
        + `default 100), got ${JSON.stringify(fraction)} (${where}).`);
    }
  }
}

/**
 * The checks of one backendRef or mirror backendRef of a route of kind `routeKind` (the `from` kind a ReferenceGrant must
 * admit); grants are checked only when `enforceGrants` (not for a mesh route).
 */
export function checkBackend(index: GatewayApiIndex, report: Report, route: GatewayApiObject, b: any, where: string, mirror: boolean,
  enforceGrants: boolean, routeKind = 'HTTPRoute'): void {
  if (!isObject(b)) return;
  const group = typeof b.group === 'string' ? b.group : '';
  const kind = typeof b.kind === 'string' ? b.kind : 'Service';
  const namespace = typeof b.namespace === 'string' ? b.namespace : route.namespace;
  const key = `${namespace}/${b.name}`;
  if (!SUPPORTED_BACKENDS.has(`${group}/${kind}`)) {
    report.add('TM0110', route, `${mirror ? 'Mirror' : 'Backend'} "${key}" is of kind ${JSON.stringify(kind)} in group ${JSON.stringify(group)}, `
      + `which Istio does not route to (${where}): the reference is refused (ResolvedRefs False, InvalidKind) and `
      + `${mirror ? 'nothing is mirrored' : 'its share of the requests is answered with 500'}. Refer to a Service (group "", kind Service), `
      + 'or to a Hostname (group networking.istio.io) for a ServiceEntry host.');
    return;
  }
  if (!mirror && b.port === undefined && PORTED_BACKENDS.has(`${group}/${kind}`)) {
    report.add('TM0111', route, `The backendRef to ${kind} "${key}" has no port (${where}): ${kind === 'Service'
      ? 'the Gateway API requires one for a Service (the API server rejects the route: "Must have port for Service reference"), and '
      : ''}Istio requires one for every kind it routes to ("port is required in backendRef"; the rule is not programmed). Set port to the service port.`);
  }
  if (group === 'networking.istio.io' && kind === 'Hostname') {
    if (!index.hostKnown(String(b.name))) {
      report.add('TM0101', route, `Referenced host "${b.name}" not found (${where}): a Hostname backend must be a host of a ServiceEntry (or a `
        + 'Service\'s FQDN) in the mesh (Istio: backend not found). Create a ServiceEntry for it, or correct the name.');
    }
    return;
  }
  if (group === 'multicluster.x-k8s.io' && kind === 'ServiceImport') {
    // Istio routes a ServiceImport to the Service of that name and namespace, and looks for that Service (buildDestination).
    if (!index.services.has(key)) {
      report.add('TM0101', route, `Referenced ServiceImport "${key}" not found (${where}): Istio routes it to the Service of that name, which is `
        + 'not in the input. Export the Service (ServiceExport) under that name, or correct the name and namespace.');
    }
    return;
  }
  if (group !== '' || kind !== 'Service') return;
  if (!index.services.has(key)) {
    report.add('TM0101', route, `Referenced ${mirror ? 'mirror ' : ''}Service "${key}" not found (${where}). Create it (with the Gateway API, each `
      + 'version has a Service of its own, e.g. MeshService versionServices), or correct the name and namespace.');
    return;
  }
  const ports = index.services.get(key);
  if (b.port === undefined) {
    if (mirror) {
      report.add('TM0102', route, `The mirror to Service "${key}" has no port (${where}): Istio requires backendRef.port on a RequestMirror. Set it `
        + `to ${ports && ports.length > 0 ? `one of the Service's ports (${ports.join(', ')})` : 'the Service port'}.`);
    }
  } else if (ports !== undefined && !ports.includes(Number(b.port))) {
    report.add('TM0101', route, `Referenced port ${b.port} of Service "${key}" not found (${where}): the Service exposes `
      + `${ports.length > 0 ? `port(s) ${ports.join(', ')}` : 'no ports'}; use one of those (the Service port, not the container port).`);
  }
  if (enforceGrants && namespace !== route.namespace && !index.granted(GROUP, routeKind, route.namespace, '', 'Service', namespace, String(b.name))) {
    report.add('TM0105', route, `Reference to Service "${key}" in another namespace without a ReferenceGrant (${where}): the reference is refused `
      + `(RefNotPermitted). Add a ReferenceGrant in namespace "${namespace}" from ${routeKind} in "${route.namespace}" to Service.`);
  }
}

function checkCertificateRefs(index: GatewayApiIndex, report: Report, gateway: GatewayApiObject): void {
  asArray(gateway.spec.listeners).forEach((l: any, i: number) => {
    asArray(l?.tls?.certificateRefs).forEach((ref: any, j: number) => {
      if (!isObject(ref)) return;
      if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') {
        // buildSecretReference: "invalid certificate reference ..., only secret is allowed" (the listener's ResolvedRefs is
        // False, InvalidCertificateRef, and it serves no certificate).
        report.add('TM0112', gateway, `Certificate reference ${JSON.stringify(ref.name)} is of kind ${JSON.stringify(ref.kind ?? 'Secret')} in group `
          + `${JSON.stringify(ref.group ?? '')} (listeners[${i}].tls.certificateRefs[${j}]): Istio accepts only core Secrets there (ResolvedRefs False, `
          + 'InvalidCertificateRef). Store the certificate and key in a Secret of type kubernetes.io/tls and refer to it.');
        return;
      }
      const namespace = typeof ref.namespace === 'string' ? ref.namespace : gateway.namespace;
      if (namespace !== gateway.namespace && !index.granted(GROUP, 'Gateway', gateway.namespace, '', 'Secret', namespace, String(ref.name))) {
        report.add('TM0106', gateway, `Certificate Secret "${namespace}/${ref.name}" is in another namespace without a ReferenceGrant `
          + `(listeners[${i}].tls.certificateRefs[${j}]): the listener has no certificate (RefNotPermitted). Add a ReferenceGrant in namespace `
          + `"${namespace}" from Gateway in "${gateway.namespace}" to Secret, or put the Secret in the Gateway's namespace.`);
      }
    });
  });
}

/**
 * The client-CA references of a Gateway (`spec.tls.frontend.default.validation.caCertificateRefs` and
 * `spec.tls.frontend.perPort[].tls.validation.caCertificateRefs`, apis/v1/gateway_types.go FrontendTLSValidation): a ref
 * of a kind other than a core ConfigMap or Secret is TM0112 (InvalidCACertificateKind; Istio's
 * `buildCaCertificateReference`: "only secret and configmap are allowed"); one in another namespace without a
 * ReferenceGrant from the Gateway is TM0106 (RefNotPermitted; Istio checks the grant first, `buildTLS`). Only the
 * validations some TLS-terminating listener uses are checked.
 */
function checkCaCertificateRefs(index: GatewayApiIndex, report: Report, gateway: GatewayApiObject): void {
  const frontend = gateway.spec.tls?.frontend;
  if (!isObject(frontend)) return;
  // resolveGatewayTLS: a listener takes the perPort entry of its port, else the default; buildTLS reads it only for a
  // listener that terminates TLS (a `tls` block, mode Terminate, the default). A validation no such listener takes is unused.
  const terminating = asArray(gateway.spec.listeners).filter((l: any) => isObject(l?.tls) && (l.tls.mode ?? 'Terminate') === 'Terminate')
    .map((l: any) => Number(l.port));
  const perPortPorts = asArray(frontend.perPort).map((p: any) => Number(p?.port));
  const validations: Array<[string, any]> = [];
  if (terminating.some(port => !perPortPorts.includes(port))) validations.push(['tls.frontend.default.validation', frontend.default?.validation]);
  asArray(frontend.perPort).forEach((p: any, i: number) => {
    if (terminating.includes(Number(p?.port))) validations.push([`tls.frontend.perPort[${i}].tls.validation`, p?.tls?.validation]);
  });
  for (const [where, validation] of validations) {
    asArray(validation?.caCertificateRefs).forEach((ref: any, j: number) => {
      if (!isObject(ref)) return;
      const group = typeof ref.group === 'string' ? ref.group : '';
      const kind = typeof ref.kind === 'string' ? ref.kind : '';
      const at = `${where}.caCertificateRefs[${j}]`;
      if (group !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
        report.add('TM0112', gateway, `CA certificate reference ${JSON.stringify(ref.name)} is of kind ${JSON.stringify(kind)} in group `
          + `${JSON.stringify(group)} (${at}): Istio accepts only a core ConfigMap or Secret with a ca.crt key there (InvalidCACertificateKind), `
          + 'so the HTTPS listeners do not validate client certificates. Refer to a ConfigMap (kind: ConfigMap) or Secret.');
        return;
      }
      const namespace = typeof ref.namespace === 'string' ? ref.namespace : gateway.namespace;
      if (namespace !== gateway.namespace && !index.granted(GROUP, 'Gateway', gateway.namespace, '', kind, namespace, String(ref.name))) {
        report.add('TM0106', gateway, `CA certificate ${kind} "${namespace}/${ref.name}" is in another namespace without a ReferenceGrant (${at}): `
          + `the HTTPS listeners refuse it (RefNotPermitted) and are not programmed. Add a ReferenceGrant in namespace "${namespace}" from Gateway `
          + `in "${gateway.namespace}" to ${kind}, or put the ${kind} in the Gateway's namespace.`);
      }
    });
  }
}
