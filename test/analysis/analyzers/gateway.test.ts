/**
 * Tests of src/analysis/analyzers/gateway.ts: IST0145, IST0162 and the Gateway server IST0106 rules.
 */
import { checkConflictingGateways } from '../../../src/analysis/analyzers/gateway';
import { hostInGateway } from '../../../src/analysis/analyzers/virtualservice';
import { asArray, isObject, stringMap, strings } from '../../../src/analysis/hosts';
import { ManifestIndex, Obj } from '../../../src/analysis/manifest-index';
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { Report } from '../../../src/analysis/report';
import { gatewayConflictMessage } from '../../../src/istio/rules/gateway';
import { hostMatches } from '../../../src/istio/rules/hosts';
import { analyze, docs, fixture, ids, messages } from '../../support/analysis';

describe('IST0145 ConflictingGateways', () => {
  const gateway = (name: string, host: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["${host}"]
`;
  test('same selector, port and host', () => {
    const yaml = docs(gateway('a', 'httpbin.example.com'), gateway('b', 'httpbin.example.com'));
    expect(analyze(yaml)).toEqual(['IST0145 Error Gateway default/a', 'IST0145 Error Gateway default/b']);
    expect(messages(yaml, 'IST0145')[0]).toBe('Conflict with gateways default/b (workload selector istio=ingressgateway, port 80, hosts httpbin.example.com). '
      + 'Merge the servers into one Gateway, or give them distinct hosts or ports.');
    expect(analyze(docs(gateway('a', 'httpbin.example.com'), gateway('b', 'other.example.com')))).toEqual([]);
  });

  test('istio.io example: foo.example.com and *.example.com do not conflict in current istioctl', () => {
    // The istio.io page (docs/reference/config/analysis/ist0145) shows "Error [IST0145] (Gateway default/alpha) Conflict with
    // gateways default/beta ..." for this pair, but that page predates istio/istio#52413: since PR #52542 (Istio 1.24) the
    // analyzer compares hosts with model.CheckDuplicates (equal strings and bind), because Envoy serves the most specific
    // server name and the pair works. We follow the current istioctl source, so the documented example is clean.
    expect(MeshAnalyzer.analyzeYaml(fixture('ist0145-doc.yaml')).filter(f => f.code === 'IST0145')).toEqual([]);
    // With the same host on both, the documented message is reported on alpha (and, as istioctl does, on beta).
    const same = fixture('ist0145-doc.yaml').replace('- "*.example.com"', '- "foo.example.com"');
    const findings = MeshAnalyzer.analyzeYaml(same).filter(f => f.code === 'IST0145');
    expect(ids(findings)).toEqual(['IST0145 Error Gateway default/alpha', 'IST0145 Error Gateway default/beta']);
    expect(findings[0].message).toMatch(/^Conflict with gateways default\/beta \(workload selector istio=ingressgateway, port 80, hosts foo\.example\.com\)\./);
    // The page's fixes: a different port, or a different gateway workload, for one of them.
    expect(MeshAnalyzer.analyzeYaml(same.replace(/number: 80\n([\s\S]*)number: 80/, 'number: 80\n$1number: 8080')).filter(f => f.code === 'IST0145')).toEqual([]);
    expect(MeshAnalyzer.analyzeYaml(same.replace(/istio: ingressgateway\n([\s\S]*)istio: ingressgateway/, 'istio: ingressgateway\n$1istio: other-gateway'))
      .filter(f => f.code === 'IST0145')).toEqual([]);
  });

  test('istioctl testdata: multiple ports, bind, and the last server of a Gateway on a port', () => {
    const gw = (name: string, servers: string, selector = '{istio: ingressgateway}') => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}}
spec:
  selector: ${selector}
  servers: ${servers}
`;
    // conflicting-gateways-multiple-ports.yaml: only port 90 is shared.
    const multi = docs(gw('beta', '[{port: {number: 80, name: tcp, protocol: TCP}, hosts: [foo.bar]}, {port: {number: 90, name: tcp, protocol: TCP}, hosts: [foo.bar]}]'),
      gw('alpha', '[{port: {number: 70, name: http, protocol: HTTP}, hosts: [foo.bar]}, {port: {number: 90, name: http, protocol: HTTP}, hosts: [foo.bar]}]'));
    expect(ids(MeshAnalyzer.analyzeYaml(multi).filter(f => f.code === 'IST0145'))).toEqual(['IST0145 Error Gateway default/alpha', 'IST0145 Error Gateway default/beta']);
    expect(messages(multi, 'IST0145')[0]).toMatch(/^Conflict with gateways default\/beta \(workload selector istio=ingressgateway, port 90, hosts foo\.bar\)/);
    // Different bind addresses are different listeners.
    expect(analyze(docs(gw('a', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [foo.bar], bind: 10.0.0.1}]'),
      gw('b', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [foo.bar], bind: 10.0.0.2}]')))).toEqual([]);
    // Of b's two servers on port 80 only the last (y.bar) is kept for comparison, so a's x.bar is not reported, while b's
    // first server is compared against a's x.bar and is (istioctl's initGatewaysMap keeps one host list per Gateway and port).
    expect(analyze(docs(gw('a', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [x.bar]}]'),
      gw('b', '[{port: {number: 80, name: http-x, protocol: HTTP}, hosts: [x.bar]}, {port: {number: 80, name: http-y, protocol: HTTP}, hosts: [y.bar]}]'))))
      .toEqual(['IST0145 Error Gateway default/b']);
    // The selector is printed sorted by key, as Kubernetes does ("a" before "a-b", unlike a plain sort of "k=v").
    const keyed = docs(gw('a', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [foo.bar]}]', '{a-b: "2", a: "1"}'),
      gw('b', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [foo.bar]}]', '{a: "1", a-b: "2"}'));
    expect(messages(keyed, 'IST0145')[0]).toContain('(workload selector a=1,a-b=2, port 80');
  });

  test('istioctl testdata conflicting-gateways-subSelector.yaml: nested selectors conflict when a Pod carries both', () => {
    const gw = (name: string, selector: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}}
spec:
  selector: ${selector}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [foo.bar]
`;
    const pod = `
apiVersion: v1
kind: Pod
metadata:
  name: my-ingressgateway-1
  labels: {istio: ingressgateway, app: istio-ingressgateway, cusKey: cusValue}
spec:
  containers: [{name: istio-proxy}]
`;
    const gateways = docs(gw('beta', '{istio: ingressgateway, app: istio-ingressgateway, cusKey: cusValue}'), gw('alpha', '{istio: ingressgateway, cusKey: cusValue}'));
    const conflicts = (yaml: string) => ids(MeshAnalyzer.analyzeYaml(yaml).filter(f => f.code === 'IST0145'));
    expect(conflicts(docs(gateways, pod))).toEqual(['IST0145 Error Gateway default/alpha', 'IST0145 Error Gateway default/beta']);
    expect(messages(docs(gateways, pod), 'IST0145')[0]).toMatch(/^Conflict with gateways default\/beta \(workload selector cusKey=cusValue,istio=ingressgateway, port 80/);
    // Without a Pod selected by both, istioctl cannot tell that they share a workload.
    expect(conflicts(gateways)).toEqual([]);
  });
});

/**
 * The pairwise IST0145 check this library ran before it was indexed (src/analysis/analyzers/gateway.ts at commit 28a5f66),
 * kept as the reference of the differential test below: every Gateway against every selector string (with a scan of the
 * Pods for each pair whose strings contain one another), and every server against every other Gateway of the same
 * workload and port, as istioctl's `analyzeGateway` loops (istio/istio pkg/config/analysis/analyzers/gateway/
 * conflictinggateway.go, 1.31.0-alpha.0). Quadratic, so only for small inputs.
 */
function pairwiseConflictingGateways(index: ManifestIndex, report: Report, nested = true): void {
  interface HostsBind { readonly gw: Obj; readonly hosts: string[]; readonly bind: string }
  const selectorOf = (gw: Obj): Record<string, string> => (isObject(gw.spec.selector) ? stringMap(gw.spec.selector) : {});
  const selectorString = (sel: Record<string, string>) => Object.keys(sel).sort().map(k => `${k}=${sel[k]}`).join(',');
  const portOf = (server: any) => String(Number.isInteger(server?.port?.number) ? server.port.number : 0);
  const bindOf = (server: any) => (typeof server?.bind === 'string' ? server.bind : '');
  const fullName = (gw: Obj) => `${gw.namespace}/${gw.name}`;
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
        || (nested && (other.includes(sSelector) || sSelector.includes(other)) && selectedByBoth(selector, otherSelector)))
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
      if (others.length > 0) report.add('IST0145', gw, gatewayConflictMessage(others, sSelector, port, hosts));
    }
  }
}

describe('IST0145 indexed check against the pairwise one', () => {
  /** mulberry32: a small seeded generator, so that a failing input can be rebuilt from its seed. */
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Selectors whose printed strings contain one another ("istio=ingressgateway" in "app=a,istio=ingressgateway"), the empty
  // selector (contained in every string), two selectors that print the same string, and one that matches no Pod.
  const SELECTORS: Array<Record<string, string> | undefined> = [
    undefined, {}, { istio: 'ingressgateway' }, { istio: 'ingressgateway' }, { istio: 'ingressgateway', app: 'a' },
    { app: 'a' }, { app: 'a', istio: 'ingressgateway', cusKey: 'cusValue' }, { istio: 'ingressgateway2' }, { istio: 'ingress' },
    { a: '1,b=2' }, { a: '1', b: '2' }, { a: '1' }, { nothing: 'matches' },
  ];
  const POD_LABELS: Array<Record<string, string>> = [
    { istio: 'ingressgateway' }, { istio: 'ingressgateway', app: 'a' }, { app: 'a', istio: 'ingressgateway', cusKey: 'cusValue' },
    { istio: 'ingressgateway2' }, { istio: 'ingress', app: 'a' }, { a: '1', b: '2' }, { a: '1,b=2' }, { a: '1' }, { other: 'x' },
  ];
  const HOSTS = ['*', '*.x', 'a.x', 'b.x', '*.y', 'a.y', 'ns1/a.x', './b.x', 'A.X'];
  const PORTS: any[] = [80, 80, 443, 8080, undefined, '80'];
  const BINDS: any[] = [undefined, undefined, '', '10.0.0.1', '10.0.0.2'];

  function input(rand: () => number): any[] {
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const manifests: any[] = [];
    const pods = Math.floor(rand() * 4);
    for (let i = 0; i < pods; i++) {
      manifests.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'istio-system', labels: pick(POD_LABELS) }, spec: {} });
    }
    const gateways = 1 + Math.floor(rand() * 30);
    for (let i = 0; i < gateways; i++) {
      const servers = Array.from({ length: Math.floor(rand() * 4) }, () => {
        const port = pick(PORTS);
        const bind = pick(BINDS);
        return {
          port: port === undefined ? undefined : { number: port, name: 'http', protocol: 'HTTP' },
          hosts: Array.from({ length: Math.floor(rand() * 3) + (rand() < 0.9 ? 1 : 0) }, () => pick(HOSTS)),
          ...(bind === undefined ? {} : { bind }),
        };
      });
      const selector = pick(SELECTORS);
      // names repeat now and then: two objects with one namespace/name are one entry of istioctl's map
      manifests.push({
        apiVersion: 'networking.istio.io/v1', kind: 'Gateway',
        metadata: { name: `gw-${Math.floor(rand() * gateways * 1.2)}`, namespace: pick(['default', 'ns1', 'istio-system']) },
        spec: { ...(selector === undefined ? {} : { selector }), servers },
      });
    }
    return manifests;
  }

  test('same findings, in the same order, on 600 random inputs', () => {
    let withFindings = 0;
    let findings = 0;
    let nestedSelectors = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const index = new ManifestIndex(input(random(seed)), 'default');
      const expected = new Report();
      pairwiseConflictingGateways(index, expected);
      const actual = new Report();
      checkConflictingGateways(index, actual);
      // the seed in the compared value says which input differs
      expect({ seed, findings: actual.findings }).toEqual({ seed, findings: expected.findings });
      if (expected.findings.length > 0) withFindings++;
      findings += expected.findings.length;
      // inputs where selectors that differ but share a Pod change the result
      const equalSelectorsOnly = new Report();
      pairwiseConflictingGateways(index, equalSelectorsOnly, false);
      if (JSON.stringify(equalSelectorsOnly.findings) !== JSON.stringify(expected.findings)) nestedSelectors++;
    }
    // The inputs are shaped so that the comparison means something: most have conflicts, a good share through nested
    // selectors that share a Pod (seen when written: 377 of 600 inputs with findings, 2,109 findings, 182 inputs changed by nested selectors).
    expect(withFindings).toBeGreaterThan(300);
    expect(findings).toBeGreaterThan(1500);
    expect(nestedSelectors).toBeGreaterThan(30);
  });

  test('a Gateway per app on one workload: linear, and the conflicts still found', () => {
    // 20,000 Gateways on the ingress gateway, each with its own host except two pairs: the pairwise check makes 4e8
    // comparisons here (minutes); the indexed one files each host once.
    const manifests: any[] = Array.from({ length: 20000 }, (_, i) => ({
      apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: `app-${i}`, namespace: `team-${i % 50}` },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [`app-${i % 19998}.example.com`] }] },
    }));
    const report = new Report();
    const started = process.hrtime.bigint();
    checkConflictingGateways(new ManifestIndex(manifests, 'default'), report);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ids(report.findings)).toEqual(['IST0145 Error Gateway team-0/app-0', 'IST0145 Error Gateway team-1/app-1',
      'IST0145 Error Gateway team-48/app-19998', 'IST0145 Error Gateway team-49/app-19999']);
    expect(report.findings[0].message).toMatch(/^Conflict with gateways team-48\/app-19998 \(workload selector istio=ingressgateway, port 80, hosts app-0\.example\.com\)/);
    expect(ms).toBeLessThan(5000);
  });
});

describe('IST0132 Gateway hosts looked up by VirtualService host', () => {
  /**
   * The pairwise `hostInGateway` of src/analysis/analyzers/virtualservice.ts at commit 28a5f66 (istioctl's
   * `vsHostInGateway`, pkg/config/analysis/analyzers/virtualservice/gateways.go): the Gateway's hosts visible to the
   * namespace, each compared with each VirtualService host.
   */
  function pairwiseHostInGateway(gw: Obj, vsHosts: string[], vsNamespace: string): boolean {
    const gatewayHosts: string[] = [];
    for (const server of asArray(gw.spec.servers)) {
      for (const h of strings(server?.hosts)) {
        const slash = h.indexOf('/');
        if (slash < 0) {
          gatewayHosts.push(h);
          continue;
        }
        const ns = h.slice(0, slash);
        const effectiveNs = ns === '.' ? gw.namespace : ns;
        if (effectiveNs === '*' || effectiveNs === vsNamespace) gatewayHosts.push(h.slice(slash + 1));
      }
    }
    return gatewayHosts.some(gh => vsHosts.some(vh => hostMatches(gh, vh)));
  }

  test('same answer as the pairwise comparison on 3,000 random Gateways and VirtualService hosts', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    // names, wildcards that are suffixes of one another (with and without the dot), '*', and an empty host
    const NAMES = ['*', '*.x', '*x', '*.a.x', 'a.x', 'b.a.x', 'x', '*.y', 'a.y', '', '*.b.a.x', 'ba.x', '*a.x'];
    const SCOPES = ['', '', '', './', '*/', 'ns1/', 'ns2/'];
    let matched = 0;
    for (let n = 0; n < 3000; n++) {
      const servers = Array.from({ length: Math.floor(rand() * 3) }, () => ({
        hosts: Array.from({ length: Math.floor(rand() * 4) }, () => `${pick(SCOPES)}${pick(NAMES)}`),
      }));
      const gw: Obj = { kind: 'Gateway', namespace: pick(['ns1', 'ns2']), name: 'g', spec: { servers }, metadata: {} };
      for (let q = 0; q < 4; q++) {
        const vsHosts = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => pick(NAMES));
        const vsNamespace = pick(['ns1', 'ns2', 'ns3']);
        const expected = pairwiseHostInGateway(gw, vsHosts, vsNamespace);
        expect({ n, q, servers, vsHosts, vsNamespace, found: hostInGateway(gw, vsHosts, vsNamespace) })
          .toEqual({ n, q, servers, vsHosts, vsNamespace, found: expected });
        if (expected) matched++;
      }
    }
    // both answers occur often (seen when written: 4,408 of 12,000 queries match)
    expect(matched).toBeGreaterThan(3000);
    expect(matched).toBeLessThan(9000);
  });

  test('one Gateway listing 30,000 hosts, asked for each: linear', () => {
    const hosts = Array.from({ length: 30000 }, (_, i) => `app-${i}.example.com`);
    const gw: Obj = { kind: 'Gateway', namespace: 'istio-system', name: 'g', spec: { servers: [{ hosts }] }, metadata: {} };
    const started = process.hrtime.bigint();
    const found = hosts.filter((h, i) => hostInGateway(gw, [`app-${i}`, h], `team-${i % 50}`)).length;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(found).toBe(30000);
    expect(hostInGateway(gw, ['app-30000.example.com', '*.other.com'], 'team-1')).toBe(false);
    expect(hostInGateway(gw, ['*.example.com'], 'team-1')).toBe(true);
    expect(ms).toBeLessThan(3000);
  });
});

describe('IST0162 GatewayPortNotDefinedOnService', () => {
  // All follow gateway.IngressGatewayPortAnalyzer.analyzeGateway (gateway.go): since Istio 1.23 a server port is accepted
  // when it is a target port (servicePorts) or a Service port (portMapping).
  test('istio.io example: port 8004 is neither a port nor a target port of the ingress Service; port 80 is a Service port', () => {
    // The istio.io page also lists port 80, which istioctl no longer reports (portMapping, istio/istio#51257).
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0162-doc.yaml')).filter(f => f.code === 'IST0162');
    expect(ids(findings)).toEqual(['IST0162 Warning Gateway default/istio-ingressgateway']);
    expect(findings[0].message).toMatch(/^The gateway is listening on a target port \(port 8004\) that is not defined in the Service associated with its workload instances \(Pod selector istio=ingressgateway\)/);
  });

  test('a server on a Service port (80, 443) or a target port (8080, 8443) is fine; 8004 is not', () => {
    const yaml = (port: number) => fixture('ist0162-doc.yaml').replace('number: 8004', `number: ${port}`);
    for (const port of [80, 443, 8080, 8443, 15021]) {
      expect(MeshAnalyzer.analyzeYaml(yaml(port)).filter(f => f.code === 'IST0162')).toEqual([]);
    }
    expect(ids(MeshAnalyzer.analyzeYaml(yaml(8004)).filter(f => f.code === 'IST0162'))).toEqual(['IST0162 Warning Gateway default/istio-ingressgateway']);
  });

  test('not reported when the gateway Service is not in the input', () => {
    expect(MeshAnalyzer.analyzeYaml(fixture('ist0162-doc.yaml').split('---')[0])).toEqual([]);
  });

  test('the message lists the Service\'s ports and what is accepted', () => {
    const [port8004] = MeshAnalyzer.analyzeYaml(fixture('ist0162-doc.yaml')).filter(f => f.code === 'IST0162').map(f => f.message);
    expect(port8004).toContain('The Service exposes 80 -> targetPort 8080, 443 -> targetPort 8443, 15021.');
    expect(port8004).toContain('Use one of its ports or target ports (a server port equal to a Service port is mapped to its targetPort)');
  });

  test('compares with the Service port when targetPort is unset or named, and reads a numeric string targetPort, like Go\'s IntValue()', () => {
    const yaml = (targetPort: string) => fixture('ist0162-doc.yaml')
      .replace('number: 8004', 'number: 9000')
      .replace('    port: 80\n    protocol: TCP\n    targetPort: 8080', `    port: 80\n    protocol: TCP${targetPort}`);
    const ports = (y: string) => MeshAnalyzer.analyzeYaml(y).filter(f => f.code === 'IST0162').map(f => /\(port (\d+)\)/.exec(f.message)![1]);
    expect(ports(yaml(''))).toEqual(['9000']);
    expect(ports(yaml('\n    targetPort: http'))).toEqual(['9000']);
    expect(ports(yaml('\n    targetPort: "8080"'))).toEqual(['9000']);
    // A UDP port counts for nothing (only TCP ports are collected).
    expect(ports(fixture('ist0162-doc.yaml').replace('number: 8004', 'number: 443').replace('    port: 443\n    protocol: TCP', '    port: 443\n    protocol: UDP')))
      .toEqual(['443']);
  });

  // Which Services count (gateway.go analyzeGateway: the Services whose selector matches a gateway pod, in the pod's
  // namespace), including the cases the per-analysis lookup of Services by their first selector label must not change.
  const gateway = (port: number) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: ${port}, name: http, protocol: HTTP}, hosts: ["*"]}]
`;
  const pod = `
apiVersion: v1
kind: Pod
metadata: {name: ingress, namespace: istio-system, labels: {app: istio-ingressgateway, istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: proxyv2}]}
`;
  const service = (name: string, namespace: string, selector: string, port: number) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {${selector}}
  ports: [{name: http, port: ${port}, targetPort: ${port + 8000}}]
`;
  const exposed = (yaml: string) => messages(yaml, 'IST0162').map(m => /The Service exposes ([^.]*)\./.exec(m)![1]);

  test('with the gateway pods in the input: every Service of their namespace whose whole selector they carry, in input order', () => {
    const yaml = docs(gateway(9000), pod,
      service('second', 'istio-system', 'istio: ingressgateway', 81),
      service('first', 'istio-system', 'app: istio-ingressgateway, istio: ingressgateway', 80),
      // the first label matches the pod, the second does not
      service('partial', 'istio-system', 'istio: ingressgateway, version: v2', 70),
      // the same selector in another namespace selects nothing here
      service('elsewhere', 'default', 'istio: ingressgateway', 60));
    expect(exposed(yaml)).toEqual(['80 -> targetPort 8080, 81 -> targetPort 8081']);
    expect(messages(docs(gateway(8081), pod, service('second', 'istio-system', 'istio: ingressgateway', 81)), 'IST0162')).toEqual([]);
    // Only Services elsewhere or partially matching: no Service of the gateway, nothing to report.
    expect(messages(docs(gateway(9000), pod, service('partial', 'istio-system', 'istio: ingressgateway, version: v2', 70),
      service('elsewhere', 'default', 'istio: ingressgateway', 60)), 'IST0162')).toEqual([]);
  });

  test('without gateway pods: the Services of any namespace whose selector the gateway selector implies', () => {
    const yaml = docs(gateway(9000),
      service('narrow', 'default', 'istio: ingressgateway', 81),
      service('wider', 'istio-system', 'istio: ingressgateway, app: istio-ingressgateway', 70));
    expect(exposed(yaml)).toEqual(['81 -> targetPort 8081']);
    expect(messages(docs(gateway(9000), service('wider', 'istio-system', 'istio: ingressgateway, app: istio-ingressgateway', 70)), 'IST0162'))
      .toEqual([]);
  });

  test('each Gateway is checked against its own Services when many Gateways and Services are analyzed together', () => {
    // Gateway i selects `gw: g<i>` and its Service exposes port 1000 + i; every other Gateway listens on its own port
    // except the odd ones, which listen on the next Gateway's port.
    const parts: string[] = [];
    for (let i = 0; i < 40; i++) {
      parts.push(gateway(i % 2 === 0 ? 1000 + i : 1001 + i).replace('name: gw,', `name: gw-${i},`).replace('istio: ingressgateway', `gw: g${i}`));
      parts.push(service(`svc-${i}`, 'istio-system', `gw: g${i}`, 1000 + i).replace(`targetPort: ${9000 + i}`, `targetPort: ${1000 + i}`));
    }
    const reported = MeshAnalyzer.analyzeYaml(docs(...parts)).filter(f => f.code === 'IST0162').map(f => f.name);
    expect(reported).toEqual(Array.from({ length: 20 }, (_, k) => `gw-${2 * k + 1}`).sort());
  });
});

describe('IST0101 for a Gateway selector that matches no gateway workload', () => {
  // gateway.IngressGatewayPortAnalyzer.analyzeGateway (gateway.go): gwSelectorMatches == 0 -> NewReferencedResourceNotFound(r, "selector", ...).
  // Offline, only when the input has workloads with one of the selector's label keys in the Gateway's namespace or istio-system.
  const gateway = (selector: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ${selector}}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`;
  const deployment = (labels: string, namespace = 'istio-system') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress, namespace: ${namespace}}
