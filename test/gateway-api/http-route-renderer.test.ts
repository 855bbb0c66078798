import { Duration, Testing } from 'cdk8s';
import { HttpMirrorRoute, HttpMirrorRouteProps } from '../../src/gateway-api/http-mirror-route';
import { StringMatch } from '../../src/core/request-match';
import { expectValidManifests } from '../support/schema';
import { GatewayApiFixture, gatewayApiFixture, only } from './support';

// The renderer through the route that uses it: matches, methods and what the Gateway API cannot express.
function rules(f: GatewayApiFixture, props: Partial<HttpMirrorRouteProps>): any[] {
  new HttpMirrorRoute(f.chart, 'route', {
    destination: { service: f.service, version: 'v1' },
    mirror: { service: f.service, version: 'v2' },
    gateways: [f.gateway],
    ...props,
  });
  expectValidManifests(Testing.synth(f.chart));
  return only(f.chart, 'HTTPRoute', 'httpbin').spec.rules;
}

describe('HttpRouteRenderer', () => {
  test('mirrorMatches: path Exact / PathPrefix / RegularExpression, headers and query parameters Exact / RegularExpression, method', () => {
    const f = gatewayApiFixture();
    const [mirrored, fallback] = rules(f, {
      mirrorMatches: [
        { uri: StringMatch.exact('/get'), method: StringMatch.exact('GET') },
        { uri: StringMatch.prefix('/api/'), headers: { 'x-mirror': StringMatch.exact('yes'), 'x-user': StringMatch.regex('beta-.*') } },
        { uri: StringMatch.regex('/orders/[0-9]+'), queryParams: { debug: StringMatch.exact('1'), v: StringMatch.regex('[0-9]') } },
      ],
    });
    expect(mirrored.name).toBe('mirrored');
    expect(mirrored.matches).toEqual([
      { path: { type: 'Exact', value: '/get' }, method: 'GET' },
      {
        path: { type: 'PathPrefix', value: '/api/' },
        headers: [{ type: 'Exact', name: 'x-mirror', value: 'yes' }, { type: 'RegularExpression', name: 'x-user', value: 'beta-.*' }],
      },
      {
        path: { type: 'RegularExpression', value: '/orders/[0-9]+' },
        queryParams: [{ type: 'Exact', name: 'debug', value: '1' }, { type: 'RegularExpression', name: 'v', value: '[0-9]' }],
      },
    ]);
    expect(mirrored.filters).toHaveLength(1);
    expect(fallback).toEqual({ name: 'default', backendRefs: mirrored.backendRefs });
    expect(mirrored).toMatchSnapshot();
  });

  test('mirrorSafeMethodsOnly: one match per safe method', () => {
    const f = gatewayApiFixture();
    const [mirrored] = rules(f, { mirrorSafeMethodsOnly: true });
    expect(mirrored.matches).toEqual([{ method: 'GET' }, { method: 'HEAD' }, { method: 'OPTIONS' }]);
  });

  test('matches and safe methods: the cross product, one match per match and method', () => {
    const f = gatewayApiFixture();
    const [mirrored] = rules(f, { mirrorSafeMethodsOnly: true, mirrorMatches: [{ uri: StringMatch.prefix('/a') }, { uri: StringMatch.prefix('/b') }] });
    expect(mirrored.matches.map((m: any) => `${m.method} ${m.path.value}`)).toEqual(['GET /a', 'HEAD /a', 'OPTIONS /a', 'GET /b', 'HEAD /b', 'OPTIONS /b']);
  });

  describe('failures', () => {
    const expectFailure = (props: Partial<HttpMirrorRouteProps>, message: RegExp) => {
      const f = gatewayApiFixture();
      expect(() => new HttpMirrorRoute(f.chart, 'route', {
        destination: { service: f.service, version: 'v1' },
        mirror: { service: f.service, version: 'v2' },
        gateways: [f.gateway],
        ...props,
      })).toThrow(message);
    };

    test('fails when a header match is a prefix match', () => {
      expectFailure({ mirrorMatches: [{ headers: { 'x-a': StringMatch.prefix('b') } }] }, /mirrorMatches\[0\]\.headers\["x-a"\] is a prefix match.*\(the Gateway API\)/);
    });

    test('fails when a query parameter match is a prefix match', () => {
      expectFailure({ mirrorMatches: [{ queryParams: { a: StringMatch.prefix('b') } }] }, /queryParams\["a"\] is a prefix match/);
    });

    test('fails when the method is a regex', () => {
      expectFailure({ mirrorMatches: [{ method: StringMatch.regex('GET|HEAD') }] }, /mirrorMatches\[0\]\.method is a regex match.*one match per method/);
    });

    test('fails when the method is not one an HTTPRoute matches', () => {
      expectFailure({ mirrorMatches: [{ method: StringMatch.exact('PURGE') }] }, /method "PURGE" is not one of the methods an HTTPRoute matches/);
    });

    test('fails when a path is not an absolute path', () => {
      expectFailure({ mirrorMatches: [{ uri: StringMatch.prefix('api') }] }, /mirrorMatches\[0\]\.uri prefix "api" is not an HTTPRoute path: it must be an absolute path/);
    });

    test('fails when a path contains "//"', () => {
      expectFailure({ mirrorMatches: [{ uri: StringMatch.exact('/a//b') }] }, /must not contain "\/\/"/);
    });

    test('fails when a header modifier changes a pseudo-header', () => {
      expectFailure({ requestHeaders: { set: { ':authority': 'x' } } }, /requestHeaders\.set: ":authority" is a pseudo-header/);
    });

    test('fails when a header modifier names a header twice in different case', () => {
      expectFailure({ responseHeaders: { set: { 'X-A': '1', 'x-a': '2' } } }, /responseHeaders\.set lists header "x-a" twice/);
    });

    test('fails when a header modifier has more than 16 headers', () => {
      const set = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`x-h${i}`, 'v']));
      expectFailure({ requestHeaders: { set } }, /requestHeaders\.set lists 17 headers, more than the 16/);
    });

    test('fails when a rule needs more than 64 matches', () => {
      const mirrorMatches = Array.from({ length: 22 }, (_, i) => ({ uri: StringMatch.prefix(`/p${i}`) }));
      expectFailure({ mirrorMatches, mirrorSafeMethodsOnly: true }, /needs 66 HTTPRoute matches.*more than the 64/);
    });

    test('fails when a mirror percentage has too many decimals', () => {
      expectFailure({ mirrorPercent: 12.123456789 }, /mirror percentage 12.123456789 of httpbin has more than 7 decimals/);
    });

    test('fails when the timeout does not fit a Gateway API duration', () => {
      expectFailure({ timeout: Duration.hours(100000) }, /timeout 360000000000ms does not fit a Gateway API duration/);
    });
  });
});
