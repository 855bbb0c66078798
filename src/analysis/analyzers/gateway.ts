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
        report.add('IST0145', gw, gatewayConflictMessage(others, sSelector, port, hosts));
      }
    }
  }
}
