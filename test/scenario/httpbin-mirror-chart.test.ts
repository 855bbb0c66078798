import { ApiObject, Testing } from 'cdk8s';
import { IstioGateway } from '../../src/istio/istio-gateway';
import { MirrorRoute } from '../../src/istio/mirror-route';
import { ServiceSubsets } from '../../src/istio/service-subsets';
import { HttpbinMirrorChart, HttpbinMirrorChartProps, MeshApi } from '../../src/scenario/httpbin-mirror-chart';
import { expectValidManifests } from '../support/schema';

function synth(props: HttpbinMirrorChartProps = {}): { chart: HttpbinMirrorChart; manifests: any[] } {
  const chart = new HttpbinMirrorChart(Testing.app(), 'test', props);
  return { chart, manifests: Testing.synth(chart) };
}

function only(manifests: any[], kind: string, name?: string): any {
  const found = manifests.filter(m => m.kind === kind && (name === undefined || m.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0];
}

function selects(selector: { [key: string]: string }, labels: { [key: string]: string }): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/**
 * Asserts that every object is in `namespace` (undefined: none set, so all go to the namespace kubectl applies to)
 * and that every name, label, port and host the objects refer to resolves to exactly one object of the chart.
 */
function expectReferencesResolve(manifests: any[], namespace: string | undefined): void {
  const vs = only(manifests, 'VirtualService');
  const gateway = only(manifests, 'Gateway');
  const services = manifests.filter(m => m.kind === 'Service');
  const rules = manifests.filter(m => m.kind === 'DestinationRule');
  const deployments = manifests.filter(m => m.kind === 'Deployment');
  const telemetry = only(manifests, 'Telemetry');

  // Every object lives in the one expected namespace, so short names resolve.
  expect(manifests).toHaveLength(7);
  for (const m of manifests) {
    expect(m.metadata.namespace).toBe(namespace);
  }
  // Each Deployment selects its own pods, and only by {app, version}.
  for (const d of deployments) {
    const labels = d.spec.template.metadata.labels;
    expect(d.spec.selector.matchLabels).toEqual({ app: labels.app, version: labels.version });
  }

  // The route is bound to the gateway by its name, and the gateway serves every host of the route.
  expect(vs.spec.gateways).toEqual([gateway.metadata.name]);
  expect(vs.spec.hosts.length).toBeGreaterThan(0);
  expect(gateway.spec.servers.length).toBeGreaterThan(0);
  for (const host of vs.spec.hosts) {
    for (const server of gateway.spec.servers) {
      expect(server.hosts).toContain(host);
    }
  }

  const rule = vs.spec.http;
  expect(rule).toHaveLength(1);
  expect(rule[0].route.length).toBeGreaterThan(0);
  const destinations = [...rule[0].route.map((r: any) => r.destination), ...(rule[0].mirror ? [rule[0].mirror] : [])];
  for (const destination of destinations) {
    const service = only(services, 'Service', destination.host);
    // An empty selector would make `selects` match every Deployment (and a Service without one selects no pods at all).
    expect(Object.keys(service.spec.selector).length).toBeGreaterThan(0);
    const dr = only(rules, 'DestinationRule', destination.host);
    expect(dr.spec.host).toBe(service.metadata.name);
    const servicePort = service.spec.ports.find((p: any) => p.port === destination.port.number);
    expect(servicePort).toBeDefined();
    const subset = dr.spec.subsets.find((s: any) => s.name === destination.subset);
    expect(subset).toBeDefined();
    // The Service selector plus the subset labels pick the pods of exactly one Deployment ...
    const selected = deployments.filter(d => selects({ ...service.spec.selector, ...subset.labels }, d.spec.template.metadata.labels));
    expect(selected).toHaveLength(1);
    // ... and the Service forwards to the port its container listens on.
    const containerPorts = selected[0].spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
    expect(containerPorts).toContain(servicePort.targetPort);
  }

  // The access logging selects the pods of exactly one Deployment, the mirrored version's (a Telemetry selects in its namespace).
  const logged = deployments.filter(d => selects(telemetry.spec.selector.matchLabels, d.spec.template.metadata.labels));
  expect(logged.map(d => d.metadata.name)).toEqual(['httpbin-v2']);
}

describe('HttpbinMirrorChart', () => {
  describe('stage 2 (default): route to v1 and mirror 100% to v2', () => {
    test('matches the snapshot', () => {
      expect(synth().manifests).toMatchSnapshot();
    });

    test('synthesizes exactly the objects of the reference scenario, by kind and name', () => {
      const { manifests } = synth();
      expect(manifests.map(m => `${m.apiVersion}/${m.kind}/${m.metadata.name}`)).toEqual([
        'apps/v1/Deployment/httpbin-v1',
        'apps/v1/Deployment/httpbin-v2',
        'v1/Service/httpbin',
        'networking.istio.io/v1/DestinationRule/httpbin',
        'networking.istio.io/v1/Gateway/httpbin-gateway',
        'networking.istio.io/v1/VirtualService/httpbin',
        'telemetry.istio.io/v1/Telemetry/httpbin-v2-access-logs',
      ]);
      for (const m of manifests) {
        expect(m.metadata.namespace).toBeUndefined();
      }
    });

    test.each(['v1', 'v2'])('renders the reference httpbin-%s Deployment', version => {
      const deployment = only(synth().manifests, 'Deployment', `httpbin-${version}`);
      expect(deployment.metadata.labels).toEqual({ app: 'httpbin', version });
      expect(deployment.spec.replicas).toBe(1);
      expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'httpbin', version } });
      expect(deployment.spec.template.metadata.labels).toEqual({ app: 'httpbin', version });
      const containers = deployment.spec.template.spec.containers;
      expect(containers).toHaveLength(1);
      expect(containers[0]).toMatchObject({
        name: 'httpbin',
        image: 'docker.io/kennethreitz/httpbin',
        imagePullPolicy: 'IfNotPresent',
        command: ['gunicorn', '--access-logfile', '-', '-b', '0.0.0.0:80', 'httpbin:app'],
        ports: [{ containerPort: 80 }],
        securityContext: { runAsNonRoot: false, readOnlyRootFilesystem: false, allowPrivilegeEscalation: false, privileged: false },
      });
      expect(containers[0].args).toBeUndefined();
    });

    test('renders the reference Service', () => {
      const service = only(synth().manifests, 'Service', 'httpbin');
      expect(service.metadata).toEqual({ name: 'httpbin', labels: { app: 'httpbin' } });
      expect(service.spec).toEqual({
        selector: { app: 'httpbin' },
        ports: [{ name: 'http', port: 8000, targetPort: 80, protocol: 'TCP' }],
      });
    });

    test('renders the reference DestinationRule', () => {
      const dr = only(synth().manifests, 'DestinationRule', 'httpbin');
      expect(dr.spec).toEqual({
        host: 'httpbin',
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' } },
        ],
      });
    });

    test('renders the reference Gateway', () => {
      const gateway = only(synth().manifests, 'Gateway', 'httpbin-gateway');
      expect(gateway.spec).toEqual({
        selector: { istio: 'ingressgateway' },
        servers: [
          { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['httpbin.example.com'], tls: { httpsRedirect: true } },
          {
            port: { number: 443, name: 'https', protocol: 'HTTPS' },
            hosts: ['httpbin.example.com'],
            tls: { mode: 'SIMPLE', credentialName: 'bookinfo-credential' },
          },
        ],
      });
    });

    test('renders the reference VirtualService, mirroring 100% to v2 with an explicit port', () => {
      const vs = only(synth().manifests, 'VirtualService', 'httpbin');
      expect(vs.spec).toEqual({
        hosts: ['httpbin.example.com'],
        gateways: ['httpbin-gateway'],
        http: [{
          route: [{ destination: { host: 'httpbin', subset: 'v1', port: { number: 8000 } }, weight: 100 }],
          mirror: { host: 'httpbin', subset: 'v2', port: { number: 8000 } },
          mirrorPercentage: { value: 100 },
        }],
      });
    });

    test('renders the reference Telemetry: Envoy access logs for httpbin-v2, the mirrored version', () => {
      const telemetry = only(synth().manifests, 'Telemetry', 'httpbin-v2-access-logs');
      expect(telemetry).toEqual({
        apiVersion: 'telemetry.istio.io/v1',
        kind: 'Telemetry',
        metadata: { name: 'httpbin-v2-access-logs' },
        spec: {
          selector: { matchLabels: { app: 'httpbin', version: 'v2' } },
          accessLogging: [{ providers: [{ name: 'envoy' }] }],
        },
      });
    });

    test('every reference resolves', () => {
      expectReferencesResolve(synth().manifests, undefined);
    });

    test.each([
      ['the mirror subset is missing', (m: any[]) => { only(m, 'DestinationRule').spec.subsets.pop(); }],
      ['the targetPort is not the container port', (m: any[]) => { only(m, 'Service').spec.ports[0].targetPort = 8080; }],
      ['the gateway name differs', (m: any[]) => { only(m, 'Gateway').metadata.name = 'other-gateway'; }],
      ['the gateway does not serve the host', (m: any[]) => { only(m, 'Gateway').spec.servers[1].hosts = ['other.example.com']; }],
      ['a subset selects both versions', (m: any[]) => { only(m, 'DestinationRule').spec.subsets[0].labels = {}; }],
      ['the route port is not a Service port', (m: any[]) => { only(m, 'VirtualService').spec.http[0].route[0].destination.port.number = 80; }],
      ['an object is in another namespace', (m: any[]) => { only(m, 'Service').metadata.namespace = 'other'; }],
      ['a Deployment does not select its own pods', (m: any[]) => { only(m, 'Deployment', 'httpbin-v2').spec.selector.matchLabels.version = 'v1'; }],
      ['the route has no destination', (m: any[]) => { only(m, 'VirtualService').spec.http[0].route = []; }],
      ['the Service selects every pod', (m: any[]) => { only(m, 'Service').spec.selector = {}; }],
      ['the Telemetry selects the primary', (m: any[]) => { only(m, 'Telemetry').spec.selector.matchLabels.version = 'v1'; }],
      ['the Telemetry selects both versions', (m: any[]) => { delete only(m, 'Telemetry').spec.selector.matchLabels.version; }],
      ['the Telemetry is in another namespace', (m: any[]) => { only(m, 'Telemetry').metadata.namespace = 'other'; }],
    ])('the reference check itself catches it when %s', (_, breakIt) => {
      const { manifests } = synth();
      breakIt(manifests);
      expect(() => expectReferencesResolve(manifests, undefined)).toThrow();
    });

    test('the reference check itself catches objects outside the expected namespace', () => {
      expect(() => expectReferencesResolve(synth().manifests, 'mirroring')).toThrow();
    });

    test('every object is valid against the Kubernetes and Istio schemas', () => {
      expectValidManifests(synth().manifests);
    });

    test('exposes its constructs: the reference attributes, and each construct\'s object is the one synthesized', () => {
      const { chart, manifests } = synth();
      expect([chart.v1.version, chart.v1.deploymentName, chart.v1.podLabels]).toEqual(['v1', 'httpbin-v1', { app: 'httpbin', version: 'v1' }]);
      expect([chart.v2.version, chart.v2.deploymentName, chart.v2.podLabels]).toEqual(['v2', 'httpbin-v2', { app: 'httpbin', version: 'v2' }]);
      expect([chart.service.serviceName, chart.service.versionNames, chart.service.portNumbers]).toEqual(['httpbin', ['v1', 'v2'], [8000]]);
      expect([chart.gateway.gatewayName, chart.gateway.hosts]).toEqual(['httpbin-gateway', ['httpbin.example.com']]);
      expect([chart.route.routeName, chart.route.hosts, chart.route.mirrorPercent]).toEqual(['httpbin', ['httpbin.example.com'], 100]);
      expect(ApiObject.of(chart.v1).toJson()).toEqual(only(manifests, 'Deployment', 'httpbin-v1'));
      expect(ApiObject.of(chart.v2).toJson()).toEqual(only(manifests, 'Deployment', 'httpbin-v2'));
      expect(chart.service.service.toJson()).toEqual(only(manifests, 'Service', 'httpbin'));
      expect(ServiceSubsets.forService(chart.service).destinationRule.toJson()).toEqual(only(manifests, 'DestinationRule', 'httpbin'));
      expect(chart.api).toBe(MeshApi.ISTIO);
      expect(chart.gateway).toBeInstanceOf(IstioGateway);
      expect((chart.gateway as IstioGateway).gateway.toJson()).toEqual(only(manifests, 'Gateway', 'httpbin-gateway'));
      expect(chart.route).toBeInstanceOf(MirrorRoute);
      expect((chart.route as MirrorRoute).virtualService.toJson()).toEqual(only(manifests, 'VirtualService', 'httpbin'));
      expect(chart.accessLogging?.telemetries.map(t => t.toJson())).toEqual([only(manifests, 'Telemetry', 'httpbin-v2-access-logs')]);
    });

    test('accessLogs false writes no Telemetry and nothing else differs', () => {
      const { chart, manifests } = synth({ accessLogs: false });
      expect(chart.accessLogging).toBeUndefined();
      expect(manifests).toEqual(synth().manifests.filter(m => m.kind !== 'Telemetry'));
      expectValidManifests(manifests);
    });
  });

  describe('stage 1 (mirrorPercent 0): route only', () => {
    // The rest of the chart is that of stage 2 (see 'differs from stage 2 only in the VirtualService').
    test('writes no mirror fields at all', () => {
      const { chart, manifests } = synth({ mirrorPercent: 0 });
      const vs = only(manifests, 'VirtualService', 'httpbin');
      expect(vs).toMatchSnapshot();
      expect(vs.spec).toEqual({
        hosts: ['httpbin.example.com'],
        gateways: ['httpbin-gateway'],
        http: [{ route: [{ destination: { host: 'httpbin', subset: 'v1', port: { number: 8000 } }, weight: 100 }] }],
      });
      expect(JSON.stringify(vs)).not.toMatch(/mirror/i);
      expect(chart.route.mirrorPercent).toBe(0);
    });

    test('differs from stage 2 only in the VirtualService', () => {
      const stage1 = synth({ mirrorPercent: 0 }).manifests;
      const stage2 = synth().manifests;
      expect(stage1.filter(m => m.kind !== 'VirtualService')).toEqual(stage2.filter(m => m.kind !== 'VirtualService'));
      expect(only(stage1, 'VirtualService').metadata).toEqual(only(stage2, 'VirtualService').metadata);
    });

    test('every reference resolves', () => {
      expectReferencesResolve(synth({ mirrorPercent: 0 }).manifests, undefined);
    });

    test('every object is valid against the Kubernetes and Istio schemas', () => {
      expectValidManifests(synth({ mirrorPercent: 0 }).manifests);
    });
  });

  describe('options', () => {
    const custom: HttpbinMirrorChartProps = {
      host: 'httpbin.apps.example.org',
      credentialName: 'wildcard-apps-example-org',
      namespace: 'mirroring',
      mirrorPercent: 12.5,
    };

    test('mirrors a decimal percentage', () => {
      const { chart, manifests } = synth({ mirrorPercent: 12.5 });
      expect(only(manifests, 'VirtualService').spec.http[0].mirrorPercentage).toEqual({ value: 12.5 });
      expect(chart.route.mirrorPercent).toBe(12.5);
    });

    test('serves and routes the custom host with the custom credential', () => {
      const { manifests } = synth(custom);
      const gateway = only(manifests, 'Gateway', 'httpbin-gateway');
      const vs = only(manifests, 'VirtualService', 'httpbin');
      // The two objects that the host, credential and percentage options change (the namespace: see below).
      expect([gateway, vs]).toMatchSnapshot();
      for (const server of gateway.spec.servers) {
        expect(server.hosts).toEqual([custom.host]);
      }
      expect(gateway.spec.servers.find((s: any) => s.port.protocol === 'HTTPS').tls).toEqual({ mode: 'SIMPLE', credentialName: custom.credentialName });
      expect(vs.spec.hosts).toEqual([custom.host]);
      expect(vs.spec.http[0].mirrorPercentage).toEqual({ value: custom.mirrorPercent });
    });

    test('puts every object in the chart namespace, keeping the reference names', () => {
      const { chart, manifests } = synth(custom);
      expect(manifests.map(m => [m.kind, m.metadata.name, m.metadata.namespace])).toEqual([
        ['Deployment', 'httpbin-v1', custom.namespace],
        ['Deployment', 'httpbin-v2', custom.namespace],
        ['Service', 'httpbin', custom.namespace],
        ['DestinationRule', 'httpbin', custom.namespace],
        ['Gateway', 'httpbin-gateway', custom.namespace],
        ['VirtualService', 'httpbin', custom.namespace],
        ['Telemetry', 'httpbin-v2-access-logs', custom.namespace],
      ]);
      for (const construct of [chart.v1, chart.v2, chart.service, chart.gateway, chart.route]) {
        expect(construct.namespace).toBe(custom.namespace);
      }
      // Same namespace everywhere, so the route keeps short host and gateway names.
      const vs = only(manifests, 'VirtualService');
      expect(vs.spec.gateways).toEqual(['httpbin-gateway']);
      expect(vs.spec.http[0].route[0].destination.host).toBe('httpbin');
      expect(vs.spec.http[0].mirror.host).toBe('httpbin');
      // The namespace is all that changes on the workloads, the Service and the DestinationRule of the reference scenario.
      const reference = synth().manifests.filter(m => ['Deployment', 'Service', 'DestinationRule'].includes(m.kind));
      const moved = manifests.filter(m => ['Deployment', 'Service', 'DestinationRule'].includes(m.kind)).map(m => {
        const copy = JSON.parse(JSON.stringify(m));
        delete copy.metadata.namespace;
        return copy;
      });
      expect(moved).toStrictEqual(reference);
    });

    test('every reference resolves', () => {
      expectReferencesResolve(synth(custom).manifests, custom.namespace);
    });

    test('every object is valid against the Kubernetes and Istio schemas', () => {
      expectValidManifests(synth(custom).manifests);
    });

    test('accepts a wildcard host', () => {
      const { manifests } = synth({ host: '*.example.com' });
      expect(only(manifests, 'Gateway').spec.servers[0].hosts).toEqual(['*.example.com']);
      expect(only(manifests, 'VirtualService').spec.hosts).toEqual(['*.example.com']);
      expectValidManifests(manifests);
    });
  });

  describe('fails', () => {
    test.each([
      ['the host is not a DNS name', { host: 'HTTPBIN.example.com' }, /^test\/httpbin-gateway: hosts\[0\] must be a lowercase DNS name .*got "HTTPBIN.example.com"$/],
      ['the host is empty', { host: '' }, /^test\/httpbin-gateway: hosts\[0\] must be .*got ""$/],
      ['the credentialName is empty', { credentialName: '' }, /^test\/httpbin-gateway: credentialName must be a Kubernetes object name .*got ""$/],
      ['the credentialName is not an object name', { credentialName: 'Bookinfo Credential' }, /^test\/httpbin-gateway: credentialName must be .*got "Bookinfo Credential"$/],
      ['the namespace is not a DNS label', { namespace: 'Mirroring' }, /^test\/httpbin-v1: namespace must be a DNS label .*got "Mirroring"$/],
      ['mirrorPercent is above 100', { mirrorPercent: 150 }, /^test\/httpbin-route: mirrorPercent must be a number between 0 and 100 .*got 150$/],
      ['mirrorPercent is negative', { mirrorPercent: -1 }, /^test\/httpbin-route: mirrorPercent must be .*got -1$/],
      ['mirrorPercent is NaN', { mirrorPercent: NaN }, /^test\/httpbin-route: mirrorPercent must be .*got NaN$/],
    ])('when %s', (_, props, message) => {
      expect(() => new HttpbinMirrorChart(Testing.app(), 'test', props)).toThrow(message);
    });
  });
});
