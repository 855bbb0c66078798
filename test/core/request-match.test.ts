import { requestMatchProblems, SAFE_METHODS, StringMatch, StringMatchType } from '../../src/core/request-match';

describe('StringMatch', () => {
  test('exact, prefix and regex keep their type and value (each renderer writes them in its API\'s form)', () => {
    expect(StringMatch.exact('GET')).toMatchObject({ type: StringMatchType.EXACT, value: 'GET' });
    expect(StringMatch.prefix('/api/')).toMatchObject({ type: StringMatchType.PREFIX, value: '/api/' });
    expect(StringMatch.regex('^/orders/[0-9]+$')).toMatchObject({ type: StringMatchType.REGEX, value: '^/orders/[0-9]+$' });
    expect(String(StringMatch.exact('a'))).toBe('exact "a"');
  });

  test('the safe methods are the read-only methods of RFC 9110', () => {
    expect(SAFE_METHODS).toEqual(['GET', 'HEAD', 'OPTIONS']);
  });

  test('regex takes any pattern: the route that uses it checks the syntax of its API (see the Istio renderer\'s tests)', () => {
    expect(StringMatch.regex('^/a(?=b)').value).toBe('^/a(?=b)');
  });

  test.each([['exact'], ['prefix'], ['regex']])('fails when %s is empty', (factory) => {
    expect(() => (StringMatch as any)[factory]('')).toThrow(new RegExp(`StringMatch.${factory} needs a non-empty value`));
  });
});

describe('requestMatchProblems', () => {
  test('a match with conditions is fine', () => {
    expect(requestMatchProblems({ uri: StringMatch.prefix('/'), headers: { 'x-a': StringMatch.exact('1') } }, 'm')).toEqual([]);
  });

  test('reports empty matches, bad methods, header names and empty query parameter names', () => {
    expect(requestMatchProblems({}, 'm')).toEqual([expect.stringMatching(/m has no conditions/)]);
    expect(requestMatchProblems({ headers: {}, queryParams: {} }, 'm')).toEqual([expect.stringMatching(/m has no conditions/)]);
    expect(requestMatchProblems({ method: StringMatch.exact('get') }, 'm')).toEqual([expect.stringMatching(/m.method must be an uppercase HTTP method/)]);
    expect(requestMatchProblems({ headers: { 'X-A': StringMatch.exact('1') } }, 'm')).toEqual([expect.stringMatching(/not a lowercase HTTP header name/)]);
    expect(requestMatchProblems({ queryParams: { '': StringMatch.exact('x') } }, 'm')).toEqual([expect.stringMatching(/a query parameter name must not be empty/)]);
    // Only Istio lacks prefix matches on query parameters: its renderer rejects them, the shared rules do not.
    expect(requestMatchProblems({ queryParams: { q: StringMatch.prefix('x') } }, 'm')).toEqual([]);
  });
});
