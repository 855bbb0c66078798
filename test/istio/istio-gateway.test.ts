import { Chart, Testing } from 'cdk8s';
import { GatewayTlsMode, IstioGateway, IstioGatewayProps } from '../../src/istio/istio-gateway';
import { expectValidManifests } from '../support/schema';
import { MirrorRoute } from '../../src/istio/mirror-route';
import { MeshService } from '../../src/services/mesh-service';
import { ServiceVersion } from '../../src/workloads/service-version';

const reference: IstioGatewayProps = {
  name: 'httpbin-gateway',
  hosts: ['httpbin.example.com'],
  credentialName: 'bookinfo-credential',
};

function synthGateway(chart: Chart): any {
  const manifests = Testing.synth(chart);
  expect(manifests).toHaveLength(1);
  expect(manifests[0].kind).toBe('Gateway');
  return manifests[0];
}

function server(gateway: any, name: string): any {
  const servers = gateway.spec.servers.filter((s: any) => s.port.name === name);
  expect(servers).toHaveLength(1);
  return servers[0];
}

describe('IstioGateway', () => {
  test('renders the reference gateway: HTTPS with SIMPLE TLS, and HTTP redirecting to it', () => {
    const chart = Testing.chart();
    const gateway = new IstioGateway(chart, 'httpbin-gateway', reference);
    const manifest = synthGateway(chart);

    expect(manifest).toMatchSnapshot();
    expect(manifest.apiVersion).toBe('networking.istio.io/v1');
    expect(manifest.metadata).toEqual({ name: 'httpbin-gateway' });
    expect(gateway.gatewayName).toBe('httpbin-gateway');
    expect(gateway.ports).toEqual(manifest.spec.servers.map((server: any) => server.port.number));
    expect(manifest.spec.selector).toEqual({ istio: 'ingressgateway' });
    expect(manifest.spec.servers).toEqual([
      {
        port: { number: 80, name: 'http', protocol: 'HTTP' },
        hosts: ['httpbin.example.com'],
        tls: { httpsRedirect: true },
      },
      {
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        hosts: ['httpbin.example.com'],
        tls: { mode: 'SIMPLE', credentialName: 'bookinfo-credential' },
      },
    ]);
    expectValidManifests([manifest]);
  });

  test('exposes its name, namespace, hosts and Gateway object', () => {
    const chart = Testing.chart();
    const gateway = new IstioGateway(chart, 'httpbin-gateway', reference);
    const manifest = synthGateway(chart);
    expect(gateway.gatewayName).toBe(manifest.metadata.name);
    expect(gateway.gateway.name).toBe(manifest.metadata.name);
    expect(gateway.namespace).toBeUndefined();
    expect(gateway.hosts).toEqual(reference.hosts);
  });

  test('hosts returns a copy', () => {
    const chart = Testing.chart();
    const gateway = new IstioGateway(chart, 'httpbin-gateway', reference);
    gateway.hosts!.push('evil.example.com');
    expect(gateway.hosts).toEqual(reference.hosts);
    expect(server(synthGateway(chart), 'https').hosts).toEqual(reference.hosts);
  });

  test('does not keep a reference to the caller\'s hosts array', () => {
    const hosts = ['httpbin.example.com'];
    const chart = Testing.chart();
    const gateway = new IstioGateway(chart, 'httpbin-gateway', { ...reference, hosts });
    hosts.push('evil.example.com');
    expect(gateway.hosts).toEqual(['httpbin.example.com']);
  });

  // BUG (src/istio-gateway.ts): `metadata: { name: undefined, ... }` overrides the name cdk8s generates (ApiObject spreads
  // props.metadata over it), so the Gateway is written without metadata.name while gatewayName holds the generated name.
  // Marked failing until the fix lands; remove `.failing` then.
  test('generates a DNS-label name from the construct path when none is given', () => {
    const chart = Testing.chart();
    const gateway = new IstioGateway(chart, 'gw', { hosts: reference.hosts, credentialName: reference.credentialName });
    const manifest = synthGateway(chart);
    expect(manifest.metadata.name).toBe(gateway.gatewayName);
    expect(gateway.gatewayName).toMatch(/^test-gw-[a-z0-9]+$/);
    expectValidManifests([manifest]);
  });

  test('serves every host, including wildcards, on both servers', () => {
    const chart = Testing.chart();
    const hosts = ['httpbin.example.com', '*.apps.example.com', '*'];
    const gateway = new IstioGateway(chart, 'gw', { ...reference, hosts });
    const manifest = synthGateway(chart);
    expect(gateway.hosts).toEqual(hosts);
    expect(server(manifest, 'http').hosts).toEqual(hosts);
    expect(server(manifest, 'https').hosts).toEqual(hosts);
    expectValidManifests([manifest]);
  });

  test('takes the namespace from the chart, or from the props', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'httpbin' });
    const fromChart = new IstioGateway(chart, 'a', { ...reference, name: 'a' });
    const explicit = new IstioGateway(chart, 'b', { ...reference, hosts: ['other.example.com'], name: 'b', namespace: 'istio-ingress' });
    const [a, b] = Testing.synth(chart);
    expect(fromChart.namespace).toBe('httpbin');
    expect(a.metadata.namespace).toBe('httpbin');
    expect(explicit.namespace).toBe('istio-ingress');
    expect(b.metadata.namespace).toBe('istio-ingress');
  });

  test('uses a custom selector, ports and TLS mode', () => {
    const chart = Testing.chart();
    new IstioGateway(chart, 'gw', {
      ...reference,
      selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
      httpPort: 8080,
      httpsPort: 8443,
      tlsMode: GatewayTlsMode.MUTUAL,
    });
    const manifest = synthGateway(chart);
    expect(manifest.spec.selector).toEqual({ app: 'istio-ingressgateway', istio: 'ingressgateway' });
    expect(server(manifest, 'http').port).toEqual({ number: 8080, name: 'http', protocol: 'HTTP' });
    expect(server(manifest, 'https').port).toEqual({ number: 8443, name: 'https', protocol: 'HTTPS' });
    expect(server(manifest, 'https').tls).toEqual({ mode: 'MUTUAL', credentialName: reference.credentialName });
    expectValidManifests([manifest]);
  });

  test.each([
    [GatewayTlsMode.SIMPLE, 'SIMPLE'],
    [GatewayTlsMode.MUTUAL, 'MUTUAL'],
    [GatewayTlsMode.OPTIONAL_MUTUAL, 'OPTIONAL_MUTUAL'],
  ])('writes tlsMode %s as %s', (mode, wire) => {
    const chart = Testing.chart();
    new IstioGateway(chart, 'gw', { ...reference, tlsMode: mode });
    expect(server(synthGateway(chart), 'https').tls.mode).toBe(wire);
  });

  test('serves plain HTTP without redirect when https is false', () => {
    const chart = Testing.chart();
    new IstioGateway(chart, 'gw', { name: 'plain', hosts: reference.hosts, https: false });
    const manifest = synthGateway(chart);
    expect(manifest.spec.servers).toEqual([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: reference.hosts }]);
    expectValidManifests([manifest]);
  });

  test('serves both without a redirect when httpsRedirect is false', () => {
    const chart = Testing.chart();
    new IstioGateway(chart, 'gw', { ...reference, httpsRedirect: false });
    const manifest = synthGateway(chart);
    expect(manifest.spec.servers).toHaveLength(2);
    expect(server(manifest, 'http').tls).toBeUndefined();
    expect(server(manifest, 'https').tls).toEqual({ mode: 'SIMPLE', credentialName: reference.credentialName });
    expectValidManifests([manifest]);
  });

  test('serves only HTTPS when http is false', () => {
    const chart = Testing.chart();
    new IstioGateway(chart, 'gw', { ...reference, http: false, httpsRedirect: false });
    const manifest = synthGateway(chart);
    expect(manifest.spec.servers.map((s: any) => s.port.name)).toEqual(['https']);
    expectValidManifests([manifest]);
  });

  describe('fails', () => {
    test.each([
      ['hosts is empty', { hosts: [] }, /^test\/gw: hosts must list at least one host/],
      ['hosts is missing', { hosts: undefined as any }, /^test\/gw: hosts must list at least one host/],
      ['a host is not a DNS name', { hosts: ['httpbin.example.com', 'Bad_Host'] }, /^test\/gw: hosts\[\d\] must be a lowercase DNS name .*got "Bad_Host"$/],
      ['a host has a port', { hosts: ['httpbin.example.com:443'] }, /^test\/gw: hosts\[\d\] must be .*got "httpbin.example.com:443"$/],
      ['a wildcard is not a whole leading label', { hosts: ['*httpbin.example.com'] }, /^test\/gw: hosts\[\d\] must be .*got "\*httpbin.example.com"$/],
      ['a wildcard is not leading', { hosts: ['httpbin.*.com'] }, /^test\/gw: hosts\[\d\] must be .*got "httpbin.\*.com"$/],
      ['the name is not a DNS name', { name: 'Httpbin Gateway' }, /^test\/gw: name must be a Kubernetes object name .*got "Httpbin Gateway"$/],
      ['the namespace is not a DNS label', { namespace: 'istio.system' }, /^test\/gw: namespace must be a DNS label .*got "istio.system"$/],
      ['the selector is empty', { selector: {} }, /^test\/gw: selector must not be empty/],
      ['a selector value is not a label value', { selector: { istio: 'ingress gateway' } }, /^test\/gw: selector\["istio"\] must be .*got "ingress gateway"$/],
      ['https and http are both false', { https: false, http: false, credentialName: undefined }, /^test\/gw: https and http are both false/],
      ['httpsRedirect is set without https', { https: false, httpsRedirect: true, credentialName: undefined }, /^test\/gw: httpsRedirect is true but https is false/],
      ['httpsRedirect is set without http', { http: false, httpsRedirect: true }, /^test\/gw: httpsRedirect is true but http is false/],
      ['http is false and httpsRedirect is left at its default', { http: false }, /^test\/gw: httpsRedirect is true but http is false/],
      ['HTTPS has no credentialName', { credentialName: undefined }, /^test\/gw: HTTPS needs a credentialName/],
      ['credentialName is empty', { credentialName: '' }, /^test\/gw: credentialName must be a Kubernetes object name .*got ""$/],
      ['credentialName is not an object name', { credentialName: 'Bookinfo_Credential' }, /^test\/gw: credentialName must be .*got "Bookinfo_Credential"$/],
      ['credentialName is set without https', { https: false }, /^test\/gw: credentialName and tlsMode only apply to the HTTPS server, but https is false$/],
      ['tlsMode is set without https', { https: false, credentialName: undefined, tlsMode: GatewayTlsMode.MUTUAL }, /^test\/gw: credentialName and tlsMode only apply/],
      ['httpPort is 0', { httpPort: 0 }, /^test\/gw: httpPort must be an integer port number between 1 and 65535, got 0$/],
      ['httpsPort is above 65535', { httpsPort: 65536 }, /^test\/gw: httpsPort must be .*got 65536$/],
      ['httpsPort is not an integer', { httpsPort: 443.5 }, /^test\/gw: httpsPort must be .*got 443.5$/],
      ['httpPort and httpsPort are equal', { httpPort: 8443, httpsPort: 8443 }, /^test\/gw: httpPort and httpsPort are both 8443/],
    ])('when %s', (_, override, message) => {
      const chart = Testing.chart();
      expect(() => new IstioGateway(chart, 'gw', { ...reference, ...override })).toThrow(message);
    });

    test('when the HTTPS error is reported, it says how to fix it', () => {
      const chart = Testing.chart();
      expect(() => new IstioGateway(chart, 'gw', { hosts: reference.hosts })).toThrow(/credentialName: "httpbin-credential"; or set https: false$/);
    });
  });
});

