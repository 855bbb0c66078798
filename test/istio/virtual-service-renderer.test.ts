import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { StringMatch } from '../../src/core/request-match';
import { ModelBackend, ModelHttpRule, RouteModel } from '../../src/core/route-model';
import { RetryOn } from '../../src/core/route-policy';
import { IstioGateway } from '../../src/istio/istio-gateway';
import { MeshService } from '../../src/services/mesh-service';
import { gatewayRefOf, hostOf, IstioRouteRenderer, MESH_GATEWAY } from '../../src/istio/virtual-service-renderer';

const renderer = new IstioRouteRenderer();

function setup() {
  const chart = Testing.chart();
  const service = MeshService.fromServiceAttributes(chart, 'svc', { name: 'httpbin', namespace: 'default', ports: [8000], versions: ['v1', 'v2'] });
  const scope = new Construct(chart, 'route');
  const backend = (version: string): ModelBackend => ({ service, version, port: 8000 });
  const rule = (over: Partial<ModelHttpRule> = {}): ModelHttpRule => ({ destinations: [{ ...backend('v1'), weight: 100 }], mirrors: [], ...over });
  const model = (over: Partial<RouteModel> = {}): RouteModel => ({
    name: 'httpbin',
    namespace: 'default',
    gateways: [],
    meshService: service,
    rules: [rule()],
    ...over,
  });
  return { chart, service, scope, backend, rule, model };
}

describe('renderSpec', () => {
  test('mesh only: the service host, no gateways field', () => {
    const { model } = setup();
    expect(renderer.renderSpec(model())).toEqual({
      hosts: ['httpbin'],
      gateways: undefined,
      http: [{ route: [{ destination: { host: 'httpbin', subset: 'v1', port: { number: 8000 } }, weight: 100 }] }],
    });
  });

  test('gateways by name (namespace/name across namespaces), plus mesh when the route also applies to the mesh', () => {
    const { chart, model } = setup();
    const gateway = IstioGateway.fromGatewayName(chart, 'gw', 'default/gw');
    const other = IstioGateway.fromGatewayName(chart, 'other', 'istio-system/shared');
    expect(renderer.renderSpec(model({ hosts: ['a.example.com'], gateways: [{ gateway }, { gateway: other }], meshService: undefined })).gateways)
      .toEqual(['gw', 'istio-system/shared']);
    expect(renderer.renderSpec(model({ hosts: ['a.example.com', 'httpbin'], gateways: [{ gateway }] })).gateways).toEqual(['gw', MESH_GATEWAY]);
  });

  test('one mirror: mirror + mirrorPercentage; several: mirrors only', () => {
    const { model, rule, backend } = setup();
    const one = renderer.renderSpec(model({ rules: [rule({ mirrors: [{ backend: backend('v2'), percent: 10 }] })] }));
    expect(one.http![0]).toMatchObject({ mirror: { host: 'httpbin', subset: 'v2', port: { number: 8000 } }, mirrorPercentage: { value: 10 } });
    expect(one.http![0].mirrors).toBeUndefined();
    const two = renderer.renderSpec(model({ rules: [rule({ mirrors: [{ backend: backend('v2'), percent: 100 }, { backend: backend('v3'), percent: 5 }] })] }));
    expect(two.http![0].mirror).toBeUndefined();
    expect(two.http![0].mirrorPercentage).toBeUndefined();
    expect(two.http![0].mirrors).toEqual([
      { destination: { host: 'httpbin', subset: 'v2', port: { number: 8000 } }, percentage: { value: 100 } },
      { destination: { host: 'httpbin', subset: 'v3', port: { number: 8000 } }, percentage: { value: 5 } },
    ]);
  });

  test('matches, methods as one anchored regex, name, timeout, retries and headers', () => {
    const { model, rule } = setup();
    const spec = renderer.renderSpec(model({
      rules: [rule({
        name: 'mirrored',
        matches: [{ uri: StringMatch.regex('^/a/[0-9]+$'), headers: { 'x-a': StringMatch.prefix('b') }, queryParams: {} }],
        methods: ['GET', 'HEAD'],
        port: 8000,
        timeoutMillis: 250,
        retries: { attempts: 2, perTryTimeoutMillis: 100, retryOn: [RetryOn.SERVER_ERROR, RetryOn.statusCode(503)] },
        requestHeaders: { set: { 'x-a': '1' }, add: {}, remove: [] },
        responseHeaders: { remove: ['server'] },
      })],
    }));
    expect(spec.http![0]).toEqual({
      name: 'mirrored',
      match: [{ uri: { regex: '^/a/[0-9]+$' }, method: { regex: '^(GET|HEAD)$' }, headers: { 'x-a': { prefix: 'b' } }, queryParams: undefined, port: 8000 }],
      route: [{ destination: { host: 'httpbin', subset: 'v1', port: { number: 8000 } }, weight: 100 }],
      timeout: '0.25s',
      retries: { attempts: 2, perTryTimeout: '0.1s', retryOn: '5xx,503' },
      headers: { request: { set: { 'x-a': '1' }, add: undefined, remove: undefined }, response: { set: undefined, add: undefined, remove: ['server'] } },
    });
  });

  test('methods without matches are one match on the method; a port alone is one match on the port', () => {
    const { model, rule } = setup();
    expect(renderer.renderSpec(model({ rules: [rule({ methods: ['GET'] })] })).http![0].match).toEqual([{ method: { regex: '^(GET)$' }, port: undefined, headers: undefined, queryParams: undefined, uri: undefined }]);
    expect(renderer.renderSpec(model({ rules: [rule({ port: 8000 })] })).http![0].match).toEqual([{ port: 8000 }]);
  });
});

