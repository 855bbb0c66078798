/**
 * The checks behind `MeshAnalyzer`. Internal: not exported from index.ts.
 *
 * Every check reads a `ManifestIndex` built once per analysis (objects grouped by kind and keyed by namespace/name,
 * workloads keyed by label), so analysis is linear in the number of objects apart from small per-key groups.
 * Codes, levels and message wording follow istioctl (`pkg/config/analysis/msg/messages.yaml`); each message then
 * says how to fix the problem. `TM` codes are this library's own, for mirroring problems Istio does not report.
 */
import { hostMatches, resourceKeyFromHost, SERVICE_DOMAIN, toFqdn } from '../istio/rules/hosts';
import { asArray, HostRegistry, isObject, objectIdentity, stringMap } from './hosts';
import { ISTIO_PROTOCOLS, protocolFromPortName } from '../istio/rules/protocols';
import type { Finding } from './mesh-analyzer';
import { FindingLevel } from './mesh-analyzer';

/** A namespaced object taken from the input. */
interface Obj {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly spec: any;
  readonly metadata: any;
}

/** Pod labels of a workload (a Pod, or the pod template of a Deployment, StatefulSet, ReplicaSet or DaemonSet). */
interface Workload {
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet', 'Job']);
const ISTIO_KINDS = new Set(['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry']);

/** Kubernetes-defined appProtocol values Istio maps to its own protocols. */
const K8S_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss']);

/** One destination of a VirtualService with where it was found, for messages. */
export interface Dest {
  readonly where: string;
  readonly mirror: boolean;
  readonly rule: number;
  readonly destination: any;
}

/** Objects of the input indexed for the checks. */
class ManifestIndex {
  public readonly services: Obj[] = [];
  public readonly virtualServices: Obj[] = [];
  public readonly destinationRules: Obj[] = [];
  public readonly gateways: Obj[] = [];
  public readonly gatewaysByName = new Map<string, Obj>();
  public readonly hosts = new HostRegistry();
  /** `namespace/name|subset` for every subset a DestinationRule defines (`initDestHostsAndSubsets`). */
  public readonly subsets = new Set<string>();
  /** `k=v` -> workloads carrying that label; `''` -> all workloads. */
  public readonly workloadsByLabel = new Map<string, Workload[]>();
  public readonly namespacesWithWorkloads = new Set<string>();
  /** Labels of the Pods themselves (not pod templates): what istioctl's IST0145 check looks at. */
  public readonly pods: Workload[] = [];

  constructor(manifests: any[], defaultNamespace: string) {
    for (const m of manifests) {
      const kind = m.kind;
      const metadata = isObject(m.metadata) ? m.metadata : {};
      const apiVersion = typeof m.apiVersion === 'string' ? m.apiVersion : '';
      const o: Obj = {
        kind,
        namespace: typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace,
        name: typeof metadata.name === 'string' ? metadata.name : '',
        spec: isObject(m.spec) ? m.spec : {},
        metadata,
      };
      if (ISTIO_KINDS.has(kind) && !apiVersion.startsWith('networking.istio.io/')) {
        continue; // e.g. the Kubernetes Gateway API's Gateway, which has other semantics
      }
      switch (kind) {
        case 'Service':
          if (apiVersion !== 'v1') break; // e.g. a Knative Service
          this.services.push(o);
          this.hosts.addService(o.namespace, o.name, o.spec, metadata.annotations);
          break;
        case 'ServiceEntry':
          this.hosts.addServiceEntry(o.namespace, o.name, o.spec);
          break;
        case 'VirtualService':
          this.virtualServices.push(o);
          break;
        case 'DestinationRule':
          this.destinationRules.push(o);
          this.addSubsets(o);
          break;
        case 'Gateway':
          this.gateways.push(o);
          this.gatewaysByName.set(`${o.namespace}/${o.name}`, o);
          break;
        case 'Pod':
          this.addWorkload(o.namespace, metadata.labels);
          this.pods.push({ namespace: o.namespace, labels: isObject(metadata.labels) ? stringMap(metadata.labels) : {} });
          break;
        default:
          if (WORKLOAD_KINDS.has(kind)) {
            this.addWorkload(o.namespace, o.spec.template?.metadata?.labels);
          }
      }
    }
  }

