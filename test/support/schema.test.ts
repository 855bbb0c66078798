import * as fs from 'fs';
import * as path from 'path';
import { appliedRules, expectValidManifests, schemaErrors, supportedKinds } from './schema';

// Fresh fixtures per test, so a test can break one field without affecting the others.
const deployment = (): any => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'httpbin-v1', namespace: 'default', labels: { 'app': 'httpbin', 'version': 'v1', 'app.kubernetes.io/name': 'httpbin' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'httpbin', version: 'v1' } },
    template: {
      metadata: { labels: { app: 'httpbin', version: 'v1' }, annotations: { 'sidecar.istio.io/inject': 'true' } },
      spec: {
        containers: [{
          name: 'httpbin',
          image: 'docker.io/kennethreitz/httpbin',
          imagePullPolicy: 'IfNotPresent',
          ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: 128974848 } },
        }],
      },
    },
  },
});

const service = (): any => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'httpbin', labels: { app: 'httpbin' } },
  spec: {
    selector: { app: 'httpbin' },
    ports: [{ name: 'http', port: 8000, targetPort: 80, protocol: 'TCP' }],
  },
});

const destinationRule = (): any => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'httpbin' },
  spec: {
    host: 'httpbin',
    subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ],
  },
});

const gateway = (): any => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name: 'httpbin-gateway' },
  spec: {
    selector: { istio: 'ingressgateway' },
    servers: [
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['httpbin.example.com'], tls: { httpsRedirect: true } },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['httpbin.example.com'], tls: { mode: 'SIMPLE', credentialName: 'httpbin-cert' } },
    ],
  },
});

const virtualService = (): any => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'httpbin' },
  spec: {
    hosts: ['httpbin'],
    http: [{
      route: [{ destination: { host: 'httpbin', subset: 'v1', port: { number: 8000 } }, weight: 100 }],
      mirror: { host: 'httpbin', subset: 'v2' },
      mirrorPercentage: { value: 100 },
    }],
  },
});

const serviceEntry = (): any => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'httpbin-ext' },
  spec: {
    hosts: ['httpbin.org'],
    location: 'MESH_EXTERNAL',
    resolution: 'DNS',
    ports: [{ number: 443, name: 'https', protocol: 'TLS' }],
  },
});

const telemetry = (): any => ({
  apiVersion: 'telemetry.istio.io/v1',
  kind: 'Telemetry',
  metadata: { name: 'httpbin-v2-access-logs' },
  spec: {
    selector: { matchLabels: { app: 'httpbin', version: 'v2' } },
    accessLogging: [{ providers: [{ name: 'envoy' }] }],
  },
});

/** The single error of a manifest, so each rejection test proves exactly one problem is reported. */
function onlyError(manifest: any): string {
  const errors = schemaErrors(manifest);
  expect(errors).toHaveLength(1);
  return errors[0];
}