describe('hosts', () => {
  test('default: the gateways\' hosts, without hosts covered by a wildcard, plus the service host on the mesh', () => {
    const { chart, model } = setup();
    const a = new IstioGateway(chart, 'a', { hosts: ['a.example.com', 'b.example.com'], https: false });
    const b = new IstioGateway(chart, 'b', { hosts: ['*.example.com'], https: false });
    expect(renderer.hosts(model({ gateways: [{ gateway: a }] }))).toEqual(['a.example.com', 'b.example.com', 'httpbin']);
    expect(renderer.hosts(model({ gateways: [{ gateway: a }, { gateway: b }], meshService: undefined }))).toEqual(['*.example.com']);
  });

  test('fails when a default cannot be derived: a gateway with unknown hosts, or "*" on the mesh', () => {
    const { chart, scope, model } = setup();
    const imported = IstioGateway.fromGatewayName(chart, 'gw', 'default/gw');
    expect(() => renderer.validate(scope, model({ gateways: [{ gateway: imported }] })))
      .toThrow('test/route: hosts is required: the hosts of gateway gw are not known here; list the hosts the route applies to');
    const star = new IstioGateway(chart, 'star', { namespace: 'default', hosts: ['*'], https: false });
    expect(() => renderer.validate(scope, model({ gateways: [{ gateway: star }] }))).toThrow(/gateway .* serves "\*", which Istio rejects on a VirtualService bound to the mesh/);
  });

  test('fails when given hosts break Istio\'s rules: "*" on the mesh, duplicates, overlapping wildcards', () => {
    const { scope, model } = setup();
    expect(() => renderer.validate(scope, model({ hosts: ['*'] }))).toThrow(/hosts contains "\*" but the route applies to the mesh/);
    expect(() => renderer.validate(scope, model({ hosts: ['a.example.com', 'a.example.com'] }))).toThrow(/hosts lists a.example.com twice/);
    expect(() => renderer.validate(scope, model({ hosts: ['a.example.com', '*.example.com'] })))
      .toThrow(/hosts \*.example.com and a.example.com overlap \(\*.example.com covers a.example.com\)/);
    expect(() => renderer.validate(scope, model({ hosts: ['*'], meshService: undefined }))).not.toThrow();
  });
});

