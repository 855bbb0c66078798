import { Chart, Testing } from 'cdk8s';
import { GatewayApiGateway, RouteNamespaces } from '../../src/gateway-api/gateway-api-gateway';
import { expectValidManifests } from '../support/schema';
import { only } from './support';

const scoped = (namespace = 'web') => new Chart(Testing.chart(), 'ns', { namespace });

describe('GatewayApiGateway', () => {
  test('an HTTPS listener terminating TLS with the Secret, an HTTP listener, class istio', () => {
    const chart = scoped();
    const g = new GatewayApiGateway(chart, 'gateway', { name: 'httpbin-gateway', hostname: 'httpbin.example.com', credentialName: 'httpbin-credential' });
    const gateway = only(chart, 'Gateway');
    expect(gateway.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gateway.spec.gatewayClassName).toBe('istio');
    expect(gateway.spec.listeners).toEqual([
      {
        name: 'https', protocol: 'HTTPS', port: 443, hostname: 'httpbin.example.com',
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'httpbin-credential' }] },
      },
      { name: 'http', protocol: 'HTTP', port: 80, hostname: 'httpbin.example.com' },
    ]);
    expect(g.sectionName).toBe('https');
    expect(g.hosts).toEqual(['httpbin.example.com']);
    expect(g.ports).toEqual([443, 80]);
    expectValidManifests(Testing.synth(chart));
    expect(gateway).toMatchSnapshot();
  });

  test('the HTTP listener only redirects to HTTPS, with an HTTPRoute of its own', () => {
    const chart = scoped();
    const g = new GatewayApiGateway(chart, 'gateway', { name: 'httpbin-gateway', hostname: 'httpbin.example.com', credentialName: 'c' });
    const redirect = only(chart, 'HTTPRoute');
    expect(redirect.metadata).toEqual({ name: `${g.gatewayName}-https-redirect`, namespace: 'web' });
    expect(redirect.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: g.gatewayName, sectionName: 'http' }],
      hostnames: ['httpbin.example.com'],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    });
    expect(redirect).toMatchSnapshot();
  });

  test('the redirect names the HTTPS port when it is not 443; no redirect when httpsRedirect is false', () => {
    const chart = scoped();
    new GatewayApiGateway(chart, 'a', { name: 'a', hostname: 'a.example.com', credentialName: 'c', httpsPort: 8443 });
    const b = new GatewayApiGateway(chart, 'b', { name: 'b', hostname: 'b.example.com', credentialName: 'c', httpsRedirect: false });
    expect(only(chart, 'HTTPRoute').spec.rules[0].filters[0].requestRedirect.port).toBe(8443);
    expect(b.redirectRoute).toBeUndefined();
    expect(b.sectionName).toBeUndefined();
  });

  test('a Secret in another namespace: certificateRef with namespace and a ReferenceGrant there, from Gateways of this namespace', () => {
    const chart = scoped();
    const g = new GatewayApiGateway(chart, 'gateway', { name: 'httpbin-gateway', hostname: 'httpbin.example.com', credentialName: 'wildcard', credentialNamespace: 'certs' });
    expect(only(chart, 'Gateway').spec.listeners[0].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'wildcard', namespace: 'certs' }]);
    const grant = only(chart, 'ReferenceGrant');
    expect(grant.apiVersion).toBe('gateway.networking.k8s.io/v1beta1');
    expect(grant.metadata).toEqual({ name: `web-${g.gatewayName}-gateway`, namespace: 'certs' });
    expect(grant.spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'web' }],
      to: [{ group: '', kind: 'Secret', name: 'wildcard' }],
    });
    expectValidManifests(Testing.synth(chart));
    expect(grant).toMatchSnapshot();
  });

  test('any class; routes from all namespaces', () => {
    const chart = scoped();
    const g = new GatewayApiGateway(chart, 'gateway', { name: 'g', hostname: '*.example.com', credentialName: 'c', gatewayClassName: 'eg', routeNamespaces: RouteNamespaces.ALL });
    const gateway = only(chart, 'Gateway');
    expect(gateway.spec.gatewayClassName).toBe('eg');
    expect(gateway.spec.listeners.map((l: any) => l.allowedRoutes)).toEqual([{ namespaces: { from: 'All' } }, { namespaces: { from: 'All' } }]);
    expect(g.routeNamespaces).toBe(RouteNamespaces.ALL);
    expectValidManifests(Testing.synth(chart));
  });

  test('fromGatewayName imports "namespace/name" with a listener', () => {
    const chart = scoped();
    const g = GatewayApiGateway.fromGatewayName(chart, 'shared', 'infra/shared', 'https');
    expect([g.namespace, g.gatewayName, g.sectionName, g.definedElsewhere, g.hosts]).toEqual(['infra', 'shared', 'https', true, undefined]);
    expect(GatewayApiGateway.fromGatewayName(chart, 'local', 'mine').namespace).toBe('web');
    expect(Testing.synth(chart)).toEqual([]);
  });

  describe('failures', () => {
    test('fails when the hostname is "*"', () => {
      expect(() => new GatewayApiGateway(scoped(), 'g', { hostname: '*', credentialName: 'c' })).toThrow(/^test\/ns\/g: hostname must be a lowercase DNS name.*"\*" alone/);
    });
    test('fails when the ports are equal', () => {
      expect(() => new GatewayApiGateway(scoped(), 'g', { hostname: 'a.example.com', credentialName: 'c', httpPort: 443 })).toThrow(/httpPort and httpsPort are both 443/);
    });
    test('fails when an istio-class gateway name is too long for <name>-istio', () => {
      expect(() => new GatewayApiGateway(scoped(), 'g', { name: 'a'.repeat(58), hostname: 'a.example.com', credentialName: 'c' })).toThrow(/<name>-istio/);
    });
    test('fails when the Secret is in another namespace and the gateway has none', () => {
      expect(() => new GatewayApiGateway(Testing.chart(), 'g', { name: 'g', hostname: 'a.example.com', credentialName: 'c', credentialNamespace: 'certs' }))
        .toThrow(/credentialNamespace is certs but the Gateway has no namespace/);
    });
    test('fails when a gateway reference is malformed', () => {
      expect(() => GatewayApiGateway.fromGatewayName(scoped(), 'x', 'a/b/c')).toThrow(/gateway reference must be "name" or "namespace\/name"/);
    });
    test('fails at synth when two gateways have one name', () => {
      const chart = scoped();
      new GatewayApiGateway(chart, 'a', { name: 'g', hostname: 'a.example.com', credentialName: 'c' });
      new GatewayApiGateway(chart, 'b', { name: 'g', hostname: 'b.example.com', credentialName: 'c' });
      expect(() => Testing.synth(chart)).toThrow(/Gateway web\/g is defined 2 times/);
    });
  });
});
