/**
 * Tests of src/analysis/analyzers/virtualservice.ts: IST0101, IST0112, IST0132, IST0109, the VirtualService IST0106 rules and TM0001-TM0005.
 */
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { analyze, docs, fixture, ids, messages, SERVICE, SUBSETS, vs } from '../../support/analysis';

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

  test('malformed cdk8s-traffic-mirror/defined-elsewhere annotation, named in the message', () => {
    const annotated = (value: string) => docs(SERVICE, vs('route: [{destination: {host: httpbin}}]')
      .replace('metadata: {name: httpbin}', `metadata:\n  name: httpbin\n  annotations:\n    cdk8s-traffic-mirror/defined-elsewhere: '${value}'`));
    expect(analyze(annotated('[{"kind": "Service", "namespace": "team-b", "name": "reviews", "ports": ["9080"]}]'))).toEqual(['IST0106 Error VirtualService default/httpbin']);
    expect(messages(annotated('[{"kind": "Service", "namespace": "team-b", "name": "reviews", "ports": ["9080"]}]'), 'IST0106')).toEqual([
      'Schema validation error: invalid annotation cdk8s-traffic-mirror/defined-elsewhere: [0].ports must be a list of port numbers (1-65535) '
      + '(metadata.annotations). The annotation is ignored, so the objects it declares count as missing. Write it as a JSON array of '
      + '{"kind": "Gateway" | "Service", "namespace", "name"} objects, with optional "hosts" for a Gateway and "ports" and "subsets" for a Service.']);
    expect(messages(annotated('reviews.team-b'), 'IST0106')).toEqual([expect.stringMatching(/^Schema validation error: invalid annotation cdk8s-traffic-mirror\/defined-elsewhere: the value is not valid JSON/)]);
    expect(analyze(annotated('[{"kind": "Service", "namespace": "team-b", "name": "reviews", "ports": [9080]}]'))).toEqual([]);
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

describe('IST0109 with exportTo: hosts exported to all namespaces conflict with namespace-scoped ones they match', () => {
  // virtualservice.ConflictingMeshGatewayHostsAnalyzer.Analyze and getExportToAllNamespacesVSListForScopedHost
  // (conflictingmeshgatewayhosts.go): a scoped host also collects the "*"-scoped VirtualServices whose host Matches it.
  const meshVs = (name: string, namespace: string, host: string, exportTo = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: ["${host}"]
${exportTo ? `  exportTo: ${exportTo}\n` : ''}  http: [{route: [{destination: {host: "${host}"}}]}]
`;
  const conflicts = (yaml: string) => MeshAnalyzer.analyzeYaml(yaml).filter(f => f.code === 'IST0109');
  test('a wildcard exported everywhere conflicts with a namespace-scoped host it matches', () => {
    const yaml = docs(meshVs('all', 'team-1', '*.example.com'), meshVs('scoped', 'team-2', 'a.example.com', '["."]'));
    expect(ids(conflicts(yaml))).toEqual(['IST0109 Error VirtualService team-1/all', 'IST0109 Error VirtualService team-2/scoped']);
    expect(conflicts(yaml)[0].message).toMatch(/^The VirtualServices team-1\/all,team-2\/scoped associated with mesh gateway define the same host a\.example\.com/);
    // A host the wildcard does not match, or both scoped to their own namespaces: no conflict.
    expect(conflicts(docs(meshVs('all', 'team-1', '*.example.org'), meshVs('scoped', 'team-2', 'a.example.com', '["."]')))).toEqual([]);
    expect(conflicts(docs(meshVs('all', 'team-1', '*.example.com', '["."]'), meshVs('scoped', 'team-2', 'a.example.com', '["."]')))).toEqual([]);
  });

  test('exportTo ["*"] and the default (no exportTo) are the same scope, and conflict with an exact scoped host', () => {
    expect(ids(conflicts(docs(meshVs('all', 'team-1', 'a.example.com', '["*"]'), meshVs('scoped', 'team-2', 'a.example.com', '[team-2]')))))
      .toEqual(['IST0109 Error VirtualService team-1/all', 'IST0109 Error VirtualService team-2/scoped']);
    expect(ids(conflicts(docs(meshVs('all', 'team-1', 'a.example.com'), meshVs('scoped', 'team-2', 'a.example.com', '["."]')))))
      .toEqual(['IST0109 Error VirtualService team-1/all', 'IST0109 Error VirtualService team-2/scoped']);
  });

  test('a VirtualService is reported once, however many of its hosts conflict (reported map)', () => {
    const two = (name: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}}
spec:
  hosts: [a.example.com, b.example.com]
  http: [{route: [{destination: {host: a.example.com}}]}]
`;
    // Not `y`: YAML 1.1 (as kubectl reads it) takes an unquoted y for true.
    expect(ids(conflicts(docs(two('x'), two('z'))))).toEqual(['IST0109 Error VirtualService default/x', 'IST0109 Error VirtualService default/z']);
  });
});

describe('VirtualServices bound to a Kubernetes Gateway (gateway.networking.k8s.io)', () => {
  // virtualservice.GatewayAnalyzer.analyzeVirtualService (gateways.go): c.Exists(gvk.KubernetesGateway, ...) and
  // vsHostInKubernetesGateway, which matches every host for a listener without hostname.
  const k8sGateway = (listeners: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: gw}
spec:
  gatewayClassName: istio
  listeners: ${listeners}
`;
  const bound = (gateway: string) => docs(SERVICE, vs('route: [{destination: {host: httpbin}}]').replace('hosts: [httpbin]', `hosts: [httpbin.example.com]\n  gateways: ["${gateway}"]`));
  test('resolves the Gateway and matches hosts against its listeners', () => {
    expect(analyze(docs(bound('gw/public'), k8sGateway('[{name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}]')))).toEqual([]);
    expect(analyze(docs(bound('gw/public'), k8sGateway('[{name: http, port: 80, protocol: HTTP, hostname: other.example.org}]'))))
      .toEqual(['IST0132 Warning VirtualService default/httpbin']);
    expect(analyze(bound('gw/public'))).toEqual(['IST0101 Error VirtualService default/httpbin']);
  });

  test('a listener without hostname serves every host', () => {
    expect(analyze(docs(bound('gw/public'), k8sGateway('[{name: a, port: 80, protocol: HTTP, hostname: other.example.org}, {name: b, port: 81, protocol: HTTP}]'))))
      .toEqual([]);
  });

  test('IST0165 for a reference to the Gateway Istio generates (~istio-autogenerated-k8s-gateway~)', () => {
    // kubeconfig.IsInternalGatewayReference: the name after "namespace/" contains "~istio-autogenerated-k8s-gateway~".
    const yaml = bound('gw/public-istio-autogenerated-k8s-gateway-http');
    expect(analyze(yaml)).toEqual(['IST0101 Error VirtualService default/httpbin']);
    const internal = bound('gw/public~istio-autogenerated-k8s-gateway~http');
    expect(analyze(internal)).toEqual(['IST0165 Warning VirtualService default/httpbin']);
    expect(messages(internal, 'IST0165')[0]).toMatch(/^Gateway reference in VirtualService default\/httpbin is to an implementation-generated internal Gateway: gw\/public~istio-autogenerated-k8s-gateway~http\./);
  });
});

describe('IST0140 IngressRouteRulesNotAffected', () => {
  // virtualservice.DestinationHostAnalyzer.analyzeSubset and initVirtualServiceDestinations (destinationhosts.go).
  const ingress = (route: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ingress}
spec:
  hosts: ["*"]
  gateways: [gw]
  http: [{route: [${route}]}]
`;
  const gw = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`;
  const mesh = vs('route: [{destination: {host: httpbin, subset: v1}}]');
  test('a gateway route without subset to a host whose mesh VirtualService routes by subset', () => {
    const yaml = docs(SERVICE, SUBSETS, gw, mesh, ingress('{destination: {host: httpbin}}'));
    expect(analyze(yaml)).toEqual(['IST0140 Warning VirtualService default/ingress']);
    expect(messages(yaml, 'IST0140')[0]).toMatch(/^Subset in virtual service default\/httpbin has no effect on ingress gateway default\/ingress requests\./);
    expect(analyze(docs(SERVICE, SUBSETS, gw, mesh, ingress('{destination: {host: httpbin, subset: v1}}')))).toEqual([]);
  });

  test('hosts are compared as written, and the mesh VirtualService\'s subset must be for one of its own hosts', () => {
    expect(analyze(docs(SERVICE, SUBSETS, gw, mesh, ingress('{destination: {host: httpbin.default.svc.cluster.local}}')))).toEqual([]);
    const otherHost = vs('route: [{destination: {host: httpbin, subset: v1}}]').replace('hosts: [httpbin]', 'hosts: [web]');
    expect(analyze(docs(SERVICE, SUBSETS, gw, otherHost, ingress('{destination: {host: httpbin}}')))).toEqual([]);
  });
});

describe('IST0106 for what Istio\'s VirtualService validation rejects', () => {
  // pkg/config/validation: validateHTTPRouteDestinations / validateRouteDestinations ("destination is required"),
  // validateDestination (host "*", ValidateWildcardDomain), validateHTTPRouteConflict (route with redirect or direct_response).
  const schemaErrors = (yaml: string) => messages(yaml, 'IST0106');
  test('a route entry without destination', () => {
    expect(schemaErrors(docs(SERVICE, vs('route: [{}]'))))
      .toEqual([expect.stringMatching(/^Schema validation error: destination is required \(http\[0\]\.route\[0\]\)/)]);
    // Next to a destination without weight, Istio also rejects the all-zero split ("total destination weight = 0").
    expect(schemaErrors(docs(SERVICE, vs('route: [{destination: {host: httpbin}}, {}]'))))
      .toEqual([expect.stringMatching(/^Schema validation error: destination is required \(http\[0\]\.route\[1\]\)/),
        expect.stringMatching(/^Schema validation error: total destination weight = 0/)]);
    expect(schemaErrors(docs(SERVICE, vs('route: [{destination: {host: httpbin}}]')))).toEqual([]);
  });

  test('destination host "*" and a host that is no DNS name', () => {
    expect(schemaErrors(docs(SERVICE, vs('route: [{destination: {host: "*"}}]'))))
      .toEqual([expect.stringMatching(/^Schema validation error: invalid destination host \* \(http\[0\]\.route\[0\]\)/)]);
    expect(schemaErrors(docs(SERVICE, vs('route: [{destination: {host: "http bin"}}]'))))
      .toEqual([expect.stringMatching(/^Schema validation error: domain name "http bin" invalid \(label "http bin" invalid\)/)]);
    expect(schemaErrors(docs(SERVICE, vs('route: [{destination: {host: httpbin}}]\nmirror: {host: "bad_host"}'))))
      .toEqual([expect.stringMatching(/label "bad_host" invalid\) \(http\[0\]\.mirror\)/)]);
    expect(schemaErrors(docs(SERVICE, vs('route: [{destination: {host: "*.example.com"}}]')))).toEqual([]);
    expect(schemaErrors(docs(SERVICE, vs('route: [{destination: {host: httpbin}}]')).replace('hosts: [httpbin]', 'hosts: ["-httpbin"]')))
      .toEqual([expect.stringMatching(/^Schema validation error: domain name "-httpbin" invalid .*\(hosts\[0\]\)/)]);
  });

  test('a rule with both route and redirect, or route and directResponse', () => {
    expect(schemaErrors(docs(SERVICE, vs('route: [{destination: {host: httpbin}}]\nredirect: {uri: /new}'))))
      .toEqual([expect.stringMatching(/^Schema validation error: HTTP route cannot contain both route and redirect \(http\[0\]\)/)]);
    expect(schemaErrors(docs(SERVICE, vs('route: [{destination: {host: httpbin}}]\ndirectResponse: {status: 503}'))))
      .toEqual([expect.stringMatching(/^Schema validation error: HTTP route cannot contain both route and direct_response/)]);
    expect(schemaErrors(docs(SERVICE, vs('redirect: {uri: /new}')))).toEqual([]);
    expect(schemaErrors(docs(SERVICE, vs('name: empty')))).toEqual([expect.stringMatching(/HTTP route, redirect or direct_response is required/)]);
  });
});

describe('IST0130 VirtualServiceUnreachableRule and IST0131 VirtualServiceIneffectiveMatch', () => {
  // pkg/config/validation/validation.go: analyzeUnreachableHTTPRules (and its TCP/TLS twins), reported through the
  // schema analyzer as VirtualServiceUnreachableRule / VirtualServiceIneffectiveMatch.
  const rules = (http: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [httpbin]
  http: ${http}
`;
  const to = 'route: [{destination: {host: httpbin}}]';
  test('a rule after a rule without match is never used', () => {
    const yaml = docs(SERVICE, rules(`[{${to}}, {name: api, match: [{uri: {prefix: /api}}], ${to}}]`));
    expect(analyze(yaml)).toEqual(['IST0130 Warning VirtualService default/web']);
    expect(messages(yaml, 'IST0130')[0]).toMatch(/^VirtualService rule "api" not used \(route without matches defined before\)/);
    expect(analyze(docs(SERVICE, rules(`[{name: api, match: [{uri: {prefix: /api}}], ${to}}, {${to}}]`)))).toEqual([]);
    expect(messages(docs(SERVICE, rules(`[{${to}}, {${to}}]`)), 'IST0130')).toEqual([expect.stringMatching(/^VirtualService rule #1 not used \(only the last rule can have no matches\)/)]);
  });

  test('a match equal to an earlier one (in any key order) is never used, and so is a rule made only of such matches', () => {
    const yaml = docs(SERVICE, rules(`[{match: [{uri: {prefix: /a}, method: {exact: GET}}], ${to}}, {match: [{method: {exact: GET}, uri: {prefix: /a}}], ${to}}]`));
    expect(analyze(yaml)).toEqual(['IST0130 Warning VirtualService default/web', 'IST0131 Info VirtualService default/web']);
    expect(messages(yaml, 'IST0131')[0]).toMatch(/^VirtualService rule #1 match #0 is not used \(duplicate\/overlapping match in rule #0\)/);
    expect(messages(yaml, 'IST0130')[0]).toMatch(/^VirtualService rule #1 not used \(all matches used by prior rules\)/);
    // One new match keeps the rule in use; only the repeated match is reported.
    expect(analyze(docs(SERVICE, rules(`[{match: [{uri: {prefix: /a}}], ${to}}, {match: [{uri: {prefix: /a}}, {uri: {prefix: /b}}], ${to}}]`))))
      .toEqual(['IST0131 Info VirtualService default/web']);
    expect(analyze(docs(SERVICE, rules(`[{match: [{uri: {prefix: /a}}], ${to}}, {match: [{uri: {prefix: /b}}], ${to}}]`)))).toEqual([]);
  });
});

describe('TM0007 GatewayHostDefinedTwice', () => {
  // This library's: istioctl checks shared hosts only on the mesh gateway (ConflictingMeshGatewayHostsAnalyzer); at an
  // ingress gateway Istio merges the VirtualServices' rules in creation order.
  const gatewayVs = (name: string, host = 'httpbin.example.com', gateway = 'gw') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}}
spec:
  hosts: [${host}]
  gateways: [${gateway}]
  http: [{route: [{destination: {host: httpbin}}]}]
`;
  const gw = (name = 'gw') => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}}
spec:
  selector: {istio: ${name}}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`;
  test('two VirtualServices for one host bound to one gateway', () => {
    const yaml = docs(SERVICE, gw(), gatewayVs('a'), gatewayVs('b'));
    expect(analyze(yaml)).toEqual(['TM0007 Warning VirtualService default/a', 'TM0007 Warning VirtualService default/b']);
    expect(messages(yaml, 'TM0007')[0]).toMatch(/^The VirtualServices default\/a,default\/b are bound to gateway default\/gw and define the same host httpbin\.example\.com/);
    // "gw" and "default/gw" are the same gateway.
    expect(analyze(docs(SERVICE, gw(), gatewayVs('a'), gatewayVs('b', 'httpbin.example.com', 'default/gw')))).toHaveLength(2);
  });

  test('not for other hosts or other gateways', () => {
    expect(analyze(docs(SERVICE, gw(), gatewayVs('a'), gatewayVs('b', 'other.example.com')))).toEqual([]);
    expect(analyze(docs(SERVICE, gw(), gw('gw2'), gatewayVs('a'), gatewayVs('b', 'httpbin.example.com', 'gw2')))).toEqual([]);
  });
});

describe('TM0008 MirrorTargetHasNoPods', () => {
  const deployment = (version: string, replicas?: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin-${version}}
spec:
${replicas === undefined ? '' : `  replicas: ${replicas}\n`}  selector: {matchLabels: {app: httpbin, version: ${version}}}
  template: {metadata: {labels: {app: httpbin, version: ${version}}}, spec: {containers: [{name: httpbin, image: httpbin}]}}
`;
  const mirrored = vs('route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v2}');
  test('the mirror version has replicas: 0', () => {
    const yaml = docs(SERVICE, SUBSETS, mirrored, deployment('v1'), deployment('v2', 0));
    expect(analyze(yaml)).toEqual(['TM0008 Warning VirtualService default/httpbin']);
    expect(messages(yaml, 'TM0008')[0]).toMatch(/^The mirror target version "v2" of service "httpbin" \(http\[0\]\.mirror\) has replicas: 0 \(Deployment httpbin-v2\)/);
    expect(analyze(docs(SERVICE, SUBSETS, mirrored, deployment('v1'), deployment('v2', 1)))).toEqual([]);
  });

  test('the mirror version has no Deployment while another version has one (IST0173 reports the subset too)', () => {
    const yaml = docs(SERVICE, SUBSETS, mirrored, deployment('v1'));
    expect(analyze(yaml)).toEqual(['IST0173 Error DestinationRule default/httpbin', 'TM0008 Warning VirtualService default/httpbin']);
    expect(messages(yaml, 'TM0008')[0]).toMatch(/has no workload in the input \(no pod template with labels app=httpbin,version=v2\), while other versions/);
  });

  test('not checked when the input has no workloads of the service (deployed apart)', () => {
    expect(analyze(docs(SERVICE, SUBSETS, mirrored))).toEqual([]);
  });
});

describe('IST0101 for the legacy gateway form name.namespace', () => {
  // virtualservice.GatewayAnalyzer: resource.NewShortOrFullName(vsNs, "gw.istio-system") is default/gw.istio-system,
  // while Istio's resolveGatewayName (pilot/pkg/model/config.go) reads it as istio-system/gw.
  test('is reported as not found, with the form to write', () => {
    const gateway = 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: istio-system}\n'
      + 'spec: {servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]}\n';
    const yaml = docs(SERVICE, gateway, vs('route: [{destination: {host: httpbin}}]').replace('hosts: [httpbin]', 'hosts: [a.example.com]\n  gateways: [gw.istio-system]'));
    expect(messages(yaml, 'IST0101')).toEqual([expect.stringMatching(/^Referenced gateway not found: "gw\.istio-system"\. "gw\.istio-system" is the legacy "<name>\.<namespace>" form, which Istio reads as "istio-system\/gw" but istioctl does not; write "istio-system\/gw"\./)]);
    expect(analyze(yaml.replace('gateways: [gw.istio-system]', 'gateways: [istio-system/gw]'))).toEqual([]);
  });
});