describe('validate: what Istio cannot express or rejects', () => {
  test('fails when a regex is not RE2, naming the prop', () => {
    const { scope, model, rule } = setup();
    const withMatch = (m: any) => model({ mirrorMatches: [{ uri: StringMatch.prefix('/') }, m], rules: [rule()] });
    expect(() => renderer.validate(scope, withMatch({ uri: StringMatch.regex('^/a(?=b)') }))).toThrow(
      'test/route: mirrorMatches[1].uri: "^/a(?=b)" is not a valid RE2 regular expression (Envoy and Istio use RE2): lookahead (?= is not supported by RE2');
    expect(() => renderer.validate(scope, withMatch({ headers: { 'x-a': StringMatch.regex('\\Z') } }))).toThrow(/mirrorMatches\[1\].headers\["x-a"\]: "\\\\Z"/);
    expect(() => renderer.validate(scope, withMatch({ method: StringMatch.regex('(GET') }))).toThrow(/mirrorMatches\[1\].method:/);
  });

  test('fails on a prefix match of a query parameter', () => {
    const { scope, model, rule } = setup();
    expect(() => renderer.validate(scope, model({ mirrorMatches: [{ queryParams: { q: StringMatch.prefix('x') } }], rules: [rule()] })))
      .toThrow('test/route: mirrorMatches[0].queryParams["q"] is a prefix match, which Istio does not support for query parameters: use exact or regex');
  });

  test.each([
    ['a pseudo-header', { remove: [':authority'] }, /":authority" cannot be changed with header operations/],
    ['the Host header', { add: { Host: 'a' } }, /"Host" cannot be changed with header operations; Istio uses the route's rewrite.authority/],
  ])('fails when header operations change %s', (_, ops, message) => {
    const { scope, model, rule } = setup();
    expect(() => renderer.validate(scope, model({ rules: [rule({ requestHeaders: ops })] }))).toThrow(message);
  });

  test('fails when a gateway does not listen on the route\'s port (Istio skips the match there)', () => {
    const { chart, scope, model, rule } = setup();
    const gateway = new IstioGateway(chart, 'gw', { namespace: 'default', hosts: ['a.example.com'], https: false });
    expect(() => renderer.validate(scope, model({ gateways: [{ gateway }], rules: [rule({ port: 8000 })] })))
      .toThrow(/port 8000 writes match.port on every rule, but gateway .* \(ports 80\) does not listen on it/);
    expect(() => renderer.validate(scope, model({ gateways: [{ gateway }], rules: [rule({ port: 80 })] }))).not.toThrow();
  });

  test('fails when a target or gateway cannot be addressed from the route\'s namespace', () => {
    const { chart, scope, model, rule } = setup();
    const nsless = MeshService.fromServiceAttributes(chart, 'nsless', { name: 'nsless', ports: [80] });
    expect(() => renderer.validate(scope, model({ namespace: 'edge', rules: [rule({ destinations: [{ service: nsless, port: 80, weight: 100 }] })] })))
      .toThrow(/test\/route: service nsless has no namespace but the route is in namespace edge/);
  });
});

describe('problems: references to other constructs', () => {
  test('IST0132 when a gateway serves none of the hosts; a host no gateway serves, unless the route also applies to the mesh', () => {
    const { chart, model } = setup();
    const gateway = new IstioGateway(chart, 'real', { name: 'real', hosts: ['httpbin.example.com'], credentialName: 'c' });
    expect(renderer.problems(model({ hosts: ['httpbin.example.com', 'other.example.com'], gateways: [{ gateway }], meshService: undefined })))
      .toEqual(['host other.example.com is not served by gateway real (it serves httpbin.example.com): add the host to the gateway or remove the gateway from the route']);
    expect(renderer.problems(model({ hosts: ['httpbin.example.com', 'httpbin'], gateways: [{ gateway }] }))).toEqual([]);
    expect(renderer.problems(model({ hosts: ['httpbin'], gateways: [{ gateway }] }))).toEqual([
      'IST0132 one or more host [httpbin] defined in VirtualService default/httpbin not found in Gateway default/real. Add the host to a server of '
      + 'the Gateway (or use a wildcard such as "*.example.com"), or bind the VirtualService to the Gateway that serves it; until then the gateway never uses this route.',
    ]);
  });

  test('gateways with unknown hosts are not checked', () => {
    const { chart, model } = setup();
    const gateway = IstioGateway.fromGatewayName(chart, 'gw', 'default/gw');
    expect(renderer.problems(model({ hosts: ['anything.example.com'], gateways: [{ gateway }], meshService: undefined }))).toEqual([]);
  });
});

describe('host and gateway references', () => {
  test('hostOf: short name in the same namespace, FQDN across namespaces', () => {
    const { chart, service } = setup();
    expect(hostOf(service, 'default')).toBe(service.serviceName);
    expect(hostOf(service, 'edge')).toBe(`${service.serviceName}.${service.namespace}.svc.cluster.local`);
    const nsless = MeshService.fromServiceAttributes(chart, 'nsless', { name: 'nsless' });
    expect(hostOf(nsless, undefined)).toBe('nsless');
    expect(() => hostOf(nsless, 'edge')).toThrow(/service nsless has no namespace but the route is in namespace edge/);
  });

  test('gatewayRefOf: name in the same namespace, namespace/name across', () => {
    const { chart } = setup();
    const gateway = IstioGateway.fromGatewayName(chart, 'gw', 'default/httpbin-gateway');
    expect(gatewayRefOf(gateway, 'default')).toBe(gateway.gatewayName);
    expect(gatewayRefOf(gateway, 'edge')).toBe(`${gateway.namespace}/${gateway.gatewayName}`);
    const nsless = IstioGateway.fromGatewayName(chart, 'nsless', 'gw');
    expect(() => gatewayRefOf(nsless, 'edge')).toThrow(/gateway gw has no namespace/);
  });
});