describe('valid manifests', () => {
  test.each([
    ['Deployment', deployment],
    ['Service', service],
    ['DestinationRule', destinationRule],
    ['Gateway', gateway],
    ['VirtualService', virtualService],
    ['ServiceEntry', serviceEntry],
    ['Telemetry', telemetry],
  ])('accepts a %s', (_kind, make) => {
    expect(schemaErrors(make())).toEqual([]);
  });

  test('expectValidManifests accepts the whole set and knows every kind', () => {
    expectValidManifests([deployment(), service(), destinationRule(), gateway(), virtualService(), serviceEntry(), telemetry()]);
    expect(supportedKinds().sort()).toEqual([
      'apps/v1/Deployment',
      'argoproj.io/v1alpha1/AnalysisTemplate',
      'argoproj.io/v1alpha1/Rollout',
      'flagger.app/v1beta1/Canary',
      'flagger.app/v1beta1/MetricTemplate',
      'gateway.networking.k8s.io/v1/GRPCRoute',
      'gateway.networking.k8s.io/v1/Gateway',
      'gateway.networking.k8s.io/v1/HTTPRoute',
      'gateway.networking.k8s.io/v1/ReferenceGrant',
      'gateway.networking.k8s.io/v1beta1/ReferenceGrant',
      'networking.istio.io/v1/DestinationRule',
      'networking.istio.io/v1/Gateway',
      'networking.istio.io/v1/ServiceEntry',
      'networking.istio.io/v1/VirtualService',
      'telemetry.istio.io/v1/Telemetry',
      'v1/Service',
    ]);
  });

  test('the controllers\' CRDs (Argo Rollouts v1.9.1, Flagger v1.44.0) reject what their API servers would', () => {
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' },
      spec: { selector: { matchLabels: { app: 'a' } }, strategy: { canary: { steps: [{ setMirrorRoute: { name: 'm', percentage: '10' } }] } } },
    };
    expect(schemaErrors(rollout)).toEqual([expect.stringMatching(/^Rollout\/r: spec\.strategy\.canary\.steps\[0\]\.setMirrorRoute\.percentage: /)]);
    rollout.spec.strategy.canary.steps = [{ setMirrorRoute: { name: 'm', percentage: 10 } } as any];
    expect(schemaErrors(rollout)).toEqual([]);
    const canary = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'c' }, spec: { analysis: { mirror: true } } };
    expect(schemaErrors(canary).join('\n')).toMatch(/Canary\/c: spec.*targetRef/);
  });

  test('expectValidManifests fails listing each error with kind/name and path', () => {
    const vs = virtualService();
    vs.spec.http[0].mirror.hots = 'x';
    expect(() => expectValidManifests([service(), vs]))
      .toThrow('1 schema error(s) in 2 manifest(s):\n  - VirtualService/httpbin: spec.http[0].mirror: unknown field "hots" (known: host, port, subset)');
  });

  test('accepts int-or-string target ports and quantities as strings or numbers', () => {
    const svc = service();
    svc.spec.ports[0].targetPort = 'http';
    expect(schemaErrors(svc)).toEqual([]);
  });

  test('accepts the Istio 1.30 schema for mirrorPercentage 150: the CRD does not bound it', () => {
    // mirrorPercentage.value is `type: number, format: double` with no minimum/maximum and no CEL rule in Istio 1.30.3,
    // so the API server stores 150; range checks belong in the construct (eagerly) not in this schema check.
    const vs = virtualService();
    vs.spec.http[0].mirrorPercentage = { value: 150 };
    expect(schemaErrors(vs)).toEqual([]);
  });

  test('accepts both mirror and mirrors: no Istio 1.30 CRD rule forbids it', () => {
    const vs = virtualService();
    vs.spec.http[0].mirrors = [{ destination: { host: 'httpbin', subset: 'v2' }, percentage: { value: 10 } }];
    expect(schemaErrors(vs)).toEqual([]);
  });
});