describe('IstioGateway.fromGatewayName', () => {
  test('refers to a gateway in the chart namespace by name', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'httpbin' });
    const gateway = IstioGateway.fromGatewayName(chart, 'shared', 'shared-gateway');
    expect(gateway.gatewayName).toBe('shared-gateway');
    expect(gateway.namespace).toBe('httpbin');
    expect(gateway.hosts).toBeUndefined();
    expect(Testing.synth(chart)).toEqual([]);
  });

  test('refers to a gateway in another namespace as namespace/name', () => {
    const chart = Testing.chart();
    const gateway = IstioGateway.fromGatewayName(chart, 'shared', 'istio-system/shared-gateway');
    expect(gateway.gatewayName).toBe('shared-gateway');
    expect(gateway.namespace).toBe('istio-system');
    expect(gateway.hosts).toBeUndefined();
  });

  test('has no namespace when neither the reference nor the chart has one', () => {
    const chart = Testing.chart();
    expect(IstioGateway.fromGatewayName(chart, 'shared', 'shared-gateway').namespace).toBeUndefined();
  });

  describe('fails', () => {
    test.each([
      ['the reference is empty', '', /^test\/shared: gateway reference must be "name" or "namespace\/name".*got ""$/],
      ['the reference has three parts', 'a/b/c', /^test\/shared: gateway reference must be .*got "a\/b\/c"$/],
      ['the namespace part is empty', '/shared-gateway', /^test\/shared: gateway reference must be .*got "\/shared-gateway"$/],
      ['the name part is empty', 'istio-system/', /^test\/shared: gateway reference must be .*got "istio-system\/"$/],
      ['the reference is "mesh"', 'mesh', /^test\/shared: "mesh" is not a gateway: .*includeMesh: true$/],
      ['the name is not an object name', 'Shared_Gateway', /^test\/shared: gateway name must be a Kubernetes object name .*got "Shared_Gateway"$/],
      ['the namespace is not a DNS label', 'istio.system/shared-gateway', /^test\/shared: gateway namespace must be a DNS label .*got "istio.system"$/],
      // Istio's resolveGatewayName reads it as istio-system/shared-gateway, istioctl's GatewayAnalyzer as default/shared-gateway.istio-system.
      ['the reference is the legacy name.namespace form', 'shared-gateway.istio-system',
        /^test\/shared: gateway reference must be "name" or "namespace\/name", got "shared-gateway.istio-system": a dotted name is the legacy .*write "istio-system\/shared-gateway"$/],
    ])('when %s', (_, reference, message) => {
      const chart = Testing.chart();
      expect(() => IstioGateway.fromGatewayName(chart, 'shared', reference)).toThrow(message);
    });
  });
});

