import { gatewayApiDuration, hostnamesIntersect, isGatewayApiHostname, pathProblem } from '../../../src/gateway-api/rules/http-route';

describe('HTTPRoute rules', () => {
  test('durations in the Gateway API format', () => {
    expect([250, 1000, 90000, 3723004, 0].map(gatewayApiDuration)).toEqual(['250ms', '1s', '1m30s', '1h2m3s4ms', '0s']);
    expect(gatewayApiDuration(100000 * 3600000)).toBeUndefined();
  });
  test('paths as the CRD\'s CEL rules accept them', () => {
    expect(pathProblem('/api/v1')).toBeUndefined();
    expect(pathProblem('api')).toMatch(/absolute path/);
    expect(pathProblem('/a/../b')).toMatch(/"\/..\/"/);
    expect(pathProblem('/a/.')).toMatch(/end with/);
    expect(pathProblem('/a b')).toMatch(/characters of a URL path/);
  });
  test('hostnames and their intersection', () => {
    expect(['a.example.com', '*.example.com', '*', '10.0.0.1'].map(isGatewayApiHostname)).toEqual([true, true, false, false]);
    expect(hostnamesIntersect('*.example.com', 'a.example.com')).toBe(true);
    expect(hostnamesIntersect('example.com', '*.example.com')).toBe(false);
    expect(hostnamesIntersect('a.example.com', 'b.example.com')).toBe(false);
  });
});
