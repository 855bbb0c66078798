import * as fs from 'fs';
import * as path from 'path';
import { Finding, FindingLevel, MeshAnalyzer } from '../../src/analysis/mesh-analyzer';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'analysis');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

/** `<code> <level> <Kind> <namespace>/<name>` of each finding: what the assertions compare. */
const ids = (findings: Finding[]) => findings.map(f => `${f.code} ${f.level} ${f.kind} ${f.namespace}/${f.name}`);
const analyze = (yaml: string) => ids(MeshAnalyzer.analyzeYaml(yaml));
const messages = (yaml: string, code: string) => MeshAnalyzer.analyzeYaml(yaml).filter(f => f.code === code).map(f => f.message);

const SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: httpbin}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000, targetPort: 80}]
`;
const SUBSETS = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;
/** A mesh-bound VirtualService for host httpbin whose first http rule is `rule` (indented YAML). */
const vs = (rule: string, extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
${extra}
  http:
  - ${rule.trim().split('\n').join('\n    ')}
`;
const docs = (...parts: string[]) => parts.join('\n---\n');

describe('reference mirroring scenario', () => {
  test('100% to v1 with every request mirrored to v2, behind an HTTPS gateway, has no findings', () => {
    expect(MeshAnalyzer.analyzeYaml(fixture('mirroring-ok.yaml'))).toEqual([]);
  });
});