describe('IstioGateway namespace-scoped hosts (issue 14)', () => {
  test('./host and ns/host are accepted as Istio reads them: only routes of those namespaces bind to them', () => {
    const chart = Testing.chart();
    const ns = new Chart(chart, 'edge', { namespace: 'edge' });
    const gateway = new IstioGateway(ns, 'g', { name: 'g', hosts: ['./own.example.com', 'shop/shop.example.com', '*/any.example.com'], credentialName: 'c' });
    expect(Testing.synth(ns).find(m => m.kind === 'Gateway').spec.servers[0].hosts).toEqual(['./own.example.com', 'shop/shop.example.com', '*/any.example.com']);
    const v = new ServiceVersion(ns, 'v1', { app: 'web', version: 'v1', image: 'nginx', containerPort: 80 });
    const web = new MeshService(ns, 'web', { versions: [v] });
    // A route in edge (the Gateway's namespace) binds to ./own and */any, and defaults its hosts to them.
    const route = new MirrorRoute(ns, 'r', { destination: { service: web, version: 'v1' }, gateways: [gateway], includeMesh: false });
    expect(route.hosts).toEqual(['own.example.com', 'any.example.com']);
    expect(() => Testing.synth(ns)).not.toThrow();
    // shop.example.com is only for routes of namespace shop: from edge it is served by no host of the gateway.
    new MirrorRoute(ns, 'r2', { name: 'r2', destination: { service: web, version: 'v1' }, gateways: [gateway], includeMesh: false, hosts: ['shop.example.com'] });
    expect(() => Testing.synth(ns)).toThrow('host shop.example.com is not served by gateway g');
    expect(() => new IstioGateway(ns, 'bad', { name: 'bad', hosts: ['Bad_NS/x.example.com'], credentialName: 'c' }))
      .toThrow('test/edge/bad: hosts[0]: the namespace of "Bad_NS/x.example.com" must be a DNS label');
  });
});