  /** Workloads in `namespace` (or any namespace when undefined) whose labels include every `selector` label. */
  public selects(selector: Record<string, string>, namespace?: string): boolean {
    const entries = Object.entries(selector);
    const candidates = this.workloadsByLabel.get(entries.length > 0 ? `${entries[0][0]}=${entries[0][1]}` : '') ?? [];
    return candidates.some(w => (namespace === undefined || w.namespace === namespace) && entries.every(([k, v]) => w.labels[k] === v));
  }

  /** Workloads selected by `selector` in any namespace. */
  public selected(selector: Record<string, string>): Workload[] {
    const entries = Object.entries(selector);
    const candidates = this.workloadsByLabel.get(entries.length > 0 ? `${entries[0][0]}=${entries[0][1]}` : '') ?? [];
    return candidates.filter(w => entries.every(([k, v]) => w.labels[k] === v));
  }

  private addSubsets(dr: Obj): void {
    if (typeof dr.spec.host !== 'string') return;
    const key = resourceKeyFromHost(dr.namespace, toFqdn(dr.namespace, dr.spec.host));
    for (const s of asArray(dr.spec.subsets)) {
      if (typeof s?.name === 'string') this.subsets.add(`${key}|${s.name}`);
    }
  }

  private addWorkload(namespace: string, labels: any): void {
    const w: Workload = { namespace, labels: isObject(labels) ? stringMap(labels) : {} };
    this.namespacesWithWorkloads.add(namespace);
    for (const key of ['', ...Object.entries(w.labels).map(([k, v]) => `${k}=${v}`)]) {
      const list = this.workloadsByLabel.get(key) ?? [];
      list.push(w);
      this.workloadsByLabel.set(key, list);
    }
  }
}

/** Objects of the input, with `List` objects (as `kubectl get -o yaml` writes them) expanded into their items. */
function flatten(manifests: any[]): any[] {
  const out: any[] = [];
  const visit = (m: any) => {
    if (!isObject(m)) return;
    if (typeof m.kind === 'string' && m.kind.endsWith('List') && Array.isArray(m.items)) {
      m.items.forEach(visit);
    } else if (typeof m.kind === 'string') {
      out.push(m);
    }
  };
  asArray(manifests).forEach(visit);
  return out;
}

/** Collects findings; identical findings (same object, code and message) are reported once. */
class Report {
  private readonly seen = new Set<string>();
  public readonly findings: Finding[] = [];

