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
 * of its own Gateway's namespace unless `allowedRoutes.namespaces.from` says `All`.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/
 */
import { DeclaredObject, DEFINED_ELSEWHERE_ANNOTATION, parseDefinedElsewhere } from '../../core/defined-elsewhere';
import { hostMatches } from '../../istio/rules/hosts';
import { asArray, isObject, strings } from '../hosts';
import { Report, Subject } from '../report';

const GROUP = 'gateway.networking.k8s.io';

export interface GatewayApiObject extends Subject {
  readonly spec: any;
}

interface Listener {
  readonly name: string;
  readonly port: number;
  readonly hostname?: string;
  /** `Same` (the default), `All`, or `Selector` (not evaluated: taken as allowing every namespace). */
  readonly from: string;
}

/** The Gateway API objects of the input (and the Services they refer to), indexed once. */
export class GatewayApiIndex {
  public readonly routes: GatewayApiObject[] = [];
  public readonly gateways: GatewayApiObject[] = [];
  public readonly listeners = new Map<string, Listener[] | undefined>();
  /** `namespace/name` -> port numbers of every Service of the input, and of the Services routes declare (undefined ports = any). */
  public readonly services = new Map<string, number[] | undefined>();
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
      if (m.kind === 'Service' && apiVersion === 'v1') {
        this.services.set(`${o.namespace}/${o.name}`, asArray(o.spec.ports).map((p: any) => Number(p?.port)).filter(n => Number.isInteger(n)));
      }
      if (!apiVersion.startsWith(`${GROUP}/`)) continue;
      switch (m.kind) {
        case 'HTTPRoute': {
          this.routes.push(o);
          const parsed = parseDefinedElsewhere(metadata.annotations?.[DEFINED_ELSEWHERE_ANNOTATION]);
          if (metadata.annotations?.[DEFINED_ELSEWHERE_ANNOTATION] !== undefined && 'objects' in parsed) declared.push(...parsed.objects);
          break;
        }
        case 'Gateway':
          this.gateways.push(o);
          this.listeners.set(`${o.namespace}/${o.name}`, asArray(o.spec.listeners).filter(isObject).map((l: any) => ({
            name: String(l.name ?? ''),
            port: Number(l.port),
            hostname: typeof l.hostname === 'string' ? l.hostname : undefined,
            from: typeof l.allowedRoutes?.namespaces?.from === 'string' ? l.allowedRoutes.namespaces.from : 'Same',
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
    checkParents(index, report, route);
    asArray(route.spec.rules).forEach((rule: any, i: number) => checkRule(index, report, route, rule, i));
  }
  for (const gateway of index.gateways) {
    checkCertificateRefs(index, report, gateway);
  }
}

export function checkParents(index: GatewayApiIndex, report: Report, route: GatewayApiObject): void {
  const hostnames = strings(route.spec.hostnames);
  asArray(route.spec.parentRefs).forEach((p: any, i: number) => {
    if (!isObject(p)) return;
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
    const allowed = selected.filter(l => l.from !== 'Same' || namespace === route.namespace);
    if (allowed.length === 0) {
      report.add('TM0104', route, `The listeners of Gateway "${key}" accept routes of their own namespace only (allowedRoutes.namespaces.from: Same), `
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
  asArray(rule.backendRefs).forEach((b: any, j: number) => {
    const where = `rules[${i}].backendRefs[${j}]`;
    checkBackend(index, report, route, b, where, false);
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
    checkBackend(index, report, route, mirror.backendRef, `${where}.backendRef`, true);
    checkMirrorShare(report, route, mirror, where);
  });
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

/** The checks of one backendRef or mirror backendRef of a route of kind `routeKind` (the `from` kind a ReferenceGrant must admit). */
export function checkBackend(index: GatewayApiIndex, report: Report, route: GatewayApiObject, b: any, where: string, mirror: boolean,
  routeKind = 'HTTPRoute'): void {
  if (!isObject(b) || (b.group ?? '') !== '' || (b.kind ?? 'Service') !== 'Service') return;
  const namespace = typeof b.namespace === 'string' ? b.namespace : route.namespace;
  const key = `${namespace}/${b.name}`;
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
  if (namespace !== route.namespace && !index.granted(GROUP, routeKind, route.namespace, '', 'Service', namespace, String(b.name))) {
    report.add('TM0105', route, `Reference to Service "${key}" in another namespace without a ReferenceGrant (${where}): the reference is refused `
      + `(RefNotPermitted). Add a ReferenceGrant in namespace "${namespace}" from ${routeKind} in "${route.namespace}" to Service.`);
  }
}

function checkCertificateRefs(index: GatewayApiIndex, report: Report, gateway: GatewayApiObject): void {
  asArray(gateway.spec.listeners).forEach((l: any, i: number) => {
    asArray(l?.tls?.certificateRefs).forEach((ref: any, j: number) => {
      if (!isObject(ref) || (ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') return;
      const namespace = typeof ref.namespace === 'string' ? ref.namespace : gateway.namespace;
      if (namespace !== gateway.namespace && !index.granted(GROUP, 'Gateway', gateway.namespace, '', 'Secret', namespace, String(ref.name))) {
        report.add('TM0106', gateway, `Certificate Secret "${namespace}/${ref.name}" is in another namespace without a ReferenceGrant `
          + `(listeners[${i}].tls.certificateRefs[${j}]): the listener has no certificate (RefNotPermitted). Add a ReferenceGrant in namespace `
          + `"${namespace}" from Gateway in "${gateway.namespace}" to Secret, or put the Secret in the Gateway's namespace.`);
      }
    });
  });
}