describe('fails on', () => {
  test('an unknown apiVersion or kind, rather than passing silently', () => {
    expect(onlyError({ ...virtualService(), apiVersion: 'networking.istio.io/v1alpha3' }))
      .toMatch(/VirtualService\/httpbin: no schema for apiVersion "networking.istio.io\/v1alpha3" kind "VirtualService"/);
    expect(onlyError({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toMatch(/no schema for apiVersion "v1" kind "ConfigMap"/);
  });

  test('an unknown field in a CRD spec', () => {
    const vs = virtualService();
    vs.spec.http[0].mirrorPercnt = 50;
    expect(onlyError(vs)).toMatch(/^VirtualService\/httpbin: spec\.http\[0\]: unknown field "mirrorPercnt"/);
  });

  test('an unknown field at the top of a custom resource and in its metadata', () => {
    const dr = destinationRule();
    dr.status2 = {};
    dr.metadata.label = { a: 'b' };
    expect(schemaErrors(dr)).toEqual([
      'DestinationRule/httpbin: metadata: unknown field "label" (known: annotations, creationTimestamp, deletionGracePeriodSeconds, deletionTimestamp, '
      + 'finalizers, generateName, generation, labels, managedFields, name, namespace, ownerReferences, resourceVersion, selfLink, uid)',
      'DestinationRule/httpbin: <root>: unknown field "status2" (known: spec, status)',
    ]);
  });

  test('an unknown field in a Kubernetes object', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].port = 80;
    expect(onlyError(d)).toMatch(/^Deployment\/httpbin-v1: spec\.template\.spec\.containers\[0\]: unknown field "port"/);
  });

  test('a wrong type', () => {
    const vs = virtualService();
    vs.spec.http[0].mirrorPercentage.value = '100';
    expect(onlyError(vs)).toBe('VirtualService/httpbin: spec.http[0].mirrorPercentage.value: must be of type number, got string "100"');
    const svc = service();
    svc.spec.ports[0].port = '8000';
    expect(onlyError(svc)).toMatch(/spec\.ports\[0\]\.port: must be of type integer, got string "8000"/);
    svc.spec.ports[0].port = 8000;
    svc.spec.ports[0].targetPort = true;
    expect(onlyError(svc)).toMatch(/spec\.ports\[0\]\.targetPort: must be an integer or a string, got boolean true/);
  });

  test('a null the API server would drop', () => {
    const dr = destinationRule();
    dr.spec.trafficPolicy = null;
    expect(onlyError(dr)).toMatch(/spec\.trafficPolicy: must not be null/);
  });

  test('a missing required field', () => {
    const vs = virtualService();
    delete vs.spec.http[0].mirror.host;
    expect(onlyError(vs)).toBe('VirtualService/httpbin: spec.http[0].mirror: missing required field "host"');
    const dr = destinationRule();
    delete dr.spec.subsets[1].name;
    expect(onlyError(dr)).toBe('DestinationRule/httpbin: spec.subsets[1]: missing required field "name"');
    const gw = gateway();
    delete gw.spec.servers[0].port.name;
    expect(onlyError(gw)).toBe('Gateway/httpbin-gateway: spec.servers[0].port: missing required field "name"');
    const d = deployment();
    delete d.spec.template;
    expect(onlyError(d)).toBe('Deployment/httpbin-v1: spec: missing required field "template"');
  });

  test('a value outside an enum', () => {
    const gw = gateway();
    gw.spec.servers[1].tls.mode = 'SIMPLE_TLS';
    expect(onlyError(gw)).toMatch(/spec\.servers\[1\]\.tls\.mode: must be one of "PASSTHROUGH", "SIMPLE", .*got "SIMPLE_TLS"/);
  });

  test('a number outside minimum/maximum', () => {
    const vs = virtualService();
    vs.spec.http[0].route[0].destination.port.number = -1;
    expect(onlyError(vs)).toMatch(/spec\.http\[0\]\.route\[0\]\.destination\.port\.number: must be >= 0, got -1/);
    vs.spec.http[0].route[0].destination.port.number = 2 ** 32;
    expect(onlyError(vs)).toMatch(/must be <= 4294967295, got 4294967296/);
  });

  test('a format bound (int32)', () => {
    const vs = virtualService();
    vs.spec.http[0].route[0].weight = 2 ** 31;
    expect(onlyError(vs)).toMatch(/spec\.http\[0\]\.route\[0\]\.weight: must fit format int32/);
  });

  test('two members of a oneOf (StringMatch exact and prefix)', () => {
    const vs = virtualService();
    vs.spec.http[0].match = [{ uri: { exact: '/status', prefix: '/' } }];
    expect(onlyError(vs)).toBe('VirtualService/httpbin: spec.http[0].match[0].uri: must match exactly one oneOf branch, matched 2 '
      + '(at most one of exact, prefix, regex may be set; set: exact, prefix)');
  });

  test('a Deployment selector that does not match the template labels', () => {
    const d = deployment();
    d.spec.selector.matchLabels.version = 'v2';
    expect(onlyError(d)).toMatch(/spec\.template\.metadata\.labels: .*`selector` does not match template `labels`/);
    const e = deployment();
    e.spec.selector = { matchExpressions: [{ key: 'version', operator: 'In', values: ['v2'] }] };
    expect(onlyError(e)).toMatch(/`selector` does not match template `labels`/);
    e.spec.selector = { matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }] };
    expect(schemaErrors(e)).toEqual([]);
  });

  test('an empty Deployment selector', () => {
    const d = deployment();
    d.spec.selector = {};
    expect(onlyError(d)).toMatch(/spec\.selector: empty selector is invalid for deployment/);
  });

  test('bad DNS names', () => {
    const d = deployment();
    d.metadata.name = 'httpbin_v1';
    expect(onlyError(d)).toMatch(/^Deployment\/httpbin_v1: metadata\.name: "httpbin_v1" must be a lowercase RFC 1123 subdomain/);
    // A Service name must be an RFC 1035 label: no leading digit, no dots, though a Deployment may have either.
    const svc = service();
    svc.metadata.name = '1httpbin';
    expect(onlyError(svc)).toMatch(/metadata\.name: "1httpbin" must be a lowercase RFC 1035 label/);
    svc.metadata.name = 'httpbin.v1';
    expect(onlyError(svc)).toMatch(/RFC 1035 label/);
    const ok = deployment();
    ok.metadata.name = '1httpbin.v1';
    expect(schemaErrors(ok)).toEqual([]);
    const vs = virtualService();
    vs.metadata.name = 'HttpBin';
    expect(onlyError(vs)).toMatch(/RFC 1123 subdomain/);
    const ns = service();
    ns.metadata.namespace = 'my.namespace';
    expect(onlyError(ns)).toMatch(/metadata\.namespace: "my\.namespace" must be a lowercase RFC 1123 label/);
  });

  test('bad label keys and values', () => {
    const d = deployment();
    d.metadata.labels['app.kubernetes.io/'] = 'x';
    d.metadata.labels.team = 'platform team';
    d.metadata.labels.long = 'x'.repeat(64);
    expect(schemaErrors(d)).toEqual([
      expect.stringMatching(/metadata\.labels: label key "app\.kubernetes\.io\/" name part must consist of/),
      expect.stringMatching(/metadata\.labels\.team: label value "platform team" must be empty or consist of/),
      expect.stringMatching(/metadata\.labels\.long: label value "x+" must be no more than 63 characters, got 64/),
    ]);
  });

  test('Service port names that are missing, duplicated or not DNS labels', () => {
    const svc = service();
    svc.spec.ports.push({ port: 9000, targetPort: 90 });
    expect(onlyError(svc)).toMatch(/spec\.ports\[1\]\.name: required when a service has more than one port/);
    svc.spec.ports[1].name = 'http';
    expect(onlyError(svc)).toMatch(/spec\.ports\[1\]\.name: duplicate port name "http"/);
    svc.spec.ports[1].name = 'HTTP_admin';
    expect(onlyError(svc)).toMatch(/spec\.ports\[1\]\.name: "HTTP_admin" must be a lowercase RFC 1123 label/);
  });

  test('port numbers outside 1-65535', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports[0].containerPort = 70000;
    expect(onlyError(d)).toMatch(/spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: must be between 1 and 65535, inclusive, got 70000/);
    const svc = service();
    svc.spec.ports[0].port = 0;
    svc.spec.ports[0].targetPort = 65536;
    expect(schemaErrors(svc)).toEqual([
      expect.stringMatching(/spec\.ports\[0\]\.port: must be between 1 and 65535/),
      expect.stringMatching(/spec\.ports\[0\]\.targetPort: must be between 1 and 65535/),
    ]);
  });

  test('Kubernetes enums the schema does not carry', () => {
    const svc = service();
    svc.spec.ports[0].protocol = 'HTTP';
    svc.spec.type = 'Internal';
    expect(schemaErrors(svc)).toEqual([
      expect.stringMatching(/spec\.type: unsupported value "Internal", supported values: "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"/),
      expect.stringMatching(/spec\.ports\[0\]\.protocol: unsupported value "HTTP", supported values: "TCP", "UDP", "SCTP"/),
    ]);
  });
});