  public add(code: string, level: FindingLevel, o: Obj, message: string): void {
    const key = [code, o.kind, o.namespace, o.name, message].join('\u0000');
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({ code, level, kind: o.kind, namespace: o.namespace, name: o.name, message });
  }
}

/**
 * One manifest per object: the same object (API group, kind, namespace and name) given more than once is one object
 * in a cluster, where the last `kubectl apply` wins. Analyzing every copy would make it conflict with itself (IST0145,
 * IST0109), so the last copy is analyzed and the repetition is reported (TM0006).
 */
function lastDefinitions(manifests: any[], defaultNamespace: string, report: Report): any[] {
  const byIdentity = new Map<string | symbol, { manifest: any; count: number }>();
  for (const m of manifests) {
    const key = objectIdentity(m, defaultNamespace);
    if (key === undefined) {
      byIdentity.set(Symbol('unnamed'), { manifest: m, count: 1 });
      continue;
    }
    const seen = byIdentity.get(key);
    // Re-inserting moves the object to the position of its last definition, as the last apply would.
    byIdentity.delete(key);
    byIdentity.set(key, { manifest: m, count: (seen?.count ?? 0) + 1 });
  }
  for (const { manifest, count } of byIdentity.values()) {
    if (count > 1) {
      const o = { kind: manifest.kind, namespace: manifest.metadata?.namespace || defaultNamespace, name: manifest.metadata?.name ?? '', spec: {}, metadata: {} };
      report.add('TM0006', FindingLevel.WARNING, o, `Defined ${count} times in the input; only the last definition is analyzed, as the `
        + 'last kubectl apply wins. Remove the copies, or analyze alternative sets (such as the stage folders of a rollout plan) '
        + 'one at a time.');
    }
  }
  return [...byIdentity.values()].map(v => v.manifest);
}

/** Runs every check over the manifests. */
export function runChecks(manifests: any[], defaultNamespace: string): Finding[] {
  const report = new Report();
  const index = new ManifestIndex(lastDefinitions(flatten(manifests), defaultNamespace, report), defaultNamespace);
  for (const vs of index.virtualServices) {
    checkVirtualService(index, report, vs);
  }
  checkMeshHostConflicts(index, report);
  for (const dr of index.destinationRules) {
    checkDestinationRule(index, report, dr);
  }
  for (const gw of index.gateways) {
    checkGatewaySchema(report, gw);
    checkGatewayServicePorts(index, report, gw);
  }
  checkConflictingGateways(index, report);
  for (const svc of index.services) {
    checkPortNames(report, svc);
  }
  return report.findings;
}

function strings(value: any): string[] {
  return asArray(value).filter(v => typeof v === 'string');
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

function checkVirtualService(index: ManifestIndex, report: Report, vs: Obj): void {
  const spec = vs.spec;
  const gateways = strings(spec.gateways);
  const exportTo = strings(spec.exportTo);
  const vsHosts = strings(spec.hosts);

  for (const g of gateways) {
    if (g === 'mesh') continue;
    const key = g.includes('/') ? g : `${vs.namespace}/${g}`;
    const gw = index.gatewaysByName.get(key);
    if (!gw) {
      report.add('IST0101', FindingLevel.ERROR, vs, `Referenced gateway not found: "${g}". Create Gateway "${key}" or correct the `
        + `name ("<name>" is looked up in namespace "${vs.namespace}", "<namespace>/<name>" elsewhere; "mesh" means the sidecars).`);
      continue;
    }
    if (!hostInGateway(gw, vsHosts, vs.namespace)) {
      report.add('IST0132', FindingLevel.WARNING, vs, `one or more host [${vsHosts.join(' ')}] defined in VirtualService `
        + `${vs.namespace}/${vs.name} not found in Gateway ${key}. Add the host to a server of the Gateway (or use a wildcard such as `
        + `"*.example.com"), or bind the VirtualService to the Gateway that serves it; until then the gateway never uses this route.`);
    }
  }

  const gatewayBound = gateways.some(g => g !== 'mesh');
  for (const d of destinations(spec)) {
    checkDestination(index, report, vs, exportTo, gatewayBound, d);
  }

  asArray(spec.http).forEach((rule: any, i: number) => checkHttpRule(report, vs, rule, i));
  for (const section of ['tcp', 'tls']) {
    asArray(spec[section]).forEach((rule: any, i: number) => checkWeights(report, vs, asArray(rule?.route), ruleLabel(rule, i, section)));
  }
}

/** `vsHostInGateway`: true when any VirtualService host matches any host of the Gateway visible to its namespace. */
function hostInGateway(gw: Obj, vsHosts: string[], vsNamespace: string): boolean {
  const gatewayHosts: string[] = [];
  for (const server of asArray(gw.spec.servers)) {
    for (const h of strings(server?.hosts)) {
      const slash = h.indexOf('/');
      if (slash < 0) {
        gatewayHosts.push(h);
        continue;
      }
      const ns = h.slice(0, slash);
      const name = h.slice(slash + 1);
      // "./host" is the Gateway's namespace, "*/host" any namespace.
      const effectiveNs = ns === '.' ? gw.namespace : ns;
      if (effectiveNs === '*' || effectiveNs === vsNamespace) gatewayHosts.push(name);
    }
  }
  return gatewayHosts.some(gh => vsHosts.some(vh => hostMatches(gh, vh)));
}

function checkDestination(index: ManifestIndex, report: Report, vs: Obj, exportTo: string[], gatewayBound: boolean, d: Dest): void {
  const dest = d.destination;
  const host = typeof dest.host === 'string' ? dest.host : '';
  const port = dest.port?.number;
  const target = index.hosts.lookup(vs.namespace, exportTo, host);
  if (!target) {
    const hint = index.hosts.suggest(vs.namespace, host);
    report.add('IST0101', FindingLevel.ERROR, vs, `Referenced ${d.mirror ? 'mirror host' : 'host'} not found: "${host}" (${d.where}). `
      + (hint ? `${hint[0].toUpperCase()}${hint.slice(1)}.`
        : `Create a Service or ServiceEntry for it, or correct the host (short names resolve in namespace "${vs.namespace}"; `
        + `use "<name>.<namespace>.${SERVICE_DOMAIN}" for other namespaces).`));
  } else if (port === undefined && target.ports.length > 1) {
    report.add('IST0112', FindingLevel.ERROR, vs, `This VirtualService routes to a service "${host}" that exposes multiple ports `
      + `[${target.ports.join(' ')}] (${d.where}). Specifying a port in the destination is required to disambiguate: set port.number `
      + `to one of ${target.ports.join(', ')}.`);
  } else if (port !== undefined && !target.ports.includes(Number(port))) {
    report.add('IST0101', FindingLevel.ERROR, vs, `Referenced host:port not found: "${host}:${port}" (${d.where}). `
      + `${target.kind} ${target.namespace}/${target.name} exposes ${target.ports.length ? `port(s) ${target.ports.join(', ')}` : 'no ports'}; `
      + 'use one of those (the Service port, not the container port).');
  }

  if (typeof dest.subset === 'string' && dest.subset && !index.subsets.has(`${resourceKeyFromHost(vs.namespace, host)}|${dest.subset}`)) {
    report.add('IST0101', FindingLevel.ERROR, vs, `Referenced ${d.mirror ? 'mirror' : 'host'}+subset in destinationrule not found: `
      + `"${host}+${dest.subset}" (${d.where}). Define subset "${dest.subset}" in a DestinationRule for host "${host}" in the same `
      + 'namespace, or fix the subset name; requests to an undefined subset fail with 503 (NR).');
  }

  if (d.mirror && gatewayBound && port === undefined && !(target && target.ports.length > 1)) {
    const only = target && target.ports.length === 1 ? target.ports[0] : undefined;
    report.add('TM0003', FindingLevel.WARNING, vs, `Mirror destination "${host}" has no port on a gateway-bound route (${d.where}). `
      + (only !== undefined
        ? `It works only while the service has a single port (${only}); set port.number: ${only} so the mirror does not silently stop `
        + 'when a port is added (at the ingress gateway Envoy cannot fall back to the listener port 80/443).'
        : 'At the ingress gateway Envoy cannot infer the service port from the listener (80/443); set port.number to the service port.'));
  }
}

function checkHttpRule(report: Report, vs: Obj, rule: any, i: number): void {
  if (!isObject(rule)) return;
  const label = ruleLabel(rule, i);
  const mirrors = asArray(rule.mirrors);
  const hasMirror = isObject(rule.mirror);
  const schema = (err: string, fix: string) => report.add('IST0106', FindingLevel.ERROR, vs, `Schema validation error: ${err} (${label}). ${fix}`);

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
    report.add('TM0004', FindingLevel.WARNING, vs, `${label} sets mirrorPercentage but has no "mirror" destination`
      + `${mirrors.length ? ' (it only applies to "mirror", not "mirrors")' : ''}, so Istio ignores it. `
      + (mirrors.length ? 'Set the percentage on each mirrors[].percentage instead.' : 'Add a mirror destination or remove mirrorPercentage.'));
  }
  if (hasMirror && isObject(pct) && Number(pct.value ?? 0) === 0) {
    report.add('TM0005', FindingLevel.WARNING, vs, `${label} mirrors to "${rule.mirror.host}" with mirrorPercentage 0, so nothing is mirrored. `
      + 'Set mirrorPercentage.value above 0 (100 mirrors every request), or remove the mirror.');
  }
  mirrors.forEach((m: any, j: number) => {
    if (isObject(m?.percentage) && Number(m.percentage.value ?? 0) === 0) {
      report.add('TM0005', FindingLevel.WARNING, vs, `${label} mirrors[${j}] to "${m.destination?.host}" has percentage 0, so nothing is mirrored. `
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
      report.add('IST0106', FindingLevel.ERROR, vs, `Schema validation error: weight ${w} < 0 (${label}). Use weights between 0 and 100.`);
    }
    total += Math.max(w, 0);
  }
  if (routes.length > 1 && total === 0) {
    report.add('IST0106', FindingLevel.ERROR, vs, `Schema validation error: total destination weight = 0 (${label}). `
      + 'Give the destinations weights that add up to 100.');
  } else if (routes.length > 1 && total !== 100) {
    const split = routes.map(r => `${describe(r?.destination)} ${formatPercent((100 * Math.max(Number(r?.weight ?? 0), 0)) / total)}`).join(', ');
    report.add('TM0002', FindingLevel.WARNING, vs, `Route weights of ${label} add up to ${total}, not 100. Istio treats them as relative `
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
      report.add('TM0001', FindingLevel.ERROR, vs, `${label} mirrors to ${describe(m)}, which is also its route destination, so every `
        + 'mirrored request hits the serving version twice (doubling writes and side effects) and nothing is shadowed. '
        + 'Mirror to the shadow version instead (another subset, e.g. "v2", or another service).');
    }
  }
}

/** IST0109: VirtualServices bound to the mesh gateway that define the same host in overlapping scopes. */
function checkMeshHostConflicts(index: ManifestIndex, report: Report): void {
  const byHost = new Map<string, Obj[]>();
  for (const vs of index.virtualServices) {
    const gateways = strings(vs.spec.gateways);
    if (gateways.length > 0 && !gateways.includes('mesh')) continue;
    const exportTo = strings(vs.spec.exportTo);
    const scopeList = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : [...new Set(exportTo.map(e => (e === '.' ? vs.namespace : e)))];
    for (const scope of scopeList) {
      for (const h of new Set(strings(vs.spec.hosts))) {
        const key = `${scope}/${toFqdn(vs.namespace, h)}`;
        const list = byHost.get(key) ?? [];
        list.push(vs);
        byHost.set(key, list);
      }
    }
  }
  for (const [key, list] of byHost) {
    if (list.length < 2) continue;
    const host = key.slice(key.indexOf('/') + 1);
    const names = list.map(v => `${v.namespace}/${v.name}`).sort().join(',');
    for (const vs of list) {
      report.add('IST0109', FindingLevel.ERROR, vs, `The VirtualServices ${names} associated with mesh gateway define the same host ${host} `
        + 'which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource '
        + '(or scoping each with exportTo: ["."]).');
    }
  }
}

/** IST0174 and IST0173 (`destinationrule.SubsetSelectPodAnalyzer`). */
function checkDestinationRule(index: ManifestIndex, report: Report, dr: Obj): void {
  const host = typeof dr.spec.host === 'string' ? dr.spec.host : '';
  const target = index.hosts.lookup(dr.namespace, strings(dr.spec.exportTo), host);
  if (!target) {
    const hint = index.hosts.suggest(dr.namespace, host);
    report.add('IST0174', FindingLevel.WARNING, dr, `The host ${host} defined in the DestinationRule does not match any services in the mesh. `
      + (hint ? `${hint[0].toUpperCase()}${hint.slice(1)}.`
        : 'Check the spelling, use the FQDN for a service in another namespace, or create a ServiceEntry for an external host.'));
    return;
  }
  // Pods are only visible when the input contains workloads of the service's namespace; otherwise we cannot tell.
  if (!target.selector || !index.namespacesWithWorkloads.has(target.namespace)) return;
  for (const subset of asArray(dr.spec.subsets)) {
    const labels = isObject(subset?.labels) ? stringMap(subset.labels) : {};
    const selector = { ...target.selector, ...labels };
    if (!index.selects(selector, target.namespace)) {
      const shown = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
      report.add('IST0173', FindingLevel.ERROR, dr, `The Subset ${subset?.name} defined in the DestinationRule does not select any pods. `
        + `Which may lead to 503 UH (NoHealthyUpstream). No workload in namespace "${target.namespace}" has labels ${shown}; `
        + 'fix the subset labels, deploy the version they select, or remove the subset.');
    }
  }
}

/** IST0106 for the Gateway rules of Istio's validation (`validateServer`, `validateServerPort`, unique port names). */
function checkGatewaySchema(report: Report, gw: Obj): void {
  const names = new Set<string>();
  asArray(gw.spec.servers).forEach((server: any, i: number) => {
    const schema = (err: string, fix: string) => report.add('IST0106', FindingLevel.ERROR, gw, `Schema validation error: ${err} (servers[${i}]). ${fix}`);
    const port = server?.port;
    if (!isObject(port)) {
      schema('port is required', 'Add port with number, name and protocol.');
      return;
    }
    const name = typeof port.name === 'string' ? port.name : '';
    if (!name) {
      schema(`port name must be set: number:${port.number} protocol:"${port.protocol}"`, 'Give the server port a unique name such as "http" or "https".');
    } else if (names.has(name)) {
      schema(`port names in servers must be unique: duplicate name ${name}`, `Rename one of the "${name}" ports (e.g. "${name}-${port.number}").`);
    }
    names.add(name);
    const protocol = String(port.protocol ?? '').toUpperCase();
    if ((protocol === 'HTTPS' || protocol === 'TLS') && !isObject(server.tls)) {
      schema('server must have TLS settings for HTTPS/TLS protocols', 'Add tls with mode SIMPLE and credentialName (the TLS Secret), '
        + 'or PASSTHROUGH.');
    }
  });
}

/**
 * IST0162 (`IngressGatewayPortAnalyzer`), only when a Service selecting the gateway's workload is in the input.
 *
 * Like istioctl (since Istio 1.19), a server port is compared with the Services' *target* ports: the port the gateway
 * pod listens on. A Service port without a numeric targetPort counts as its own target, as Go's `IntValue()` gives 0 for
 * a named targetPort. Istio's default istio-ingressgateway Service maps 80 -> 8080 and 443 -> 8443, so istioctl warns
 * about a server on port 80 there although Istio's gateway controller maps such a port to its targetPort and serves it
 * (istio/istio#51257); the message says so, so that the user can choose to silence the warning or ignore it.
 */
function checkGatewayServicePorts(index: ManifestIndex, report: Report, gw: Obj): void {
  const selector = isObject(gw.spec.selector) ? stringMap(gw.spec.selector) : {};
  if (Object.keys(selector).length === 0) return;
  const pods = index.selected(selector);
  const servicePorts: Array<{ port: number; target: number }> = [];
  let services = 0;
  for (const svc of index.services) {
    const svcSelector = isObject(svc.spec.selector) ? stringMap(svc.spec.selector) : undefined;
    if (!svcSelector || Object.keys(svcSelector).length === 0) continue;
    const entries = Object.entries(svcSelector);
    // With the gateway pods in the input, use them; otherwise a Service selects the gateway pods when its selector is
    // implied by the gateway's selector (the pods carry at least those labels).
    const selects = pods.length > 0
      ? pods.some(p => p.namespace === svc.namespace && entries.every(([k, v]) => p.labels[k] === v))
      : entries.every(([k, v]) => selector[k] === v);
    if (!selects) continue;
    services++;
    for (const p of asArray(svc.spec.ports)) {
      if ((p?.protocol ?? 'TCP') !== 'TCP') continue;
      const port = Number(p?.port);
      const target = typeof p.targetPort === 'number' ? p.targetPort
        : typeof p.targetPort === 'string' && /^[0-9]+$/.test(p.targetPort) ? Number(p.targetPort) : 0;
      servicePorts.push({ port, target: Number.isInteger(target) && target > 0 ? target : port });
    }
  }
  if (services === 0) return;
  const shown = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const targets = new Set(servicePorts.map(p => p.target));
  const exposed = [...servicePorts].sort((a, b) => a.port - b.port)
    .map(p => (p.port === p.target ? `${p.port}` : `${p.port} -> targetPort ${p.target}`)).join(', ');
  for (const server of asArray(gw.spec.servers)) {
    const n = Number(server?.port?.number);
    if (Number.isNaN(n) || targets.has(n)) continue;
    const mapped = servicePorts.find(p => p.port === n);
    const hint = mapped
      ? `Port ${n} is the Service's port, which forwards to targetPort ${mapped.target}: the server port must match the targetPort `
        + `(the container port the gateway pod listens on, ${mapped.target} for ${n} in Istio's default install); use port `
        + `${mapped.target} to silence this (Istio maps a server port equal to a Service port to its targetPort, so port ${n} is still served).`
      : `The server port must match one of the Service's target ports (the container ports the gateway pod listens on, e.g. 8080 and `
        + '8443 in Istio\'s default install); use one of them or add the port to the Service.';
    report.add('IST0162', FindingLevel.WARNING, gw, `The gateway is listening on a target port (port ${n}) that is not defined in the Service `
      + `associated with its workload instances (Pod selector ${shown}). If you need to access the gateway port through the gateway `
      + `Service, it will not be available. The Service exposes ${exposed || 'no TCP ports'}. ${hint}`);
  }
}

/**
 * IST0145 (`gateway.ConflictingGatewayAnalyzer`, Istio 1.24+): servers of different Gateways on the same port of the same
 * gateway workload that declare the same host with the same `bind`.
 *
 * As in istioctl:
 * - hosts conflict only when equal as written (`model.CheckDuplicates`): "foo.example.com" and "*.example.com" do not
 *   conflict, since Envoy picks the most specific server name (istio/istio#52413, fixed by PR #52542; before that the
 *   analyzer used wildcard matching, which the istio.io IST0145 example still shows);
 * - the workload is the selector (`k=v,...` sorted by key, as Kubernetes prints it); Gateways whose selectors differ but
 *   one contains the other also share it when a Pod in the input carries both selectors' labels;
 * - of several servers of one Gateway on one port, only the last one's hosts are compared against the other Gateways
 *   (`initGatewaysMap` keeps one host list per Gateway and port).
 * istioctl also records each checked server's hosts into the other Gateway's list when they do not conflict (a side effect
 * of `CheckDuplicates` on a shared map), which makes some results depend on iteration order; that is not reproduced.
 */
function checkConflictingGateways(index: ManifestIndex, report: Report): void {
  interface HostsBind { readonly gw: Obj; readonly hosts: string[]; readonly bind: string }
  const selectorOf = (gw: Obj): Record<string, string> => (isObject(gw.spec.selector) ? stringMap(gw.spec.selector) : {});
  const selectorString = (sel: Record<string, string>) => Object.keys(sel).sort().map(k => `${k}=${sel[k]}`).join(',');
  const portOf = (server: any) => String(Number.isInteger(server?.port?.number) ? server.port.number : 0);
  const bindOf = (server: any) => (typeof server?.bind === 'string' ? server.bind : '');
  const fullName = (gw: Obj) => `${gw.namespace}/${gw.name}`;

  // selector string -> port -> gateway -> hosts of its last server on that port
  const bySelector = new Map<string, { selector: Record<string, string>; ports: Map<string, Map<string, HostsBind>> }>();
  for (const gw of index.gateways) {
    const selector = selectorOf(gw);
    const key = selectorString(selector);
    const entry = bySelector.get(key) ?? { selector, ports: new Map<string, Map<string, HostsBind>>() };
    bySelector.set(key, entry);
    for (const server of asArray(gw.spec.servers)) {
      const byGateway = entry.ports.get(portOf(server)) ?? new Map<string, HostsBind>();
      entry.ports.set(portOf(server), byGateway);
      byGateway.set(fullName(gw), { gw, hosts: strings(server?.hosts), bind: bindOf(server) });
    }
  }
  const selectedByBoth = (a: Record<string, string>, b: Record<string, string>) => index.pods.some(pod =>
    [a, b].every(sel => Object.entries(sel).every(([k, v]) => pod.labels[k] === v)));

  for (const gw of index.gateways) {
    const selector = selectorOf(gw);
    const sSelector = selectorString(selector);
    const sameWorkload = [...bySelector.entries()]
      .filter(([other, { selector: otherSelector }]) => other === sSelector
        || ((other.includes(sSelector) || sSelector.includes(other)) && selectedByBoth(selector, otherSelector)))
      .map(([, entry]) => entry);
    for (const server of asArray(gw.spec.servers)) {
      const port = portOf(server);
      const hosts = strings(server?.hosts);
      const bind = bindOf(server);
      const others: string[] = [];
      for (const entry of sameWorkload) {
        for (const [name, other] of entry.ports.get(port) ?? []) {
          if (name !== fullName(gw) && other.bind === bind && hosts.some(h => other.hosts.includes(h))) others.push(name);
        }
      }
      if (others.length > 0) {
        report.add('IST0145', FindingLevel.ERROR, gw, `Conflict with gateways ${others.sort().join(',')} (workload selector ${sSelector}, `
          + `port ${port}, hosts ${hosts.join(',')}). Merge the servers into one Gateway, or give them distinct hosts or ports.`);
      }
    }
  }
}

/** IST0118 (`service.PortNameAnalyzer`). */
function checkPortNames(report: Report, svc: Obj): void {
  if (svc.namespace === 'kube-system' || svc.namespace === 'kube-public') return;
  const labels = isObject(svc.metadata.labels) ? svc.metadata.labels : {};
  if ('istio' in labels || labels.release === 'istio') return; // Istio's own control plane and gateways
  if (svc.spec.type === 'ExternalName') return; // istioctl reports IST0150 for these instead
  for (const p of asArray(svc.spec.ports)) {
    if (!isObject(p) || portProtocolKnown(p)) continue;
    const name = typeof p.name === 'string' ? p.name : '';
    const targetPort = p.targetPort ?? p.port;
    report.add('IST0118', FindingLevel.INFO, svc, `Port name ${name} (port: ${p.port}, targetPort: ${targetPort}) doesn't follow the naming `
      + 'convention of Istio port. Name it <protocol>[-<suffix>] (e.g. "http" or "http-web") or set appProtocol; '
      + 'otherwise Istio falls back to protocol sniffing.');
  }
}

/** Istio's `ConvertProtocol`: appProtocol wins, then the port name prefix before the first "-". */
function portProtocolKnown(p: any): boolean {
  if (typeof p.appProtocol === 'string') {
    return ISTIO_PROTOCOLS.includes(p.appProtocol.toLowerCase()) || K8S_APP_PROTOCOLS.has(p.appProtocol);
  }
  if (p.protocol === 'UDP') return true;
  return protocolFromPortName(typeof p.name === 'string' ? p.name : '', Number(p.port)) !== undefined;
}
