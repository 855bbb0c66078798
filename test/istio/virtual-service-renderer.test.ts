import { Testing } from 'cdk8s';
import { MeshService } from '../../src/istio/mesh-service';
import { MESH_GATEWAY, renderVirtualServiceSpec } from '../../src/istio/virtual-service-renderer';
import { StringMatch } from '../../src/core/request-match';
import { ModelDestination, RouteModel } from '../../src/core/route-model';

const service = MeshService.fromServiceAttributes(Testing.chart(), 'svc', { name: 'httpbin', ports: [8000] });
const dest = (subset: string, port?: number): ModelDestination => ({ service, host: 'httpbin', subset, port });
const model = (over: Partial<RouteModel> = {}): RouteModel => ({
  name: 'httpbin',
  hosts: ['httpbin'],
  gateways: [],
  mesh: true,
  rules: [{ destinations: [{ ...dest('v1', 8000), weight: 100 }], mirrors: [] }],
  ...over,
});

describe('renderVirtualServiceSpec', () => {
  test('mesh only: no gateways field', () => {
    expect(renderVirtualServiceSpec(model())).toEqual({
      hosts: ['httpbin'],
      gateways: undefined,
      http: [{ route: [{ destination: { host: 'httpbin', subset: 'v1', port: { number: 8000 } }, weight: 100 }] }],
    });
  });

  test('gateways, plus mesh when the route also applies to the mesh', () => {
    expect(renderVirtualServiceSpec(model({ gateways: ['gw'], mesh: false })).gateways).toEqual(['gw']);
    expect(renderVirtualServiceSpec(model({ gateways: ['gw'], mesh: true })).gateways).toEqual(['gw', MESH_GATEWAY]);
  });

  test('one mirror: mirror + mirrorPercentage; several: mirrors only', () => {
    const one = renderVirtualServiceSpec(model({ rules: [{ destinations: [{ ...dest('v1'), weight: 100 }], mirrors: [{ destination: dest('v2', 8000), percent: 10 }] }] }));
    expect(one.http![0]).toMatchObject({ mirror: { host: 'httpbin', subset: 'v2', port: { number: 8000 } }, mirrorPercentage: { value: 10 } });
    expect(one.http![0].mirrors).toBeUndefined();
    const two = renderVirtualServiceSpec(model({
      rules: [{ destinations: [{ ...dest('v1'), weight: 100 }], mirrors: [{ destination: dest('v2'), percent: 100 }, { destination: dest('v3'), percent: 5 }] }],
    }));
    expect(two.http![0].mirror).toBeUndefined();
    expect(two.http![0].mirrorPercentage).toBeUndefined();
    expect(two.http![0].mirrors).toEqual([
      { destination: { host: 'httpbin', subset: 'v2', port: undefined }, percentage: { value: 100 } },
      { destination: { host: 'httpbin', subset: 'v3', port: undefined }, percentage: { value: 5 } },
    ]);
  });

  test('matches, name, timeout, retries and headers', () => {
    const spec = renderVirtualServiceSpec(model({
      rules: [{
        name: 'mirrored',
        matches: [{ uri: StringMatch.regex('^/a/[0-9]+$'), method: StringMatch.exact('GET'), headers: { 'x-a': StringMatch.prefix('b') }, queryParams: {} }],
        destinations: [{ ...dest('v1'), weight: 100 }],
        mirrors: [],
        timeoutMillis: 250,
        retries: { attempts: 2, perTryTimeoutMillis: 100, retryOn: ['5xx', '503'] },
        requestHeaders: { set: { 'x-a': '1' }, add: {}, remove: [] },
        responseHeaders: { remove: ['server'] },
      }],
    }));
    expect(spec.http![0]).toEqual({
      name: 'mirrored',
      match: [{ uri: { regex: '^/a/[0-9]+$' }, method: { exact: 'GET' }, headers: { 'x-a': { prefix: 'b' } }, queryParams: undefined }],
      route: [{ destination: { host: 'httpbin', subset: 'v1', port: undefined }, weight: 100 }],
      timeout: '0.25s',
      retries: { attempts: 2, perTryTimeout: '0.1s', retryOn: '5xx,503' },
      headers: { request: { set: { 'x-a': '1' }, add: undefined, remove: undefined }, response: { set: undefined, add: undefined, remove: ['server'] } },
    });
  });
});