describe('CEL x-kubernetes-validations of the Istio 1.30 CRDs', () => {
  // Every distinct rule of the five kinds, with a manifest that breaks it. The coverage test below fails when an
  // Istio upgrade adds a rule, so the new rule gets a case here.
  const cases: Array<[string, () => any]> = [
    ["duration(self) >= duration('1ms')", () => {
      const vs = virtualService();
      vs.spec.http[0].timeout = '0.5ms';
      return vs;
    }],
    ['self.all(key, !key.contains("*"))', () => {
      const dr = destinationRule();
      dr.spec.workloadSelector = { matchLabels: { 'app*': 'httpbin' } };
      return dr;
    }],
    ['self.all(key, key.size() != 0)', () => {
      const dr = destinationRule();
      dr.spec.workloadSelector = { matchLabels: { '': 'httpbin' } };
      return dr;
    }],
    ['!self.contains("*")', () => {
      const dr = destinationRule();
      dr.spec.workloadSelector = { matchLabels: { app: 'http*' } };
      return dr;
    }],
    ['(has(self.tlsCertificates) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1', () => {
      const gw = gateway();
      gw.spec.servers[1].tls = { mode: 'SIMPLE', credentialNames: ['a'], tlsCertificates: [{ serverCertificate: 'c', privateKey: 'k' }] };
      return gw;
    }],
    ['(has(self.credentialName) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1', () => {
      const gw = gateway();
      gw.spec.servers[1].tls.credentialNames = ['other-cert'];
      return gw;
    }],
    // Upstream quirk: this rule's message says credentialName/tlsCertificates but it tests credentialNames/tlsCertificates
    // (the same fields as the first rule), so credentialName + tlsCertificates is NOT rejected by the Istio 1.30.3 CRD.
    ['(has(self.credentialNames) ? 1 : 0) + (has(self.tlsCertificates) ? 1 : 0) <= 1', () => {
      const gw = gateway();
      gw.spec.servers[1].tls = { mode: 'SIMPLE', credentialNames: ['a'], tlsCertificates: [{ serverCertificate: 'c', privateKey: 'k' }] };
      return gw;
    }],
    ['(has(self.workloadSelector) ? 1 : 0) + (has(self.endpoints) ? 1 : 0) <= 1', () => {
      const se = serviceEntry();
      se.spec.resolution = 'STATIC';
      se.spec.workloadSelector = { labels: { app: 'httpbin' } };
      se.spec.endpoints = [{ address: '10.0.0.1' }];
      return se;
    }],
    ['!((has(self.addresses) ? self.addresses : []).exists(k, k.contains("/")) && !((has(self.resolution) ? self.resolution : "NONE") in ["STATIC", "NONE"]))', () => {
      const se = serviceEntry();
      se.spec.addresses = ['10.0.0.0/24'];
      return se;
    }],
    ['((has(self.resolution) ? self.resolution : "NONE") == "NONE") ? !has(self.endpoints) : true', () => {
      const se = serviceEntry();
      se.spec.resolution = 'NONE';
      se.spec.endpoints = [{ address: '10.0.0.1' }];
      return se;
    }],
    ['((has(self.resolution) ? self.resolution : "") == "DNS_ROUND_ROBIN") ? ((has(self.endpoints) ? self.endpoints : []).size() <= 1) : true', () => {
      const se = serviceEntry();
      se.spec.resolution = 'DNS_ROUND_ROBIN';
      se.spec.endpoints = [{ address: 'a.example.com' }, { address: 'b.example.com' }];
      return se;
    }],
    ['has(self.address) || has(self.network)', () => {
      const se = serviceEntry();
      se.spec.endpoints = [{ ports: { https: 8443 } }];
      return se;
    }],
    ['(has(self.address) ? self.address : "").startsWith("unix://") ? !has(self.ports) : true', () => {
      const se = serviceEntry();
      se.spec.resolution = 'STATIC';
      se.spec.endpoints = [{ address: 'unix:///var/run/sock', ports: { https: 8443 } }];
      return se;
    }],
    ['self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true', () => {
      const se = serviceEntry();
      se.spec.resolution = 'STATIC';
      se.spec.endpoints = [{ address: 'unix://relative/sock' }];
      return se;
    }],
    ['self.startsWith("unix://") ? !self.endsWith("/") : true', () => {
      const se = serviceEntry();
      se.spec.resolution = 'STATIC';
      se.spec.endpoints = [{ address: 'unix:///var/run/' }];
      return se;
    }],
    ['self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))', () => {
      const se = serviceEntry();
      se.spec.resolution = 'STATIC';
      se.spec.endpoints = [{ address: '10.0.0.1', ports: { 'https_': 8443 } }];
      return se;
    }],
    ['0 < self && self <= 65535', () => {
      const se = serviceEntry();
      se.spec.ports[0].number = 70000;
      return se;
    }],
    ['self != "*"', () => {
      const se = serviceEntry();
      se.spec.hosts = ['*'];
      return se;
    }],
    ['self.all(l1, self.exists_one(l2, l1.number == l2.number))', () => {
      const se = serviceEntry();
      se.spec.ports.push({ number: 443, name: 'https-2', protocol: 'HTTPS' });
      return se;
    }],
    ['!self.contains("*")', () => {
      const se = serviceEntry();
      se.spec.resolution = 'STATIC';
      se.spec.workloadSelector = { labels: { app: 'http*' } };
      return se;
    }],
    // Telemetry (telemetry.istio.io/v1): its selector shares the three label rules above with the DestinationRule's.
    ['(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1', () => {
      const t = telemetry();
      t.spec.targetRefs = [{ kind: 'Service', group: '', name: 'httpbin' }];
      return t;
    }],
    ['self.size() == 0', () => {
      const t = telemetry();
      delete t.spec.selector;
      t.spec.targetRefs = [{ kind: 'Service', group: '', name: 'httpbin', namespace: 'other' }];
      return t;
    }],
    ['((has(self.operation) ? self.operation : "") == "UPSERT") ? (self.value != "") : true', () => {
      const t = telemetry();
      t.spec.metrics = [{ overrides: [{ tagOverrides: { request_host: { operation: 'UPSERT', value: '' } } }] }];
      return t;
    }],
    ['((has(self.operation) ? self.operation : "") == "REMOVE") ? !has(self.value) : true', () => {
      const t = telemetry();
      t.spec.metrics = [{ overrides: [{ tagOverrides: { request_host: { operation: 'REMOVE', value: 'x' } } }] }];
      return t;
    }],
    ["duration(self) >= duration('1ms')", () => {
      const t = telemetry();
      t.spec.metrics = [{ reportingInterval: '0.5ms' }];
      return t;
    }],
    ['!self.contains("*")', () => {
      const t = telemetry();
      t.spec.selector.matchLabels.version = 'v*';
      return t;
    }],
  ];

  test('every rule in the extracted schemas has a case here', () => {
    const schemaFiles = ['istio-networking-v1.json', 'istio-telemetry-v1.json']
      .map(file => JSON.parse(fs.readFileSync(path.join(__dirname, 'schemas', file), 'utf8')));
    const rules = new Set<string>();
    const visit = (node: any) => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (node === null || typeof node !== 'object') return;
      for (const r of node['x-kubernetes-validations'] ?? []) rules.add(r.rule);
      Object.values(node).forEach(visit);
    };
    schemaFiles.forEach(f => visit(f.kinds));
    expect([...new Set(cases.map(([rule]) => rule))].sort()).toEqual([...rules].sort());
  });

  test.each(cases)('fires: %s', (rule, make) => {
    const manifest = make();
    const failing = appliedRules(manifest).filter(r => !r.passed).map(r => r.rule);
    expect(failing).toContain(rule);
    expect(schemaErrors(manifest).join('\n')).toContain(`[x-kubernetes-validations rule: ${rule}]`);
  });

  test('a duration that CEL cannot parse is an error, as on the API server', () => {
    const vs = virtualService();
    vs.spec.http[0].timeout = '1d';
    expect(onlyError(vs)).toMatch(/spec\.http\[0\]\.timeout: must be a valid duration greater than 1ms .*evaluation error/);
    vs.spec.http[0].timeout = '1h30m';
    expect(schemaErrors(vs)).toEqual([]);
  });

  test('reports the rules that apply to the fields a manifest sets', () => {
    expect(appliedRules(gateway())).toEqual([
      expect.objectContaining({ path: 'spec.servers[0].tls', passed: true, message: 'only one of credentialNames or tlsCertificates can be set' }),
      expect.objectContaining({ path: 'spec.servers[0].tls', passed: true, message: 'only one of credentialName or credentialNames can be set' }),
      expect.objectContaining({ path: 'spec.servers[0].tls', passed: true, message: 'only one of credentialName or tlsCertificates can be set' }),
      expect.objectContaining({ path: 'spec.servers[1].tls', passed: true }),
      expect.objectContaining({ path: 'spec.servers[1].tls', passed: true }),
      expect.objectContaining({ path: 'spec.servers[1].tls', passed: true }),
    ]);
    // No rule guards any field of the mirroring VirtualService.
    expect(appliedRules(virtualService())).toEqual([]);
  });
});

describe('committed schemas', () => {
  test('record their source', () => {
    for (const file of ['istio-networking-v1.json', 'istio-telemetry-v1.json']) {
      const istio = JSON.parse(fs.readFileSync(path.join(__dirname, 'schemas', file), 'utf8'));
      expect(istio.source).toMatchObject({ istioVersion: '1.30.3', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
    const k8s = JSON.parse(fs.readFileSync(path.join(__dirname, 'schemas', 'kubernetes-v1.json'), 'utf8'));
    expect(k8s.source).toMatchObject({ kubernetesVersion: '1.33', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
