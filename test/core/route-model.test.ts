import { Testing } from 'cdk8s';
import { IstioGateway } from '../../src/istio/istio-gateway';
import { MeshService } from '../../src/istio/mesh-service';
import { gatewayRefOf, gatewayServes, hostOf, RouteModel, routeModelProblems } from '../../src/core/route-model';

function setup() {
  const chart = Testing.chart();
  const service = MeshService.fromServiceAttributes(chart, 'svc', { name: 'httpbin', namespace: 'default', ports: [8000], versions: ['v1', 'v2'] });
  const gateway = IstioGateway.fromGatewayName(chart, 'gw', 'default/httpbin-gateway');
  const model = (over: Partial<RouteModel> = {}): RouteModel => ({
    name: 'httpbin',
    namespace: 'default',
    hosts: ['httpbin.example.com'],
    gateways: ['httpbin-gateway'],
    mesh: false,
    rules: [{
      destinations: [{ service, host: 'httpbin', subset: 'v1', port: 8000, weight: 100 }],
      mirrors: [{ destination: { service, host: 'httpbin', subset: 'v2', port: 8000 }, percent: 100 }],
    }],
    ...over,
  });
  return { chart, service, gateway, model };
}

describe('route model', () => {
  test('hostOf: short name in the same namespace, FQDN across namespaces', () => {
    const { chart, service } = setup();
    expect(hostOf(service, 'default')).toBe(service.serviceName);
    expect(hostOf(service, 'edge')).toBe(`${service.serviceName}.${service.namespace}.svc.cluster.local`);
    const nsless = MeshService.fromServiceAttributes(chart, 'nsless', { name: 'nsless' });
    expect(hostOf(nsless, undefined)).toBe('nsless');
    expect(() => hostOf(nsless, 'edge')).toThrow(/service nsless has no namespace but the route is in namespace edge/);
  });

  test('gatewayRefOf: name in the same namespace, namespace/name across', () => {
    const { chart, gateway } = setup();
    expect(gatewayRefOf(gateway, 'default')).toBe(gateway.gatewayName);
    expect(gatewayRefOf(gateway, 'edge')).toBe(`${gateway.namespace}/${gateway.gatewayName}`);
    const nsless = IstioGateway.fromGatewayName(chart, 'nsless', 'gw');
    expect(() => gatewayRefOf(nsless, 'edge')).toThrow(/gateway gw has no namespace/);
  });

  test.each([
    ['*', 'a.example.com', true],
    ['a.example.com', 'a.example.com', true],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', '*.example.com', true],
    ['*.example.com', '*.a.example.com', true],
    ['b.example.com', 'a.example.com', false],
  ])('gatewayServes(%p, %p) is %p', (pattern, host, expected) => {
    expect(gatewayServes(pattern, host)).toBe(expected);
  });

  test('a consistent model has no problems', () => {
    const { model } = setup();
    expect(routeModelProblems(model(), [])).toEqual([]);
  });

  test('reports undefined subsets and ports, per rule when there are several', () => {
    const { model, service } = setup();
    const rule = {
      destinations: [{ service, host: 'httpbin', subset: 'v3', port: 9000, weight: 100 }],
      mirrors: [],
    };
    expect(routeModelProblems(model({ rules: [rule] }), [])).toEqual([
      expect.stringMatching(/^destination subset "v3" is not defined for service httpbin \(its subsets: v1, v2\)/),
      expect.stringMatching(/^destination port 9000 is not a port of service httpbin/),
    ]);
    expect(routeModelProblems(model({ rules: [rule, rule] }), [])[0]).toMatch(/^destination in rule 0 subset "v3"/);
  });

  test('reports hosts no gateway serves, unless the route also applies to the mesh', () => {
    const { chart, model } = setup();
    const gw = new IstioGateway(chart, 'real', { hosts: ['httpbin.example.com'], credentialName: 'c' });
    expect(routeModelProblems(model({ hosts: ['httpbin.example.com', 'other.example.com'] }), [gw]))
      .toEqual([expect.stringMatching(/^host other.example.com is not served by gateway/)]);
    expect(routeModelProblems(model({ hosts: ['httpbin.example.com', 'httpbin'], mesh: true }), [gw])).toEqual([]);
    expect(routeModelProblems(model({ hosts: ['httpbin'], mesh: true }), [gw]))
      .toEqual([expect.stringMatching(/gateway .* serves none of the route's hosts/)]);
  });

  test('gateways with unknown hosts are not checked', () => {
    const { model, gateway } = setup();
    expect(routeModelProblems(model({ hosts: ['anything.example.com'] }), [gateway])).toEqual([]);
  });
});
