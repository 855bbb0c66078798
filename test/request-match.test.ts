import { re2ToJavaScript, requestMatchProblems, safeMethodMatch, StringMatch, StringMatchType } from '../src/request-match';

describe('StringMatch', () => {
  test('exact, prefix and regex render as Istio StringMatch', () => {
    expect(StringMatch.exact('GET').toIstio()).toEqual({ exact: 'GET' });
    expect(StringMatch.prefix('/api/').toIstio()).toEqual({ prefix: '/api/' });
    expect(StringMatch.regex('^/orders/[0-9]+$').toIstio()).toEqual({ regex: '^/orders/[0-9]+$' });
    expect(StringMatch.prefix('/api/').type).toBe(StringMatchType.PREFIX);
    expect(String(StringMatch.exact('a'))).toBe('exact "a"');
  });

  test('safe methods are GET, HEAD and OPTIONS as a full-match regex', () => {
    const m = safeMethodMatch();
    const re = new RegExp(m.value);
    expect(['GET', 'HEAD', 'OPTIONS'].every(x => re.test(x))).toBe(true);
    expect(['POST', 'PUT', 'DELETE', 'PATCH', 'GETX'].some(x => re.test(x))).toBe(false);
  });

  test.each([['exact'], ['prefix'], ['regex']])('fails when %s is empty', (factory) => {
    expect(() => (StringMatch as any)[factory]('')).toThrow(new RegExp(`StringMatch.${factory} needs a non-empty value`));
  });

  test('fails when a regex does not compile', () => {
    expect(() => StringMatch.regex('(unclosed')).toThrow(/"\(unclosed" is not a valid regular expression/);
    expect(() => StringMatch.regex('a++')).toThrow(/is not a valid regular expression/);
  });

  test.each([
    ['^/a(?=b)', 'lookahead'],
    ['^/a(?!b)', 'lookahead'],
    ['(?<=a)b', 'lookbehind'],
    ['(?<!a)b', 'lookbehind'],
    ['(a)\\1', 'backreference'],
    ['(?<x>a)\\k<x>', 'named backreference'],
  ])('fails when a regex %p uses a %s (not RE2)', (pattern, what) => {
    expect(() => StringMatch.regex(pattern)).toThrow(new RegExp(`uses a ${what}.*RE2`));
  });

  test.each([
    '(?i)^/api',
    '(?i)^/API/(?P<id>[0-9]+)$',
    '(?P<id>[0-9]+)',
    '(?<id>[0-9]+)',
    '(?s).*',
    '^/a(?i:bc)d$',
    '(?i-s)^/x',
    '(?-s)^/x',
    '^/api/(?P<version>v[0-9]+)/(?i:users|orders)$',
    '[]a]+',
  ])('RE2-only syntax %p is accepted (flag groups, named groups)', pattern => {
    expect(StringMatch.regex(pattern).toIstio()).toEqual({ regex: pattern });
  });

  test.each([
    ['(?P=id)', 'named backreference or recursion'],
    ['(?i)(a)\\1', 'backreference'],
    ['(?i)^/a(?=b)', 'lookahead'],
    ['(?P<x>a)(?<=a)', 'lookbehind'],
  ])('fails when a regex %p uses a %s, with RE2 flag or named groups around it', (pattern, what) => {
    expect(() => StringMatch.regex(pattern)).toThrow(new RegExp(`uses a ${what}.*RE2`));
  });

  test.each(['(?i', '(?P<id>[0-9]+', '(?i)*', '\\(?i)'])('fails when RE2-style pattern %p does not compile', pattern => {
    expect(() => StringMatch.regex(pattern)).toThrow(/is not a valid regular expression/);
  });

  test('re2ToJavaScript rewrites only RE2 group syntax outside escapes and classes', () => {
    expect(re2ToJavaScript('(?i)^/api')).toBe('^/api');
    expect(re2ToJavaScript('(?P<id>[0-9]+)')).toBe('(?<id>[0-9]+)');
    expect(re2ToJavaScript('(?i:a)(?:b)')).toBe('(?:a)(?:b)');
    expect(re2ToJavaScript('[(?i)]\\(?i\\)')).toBe('[(?i)]\\(?i\\)');
  });

  test('RE2-compatible regexes are accepted', () => {
    expect(() => StringMatch.regex('^(GET|HEAD)$')).not.toThrow();
    expect(() => StringMatch.regex('^/v[12]/(?:users|orders)/\\d+$')).not.toThrow();
    expect(() => StringMatch.regex('a{2,3}?')).not.toThrow();
  });
});

describe('requestMatchProblems', () => {
  test('a match with conditions is fine', () => {
    expect(requestMatchProblems({ uri: StringMatch.prefix('/'), headers: { 'x-a': StringMatch.exact('1') } }, 'm')).toEqual([]);
  });

  test('reports empty matches, bad methods, header names and prefix query params', () => {
    expect(requestMatchProblems({}, 'm')).toEqual([expect.stringMatching(/m has no conditions/)]);
    expect(requestMatchProblems({ headers: {}, queryParams: {} }, 'm')).toEqual([expect.stringMatching(/m has no conditions/)]);
    expect(requestMatchProblems({ method: StringMatch.exact('get') }, 'm')).toEqual([expect.stringMatching(/m.method must be an uppercase HTTP method/)]);
    expect(requestMatchProblems({ headers: { 'X-A': StringMatch.exact('1') } }, 'm')).toEqual([expect.stringMatching(/not a lowercase HTTP header name/)]);
    expect(requestMatchProblems({ queryParams: { q: StringMatch.prefix('x') } }, 'm')).toEqual([expect.stringMatching(/prefix match, which Istio does not support/)]);
  });
});
