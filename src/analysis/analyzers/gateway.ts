/**
 * The Gateway analyzers, as istioctl's `pkg/config/analysis/analyzers/gateway/`, plus the Gateway server rules of
 * Istio's validation (IST0106). Internal: not exported from index.ts.
 *
 * - `IngressGatewayPortAnalyzer` (gateway.go): IST0162, and IST0101 for a selector that matches no gateway Pod;
 * - `ConflictingGatewayAnalyzer` (conflictinggateway.go): IST0145;
 * - `validateServer`, `validateServerPort`, `validateTLSOptions` and unique port names (`pkg/config/validation`): IST0106.
 */
import { gatewayConflictMessage } from '../../istio/rules/gateway';
import { asArray, isObject, stringMap, strings } from '../hosts';
import { ManifestIndex, Obj, Workload } from '../manifest-index';
import { Report } from '../report';

/** Runs every Gateway analyzer. */
export function analyzeGateways(index: ManifestIndex, report: Report): void {
  for (const gw of index.gateways) {
    checkGatewaySchema(report, gw);
    checkGatewayServicePorts(index, report, gw);
  }
  checkConflictingGateways(index, report);
}

/** IST0106 for the Gateway rules of Istio's validation (`validateServer`, `validateServerPort`, unique port names). */
function checkGatewaySchema(report: Report, gw: Obj): void {
  const names = new Set<string>();
  asArray(gw.spec.servers).forEach((server: any, i: number) => {
    const schema = (err: string, fix: string) => report.add('IST0106', gw, `Schema validation error: ${err} (servers[${i}]). ${fix}`);
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
    } else if (isObject(server.tls)) {
      for (const err of tlsCertificateErrors(server.tls)) {
        schema(err, 'Set tls.credentialName to the Secret holding the certificate and key (or serverCertificate and privateKey).');
      }
    }
  });
}

const ISTIO_SYSTEM = 'istio-system';

/**
 * `validateTLSOptions` (pkg/config/validation/validation.go): a SIMPLE, MUTUAL or OPTIONAL_MUTUAL server takes its
 * certificate from `credentialName` (or `credentialNames`), else needs `serverCertificate` and `privateKey` (or each
 * entry of `tlsCertificates`); MUTUAL without a credential also needs `caCertificates`. The mode defaults to
 * PASSTHROUGH, which needs no certificate.
 */
function tlsCertificateErrors(tls: any): string[] {
  const mode = typeof tls.mode === 'string' ? tls.mode : 'PASSTHROUGH';
  if (mode !== 'SIMPLE' && mode !== 'MUTUAL' && mode !== 'OPTIONAL_MUTUAL') return [];
  const filled = (v: any) => typeof v === 'string' && v !== '';
  if (filled(tls.credentialName) || asArray(tls.credentialNames).length > 0) return [];
  const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS';
  const errors: string[] = [];
  if (prefix === 'MUTUAL TLS' && !filled(tls.caCertificates)) errors.push(`${prefix} requires a client CA bundle`);
  const certs = asArray(tls.tlsCertificates).length > 0 ? asArray(tls.tlsCertificates) : [tls];
  for (const cert of certs) {
    if (!filled(cert?.serverCertificate)) errors.push(`${prefix} requires a server certificate`);
    if (!filled(cert?.privateKey)) errors.push(`${prefix} requires a private key`);
  }
  return errors;
}

/**
 * Whether the input holds the gateway workloads a selector is meant for, so that a selector matching none of them is a
 * mistake rather than a gateway installed apart (Istio's ingress gateway usually is): some Pod or pod template in the
 * Gateway's namespace or in istio-system carries one of the selector's label keys (`istio: ingresgateway` next to a
 * Deployment labelled `istio: ingressgateway`). istioctl sees the cluster's Pods and reports whenever none matches.
 */
function gatewayWorkloadsInInput(index: ManifestIndex, gw: Obj, selector: Record<string, string>): boolean {
  const keys = gatewayLookups(index).workloadLabelKeys;
  return Object.keys(selector).some(k => keys.has(`${gw.namespace}|${k}`) || keys.has(`${ISTIO_SYSTEM}|${k}`));
}

