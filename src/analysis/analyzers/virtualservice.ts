/**
 * The VirtualService analyzers, as istioctl's `pkg/config/analysis/analyzers/virtualservice/`, plus the VirtualService
 * rules of Istio's validation (IST0106) and this library's checks (TM0001-TM0005, TM0007). Internal: not exported
 * from index.ts.
 *
 * - `GatewayAnalyzer` (gateways.go): IST0101 for a gateway that does not exist, IST0132 for hosts the gateway does not serve;
 * - `DestinationHostAnalyzer` (destinationhosts.go): IST0101 for a destination host or port that does not exist, IST0112,
 *   IST0140;
 * - `DestinationRuleAnalyzer` (destinationrules.go): IST0101 for a subset no DestinationRule defines;
 * - `ConflictingMeshGatewayHostsAnalyzer` (conflictingmeshgatewayhosts.go): IST0109;
 * - `getRouteDestinations` and `getHTTPMirrorDestinations` (util.go): `destinations`;
 * - IST0106 for a malformed `cdk8s-traffic-mirror/defined-elsewhere` annotation (this library's own).
 */
import { DEFINED_ELSEWHERE_ANNOTATION } from '../../core/defined-elsewhere';
import { gatewayHostConflictMessage, hostsNotInGatewayMessage, meshHostConflictMessage } from '../../istio/rules/virtual-service';
import { hostMatches, resourceKeyFromHost, SERVICE_DOMAIN, toFqdn, validateWildcardDomain } from '../../istio/rules/hosts';
import { append, asArray, isObject, strings } from '../hosts';
import { ManifestIndex, Obj } from '../manifest-index';
import { Report } from '../report';

/** One destination of a VirtualService with where it was found, for messages. */
export interface Dest {
  readonly where: string;
  readonly mirror: boolean;
  readonly rule: number;
  readonly destination: any;
}

/** Destinations of a VirtualService like istioctl's `getRouteDestinations` and `getHTTPMirrorDestinations`. */
export function destinations(spec: any): Dest[] {
  const out: Dest[] = [];
  for (const section of ['tcp', 'tls', 'http']) {
    asArray(spec[section]).forEach((rule: any, i: number) => {
      asArray(rule?.route).forEach((r: any, j: number) => {
        if (isObject(r?.destination)) out.push({ where: `${section}[${i}].route[${j}]`, mirror: false, rule: i, destination: r.destination });
      });
    });
  }
  asArray(spec.http).forEach((rule: any, i: number) => {
    if (isObject(rule?.mirror)) out.push({ where: `http[${i}].mirror`, mirror: true, rule: i, destination: rule.mirror });
    asArray(rule?.mirrors).forEach((m: any, j: number) => {
      if (isObject(m?.destination)) out.push({ where: `http[${i}].mirrors[${j}]`, mirror: true, rule: i, destination: m.destination });
    });
  });
  return out;
}

/** Runs every VirtualService analyzer. */
export function analyzeVirtualServices(index: ManifestIndex, report: Report): void {
  for (const vs of index.virtualServices) {
    checkVirtualService(index, report, vs);
  }
  checkMeshHostConflicts(index, report);
  checkIngressSubsets(index, report);
  checkGatewayHostConflicts(index, report);
}

/**
 * TM0007: VirtualServices bound to the same gateway (resolved to `namespace/name`) that define the same host (as an
 * FQDN). istioctl reports this only for the mesh gateway (IST0109); at an ingress gateway Istio merges the rules.
 */
function checkGatewayHostConflicts(index: ManifestIndex, report: Report): void {
  const byKey = new Map<string, Obj[]>();
  for (const vs of index.virtualServices) {
    const hosts = [...new Set(strings(vs.spec.hosts).map(h => toFqdn(vs.namespace, h)))];
    for (const g of new Set(strings(vs.spec.gateways))) {
      if (g === 'mesh' || isInternalGatewayReference(g)) continue;
      const gateway = g.includes('/') ? g : `${vs.namespace}/${g}`;
      for (const host of hosts) {
        const key = `${gateway}|${host}`;
        const list = byKey.get(key);
        if (list) list.push(vs);
        else byKey.set(key, [vs]);
      }
    }
  }
  for (const [key, list] of byKey) {
    if (list.length < 2) continue;
    const [gateway, host] = key.split('|');
    const names = list.map(v => `${v.namespace}/${v.name}`);
    for (const vs of list) report.add('TM0007', vs, gatewayHostConflictMessage(names, gateway, host));
  }
}