spec:
  selector: {matchLabels: ${labels}}
  template: {metadata: {labels: ${labels}}, spec: {containers: [{name: istio-proxy, image: auto}]}}
`;
  test('a misspelt selector next to the gateway deployment is reported; the right one is not', () => {
    const yaml = docs(gateway('ingresgateway'), deployment('{istio: ingressgateway}'));
    expect(analyze(yaml)).toEqual(['IST0101 Error Gateway istio-system/gw']);
    expect(messages(yaml, 'IST0101')[0]).toMatch(/^Referenced selector not found: "istio=ingresgateway"\./);
    expect(analyze(docs(gateway('ingressgateway'), deployment('{istio: ingressgateway}')))).toEqual([]);
  });

  test('not reported when the input has no gateway workloads (the gateway is installed apart), as in the reference scenario', () => {
    expect(analyze(gateway('ingresgateway'))).toEqual([]);
    expect(analyze(docs(gateway('ingresgateway'), deployment('{app: httpbin}')))).toEqual([]);
    expect(analyze(docs(gateway('ingresgateway'), deployment('{istio: ingressgateway}', 'apps')))).toEqual([]);
  });
});

describe('IST0106 SchemaValidationError', () => {
  const gateway = (servers: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
${servers}
`;
  const http = '  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com]}';
  test('duplicate Gateway server port names', () => {
    const yaml = gateway(`${http}\n  - {port: {number: 8080, name: http, protocol: HTTP}, hosts: [a.example.com]}`);
    expect(messages(yaml, 'IST0106')).toEqual([expect.stringMatching(/^Schema validation error: port names in servers must be unique: duplicate name http \(servers\[1\]\)/)]);
    expect(analyze(gateway(`${http}\n  - {port: {number: 8080, name: http-alt, protocol: HTTP}, hosts: [a.example.com]}`))).toEqual([]);
  });

  test('missing Gateway server port name', () => {
    const yaml = gateway('  - {port: {number: 80, protocol: HTTP}, hosts: [a.example.com]}');
    expect(messages(yaml, 'IST0106')).toEqual([expect.stringMatching(/^Schema validation error: port name must be set/)]);
    expect(analyze(gateway(http))).toEqual([]);
  });

  test('HTTPS server without TLS settings', () => {
    const yaml = gateway('  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com]}');
    expect(messages(yaml, 'IST0106')).toEqual([expect.stringMatching(/^Schema validation error: server must have TLS settings for HTTPS\/TLS protocols/)]);
    expect(analyze(gateway('  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: cert}}'))).toEqual([]);
  });
});