/** A Service of the input with a selector, as IST0162 reads it: its selector and its TCP ports. */
interface SelectingService {
  /** Position in `index.services`, so that results keep the input's order. */
  readonly order: number;
  readonly namespace: string;
  readonly selector: Array<[string, string]>;
  readonly ports: Array<{ readonly port: number; readonly target: number }>;
}

/**
 * What IST0162 looks up for every Gateway, built once per analysis: without these, each Gateway scanned every Service
 * and every workload of the input, O(Gateways x Services), 100 of 129 s for a 50 MB input with a Gateway per app.
 * A Service is filed under the first label of its selector (a Service selects a workload only if the workload, or the
 * gateway selector standing for it, has that label), once with its namespace and once without.
 */
interface GatewayLookups {
  /** `namespace|k=v` of the first selector label -> Services. */
  readonly servicesByNamespacedLabel: Map<string, SelectingService[]>;
  /** `k=v` of the first selector label -> Services of any namespace. */
  readonly servicesByLabel: Map<string, SelectingService[]>;
  /** `namespace|key` for every label key of every workload. */
  readonly workloadLabelKeys: Set<string>;
}

const LOOKUPS = new WeakMap<ManifestIndex, GatewayLookups>();

function gatewayLookups(index: ManifestIndex): GatewayLookups {
  const cached = LOOKUPS.get(index);
  if (cached) return cached;
  const servicesByNamespacedLabel = new Map<string, SelectingService[]>();
  const servicesByLabel = new Map<string, SelectingService[]>();
  const file = (map: Map<string, SelectingService[]>, key: string, svc: SelectingService) => {
    const list = map.get(key);
    if (list) list.push(svc);
    else map.set(key, [svc]);
  };
  index.services.forEach((svc, order) => {
    const selector = isObject(svc.spec.selector) ? Object.entries(stringMap(svc.spec.selector)) : [];
    if (selector.length === 0) return;
    const ports: Array<{ port: number; target: number }> = [];
    for (const p of asArray(svc.spec.ports)) {
      if ((p?.protocol ?? 'TCP') !== 'TCP') continue;
      const port = Number(p?.port);
      const target = typeof p?.targetPort === 'number' ? p.targetPort
        : typeof p?.targetPort === 'string' && /^[0-9]+$/.test(p.targetPort) ? Number(p.targetPort) : 0;
      ports.push({ port, target: Number.isInteger(target) && target > 0 ? target : port });
    }
    const entry: SelectingService = { order, namespace: svc.namespace, selector, ports };
    const [k, v] = selector[0];
    file(servicesByNamespacedLabel, `${svc.namespace}|${k}=${v}`, entry);
    file(servicesByLabel, `${k}=${v}`, entry);
  });
  const workloadLabelKeys = new Set<string>();
  for (const w of index.workloads) {
    for (const k of Object.keys(w.labels)) workloadLabelKeys.add(`${w.namespace}|${k}`);
  }
  const lookups = { servicesByNamespacedLabel, servicesByLabel, workloadLabelKeys };
  LOOKUPS.set(index, lookups);
  return lookups;
}

/**
 * The Services that select a gateway's workload, in input order: with the gateway pods in the input, the Services of a
 * pod's namespace whose selector the pod's labels satisfy; otherwise those whose selector is implied by the gateway's
 * selector (the pods carry at least those labels).
 */
function servicesOfGateway(index: ManifestIndex, selector: Record<string, string>, pods: readonly Workload[]): SelectingService[] {
  const lookups = gatewayLookups(index);
  const found = new Set<SelectingService>();
  if (pods.length > 0) {
    for (const pod of pods) {
      for (const [k, v] of Object.entries(pod.labels)) {
        for (const svc of lookups.servicesByNamespacedLabel.get(`${pod.namespace}|${k}=${v}`) ?? []) {
          if (!found.has(svc) && svc.selector.every(([sk, sv]) => pod.labels[sk] === sv)) found.add(svc);
        }
      }
    }
  } else {
    for (const [k, v] of Object.entries(selector)) {
      for (const svc of lookups.servicesByLabel.get(`${k}=${v}`) ?? []) {
        if (svc.selector.every(([sk, sv]) => selector[sk] === sv)) found.add(svc);
      }
    }
  }
  return [...found].sort((a, b) => a.order - b.order);
}