/**
 * IST0140 (`DestinationHostAnalyzer.analyzeSubset`): a VirtualService with `gateways` routes an http destination
 * without subset to a host for which a VirtualService (itself included) routes to subsets of that host, the host being
 * one of that VirtualService's own hosts. As in istioctl, hosts are compared as written (no FQDN expansion).
 */
function checkIngressSubsets(index: ManifestIndex, report: Report): void {
  // host -> VirtualServices routing to a subset of it, where the host is one of their hosts (`initVirtualServiceDestinations`).
  const subsetRouted = new Map<string, Obj[]>();
  for (const vs of index.virtualServices) {
    const hosts = new Set(strings(vs.spec.hosts));
    for (const rule of asArray(vs.spec.http)) {
      for (const r of asArray(rule?.route)) {
        const d = r?.destination;
        if (!isObject(d) || typeof d.subset !== 'string' || d.subset === '' || !hosts.has(d.host)) continue;
        const list = subsetRouted.get(d.host) ?? [];
        if (!list.includes(vs)) list.push(vs);
        subsetRouted.set(d.host, list);
      }
    }
  }
  if (subsetRouted.size === 0) return;
  for (const vs of index.virtualServices) {
    if (strings(vs.spec.gateways).length === 0) continue;
    for (const rule of asArray(vs.spec.http)) {
      for (const r of asArray(rule?.route)) {
        const d = r?.destination;
        if (!isObject(d) || (typeof d.subset === 'string' && d.subset !== '')) continue;
        for (const other of subsetRouted.get(d.host) ?? []) {
          report.add('IST0140', vs, `Subset in virtual service ${other.namespace}/${other.name} has no effect on ingress gateway `
            + `${vs.namespace}/${vs.name} requests. Requests through the gateway to "${d.host}" are routed by this VirtualService, `
            + 'which names no subset; set the subset on its destination to route gateway traffic by version.');
        }
      }
    }
  }
}

function ruleLabel(rule: any, i: number, section = 'http'): string {
  return typeof rule?.name === 'string' && rule.name ? `${section}[${i}] ("${rule.name}")` : `${section}[${i}]`;
}

function describe(d: any): string {
  const parts = [`"${d?.host}"`];
  if (d?.subset) parts.push(`subset "${d.subset}"`);
  if (d?.port?.number !== undefined) parts.push(`port ${d.port.number}`);
  return parts.join(' ');
}

function checkVirtualService(index: ManifestIndex, report: Report, vs: Obj): void {
  const spec = vs.spec;
  const gateways = strings(spec.gateways);
  const exportTo = strings(spec.exportTo);
  const vsHosts = strings(spec.hosts);

  const malformed = index.malformedDeclarations.get(vs);
  if (malformed !== undefined) {
    report.add('IST0106', vs, `Schema validation error: invalid annotation ${DEFINED_ELSEWHERE_ANNOTATION}: ${malformed} (metadata.annotations). `
      + 'The annotation is ignored, so the objects it declares count as missing. Write it as a JSON array of '
      + '{"kind": "Gateway" | "Service", "namespace", "name"} objects, with optional "hosts" for a Gateway and "ports" '
      + 'and "subsets" for a Service.');
  }

  for (const g of gateways) {
    if (g === 'mesh') continue;
    if (isInternalGatewayReference(g)) {
      report.add('IST0165', vs, `Gateway reference in VirtualService ${vs.namespace}/${vs.name} is to an implementation-generated internal `
        + `Gateway: ${g}. Bind the VirtualService to the Kubernetes Gateway itself ("<namespace>/<name>"), not to the Gateway Istio generates for it.`);
      continue;
    }
    const key = g.includes('/') ? g : `${vs.namespace}/${g}`;
    const gw = index.gatewaysByName.get(key);
    const k8sGateway = gw ? undefined : index.kubernetesGatewaysByName.get(key);
    if (!gw && !k8sGateway) {
      // Istio's resolveGatewayName reads "a.b" (no "/") as the legacy form "b/a"; istioctl looks up "a.b" in the VirtualService's namespace.
      const legacy = !g.includes('/') && g.includes('.') ? `${g.split('.')[1]}/${g.split('.')[0]}` : undefined;
      report.add('IST0101', vs, `Referenced gateway not found: "${g}". `
        + (legacy && (index.gatewaysByName.has(legacy) || index.kubernetesGatewaysByName.has(legacy))
          ? `"${g}" is the legacy "<name>.<namespace>" form, which Istio reads as "${legacy}" but istioctl does not; write "${legacy}".`
          : `Create Gateway "${key}" or correct the name ("<name>" is looked up in namespace "${vs.namespace}", "<namespace>/<name>" `
            + 'elsewhere; "mesh" means the sidecars).'));
      continue;
    }
    if (gw ? !hostInGateway(gw, vsHosts, vs.namespace) : !hostInKubernetesGateway(k8sGateway!, vsHosts)) {
      report.add('IST0132', vs, hostsNotInGatewayMessage(vsHosts, `${vs.namespace}/${vs.name}`, key));
    }
  }

  const gatewayBound = gateways.some(g => g !== 'mesh');
  for (const d of destinations(spec)) {
    checkDestination(index, report, vs, exportTo, gatewayBound, d);
  }

  checkVirtualServiceSchema(report, vs);
  asArray(spec.http).forEach((rule: any, i: number) => checkHttpRule(report, vs, rule, i));
  for (const section of ['tcp', 'tls']) {
    asArray(spec[section]).forEach((rule: any, i: number) => checkWeights(report, vs, asArray(rule?.route), ruleLabel(rule, i, section)));
  }
}