describe('IST0101 ReferencedResourceNotFound', () => {
  test('route host that no Service or ServiceEntry provides', () => {
    const route = 'route: [{destination: {host: reviews2}}]';
    expect(analyze(docs(SERVICE, vs(route)))).toEqual(['IST0101 Error VirtualService default/httpbin']);
    expect(messages(docs(SERVICE, vs(route)), 'IST0101')[0]).toMatch(/^Referenced host not found: "reviews2" \(http\[0\]\.route\[0\]\)\. Create a Service/);
    expect(analyze(docs(SERVICE, vs('route: [{destination: {host: httpbin}}]')))).toEqual([]);
  });

  test('mirror host not found', () => {
    const yaml = docs(SERVICE, vs('route: [{destination: {host: httpbin}}]\nmirror: {host: httpbin-shadow}'));
    expect(messages(yaml, 'IST0101')).toEqual([expect.stringMatching(/^Referenced mirror host not found: "httpbin-shadow" \(http\[0\]\.mirror\)/)]);
    expect(analyze(docs(SERVICE, SERVICE.replace('name: httpbin}', 'name: httpbin-shadow}'),
      vs('route: [{destination: {host: httpbin}}]\nmirror: {host: httpbin-shadow}')))).toEqual([]);
  });

  test('short names resolve in the VirtualService namespace, with a hint to the FQDN', () => {
    const other = vs('route: [{destination: {host: httpbin}}]').replace('name: httpbin}', 'name: httpbin, namespace: web}');
    const yaml = docs(SERVICE, other);
    expect(analyze(yaml)).toEqual(['IST0101 Error VirtualService web/httpbin']);
    expect(messages(yaml, 'IST0101')[0]).toContain('use the FQDN "httpbin.default.svc.cluster.local"');
    expect(analyze(docs(SERVICE, other.replace('host: httpbin}', 'host: httpbin.default.svc.cluster.local}')))).toEqual([]);
  });

  test('Kubernetes DNS forms "name.ns" and "name.ns.svc" are not Istio hosts (istioctl reports them too)', () => {
    for (const host of ['httpbin.default', 'httpbin.default.svc']) {
      const yaml = docs(SERVICE, vs(`route: [{destination: {host: ${host}}}]`));
      expect(messages(yaml, 'IST0101')).toEqual([expect.stringContaining(`Istio does not expand "${host}"`)]);
    }
  });

  test('ServiceEntry hosts, including wildcards, are known hosts', () => {
    const se = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external}
spec:
  hosts: ["*.example.com"]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: DNS
`;
    const route = 'route: [{destination: {host: api.example.com}}]';
    expect(analyze(vs(route))).toEqual(['IST0101 Error VirtualService default/httpbin']);
    expect(analyze(docs(se, vs(route)))).toEqual([]);
  });

  test('destination port that the Service does not expose (the container port instead of the Service port)', () => {
    const yaml = docs(SERVICE, vs('route: [{destination: {host: httpbin, port: {number: 80}}}]'));
    expect(messages(yaml, 'IST0101')).toEqual([expect.stringMatching(/^Referenced host:port not found: "httpbin:80" .*exposes port\(s\) 8000/)]);
    expect(analyze(docs(SERVICE, vs('route: [{destination: {host: httpbin, port: {number: 8000}}}]')))).toEqual([]);
  });

  test('subset that no DestinationRule for the host defines', () => {
    const yaml = docs(SERVICE, vs('route: [{destination: {host: httpbin, subset: v3}}]'));
    expect(messages(yaml, 'IST0101')).toEqual([expect.stringMatching(/^Referenced host\+subset in destinationrule not found: "httpbin\+v3"/)]);
    expect(analyze(docs(SERVICE, SUBSETS, vs('route: [{destination: {host: httpbin, subset: v1}}]')))).toEqual([]);
  });

  test('mirror subset that no DestinationRule defines', () => {
    const rule = 'route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v3}';
    expect(messages(docs(SERVICE, SUBSETS, vs(rule)), 'IST0101')).toEqual([expect.stringMatching(/^Referenced mirror\+subset in destinationrule not found: "httpbin\+v3"/)]);
  });

  test('istio.io example: gateway that does not exist', () => {
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0101-gateway-doc.yaml')).filter(f => f.message.startsWith('Referenced gateway'));
    expect(ids(findings)).toEqual(['IST0101 Error VirtualService default/httpbin']);
    expect(findings[0].message).toMatch(/^Referenced gateway not found: "httpbin-gateway-bogus"/);
    const fixed = fixture('ist0101-gateway-doc.yaml').replace('- httpbin-gateway-bogus', '- httpbin-gateway');
    expect(MeshAnalyzer.analyzeYaml(fixed).filter(f => f.message.startsWith('Referenced gateway'))).toEqual([]);
  });

  test('gateway references: "ns/name" looks in that namespace, "mesh" is reserved', () => {
    const gw = fixture('ist0101-gateway-doc.yaml').split('---')[0].replace('name: httpbin-gateway', 'name: httpbin-gateway\n  namespace: edge');
    const withGateways = (list: string) => docs(SERVICE, gw, vs('route: [{destination: {host: httpbin, port: {number: 8000}}}]', `  gateways: ${list}`));
    expect(analyze(withGateways('[httpbin-gateway]'))).toEqual(['IST0101 Error VirtualService default/httpbin']);
    expect(analyze(withGateways('[edge/httpbin-gateway, mesh]'))).toEqual([]);
  });
});

describe('IST0112 VirtualServiceDestinationPortSelectorRequired', () => {
  const multiPort = SERVICE.replace('ports: [{name: http, port: 8000, targetPort: 80}]', 'ports: [{name: http, port: 8000}, {name: grpc, port: 9000}]');
  test('destination without port on a multi-port service', () => {
    const yaml = docs(multiPort, vs('route: [{destination: {host: httpbin}}]'));
    expect(analyze(yaml)).toEqual(['IST0112 Error VirtualService default/httpbin']);
    expect(messages(yaml, 'IST0112')[0]).toContain('exposes multiple ports [8000 9000]');
    expect(analyze(docs(multiPort, vs('route: [{destination: {host: httpbin, port: {number: 8000}}}]')))).toEqual([]);
  });

  test('mirror without port on a multi-port service', () => {
    const yaml = docs(multiPort, SUBSETS, vs('route: [{destination: {host: httpbin, subset: v1, port: {number: 8000}}}]\nmirror: {host: httpbin, subset: v2}'));
    expect(analyze(yaml)).toEqual(['IST0112 Error VirtualService default/httpbin']);
  });
});

describe('IST0118 PortNameIsNotUnderNamingConvention', () => {
  const svc = (port: string, labels = '') => `
apiVersion: v1
kind: Service
metadata: {name: web${labels}}
spec:
  selector: {app: web}
  ports: [${port}]
`;
  test('port name without a protocol prefix', () => {
    const yaml = svc('{name: web, port: 8080, targetPort: 80}');
    expect(analyze(yaml)).toEqual(['IST0118 Info Service default/web']);
    expect(messages(yaml, 'IST0118')[0]).toMatch(/^Port name web \(port: 8080, targetPort: 80\) doesn't follow the naming convention of Istio port\./);
    expect(analyze(svc('{name: http-web, port: 8080, targetPort: 80}'))).toEqual([]);
  });

  test('unnamed port is reported, appProtocol and well-known ports are exempt', () => {
    expect(analyze(svc('{port: 8080}'))).toEqual(['IST0118 Info Service default/web']);
    expect(analyze(svc('{name: web, port: 8080, appProtocol: http}'))).toEqual([]);
    expect(analyze(svc('{name: web, port: 8080, appProtocol: kubernetes.io/h2c}'))).toEqual([]);
    expect(analyze(svc('{name: db, port: 3306}'))).toEqual([]);
  });

  test('http_proxy, which only appProtocol can carry, is one of Istio\'s protocols', () => {
    expect(analyze(svc('{name: proxy, port: 8080, appProtocol: HTTP_PROXY}'))).toEqual([]);
    expect(analyze(svc('{name: grpc-webui, port: 8080}'))).toEqual([]);
  });

  test('istio.io example: port foo-http of Service httpbin', () => {
    // The page prints "Port name foo-http (port: 80, targetPort: 80)", but its Service has port 8000; istioctl's
    // PortNameAnalyzer prints port.Port and port.TargetPort, i.e. "port: 8000, targetPort: 80" (a typo on the page).
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0118-doc.yaml'));
    expect(ids(findings)).toEqual(['IST0118 Info Service default/httpbin']);
    expect(findings[0].message).toMatch(/^Port name foo-http \(port: 8000, targetPort: 80\) doesn't follow the naming convention of Istio port\./);
    // The page's fix: rename the port <protocol>[-<suffix>], e.g. "http-foo".
    expect(MeshAnalyzer.analyzeYaml(fixture('ist0118-doc.yaml').replace('name: foo-http', 'name: http-foo'))).toEqual([]);
  });

  test('Istio\'s own services (label "istio") are skipped, as istioctl does', () => {
    expect(analyze(svc('{name: status, port: 15021}', ', labels: {istio: ingressgateway}'))).toEqual([]);
  });
});

describe('IST0132 VirtualServiceHostNotFoundInGateway', () => {
  test('istio.io example: host wrong.com is not served by istio-system/testing-gateway', () => {
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0132-doc.yaml')).filter(f => f.code === 'IST0132');
    expect(ids(findings)).toEqual(['IST0132 Warning VirtualService default/testing-service']);
    expect(findings[0].message).toMatch(/^one or more host \[wrong\.com\] defined in VirtualService default\/testing-service not found in Gateway istio-system\/testing-gateway\./);
    const fixed = fixture('ist0132-doc.yaml').replace('- wrong.com', '- testing.com');
    expect(MeshAnalyzer.analyzeYaml(fixed).filter(f => f.code === 'IST0132')).toEqual([]);
  });

  test('gateway wildcards and namespace-prefixed hosts', () => {
    const withGatewayHost = (h: string) => MeshAnalyzer.analyzeYaml(fixture('ist0132-doc.yaml')
      .replace('- wrong.com', '- api.example.com').replace('- testing.com', `- "${h}"`)).filter(f => f.code === 'IST0132');
    expect(withGatewayHost('*.example.com')).toEqual([]);
    expect(withGatewayHost('default/*.example.com')).toEqual([]);
    expect(withGatewayHost('*/api.example.com')).toEqual([]);
    expect(ids(withGatewayHost('other/*.example.com'))).toEqual(['IST0132 Warning VirtualService default/testing-service']);
    expect(ids(withGatewayHost('./api.example.com'))).toEqual(['IST0132 Warning VirtualService default/testing-service']);
    expect(ids(withGatewayHost('*.example.org'))).toEqual(['IST0132 Warning VirtualService default/testing-service']);
  });
});

describe('IST0109 ConflictingMeshGatewayVirtualServiceHosts', () => {
  test('istio.io example: team-1/productpage and team-2/custom both define productpage.default.svc.cluster.local', () => {
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0109-doc.yaml')).filter(f => f.code === 'IST0109');
    expect(ids(findings)).toEqual(['IST0109 Error VirtualService team-1/productpage', 'IST0109 Error VirtualService team-2/custom']);
    expect(findings[0].message).toMatch(/^The VirtualServices team-1\/productpage,team-2\/custom associated with mesh gateway define the same host productpage\.default\.svc\.cluster\.local/);
  });

  test('istio.io fix: exportTo "." scopes each VirtualService to its namespace', () => {
    const fixed = fixture('ist0109-doc.yaml').split('spec:\n').join('spec:\n  exportTo: ["."]\n');
    expect(MeshAnalyzer.analyzeYaml(fixed).filter(f => f.code === 'IST0109')).toEqual([]);
  });

  test('VirtualServices bound only to an ingress gateway may share a host (Istio merges them)', () => {
    const bound = fixture('ist0109-doc.yaml').split('spec:\n').join('spec:\n  gateways: [istio-system/gw]\n');
    expect(MeshAnalyzer.analyzeYaml(bound).filter(f => f.code === 'IST0109')).toEqual([]);
  });
});

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

describe('IST0162 GatewayPortNotDefinedOnService', () => {
  test('istio.io example: ports 80 and 8004 are not target ports of the ingress Service', () => {
    // The doc's Service has no "istio" label, so istioctl also reports IST0118 for "status-port"; only IST0162 matters here.
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0162-doc.yaml')).filter(f => f.code === 'IST0162');
    expect(ids(findings)).toEqual(['IST0162 Warning Gateway default/istio-ingressgateway', 'IST0162 Warning Gateway default/istio-ingressgateway']);
    expect(findings.map(f => f.message)).toEqual([
      expect.stringMatching(/^The gateway is listening on a target port \(port 80\) that is not defined in the Service associated with its workload instances \(Pod selector istio=ingressgateway\)/),
      expect.stringMatching(/\(port 8004\)/),
    ]);
  });

  test('istio.io fix: listen on the target ports 8080 and 8443', () => {
    const fixed = fixture('ist0162-doc.yaml').replace('number: 80\n', 'number: 8080\n').replace('number: 8004', 'number: 8443');
    expect(MeshAnalyzer.analyzeYaml(fixed).filter(f => f.code === 'IST0162')).toEqual([]);
  });

  test('not reported when the gateway Service is not in the input', () => {
    expect(MeshAnalyzer.analyzeYaml(fixture('ist0162-doc.yaml').split('---')[0])).toEqual([]);
  });

  test('the message lists the Service\'s ports and says the server port must match a targetPort', () => {
    const [port80, port8004] = MeshAnalyzer.analyzeYaml(fixture('ist0162-doc.yaml')).filter(f => f.code === 'IST0162').map(f => f.message);
    const exposes = 'The Service exposes 80 -> targetPort 8080, 443 -> targetPort 8443, 15021.';
    expect(port80).toContain(exposes);
    expect(port80).toContain('Port 80 is the Service\'s port, which forwards to targetPort 8080: the server port must match the targetPort '
      + '(the container port the gateway pod listens on, 8080 for 80 in Istio\'s default install); use port 8080 to silence this');
    expect(port8004).toContain(exposes);
    expect(port8004).toContain('The server port must match one of the Service\'s target ports (the container ports the gateway pod listens on');
  });

  test('compares with the Service port when targetPort is unset or named, and reads a numeric string targetPort, like Go\'s IntValue()', () => {
    const yaml = (targetPort: string) => fixture('ist0162-doc.yaml')
      .replace('number: 8004', 'number: 9000')
      .replace('    port: 80\n    protocol: TCP\n    targetPort: 8080', `    port: 80\n    protocol: TCP${targetPort}`);
    const ports = (y: string) => MeshAnalyzer.analyzeYaml(y).filter(f => f.code === 'IST0162').map(f => /\(port (\d+)\)/.exec(f.message)![1]);
    expect(ports(yaml(''))).toEqual(['9000']);
    expect(ports(yaml('\n    targetPort: http'))).toEqual(['9000']);
    expect(ports(yaml('\n    targetPort: "8080"'))).toEqual(['80', '9000']);
  });
});

describe('IST0173 DestinationRuleSubsetNotSelectPods', () => {
  test('istio.io example: no reviews pod has version v4', () => {
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0173-doc.yaml'));
    expect(ids(findings)).toEqual(['IST0173 Error DestinationRule default/reviews']);
    expect(findings[0].message).toMatch(/^The Subset v4 defined in the DestinationRule does not select any pods\. Which may lead to 503 UH \(NoHealthyUpstream\)\./);
  });

  test('fixed by deploying the version the subset selects', () => {
    const v4 = fixture('ist0173-doc.yaml').split('---')[1].replace(/v1/g, 'v4');
    expect(MeshAnalyzer.analyzeYaml(docs(fixture('ist0173-doc.yaml'), v4))).toEqual([]);
  });

  test('pods must be in the service\'s namespace and carry the service selector too', () => {
    const v4 = fixture('ist0173-doc.yaml').split('---')[1].replace(/v1/g, 'v4');
    expect(analyze(docs(fixture('ist0173-doc.yaml'), v4.replace('name: reviews-v4', 'name: reviews-v4\n  namespace: other'))))
      .toEqual(['IST0173 Error DestinationRule default/reviews']);
    expect(analyze(docs(fixture('ist0173-doc.yaml'), v4.replace(/app: reviews/g, 'app: ratings'))))
      .toEqual(['IST0173 Error DestinationRule default/reviews']);
  });

  test('not reported when the input has no workloads in that namespace (nothing to compare with)', () => {
    const withoutDeployment = fixture('ist0173-doc.yaml').split('---').filter(d => !d.includes('kind: Deployment')).join('---');
    expect(MeshAnalyzer.analyzeYaml(withoutDeployment)).toEqual([]);
  });
});

describe('IST0174 UnknownDestinationRuleHost', () => {
  test('istio.io example: host reveiws matches no service', () => {
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0174-doc.yaml'));
    expect(ids(findings)).toEqual(['IST0174 Warning DestinationRule default/reviews']);
    expect(findings[0].message).toMatch(/^The host reveiws defined in the DestinationRule does not match any services in the mesh\./);
    expect(MeshAnalyzer.analyzeYaml(fixture('ist0174-doc.yaml').replace('host: reveiws', 'host: reviews'))).toEqual([]);
  });
});

describe('IST0106 SchemaValidationError', () => {
  const mirrored = 'route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v2}';
  test('mirrorPercentage outside 0-100', () => {
    const yaml = docs(SERVICE, SUBSETS, vs(`${mirrored}\nmirrorPercentage: {value: 150}`));
    expect(analyze(yaml)).toEqual(['IST0106 Error VirtualService default/httpbin']);
    expect(messages(yaml, 'IST0106')[0]).toMatch(/^Schema validation error: percentage 150 is neither 0\.0, nor in range \[0\.0001, 100\.0\]/);
    expect(analyze(docs(SERVICE, SUBSETS, vs(`${mirrored}\nmirrorPercentage: {value: 100}`)))).toEqual([]);
  });

  test('mirror and mirrors together', () => {
    const both = `${mirrored}\nmirrors: [{destination: {host: httpbin, subset: v2}, percentage: {value: 10}}]`;
    expect(messages(docs(SERVICE, SUBSETS, vs(both)), 'IST0106')).toEqual([expect.stringMatching(/HTTP route cannot contain both mirror and mirrors/)]);
    const only = 'route: [{destination: {host: httpbin, subset: v1}}]\nmirrors: [{destination: {host: httpbin, subset: v2}, percentage: {value: 10}}]';
    expect(analyze(docs(SERVICE, SUBSETS, vs(only)))).toEqual([]);
  });

  test('mirrors[] percentage above 100', () => {
    const rule = 'route: [{destination: {host: httpbin, subset: v1}}]\nmirrors: [{destination: {host: httpbin, subset: v2}, percentage: {value: 120}}]';
    expect(messages(docs(SERVICE, SUBSETS, vs(rule)), 'IST0106')).toEqual([
      expect.stringMatching(/^Schema validation error: mirror percentage must have a max value of 100 \(it has 120\.000000\)/)]);
  });

  test('route weights that are negative or all zero', () => {
    const split = (a: number, b: number) => docs(SERVICE, SUBSETS,
      vs(`route:\n- {destination: {host: httpbin, subset: v1}, weight: ${a}}\n- {destination: {host: httpbin, subset: v2}, weight: ${b}}`));
    expect(messages(split(0, 0), 'IST0106')).toEqual([expect.stringMatching(/total destination weight = 0/)]);
    expect(messages(split(-10, 110), 'IST0106')).toEqual([expect.stringMatching(/weight -10 < 0/)]);
    expect(analyze(split(90, 10))).toEqual([]);
  });

  test('istio.io example (weights 999 and 888): current Istio accepts weights above 100 and normalizes them, so TM0002, not IST0106', () => {
    // The IST0106 page shows "percentage 888 is not in range 0..100" from older releases; validateWeight in
    // pkg/config/validation now only rejects negative weights.
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0106-weights-doc.yaml')).filter(f => f.code.startsWith('IST0106') || f.code === 'TM0002');
    expect(ids(findings)).toEqual(['TM0002 Warning VirtualService default/ratings-bogus-weight-default']);
    expect(findings[0].message).toContain('add up to 1887, not 100');
  });

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

describe('TM codes (mirroring checks Istio lacks)', () => {
  const base = docs(SERVICE, SUBSETS);
  test('TM0001: mirror target is the route\'s own destination', () => {
    const yaml = docs(base, vs('route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin.default.svc.cluster.local, subset: v1}'));
    expect(analyze(yaml)).toEqual(['TM0001 Error VirtualService default/httpbin']);
    expect(messages(yaml, 'TM0001')[0]).toContain('every mirrored request hits the serving version twice');
    expect(analyze(docs(base, vs('route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v2}')))).toEqual([]);
  });

  test('TM0001 is not reported for a destination at weight 0 (it receives no requests)', () => {
    const split = (v2Weight: number) => docs(base, vs(`route:\n- {destination: {host: httpbin, subset: v1}, weight: ${100 - v2Weight}}\n`
      + `- {destination: {host: httpbin, subset: v2}, weight: ${v2Weight}}\nmirror: {host: httpbin, subset: v2}`));
    expect(analyze(split(0))).toEqual([]);
    expect(analyze(split(10))).toEqual(['TM0001 Error VirtualService default/httpbin']);
  });

  test('TM0002: route weights that do not add up to 100', () => {
    const yaml = docs(base, vs('route:\n- {destination: {host: httpbin, subset: v1}, weight: 50}\n- {destination: {host: httpbin, subset: v2}, weight: 30}'));
    expect(analyze(yaml)).toEqual(['TM0002 Warning VirtualService default/httpbin']);
    expect(messages(yaml, 'TM0002')[0]).toContain('add up to 80, not 100');
    expect(messages(yaml, 'TM0002')[0]).toContain('"httpbin" subset "v1" 62.5%, "httpbin" subset "v2" 37.5%');
    expect(analyze(docs(base, vs('route:\n- {destination: {host: httpbin, subset: v1}, weight: 70}\n- {destination: {host: httpbin, subset: v2}, weight: 30}')))).toEqual([]);
  });

  const gatewayBound = (mirror: string) => docs(base, fixture('mirroring-ok.yaml').split('---').find(d => d.includes('kind: Gateway'))!,
    vs(`route: [{destination: {host: httpbin, subset: v1, port: {number: 8000}}}]\nmirror: ${mirror}`, '  gateways: [httpbin-gateway]')
      .replace('hosts: [httpbin]', 'hosts: [httpbin.example.com]'));
  test('TM0003: mirror without port on a gateway-bound route', () => {
    const yaml = gatewayBound('{host: httpbin, subset: v2}');
    expect(analyze(yaml)).toEqual(['TM0003 Warning VirtualService default/httpbin']);
    expect(messages(yaml, 'TM0003')[0]).toContain('set port.number: 8000');
    expect(analyze(gatewayBound('{host: httpbin, subset: v2, port: {number: 8000}}'))).toEqual([]);
    expect(analyze(docs(base, vs('route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v2}')))).toEqual([]);
  });

  test('TM0004: mirrorPercentage without a mirror', () => {
    const yaml = docs(base, vs('route: [{destination: {host: httpbin, subset: v1}}]\nmirrorPercentage: {value: 50}'));
    expect(analyze(yaml)).toEqual(['TM0004 Warning VirtualService default/httpbin']);
    expect(analyze(docs(base, vs('route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v2}\nmirrorPercentage: {value: 50}'))))
      .toEqual([]);
  });

  test('TM0005: mirrorPercentage 0 disables the mirror', () => {
    const yaml = docs(base, vs('route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v2}\nmirrorPercentage: {value: 0}'));
    expect(analyze(yaml)).toEqual(['TM0005 Warning VirtualService default/httpbin']);
    expect(analyze(docs(base, vs('route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v2}\nmirrorPercentage: {value: 1}'))))
      .toEqual([]);
  });
});

describe('TM0006: the same object more than once', () => {
  const base = docs(SERVICE, SUBSETS);
  const mirrorRoute = (percent: number) => vs(`route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v2}\nmirrorPercentage: {value: ${percent}}`);

  test('analyzes the last definition only, and says so', () => {
    // Two copies of one Gateway would otherwise conflict with each other (IST0145), and the first copy's 0% mirror would be TM0005.
    const yaml = docs(base, mirrorRoute(0), mirrorRoute(50));
    expect(analyze(yaml)).toEqual(['TM0006 Warning VirtualService default/httpbin']);
    expect(messages(yaml, 'TM0006')[0]).toMatch(/^Defined 2 times in the input; only the last definition is analyzed/);
  });

  test('the fix: one definition per object', () => {
    expect(analyze(docs(base, mirrorRoute(50)))).toEqual([]);
  });

  test('another API version of the same group is the same object', () => {
    const v1beta1 = mirrorRoute(0).replace('apiVersion: networking.istio.io/v1', 'apiVersion: networking.istio.io/v1beta1');
    expect(analyze(docs(base, v1beta1, mirrorRoute(50)))).toEqual(['TM0006 Warning VirtualService default/httpbin']);
  });

  test('objects without a name (generateName) are each an object of their own', () => {
    const unnamed = mirrorRoute(50).replace('metadata: {name: httpbin}', 'metadata: {generateName: httpbin-}');
    expect(analyze(docs(base, unnamed, unnamed)).filter(id => id.startsWith('TM0006'))).toEqual([]);
  });

  test('objects of the same name in other namespaces or of other kinds are different objects', () => {
    const other = mirrorRoute(50).replace('metadata: {name: httpbin}', 'metadata: {name: httpbin, namespace: other}');
    expect(analyze(docs(base, mirrorRoute(50), other)).filter(id => id.startsWith('TM0006'))).toEqual([]);
  });
});

describe('MeshAnalyzer API', () => {
  test('formatFinding', () => {
    expect(MeshAnalyzer.formatFinding({ code: 'IST0101', level: FindingLevel.ERROR, kind: 'VirtualService', namespace: 'default', name: 'httpbin', message: 'm' }))
      .toBe('IST0101 Error VirtualService default/httpbin: m');
  });

  test('objects without namespace are in defaultNamespace', () => {
    const yaml = docs(SERVICE, vs('route: [{destination: {host: nope}}]'));
    expect(ids(MeshAnalyzer.analyzeYaml(yaml, { defaultNamespace: 'prod' }))).toEqual(['IST0101 Error VirtualService prod/httpbin']);
  });

  test('findings are sorted by namespace, kind, name, code and message', () => {
    const yaml = docs(fixture('ist0109-doc.yaml'), fixture('ist0174-doc.yaml'));
    const findings = ids(MeshAnalyzer.analyzeYaml(yaml));
    expect(findings).toEqual([
      'IST0174 Warning DestinationRule default/reviews',
      'IST0101 Error VirtualService team-1/productpage',
      'IST0109 Error VirtualService team-1/productpage',
      'IST0101 Error VirtualService team-2/custom',
      'IST0109 Error VirtualService team-2/custom',
    ]);
    expect(ids(MeshAnalyzer.analyzeYaml(docs(fixture('ist0174-doc.yaml'), fixture('ist0109-doc.yaml'))))).toEqual(findings);
  });

  test('List objects are expanded; the Kubernetes Gateway API Gateway and non-objects are ignored', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: MeshAnalyzer.parseYaml(fixture('ist0174-doc.yaml')) };
    const k8sGateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw' }, spec: { listeners: [] } };
    expect(ids(MeshAnalyzer.analyze([list, k8sGateway, null, 'x', 3]))).toEqual(['IST0174 Warning DestinationRule default/reviews']);
  });

  test('parseYaml reports the line of a syntax error', () => {
    expect(() => MeshAnalyzer.parseYaml(fixture('invalid/bad-syntax.yaml'))).toThrow(/^YAML syntax error at line 7, column \d+: /);
  });

  test('analyzes 5,000 objects well under a second', () => {
    const objects: any[] = [];
    for (let i = 0; i < 1000; i++) {
      const ns = `ns${i % 20}`;
      const name = `app${i}`;
      objects.push(
        { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8000 }] } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${name}-v1`, namespace: ns }, spec: { template: { metadata: { labels: { app: name, version: 'v1' } } } } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${name}-v2`, namespace: ns }, spec: { template: { metadata: { labels: { app: name, version: 'v2' } } } } },
        { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: ns }, spec: { host: name, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } },
        { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec: { hosts: [name], http: [{ route: [{ destination: { host: name, subset: 'v1' } }], mirror: { host: name, subset: 'v2' }, mirrorPercentage: { value: 100 } }] } },
      );
    }
    const start = process.hrtime.bigint();
    const findings = MeshAnalyzer.analyze(objects);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(findings).toEqual([]);
    expect(ms).toBeLessThan(500);
  });
});