/**
 * IST0162 (`IngressGatewayPortAnalyzer`), only when a Service selecting the gateway's workload is in the input.
 *
 * As istioctl does since Istio 1.23 (`portMapping` in gateway.go): a server port is fine when it is a *target* port of a
 * Service selecting the gateway pods (the port the pod listens on) or one of those Services' *ports* (Istio's gateway
 * controller maps a server port equal to a Service port to its targetPort, istio/istio#51257). A Service port without a
 * numeric targetPort counts as its own target, as Go's `IntValue()` gives 0 for a named targetPort. So Istio's default
 * istio-ingressgateway Service (80 -> 8080, 443 -> 8443) accepts servers on 80, 443, 8080 and 8443.
 */
function checkGatewayServicePorts(index: ManifestIndex, report: Report, gw: Obj): void {
  const selector = isObject(gw.spec.selector) ? stringMap(gw.spec.selector) : {};
  if (Object.keys(selector).length === 0) return;
  const pods = index.selected(selector);
  const shown = Object.keys(selector).sort().map(k => `${k}=${selector[k]}`).join(',');
  if (pods.length === 0 && gatewayWorkloadsInInput(index, gw, selector)) {
    report.add('IST0101', gw, `Referenced selector not found: "${shown}". No Pod or pod template in the input has these labels, while `
      + `the input has gateway workloads in namespace ${[...new Set([gw.namespace, ISTIO_SYSTEM])].map(n => `"${n}"`).join(' or ')}; `
      + 'fix the selector to match the labels of the gateway deployment.');
    return;
  }
  const services = servicesOfGateway(index, selector, pods);
  if (services.length === 0) return;
  const servicePorts = services.flatMap(svc => svc.ports);
  const accepted = new Set(servicePorts.flatMap(p => [p.port, p.target]));
  const exposed = [...servicePorts].sort((a, b) => a.port - b.port)
    .map(p => (p.port === p.target ? `${p.port}` : `${p.port} -> targetPort ${p.target}`)).join(', ');
  for (const server of asArray(gw.spec.servers)) {
    const n = Number(server?.port?.number);
    if (Number.isNaN(n) || accepted.has(n)) continue;
    report.add('IST0162', gw, `The gateway is listening on a target port (port ${n}) that is not defined in the Service `
      + `associated with its workload instances (Pod selector ${shown}). If you need to access the gateway port through the gateway `
      + `Service, it will not be available. The Service exposes ${exposed || 'no TCP ports'}. Use one of its ports or target ports `
      + '(a server port equal to a Service port is mapped to its targetPort), or add the port to the Service.');
  }
}

/**
 * IST0145 (`gateway.ConflictingGatewayAnalyzer`, Istio 1.24+): servers of different Gateways on the same port of the same
 * gateway workload that declare the same host with the same `bind`.
 *
 * As in istioctl (istio/istio `pkg/config/analysis/analyzers/gateway/conflictinggateway.go`, `analyzeGateway`,
 * `initGatewaysMap`, `isGWConflict`; read at 1.31.0-alpha.0, commit 86c9f01f):
 * - hosts conflict only when equal as written (`model.CheckDuplicates`): "foo.example.com" and "*.example.com" do not
 *   conflict, since Envoy picks the most specific server name (istio/istio#52413, fixed by PR #52542; before that the
 *   analyzer used wildcard matching, which the istio.io IST0145 example still shows);
 * - the workload is the selector (`k=v,...` sorted by key, as Kubernetes prints it); Gateways whose selectors differ but
 *   one contains the other as a substring also share it when a Pod in the input carries both selectors' labels;
 * - of several servers of one Gateway on one port, only the last one's hosts are compared against the other Gateways
 *   (`initGatewaysMap` keeps one host list per Gateway and port).
 * istioctl also records each checked server's hosts into the other Gateway's list when they do not conflict (a side effect
 * of `CheckDuplicates` on a shared map), which makes some results depend on iteration order; that is not reproduced.
 *
 * Findings come per Gateway in input order, then per server; the message sorts the conflicting Gateways' names.
 *
 * Cost: istioctl compares every Gateway with every other of the same workload and port, and every selector with every
 * other (scanning the Pods for each pair whose strings contain one another); at 50 MB with a Gateway per app (5,750 on
 * the ingress gateway) that took over 300 s. Here the servers are filed by workload, port, bind and host, and the
 * selectors that share a workload are found through the Pods they select, so the work is linear in the input plus the
 * conflicts found (test/analysis/analyzers/gateway.test.ts compares it with the pairwise version on random inputs).
 */