/**
 * IST0106 for the rules of Istio's VirtualService validation (pkg/config/validation/virtualservice.go and validation.go)
 * that make the whole VirtualService rejected: hosts and destination hosts that are no DNS name (`ValidateWildcardDomain`),
 * the destination host `*` (`validateDestination`), route entries without destination (`validateHTTPRouteDestinations`,
 * `validateRouteDestinations`), and an http rule with both route and redirect or direct response, or with none of them
 * (`validateHTTPRouteConflict`; a rule that delegates is exempt). Then IST0130/IST0131 for rules that can never match
 * (`analyzeUnreachableHTTPRules` and its TCP/TLS twins; the prefix-overlap part is not reproduced).
 */
function checkVirtualServiceSchema(report: Report, vs: Obj): void {
  const schema = (err: string, where: string, fix: string, sameAs?: string) =>
    report.add('IST0106', vs, `Schema validation error: ${err} (${where}). ${fix}`, sameAs);
  strings(vs.spec.hosts).forEach((h, i) => {
    const err = h.startsWith('outbound_') ? undefined : validateWildcardDomain(h);
    if (err) schema(err, `hosts[${i}]`, 'Use a DNS name such as "httpbin" or "httpbin.example.com", optionally with a leading "*." wildcard.');
  });
  for (const section of ['http', 'tcp', 'tls']) {
    asArray(vs.spec[section]).forEach((rule: any, i: number) => {
      asArray(rule?.route).forEach((r: any, j: number) => {
        if (!isObject(r?.destination)) {
          schema('destination is required', `${section}[${i}].route[${j}]`, 'Give the route entry a destination: {host: <service>}, or remove the entry.');
        }
      });
    });
  }
  for (const d of destinations(vs.spec)) {
    const host = d.destination.host;
    if (typeof host !== 'string') continue;
    const err = host === '*' ? 'invalid destination host *' : validateWildcardDomain(host);
    if (err) schema(err, d.where, 'Name one service: a Service name, its FQDN, or a ServiceEntry host (not "*").', `destination host ${err}`);
  }
  asArray(vs.spec.http).forEach((rule: any, i: number) => {
    if (!isObject(rule) || rule.delegate !== undefined) return;
    const where = ruleLabel(rule, i);
    const hasRoute = asArray(rule.route).length > 0;
    if (rule.redirect !== undefined && hasRoute) {
      schema('HTTP route cannot contain both route and redirect', where, 'Keep either the route (forward) or the redirect (answer with a 3xx).');
    } else if (rule.directResponse !== undefined && hasRoute) {
      schema('HTTP route cannot contain both route and direct_response', where, 'Keep either the route (forward) or the directResponse.');
    }
    if (rule.redirect !== undefined && rule.directResponse !== undefined) {
      schema('HTTP route rule cannot contain both direct_response and redirect', where, 'Keep one of redirect and directResponse.');
    }
    if (!hasRoute && rule.redirect === undefined && rule.directResponse === undefined) {
      schema('HTTP route, redirect or direct_response is required', where, 'Add route: [{destination: {host: <service>}}], a redirect or a directResponse.');
    }
  });
  for (const section of ['http', 'tcp', 'tls']) {
    checkUnreachableRules(report, vs, section, asArray(vs.spec[section]));
  }
}

