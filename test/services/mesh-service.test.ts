import { ApiObject, Chart, Testing } from 'cdk8s';
import { ServiceSubsets } from '../../src/istio/service-subsets';
import { MeshService } from '../../src/services/mesh-service';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';

/** Versions of `app`, listening on `containerPort` (null: declaring no port). */
function versions(chart: Chart, app = 'httpbin', names = ['v1', 'v2'], containerPort: number | null = 80): ServiceVersion[] {
  return names.map(v => new ServiceVersion(chart, `${app}-${v}`, {
    app, version: v, image: 'docker.io/kennethreitz/httpbin', containerPort: containerPort ?? undefined,
  }));
}

/** The one object of a kind (and name, if given) among the manifests. */
function only(manifests: any[], kind: string, name?: string): any {
  const found = manifests.filter(m => m.kind === kind && (name === undefined || m.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0];
}

/** Whether every label of the selector is on the labels (an empty selector selects nothing here). */
function selects(selector: { [key: string]: string }, labels: { [key: string]: string }): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('MeshService', () => {
  test('is the Service object itself: one construct, with its version Services and subsets as children written after it', () => {
    const chart = Testing.chart();
    const service = new MeshService(chart, 'httpbin', { port: 8000, versions: versions(chart), versionServices: true });
    ServiceSubsets.forService(service);
    expect(service).toBeInstanceOf(ApiObject);
    expect(service.service).toBe(service);
    expect(ApiObject.of(service)).toBe(service);
    expect([service.kind, service.name, service.node.path]).toEqual(['Service', 'httpbin', 'test/httpbin']);
    expect(service.node.children.map(c => c.node.id)).toEqual(['version-v1', 'version-v2', 'DestinationRule']);
    expect(Testing.synth(chart).map(m => `${m.kind}/${m.metadata.name}`)).toEqual(['Deployment/httpbin-v1', 'Deployment/httpbin-v2',
      'Service/httpbin', 'Service/httpbin-v1', 'Service/httpbin-v2', 'DestinationRule/httpbin']);
  });

  test('instanceof MeshService is true for a MeshService only, not for any ApiObject (as cdk8s answers for ApiObject)', () => {
    const chart = Testing.chart();
    const service = new MeshService(chart, 'httpbin', { app: 'httpbin' });
    const plain = new ApiObject(chart, 'plain', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'plain' } });
    expect(service instanceof MeshService).toBe(true);
    expect(service instanceof ApiObject).toBe(true);
    expect(plain instanceof MeshService).toBe(false);
    expect(MeshService.fromServiceAttributes(chart, 'other', { name: 'other' }) instanceof MeshService).toBe(false);
  });

  test('errors raised before the Service exists name the service\'s path all the same', () => {
    const chart = Testing.chart();
    expect(() => new MeshService(chart, 'httpbin', { app: 'httpbin', port: 70000 })).toThrow(/^test\/httpbin: port must be/);
    expect(() => new MeshService(new Chart(chart, 'team'), 'web', {})).toThrow(/^test\/team\/web: app is required when no versions are given/);
  });

  test('a Service selecting the app and, with the Istio flavor\'s subsets, a DestinationRule with one subset per version', () => {
    const chart = Testing.chart();
    const vs = versions(chart);
    const service = new MeshService(chart, 'httpbin', { port: 8000, versions: vs });
    // What a MirrorRoute adds when it first addresses a version (test/istio/service-subsets.test.ts).
    ServiceSubsets.forService(service);
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`))
      .toEqual(['Deployment/httpbin-v1', 'Deployment/httpbin-v2', 'Service/httpbin', 'DestinationRule/httpbin']);
    const svc = only(manifests, 'Service');
    const dr = only(manifests, 'DestinationRule');
    expect([svc, dr]).toMatchSnapshot();
    // The name defaults to the app; the DestinationRule is named after the Service and addresses it.
    expect(service.serviceName).toBe('httpbin');
    expect(svc.metadata).toEqual({ name: service.serviceName, labels: { app: 'httpbin' } });
    expect(dr.metadata).toEqual({ name: service.serviceName });
    expect(dr.spec.host).toBe(service.serviceName);
    // The Service forwards its port to the versions' container port and selects the pods of every version ...
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 80, protocol: 'TCP' }]);
    expect(svc.spec.ports[0].targetPort).toBe(vs[0].containerPort);
    expect(svc.spec.selector).toEqual({ app: 'httpbin' });
    for (const v of vs) {
      expect(selects(svc.spec.selector, v.podLabels)).toBe(true);
    }
    // ... and each subset, named after its version, selects that version's pods and no other's.
    expect(dr.spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]);
    for (const subset of dr.spec.subsets) {
      expect(vs.filter(v => selects({ ...svc.spec.selector, ...subset.labels }, v.podLabels)).map(v => v.version)).toEqual([subset.name]);
    }
    expect(service.versionNames).toEqual(['v1', 'v2']);
    expect(service.portNumbers).toEqual([8000]);
    expectValidManifests(manifests);
  });

  test('defaults: port 80 named http, name from the app, chart namespace', () => {
    const chart = Testing.chart();
    const ns = new Chart(chart, 'ns', { namespace: 'shop' });
    const service = new MeshService(ns, 'svc', { versions: versions(ns, 'orders', ['v1'], null) });
    ServiceSubsets.forService(service);
    expect(service.serviceName).toBe('orders');
    expect(service.namespace).toBe('shop');
    const manifests = Testing.synth(ns);
    const svc = only(manifests, 'Service', 'orders');
    expect(svc.metadata.namespace).toBe('shop');
    expect(only(manifests, 'DestinationRule', 'orders').metadata.namespace).toBe('shop');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }]);
  });

  test('several ports, each with its Istio protocol prefix', () => {
    const chart = Testing.chart();
    const service = new MeshService(chart, 'api', {
      app: 'api',
      ports: [{ name: 'http', port: 8080 }, { name: 'grpc-api', port: 9090, targetPort: 9091 }, { name: 'udp-dns', port: 53 }],
      versions: versions(chart, 'api', ['v1'], null),
    });
    const svc = Testing.synth(chart).find(m => m.kind === 'Service');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort, p.protocol]))
      .toEqual([['http', 8080, 8080, 'TCP'], ['grpc-api', 9090, 9091, 'TCP'], ['udp-dns', 53, 53, 'UDP']]);
    expect(service.portNumbers).toEqual([8080, 9090, 53]);
  });

  test('fails when a Service port forwards to a port no version\'s container exposes (deferred: versions may come later)', () => {
    const chart = Testing.chart();
    new MeshService(chart, 'api', { app: 'api', ports: [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090, targetPort: 9000 }], versions: versions(chart, 'api', ['v1'], 9000) });
    // ports[0] has no targetPort, so it forwards to 8080, where nothing listens; ports[1] forwards to the container's 9000.
    expect(() => Testing.synth(chart)).toThrow('[test/api] port http (8080) forwards to targetPort 8080, which no version\'s container exposes '
      + '(v1: 9000): set ports[0].targetPort to the port the containers listen on');
    const single = Testing.chart();
    new MeshService(single, 'api', { app: 'api', port: 8000, targetPort: 8080, versions: versions(single, 'api', ['v1', 'v2'], 80) });
    expect(() => Testing.synth(single)).toThrow('[test/api] port http (8000) forwards to targetPort 8080, which no version\'s container exposes '
      + '(v1: 80; v2: 80): set targetPort to the port the containers listen on');
    // A version that declares no port is not judged: its container may listen on a port it does not declare.
    const undeclared = Testing.chart();
    new MeshService(undeclared, 'api', { app: 'api', port: 8000, targetPort: 8080, versions: versions(undeclared, 'api', ['v1'], null) });
    expect(() => Testing.synth(undeclared)).not.toThrow();
  });

  test('addVersion adds a subset', () => {
    const chart = Testing.chart();
    const [v1, v2] = versions(chart);
    const service = new MeshService(chart, 'httpbin', { versions: [v1] });
    ServiceSubsets.forService(service);
    service.addVersion(v2);
    expect(Testing.synth(chart).find(m => m.kind === 'DestinationRule').spec.subsets.map((s: any) => s.name)).toEqual([v1.version, v2.version]);
  });

  test('fromServiceAttributes refers to a service defined elsewhere', () => {
    const chart = Testing.chart();
    const ref = MeshService.fromServiceAttributes(chart, 'ref', { name: 'payments', namespace: 'billing', ports: [8443], versions: ['v1'] });
    expect([ref.serviceName, ref.namespace, ref.portNumbers, ref.versionNames]).toEqual(['payments', 'billing', [8443], ['v1']]);
    expect(Testing.synth(chart)).toEqual([]);
    const unknown = MeshService.fromServiceAttributes(chart, 'unknown', { name: 'other' });
    expect([unknown.portNumbers, unknown.versionNames]).toEqual([undefined, undefined]);
  });

  test.each([
    ['web', /^test\/s: port name "web" does not tell Istio its protocol/],
    ['httpx', /^test\/s: port name "httpx" does not tell Istio its protocol/],
    ['HTTP', /^test\/s: ports\[0\]\.name must be a DNS label .*got "HTTP"$/],
    ['http_api', /^test\/s: ports\[0\]\.name must be a DNS label .*got "http_api"$/],
  ])('fails when a port name %p is not <protocol>[-<suffix>]', (name, message) => {
    const chart = Testing.chart();
    expect(() => new MeshService(chart, 's', { app: 'a', ports: [{ name, port: 80 }] })).toThrow(message);
  });

  test('fails when a port name has no Istio protocol prefix (message)', () => {
    const chart = Testing.chart();
    expect(() => new MeshService(chart, 's', { app: 'a', portName: 'web' })).toThrow(/port name "web" does not tell Istio its protocol: name it <protocol>\[-<suffix>\]/);
  });

  test('fails when no app is given', () => {
    expect(() => new MeshService(Testing.chart(), 's')).toThrow(/app is required when no versions are given/);
  });

  // The API server's ValidateServiceName: an RFC 1035 label, so a leading digit (fine in other object names) is rejected.
  test.each([['Httpbin'], ['http_bin'], ['a'.repeat(64)], ['1api'], ['-api'], ['api-']])('fails when the name %p is not a Service name', (name) => {
    expect(() => new MeshService(Testing.chart(), 's', { app: 'a', name })).toThrow(
      `test/s: name must be a Service name: an RFC 1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters), got ${JSON.stringify(name)}`);
  });

  test('fails when the namespace is not a DNS label', () => {
    expect(() => new MeshService(Testing.chart(), 's', { app: 'a', namespace: 'Team' })).toThrow(/namespace must be a DNS label/);
  });

  test.each([0, 65536, 80.5])('fails when the port is %p', (port) => {
    expect(() => new MeshService(Testing.chart(), 's', { app: 'a', port })).toThrow(/must be an integer port number between 1 and 65535/);
  });

  test('fails when ports is combined with port', () => {
    expect(() => new MeshService(Testing.chart(), 's', { app: 'a', port: 80, ports: [{ name: 'http', port: 80 }] })).toThrow(/ports cannot be combined with port/);
  });

  test('fails when ports is empty', () => {
    expect(() => new MeshService(Testing.chart(), 's', { app: 'a', ports: [] })).toThrow(/ports must list at least one port/);
  });

  test('fails when a port is listed twice', () => {
    expect(() => new MeshService(Testing.chart(), 's', { app: 'a', ports: [{ name: 'http', port: 80 }, { name: 'http-2', port: 80 }] }))
      .toThrow(/is listed twice/);
  });

  test('fails when a version has another app', () => {
    const chart = Testing.chart();
    const [other] = versions(chart, 'other', ['v1']);
    const service = new MeshService(chart, 's', { app: 'httpbin' });
    expect(() => service.addVersion(other)).toThrow(/has app label "other", but this service selects app "httpbin"/);
  });

  test('fails when a version is attached twice', () => {
    const chart = Testing.chart();
    const [v1] = versions(chart, 'httpbin', ['v1']);
    const service = new MeshService(chart, 's', { versions: [v1] });
    expect(() => service.addVersion(v1)).toThrow(/version "v1" is already attached/);
  });

  test('fails when the service has no versions (deferred)', () => {
    const chart = Testing.chart();
    new MeshService(chart, 's', { app: 'httpbin' });
    expect(() => Testing.synth(chart)).toThrow(/service httpbin has no versions/);
  });

  test('fails when versions listen on different container ports (deferred)', () => {
    const chart = Testing.chart();
    const v1 = new ServiceVersion(chart, 'v1', { app: 'a', version: 'v1', image: 'x/a:1', containerPort: 80 });
    const v2 = new ServiceVersion(chart, 'v2', { app: 'a', version: 'v2', image: 'x/a:2', containerPort: 8080 });
    new MeshService(chart, 's', { versions: [v1, v2] });
    expect(() => Testing.synth(chart)).toThrow(/listen on different container ports \(80, 8080\): set targetPort/);
  });

  test('fails when a version is in another namespace (deferred)', () => {
    const chart = Testing.chart();
    const other = new Chart(chart, 'other', { namespace: 'other' });
    const [v1] = versions(other, 'httpbin', ['v1']);
    const ns = new Chart(chart, 'ns', { namespace: 'shop' });
    new MeshService(ns, 's', { versions: [v1] });
    expect(() => Testing.synth(ns)).toThrow(/version v1 is in namespace other but the service is in shop/);
  });

  test.each(['v1.2', 'V2_beta', 'V2'])('fails when version %p, a valid label value, is attached: it is not a subset name', version => {
    const chart = Testing.chart();
    const v = new ServiceVersion(chart, 'v', { app: 'httpbin', version, name: 'httpbin-next', image: 'docker.io/kennethreitz/httpbin' });
    expect(v.version).toBe(version); // fine on the Deployment itself
    expect(() => new MeshService(chart, 's', { versions: [v] }))
      .toThrow(new RegExp(`^test/s: version "${version}" cannot be attached: its version label becomes a DestinationRule subset name \\(Istio\\) and part of a Service name \\(Gateway API\\), which must be a DNS label`));
    const service = new MeshService(chart, 's2', { app: 'httpbin' });
    expect(() => service.addVersion(v)).toThrow(/give the version a label such as "v/);
  });

  test('suggests a DNS-label form of the version', () => {
    const chart = Testing.chart();
    const v = new ServiceVersion(chart, 'v', { app: 'httpbin', version: 'v1.2', name: 'httpbin-v1-2', image: 'docker.io/kennethreitz/httpbin' });
    expect(() => new MeshService(chart, 's', { versions: [v] })).toThrow(/such as "v1-2"/);
  });

  test('ports whose names Istio cannot read are rejected like IST0118 reports them, well-known TCP ports aside', () => {
    const chart = Testing.chart();
    expect(() => new MeshService(chart, 'a', { app: 'db', ports: [{ name: 'db', port: 5432 }] }))
      .toThrow(/port name "db" does not tell Istio its protocol.*tcp, udp, grpc, grpc-web, http, http2, https, tls, mongo, redis, mysql.*only ports 25, 53, 3306, 27017/);
    // Istio treats these as TCP by number, and the analyzer does not report them.
    const mysql = new MeshService(chart, 'b', { app: 'db', ports: [{ name: 'db', port: 3306 }] });
    expect(mysql.portNumbers).toEqual([3306]);
    // grpc-web is read from the name's start, as Istio does, even without a '-' after it.
    expect(new MeshService(chart, 'c', { app: 'web', ports: [{ name: 'grpc-webui', port: 8080 }] }).portNumbers).toEqual([8080]);
  });

  test('fails when imported attributes are invalid', () => {
    expect(() => MeshService.fromServiceAttributes(Testing.chart(), 'r', { name: 'Bad_Name' })).toThrow(/name must be a Service name/);
    expect(() => MeshService.fromServiceAttributes(Testing.chart(), 'r', { name: '1api' })).toThrow(/name must be a Service name/);
    expect(() => MeshService.fromServiceAttributes(Testing.chart(), 'r', { name: 'ok', ports: [0] })).toThrow(/ports must be an integer port number/);
  });

  describe('for the Kubernetes Gateway API', () => {
    const versions = (chart: any) => ['v1', 'v2'].map(v => new ServiceVersion(chart, `httpbin-${v}`, {
      app: 'httpbin', version: v, image: 'docker.io/kennethreitz/httpbin', containerPort: 80,
    }));

    test('versionServices writes one Service per version, selecting exactly {app, version}, with the service\'s ports', () => {
      const chart = Testing.chart();
      const service = new MeshService(chart, 'httpbin', { port: 8000, versions: versions(chart), versionServices: true });
      service.addVersion(new ServiceVersion(chart, 'httpbin-v3', { app: 'httpbin', version: 'v3', image: 'docker.io/kennethreitz/httpbin', containerPort: 80 }));
      const services = Testing.synth(chart).filter(m => m.kind === 'Service');
      expect(services.map(s => [s.metadata.name, s.spec.selector, s.spec.ports])).toEqual([
        ['httpbin', { app: 'httpbin' }, [{ name: 'http', port: 8000, targetPort: 80, protocol: 'TCP' }]],
        ...['v1', 'v2', 'v3'].map(v => [`httpbin-${v}`, { app: 'httpbin', version: v }, [{ name: 'http', port: 8000, targetPort: 80, protocol: 'TCP' }]]),
      ]);
      expect(['v1', 'v3', 'v9'].map(v => service.versionServiceName(v))).toEqual(['httpbin-v1', 'httpbin-v3', 'httpbin-v9']);
      expect(new MeshService(chart, 'other', { app: 'other' }).versionServiceName('v1')).toBeUndefined();
    });

    test('a MeshService alone writes no DestinationRule: that is what the Istio flavor adds (ServiceSubsets)', () => {
      const chart = Testing.chart();
      const service = new MeshService(chart, 'httpbin', { port: 8000, versions: versions(chart), versionServices: true });
      expect(Testing.synth(chart).map(m => m.kind)).toEqual(['Deployment', 'Deployment', 'Service', 'Service', 'Service']);
      expect(service.versionNames).toEqual(['v1', 'v2']);
    });

    test('fails when a version Service name clashes with another Service of the app, or is no Service name', () => {
      const chart = Testing.chart();
      new MeshService(chart, 'httpbin', { port: 8000, versions: versions(chart), versionServices: true });
      new MeshService(chart, 'clash', { name: 'httpbin-v1', app: 'other' });
      expect(() => Testing.synth(chart)).toThrow(/\[test\/httpbin\] the Service of version v1 is named httpbin-v1 \(<service>-<version>\), but test\/clash also defines a Service default\/httpbin-v1/);
      const long = Testing.chart();
      const v = new ServiceVersion(long, 'v', { app: 'a'.repeat(60), version: 'v1234', image: 'x', name: 'd' });
      expect(() => new MeshService(long, 's', { versions: [v], versionServices: true })).toThrow(/would be named "a{60}-v1234" \(<service>-<version>\), which is not a Service name/);
      // A refused version is not kept: the DestinationRule gets no subset for it.
      const service = new MeshService(long, 'kept', { app: 'a'.repeat(60), versionServices: true });
      expect(() => service.addVersion(v)).toThrow(/which is not a Service name/);
      expect(service.versionNames).toEqual([]);
    });
  });
});