export function checkConflictingGateways(index: ManifestIndex, report: Report): void {
  const fullName = (gw: Obj) => `${gw.namespace}/${gw.name}`;

  // selector string -> its Gateways' servers, in the order the selector string first appears
  const bySelector = new Map<string, WorkloadServers>();
  // canonical form of each distinct selector (two selectors may print the same string) -> that selector
  const variants = new Map<string, SelectorVariant>();
  const variantOf = new Map<Obj, SelectorVariant>();
  for (const gw of index.gateways) {
    const selector = isObject(gw.spec.selector) ? stringMap(gw.spec.selector) : {};
    const key = selectorString(selector);
    let entry = bySelector.get(key);
    if (!entry) {
      entry = { key, order: bySelector.size, selector, ports: new Map() };
      bySelector.set(key, entry);
    }
    const canonical = JSON.stringify(Object.keys(selector).sort().map(k => [k, selector[k]]));
    let variant = variants.get(canonical);
    if (!variant) {
      variant = { key, selector, isEntrySelector: entry.selector === selector, sameWorkload: undefined };
      variants.set(canonical, variant);
    }
    variantOf.set(gw, variant);
    const name = fullName(gw);
    for (const server of asArray(gw.spec.servers)) {
      const port = portOf(server);
      let group = entry.ports.get(port);
      if (!group) {
        group = { byGateway: new Map(), hostIndex: undefined };
        entry.ports.set(port, group);
      }
      // Map.set keeps the Gateway's first position and takes its last server's hosts, as the pairwise version did
      group.byGateway.set(name, { hosts: strings(server?.hosts), bind: bindOf(server) });
    }
  }
  if (bySelector.size === 0) return;
  relateSelectorsThroughPods(index, bySelector, [...variants.values()]);

  for (const gw of index.gateways) {
    const variant = variantOf.get(gw)!;
    const sameWorkload = variant.sameWorkload!;
    const name = fullName(gw);
    for (const server of asArray(gw.spec.servers)) {
      const port = portOf(server);
      const hosts = strings(server?.hosts);
      const bind = bindOf(server);
      const others: string[] = [];
      for (const entry of sameWorkload) {
        const group = entry.ports.get(port);
        if (!group) continue;
        const byHost = hostIndexOf(group).get(bind);
        if (!byHost) continue;
        const positions = new Set<number>();
        for (const h of hosts) {
          for (const i of byHost.get(h) ?? []) positions.add(i);
        }
        // in any order: the message sorts the names (`sort.Strings(gateways)` in istioctl)
        for (const i of positions) {
          const other = group.names![i];
          if (other !== name) others.push(other);
        }
      }
      if (others.length > 0) {
        report.add('IST0145', gw, gatewayConflictMessage(others, variant.key, port, hosts));
      }
    }
  }
}

/** The servers of the Gateways with one selector string, by port. */
interface WorkloadServers {
  readonly key: string;
  /** Position among the selector strings, in input order. */
  readonly order: number;
  /** The selector of the first Gateway with this string. */
  readonly selector: Record<string, string>;
  readonly ports: Map<string, PortServers>;
}

/** The Gateways of one workload on one port. */
interface PortServers {
  /** `namespace/name` -> hosts and bind of its last server on the port, in the order the Gateways first appear. */
  readonly byGateway: Map<string, { readonly hosts: string[]; readonly bind: string }>;
  /** bind -> host -> positions in `byGateway` (ascending) of the Gateways declaring it; built on first use. */
  hostIndex: Map<string, Map<string, number[]>> | undefined;
  /** The names of `byGateway`, by position. */
  names?: string[];
}