/**
 * IST0130 and IST0131 (`analyzeUnreachableHTTPRules`, `analyzeUnreachableTCPRules`, `analyzeUnreachableTLSRules`): a rule
 * after a rule without `match` (which matches everything) is never used, and a match equal to an earlier one (compared
 * as JSON, as `asJSON` does) is never used; a rule all of whose matches are earlier ones is never used either.
 */
function checkUnreachableRules(report: Report, vs: Obj, section: string, rules: any[]): void {
  // routeName and requestName: an http rule or match is named by its quoted name, else by "#<index>".
  const name = (x: any, n: number) => (section === 'http' && typeof x?.name === 'string' && x.name !== '' ? `"${x.name}"` : `#${n}`);
  const seen = new Map<string, number>();
  let catchAll = -1;
  rules.forEach((rule: any, n: number) => {
    if (!isObject(rule)) return;
    const matches = asArray(rule.match);
    if (matches.length === 0) {
      if (catchAll >= 0) unreachable(report, vs, section, name(rule, n), 'only the last rule can have no matches');
      catchAll = n;
      return;
    }
    let duplicates = 0;
    matches.forEach((m: any, k: number) => {
      if (catchAll >= 0) {
        unreachable(report, vs, section, name(rule, n), 'route without matches defined before');
        return;
      }
      const key = canonicalJson(m);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        report.add('IST0131', vs, `VirtualService rule ${name(rule, n)} match ${section === 'http' && typeof m?.name === 'string' && m.name ? `"${m.name}"` : `#${k}`} `
          + `is not used (duplicate/overlapping match in rule ${name(rules[earlier], earlier)}) (${section}). Remove the match or change it.`);
        duplicates++;
        return;
      }
      seen.set(key, n);
    });
    if (duplicates === matches.length) unreachable(report, vs, section, name(rule, n), 'all matches used by prior rules');
  });
}

function unreachable(report: Report, vs: Obj, section: string, rule: string, reason: string): void {
  report.add('IST0130', vs, `VirtualService rule ${rule} not used (${reason}) (${section}). Rules are tried in order and the first match wins: `
    + 'move the rule before the one that matches everything, or give it a match of its own.');
}

/**
 * JSON with object keys sorted, so that two equal matches written in another key order compare equal. A match nested
 * deeper than any real one (objects passed to `MeshAnalyzer.analyze` directly can be) counts as unique rather than
 * recursing without bound.
 */
let deepMatches = 0;