describe('IST0106 for an HTTPS/TLS server without credential or certificate', () => {
  // pkg/config/validation/validation.go validateTLSOptions: SIMPLE and MUTUAL need credentialName or serverCertificate + privateKey.
  const gateway = (tls: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: ${tls}}]
`;
  test('SIMPLE without credentialName, serverCertificate or privateKey', () => {
    expect(messages(gateway('{mode: SIMPLE}'), 'IST0106')).toEqual([
      expect.stringMatching(/^Schema validation error: SIMPLE TLS requires a private key \(servers\[0\]\)/),
      expect.stringMatching(/^Schema validation error: SIMPLE TLS requires a server certificate \(servers\[0\]\)/),
    ]);
    expect(analyze(gateway('{mode: SIMPLE, credentialName: cert}'))).toEqual([]);
    expect(analyze(gateway('{mode: SIMPLE, serverCertificate: /etc/cert.pem, privateKey: /etc/key.pem}'))).toEqual([]);
  });

  test('MUTUAL also needs a CA bundle; PASSTHROUGH (the default mode) needs nothing', () => {
    expect(messages(gateway('{mode: MUTUAL, serverCertificate: /c, privateKey: /k}'), 'IST0106'))
      .toEqual([expect.stringMatching(/MUTUAL TLS requires a client CA bundle/)]);
    expect(analyze(gateway('{mode: PASSTHROUGH}'))).toEqual([]);
    expect(analyze(gateway('{}'))).toEqual([]);
  });
});