/** One distinct selector of the input's Gateways. */
interface SelectorVariant {
  readonly key: string;
  readonly selector: Record<string, string>;
  /** Whether this is the selector its `WorkloadServers` entry keeps (istioctl re-parses the entry's string). */
  readonly isEntrySelector: boolean;
  /** The entries whose Gateways are on the same workload, in entry order. */
  sameWorkload: WorkloadServers[] | undefined;
}

const selectorString = (sel: Record<string, string>) => Object.keys(sel).sort().map(k => `${k}=${sel[k]}`).join(',');
const portOf = (server: any) => String(Number.isInteger(server?.port?.number) ? server.port.number : 0);
const bindOf = (server: any) => (typeof server?.bind === 'string' ? server.bind : '');

function hostIndexOf(group: PortServers): Map<string, Map<string, number[]>> {
  if (group.hostIndex) return group.hostIndex;
  const index = new Map<string, Map<string, number[]>>();
  const names: string[] = [];
  for (const [name, { hosts, bind }] of group.byGateway) {
    const i = names.length;
    names.push(name);
    let byHost = index.get(bind);
    if (!byHost) {
      byHost = new Map();
      index.set(bind, byHost);
    }
    for (const h of hosts) {
      const list = byHost.get(h);
      if (!list) byHost.set(h, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  }
  group.hostIndex = index;
  group.names = names;
  return index;
}

/**
 * Sets `sameWorkload` of every variant: the entries with the variant's selector string, and those whose string contains
 * the variant's or is contained in it (`strings.Contains` either way) when some Pod carries the labels of both the
 * variant's selector and the entry's selector. Instead of scanning the Pods for each pair of selectors, each distinct
 * Pod label set is matched once against the selectors that can match it (filed under their label carried by the fewest
 * Pods), and only the selectors matching one Pod are paired: linear in the Pods times the selectors matching each.
 */
function relateSelectorsThroughPods(index: ManifestIndex, bySelector: Map<string, WorkloadServers>, variants: SelectorVariant[]): void {
  const related = new Map<SelectorVariant, Set<WorkloadServers>>();
  const podLabelSets = new Map<string, Record<string, string>>();
  for (const pod of index.pods) {
    podLabelSets.set(JSON.stringify(Object.keys(pod.labels).sort().map(k => [k, pod.labels[k]])), pod.labels);
  }
  const carriers = new Map<string, number>();
  for (const labels of podLabelSets.values()) {
    for (const [k, v] of Object.entries(labels)) carriers.set(`${k}=${v}`, (carriers.get(`${k}=${v}`) ?? 0) + 1);
  }
  // rarest selector label -> variants; the empty selector matches every Pod
  const filed = new Map<string, SelectorVariant[]>();
  const matchAll: SelectorVariant[] = [];
  for (const variant of variants) {
    const labels = Object.entries(variant.selector).map(([k, v]) => `${k}=${v}`);
    if (labels.length === 0) {
      matchAll.push(variant);
      continue;
    }
    const counts = labels.map(l => carriers.get(l) ?? 0);
    const rarest = counts.indexOf(Math.min(...counts));
    if (counts[rarest] === 0) continue; // no Pod carries that label, so none matches the selector
    const list = filed.get(labels[rarest]);
    if (list) list.push(variant);
    else filed.set(labels[rarest], [variant]);
  }
  for (const labels of podLabelSets.values()) {
    const matching = new Set<SelectorVariant>(matchAll);
    for (const [k, v] of Object.entries(labels)) {
      for (const variant of filed.get(`${k}=${v}`) ?? []) {
        if (Object.entries(variant.selector).every(([sk, sv]) => labels[sk] === sv)) matching.add(variant);
      }
    }
    for (const a of matching) {
      for (const b of matching) {
        if (!b.isEntrySelector || a.key === b.key || !(b.key.includes(a.key) || a.key.includes(b.key))) continue;
        const set = related.get(a) ?? new Set<WorkloadServers>();
        related.set(a, set);
        set.add(bySelector.get(b.key)!);
      }
    }
  }
  for (const variant of variants) {
    const entries = [bySelector.get(variant.key)!, ...(related.get(variant) ?? [])];
    variant.sameWorkload = entries.sort((x, y) => x.order - y.order);
  }
}