function canonicalJson(value: any, depth = 0): string {
  if (depth > 64) return `\u0000deep${++deepMatches}`;
  if (Array.isArray(value)) return `[${value.map(v => canonicalJson(v, depth + 1)).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${canonicalJson(value[k], depth + 1)}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** `kubeconfig.IsInternalGatewayReference`: a name (after any `namespace/`) containing `~istio-autogenerated-k8s-gateway~`. */
function isInternalGatewayReference(gateway: string): boolean {
  const slash = gateway.indexOf('/');
  return (slash < 0 ? gateway : gateway.slice(slash + 1)).includes('~istio-autogenerated-k8s-gateway~');
}

/**
 * `vsHostInKubernetesGateway`: true when a listener of the Kubernetes Gateway has no hostname (it serves every host) or
 * a hostname that matches a VirtualService host.
 */
function hostInKubernetesGateway(gw: Obj, vsHosts: string[]): boolean {
  const hostnames: string[] = [];
  for (const listener of asArray(gw.spec.listeners)) {
    if (typeof listener?.hostname !== 'string' || listener.hostname === '') return true;
    hostnames.push(listener.hostname);
  }
  return hostnames.some(gh => vsHosts.some(vh => hostMatches(gh, vh)));
}

/**
 * `vsHostInGateway` (istio/istio pkg/config/analysis/analyzers/virtualservice/gateways.go): true when any VirtualService
 * host matches (`host.Name.Matches`) any host of the Gateway visible to its namespace.
 *
 * The Gateway's hosts are filed once per Gateway (`GatewayHosts`) instead of being collected and compared pairwise for
 * every VirtualService bound to it: one Gateway listing the hosts of all 24,600 apps of a 50 MB input made that
 * 24,600 x 24,600 comparisons (95 s, 60 s of CPU).
 */
export function hostInGateway(gw: Obj, vsHosts: string[], vsNamespace: string): boolean {
  let hosts = GATEWAY_HOSTS.get(gw);
  if (!hosts) {
    hosts = gatewayHosts(gw);
    GATEWAY_HOSTS.set(gw, hosts);
  }
  return hosts.everywhere.matchesAny(vsHosts) || (hosts.byNamespace.get(vsNamespace)?.matchesAny(vsHosts) ?? false);
}

/** The hosts of a Gateway: those visible to every namespace, and those of a `namespace/host` entry by namespace. */
interface GatewayHosts {
  readonly everywhere: HostPatterns;
  readonly byNamespace: Map<string, HostPatterns>;
}

const GATEWAY_HOSTS = new WeakMap<Obj, GatewayHosts>();

function gatewayHosts(gw: Obj): GatewayHosts {
  const everywhere = new HostPatterns();
  const byNamespace = new Map<string, HostPatterns>();
  for (const server of asArray(gw.spec.servers)) {
    for (const h of strings(server?.hosts)) {
      const slash = h.indexOf('/');
      if (slash < 0) {
        everywhere.add(h);
        continue;
      }
      const ns = h.slice(0, slash);
      const name = h.slice(slash + 1);
      // "./host" is the Gateway's namespace, "*/host" any namespace.
      const effectiveNs = ns === '.' ? gw.namespace : ns;
      if (effectiveNs === '*') {
        everywhere.add(name);
      } else {
        let patterns = byNamespace.get(effectiveNs);
        if (!patterns) {
          patterns = new HostPatterns();
          byNamespace.set(effectiveNs, patterns);
        }
        patterns.add(name);
      }
    }
  }
  return { everywhere, byNamespace };
}

/**
 * A set of host patterns that answers `patterns.some(p => hostMatches(p, host))` without a scan. By the cases of
 * `hostMatches` (Istio's `host.Name.Matches`), with `*s` a wildcard and its suffix `s`:
 * - a name matches an equal name, or a wildcard `*t` whose `t` is one of the name's suffixes;
 * - a wildcard `*s` matches a name ending in `s`, or a wildcard `*t` when `t` ends in `s` or `s` ends in `t`.
 * So names go in a Set, wildcards' suffixes in another, and the suffixes of both are filed (on first use, for a wildcard
 * host) to answer "some pattern ends in `s`".
 */
export class HostPatterns {
  private readonly names = new Set<string>();
  private readonly wildcardSuffixes = new Set<string>();
  private nameEndings: Set<string> | undefined;
  private wildcardEndings: Set<string> | undefined;

  public add(pattern: string): void {
    if (pattern.startsWith('*')) this.wildcardSuffixes.add(pattern.slice(1));
    else this.names.add(pattern);
    this.nameEndings = undefined;
    this.wildcardEndings = undefined;
  }

  public matchesAny(hosts: string[]): boolean {
    return hosts.some(h => this.matches(h));
  }

  /** `patterns.some(p => hostMatches(p, host))`. */
  public matches(host: string): boolean {
    const wildcard = host.startsWith('*');
    const s = wildcard ? host.slice(1) : host;
    if (!wildcard && this.names.has(s)) return true;
    if (this.wildcardSuffixes.size > 0) {
      for (let i = 0; i <= s.length; i++) if (this.wildcardSuffixes.has(s.slice(i))) return true;
    }
    if (!wildcard) return false;
    this.nameEndings ??= endings(this.names);
    this.wildcardEndings ??= endings(this.wildcardSuffixes);
    return this.nameEndings.has(s) || this.wildcardEndings.has(s);
  }
}

/** Every suffix (the whole string and the empty one included) of every string of `set`. */
function endings(set: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const x of set) {
    for (let i = 0; i <= x.length; i++) out.add(x.slice(i));
  }
  return out;
}

function checkDestination(index: ManifestIndex, report: Report, vs: Obj, exportTo: string[], gatewayBound: boolean, d: Dest): void {
  const dest = d.destination;
  const host = typeof dest.host === 'string' ? dest.host : '';
  const port = dest.port?.number;
  const target = index.hosts.lookup(vs.namespace, exportTo, host);
  if (!target) {
    const hint = index.hosts.suggest(vs.namespace, host);
    report.add('IST0101', vs, `Referenced ${d.mirror ? 'mirror host' : 'host'} not found: "${host}" (${d.where}). `
      + (hint ? `${hint[0].toUpperCase()}${hint.slice(1)}.`
        : `Create a Service or ServiceEntry for it, or correct the host (short names resolve in namespace "${vs.namespace}"; `
        + `use "<name>.<namespace>.${SERVICE_DOMAIN}" for other namespaces).`), `${d.mirror ? 'mirror host' : 'host'} not found ${host}`);
  } else if (target.anyPort) {
    // A service defined elsewhere whose ports are unknown: any port, and no port, may be right.
  } else if (port === undefined && target.ports.length > 1) {
    report.add('IST0112', vs, `This VirtualService routes to a service "${host}" that exposes multiple ports `
      + `[${target.ports.join(' ')}] (${d.where}). Specifying a port in the destination is required to disambiguate: set port.number `
      + `to one of ${target.ports.join(', ')}.`, `port required ${host}`);
  } else if (port !== undefined && !target.ports.includes(Number(port))) {
    report.add('IST0101', vs, `Referenced host:port not found: "${host}:${port}" (${d.where}). `
      + `${target.kind} ${target.namespace}/${target.name} exposes ${target.ports.length ? `port(s) ${target.ports.join(', ')}` : 'no ports'}; `
      + 'use one of those (the Service port, not the container port).', `host:port not found ${host}:${port}`);
  }

  if (typeof dest.subset === 'string' && dest.subset && !index.hasSubset(resourceKeyFromHost(vs.namespace, host), dest.subset)) {
    report.add('IST0101', vs, `Referenced ${d.mirror ? 'mirror' : 'host'}+subset in destinationrule not found: `
      + `"${host}+${dest.subset}" (${d.where}). Define subset "${dest.subset}" in a DestinationRule for host "${host}" in the same `
      + 'namespace, or fix the subset name; requests to an undefined subset fail with 503 (NR).',
    `${d.mirror ? 'mirror' : 'host'}+subset ${host}+${dest.subset}`);
  }

  if (d.mirror && target?.selector !== undefined && target.kind === 'Service') {
    checkMirrorPods(index, report, vs, d, target.namespace, target.name, target.selector);
  }

  if (d.mirror && gatewayBound && port === undefined && !(target && target.ports.length > 1)) {
    const only = target && target.ports.length === 1 ? target.ports[0] : undefined;
    report.add('TM0003', vs, `Mirror destination "${host}" has no port on a gateway-bound route (${d.where}). `
      + (only !== undefined
        ? `It works only while the service has a single port (${only}); set port.number: ${only} so the mirror does not silently stop `
        + 'when a port is added (at the ingress gateway Envoy cannot fall back to the listener port 80/443).'
        : 'At the ingress gateway Envoy cannot infer the service port from the listener (80/443); set port.number to the service port.'),
    `mirror without port ${host}`);
  }
}

/**
 * TM0008: a mirror whose target version has no pods while other versions of the service do: the Deployment (or other
 * workload) of that version is missing, or all of its workloads have `replicas: 0`. Mirrored requests then fail, and
 * since Envoy discards mirror responses nobody notices: the shadow test passes while testing nothing. Only checked when
 * the input has workloads of the service (otherwise its pods are deployed apart).
 */
function checkMirrorPods(index: ManifestIndex, report: Report, vs: Obj, d: Dest, namespace: string, name: string,
  selector: Record<string, string>): void {
  if (Object.keys(selector).length === 0) return;
  const subset = typeof d.destination.subset === 'string' && d.destination.subset ? d.destination.subset : undefined;
  const labels = subset === undefined ? {} : index.labelsOfSubset(`${namespace}/${name}`, subset);
  if (labels === undefined) return; // an undefined subset is IST0101
  const ofService = index.selected(selector).filter(w => w.namespace === namespace);
  if (ofService.length === 0) return;
  const entries = Object.entries(labels);
  const version = ofService.filter(w => entries.every(([k, v]) => w.labels[k] === v));
  const what = subset === undefined ? `service "${name}"` : `version "${subset}" of service "${name}"`;
  if (version.length === 0) {
    report.add('TM0008', vs, `The mirror target ${what} (${d.where}) has no workload in the input (no pod template with labels `
      + `${Object.entries({ ...selector, ...labels }).map(([k, v]) => `${k}=${v}`).join(',')}), while other versions of the service have: `
      + 'mirrored requests fail, and since Envoy discards mirror responses the failure is silent. Deploy the mirror version first.',
    `no pods ${namespace}/${name}+${subset ?? ''}`);
  } else if (version.every(w => w.replicas === 0)) {
    report.add('TM0008', vs, `The mirror target ${what} (${d.where}) has replicas: 0 (${version.map(w => `${w.kind} ${w.name}`).join(', ')}): `
      + 'mirrored requests fail, and since Envoy discards mirror responses the failure is silent. Scale the mirror version up before mirroring to it.',
    `no pods ${namespace}/${name}+${subset ?? ''}`);
  }
}

/** IST0106 for the HTTP route rules of Istio's validation, and TM0004, TM0005, TM0002 and TM0001 for one http rule. */
function checkHttpRule(report: Report, vs: Obj, rule: any, i: number): void {
  if (!isObject(rule)) return;
  const label = ruleLabel(rule, i);
  const mirrors = asArray(rule.mirrors);
  const hasMirror = isObject(rule.mirror);
  const schema = (err: string, fix: string) => report.add('IST0106', vs, `Schema validation error: ${err} (${label}). ${fix}`);

  if (hasMirror && mirrors.length > 0) {
    schema('HTTP route cannot contain both mirror and mirrors', 'Keep only "mirrors" (one entry per target, each with its own percentage).');
  }
  const pct = rule.mirrorPercentage;
  if (isObject(pct)) {
    const v = Number(pct.value ?? 0);
    if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) {
      schema(`percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`, 'Set mirrorPercentage.value between 0 and 100 (100 mirrors every request).');
    }
  } else if (typeof rule.mirrorPercent === 'number' && (rule.mirrorPercent < 0 || rule.mirrorPercent > 100)) {
    schema(`percentage ${rule.mirrorPercent} is not in range 0..100`, 'Use mirrorPercentage.value (0-100) instead of the deprecated mirrorPercent.');
  }
  mirrors.forEach((m: any, j: number) => {
    const v = m?.percentage?.value;
    if (typeof v === 'number' && v > 100) {
      schema(`mirror percentage must have a max value of 100 (it has ${v.toFixed(6)})`, `Set mirrors[${j}].percentage.value to at most 100.`);
    } else if (typeof v === 'number' && v < 0) {
      schema(`mirror percentage must have a min value of 0 (it has ${v.toFixed(6)})`, `Set mirrors[${j}].percentage.value to at least 0.`);
    }
  });

  const pctSet = isObject(pct) || typeof rule.mirrorPercent === 'number';
  if (pctSet && !hasMirror) {
    report.add('TM0004', vs, `${label} sets mirrorPercentage but has no "mirror" destination`
      + `${mirrors.length ? ' (it only applies to "mirror", not "mirrors")' : ''}, so Istio ignores it. `
      + (mirrors.length ? 'Set the percentage on each mirrors[].percentage instead.' : 'Add a mirror destination or remove mirrorPercentage.'));
  }
  if (hasMirror && isObject(pct) && Number(pct.value ?? 0) === 0) {
    report.add('TM0005', vs, `${label} mirrors to "${rule.mirror.host}" with mirrorPercentage 0, so nothing is mirrored. `
      + 'Set mirrorPercentage.value above 0 (100 mirrors every request), or remove the mirror.');
  }
  mirrors.forEach((m: any, j: number) => {
    if (isObject(m?.percentage) && Number(m.percentage.value ?? 0) === 0) {
      report.add('TM0005', vs, `${label} mirrors[${j}] to "${m.destination?.host}" has percentage 0, so nothing is mirrored. `
        + 'Set percentage.value above 0, or remove the entry.');
    }
  });

  const routes = asArray(rule.route);
  checkWeights(report, vs, routes, label);
  checkMirrorToSelf(report, vs, rule, routes, label);
}

/** Istio rejects negative weights and an all-zero split; other sums are legal but normalized, which hides mistakes. */
function checkWeights(report: Report, vs: Obj, routes: any[], label: string): void {
  let total = 0;
  for (const r of routes) {
    const w = Number(r?.weight ?? 0);
    if (w < 0) {
      report.add('IST0106', vs, `Schema validation error: weight ${w} < 0 (${label}). Use weights between 0 and 100.`);
    }
    total += Math.max(w, 0);
  }
  if (routes.length > 1 && total === 0) {
    report.add('IST0106', vs, `Schema validation error: total destination weight = 0 (${label}). `
      + 'Give the destinations weights that add up to 100.');
  } else if (routes.length > 1 && total !== 100) {
    const split = routes.map(r => `${describe(r?.destination)} ${formatPercent((100 * Math.max(Number(r?.weight ?? 0), 0)) / total)}`).join(', ');
    report.add('TM0002', vs, `Route weights of ${label} add up to ${total}, not 100. Istio treats them as relative `
      + `shares, so the actual split is ${split}; set weights that add up to 100 so the split is what it says.`);
  }
}

function formatPercent(v: number): string {
  return `${Math.round(v * 10) / 10}%`;
}

/** A mirror whose target is one of the route's own destinations duplicates production requests instead of shadowing them. */
function checkMirrorToSelf(report: Report, vs: Obj, rule: any, routes: any[], label: string): void {
  const mirrors = [rule.mirror, ...asArray(rule.mirrors).map((m: any) => m?.destination)].filter(isObject);
  // A destination with weight 0 next to others receives no requests (e.g. a candidate before a canary), so mirroring to it
  // duplicates nothing; a single destination receives everything whatever its weight.
  const served = routes.length > 1 ? routes.filter(r => Number(r?.weight ?? 0) > 0) : routes;
  for (const m of mirrors) {
    const same = served.map(r => r?.destination).filter(isObject).find((d: any) =>
      toFqdn(vs.namespace, String(d.host)) === toFqdn(vs.namespace, String(m.host))
      && (d.subset ?? '') === (m.subset ?? '')
      && (d.port?.number === undefined || m.port?.number === undefined || Number(d.port.number) === Number(m.port.number)));
    if (same) {
      report.add('TM0001', vs, `${label} mirrors to ${describe(m)}, which is also its route destination, so every `
        + 'mirrored request hits the serving version twice (doubling writes and side effects) and nothing is shadowed. '
        + 'Mirror to the shadow version instead (another subset, e.g. "v2", or another service).');
    }
  }
}

/**
 * IST0109 (`ConflictingMeshGatewayHostsAnalyzer`): VirtualServices bound to the mesh gateway that define the same host in
 * overlapping scopes. As in istioctl, a host scoped to some namespaces (`exportTo` without `*`) also conflicts with every
 * VirtualService exported to all namespaces whose host matches it, wildcards included
 * (`getExportToAllNamespacesVSListForScopedHost`: `*.example.com` everywhere conflicts with `a.example.com` in `team-1`),
 * and each VirtualService is reported once, for the first conflicting host (`reported` in `Analyze`).
 */
function checkMeshHostConflicts(index: ManifestIndex, report: Report): void {
  const byHost = new Map<string, Obj[]>();
  for (const vs of index.virtualServices) {
    const gateways = strings(vs.spec.gateways);
    if (gateways.length > 0 && !gateways.includes('mesh')) continue;
    const exportTo = strings(vs.spec.exportTo);
    const scopeList = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : [...new Set(exportTo.map(e => (e === '.' ? vs.namespace : e)))];
    for (const scope of scopeList) {
      for (const h of strings(vs.spec.hosts)) {
        const key = `${scope}/${toFqdn(vs.namespace, h)}`;
        const list = byHost.get(key);
        if (list) list.push(vs);
        else byHost.set(key, [vs]);
      }
    }
  }
  // Hosts exported to all namespaces: exact ones by name, wildcards in a list (few in practice).
  const allExact = new Map<string, Obj[]>();
  const allWildcards: Array<[string, Obj[]]> = [];
  for (const [key, list] of byHost) {
    if (!key.startsWith('*/')) continue;
    const host = key.slice(2);
    if (host.startsWith('*')) allWildcards.push([host, list]);
    else allExact.set(host, list);
  }
  const reported = new Set<Obj>();
  for (const [key, own] of byHost) {
    const slash = key.indexOf('/');
    const scope = key.slice(0, slash);
    const host = key.slice(slash + 1);
    let list = own;
    if (scope !== '*') {
      const everywhere: Obj[] = [];
      if (host.startsWith('*')) {
        for (const [h, l] of allExact) if (hostMatches(host, h)) append(everywhere, l);
      } else {
        append(everywhere, allExact.get(host) ?? []);
      }
      for (const [h, l] of allWildcards) if (hostMatches(host, h)) append(everywhere, l);
      list = everywhere.length > 0 ? append([...own], everywhere) : own;
    }
    if (list.length < 2) continue;
    const names = list.map(v => `${v.namespace}/${v.name}`);
    for (const vs of list) {
      if (reported.has(vs)) continue;
      reported.add(vs);
      report.add('IST0109', vs, meshHostConflictMessage(names, host));
    }
  }
}
