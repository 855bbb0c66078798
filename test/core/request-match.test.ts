import { requestMatchProblems, safeMethodMatch, StringMatch, StringMatchType } from '../../src/core/request-match';

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

  test('the error names the factory, the pattern and why', () => {
    expect(() => StringMatch.regex('^/a(?=b)')).toThrow(
      'StringMatch.regex: "^/a(?=b)" is not a valid RE2 regular expression (Envoy and Istio use RE2): lookahead (?= is not supported by RE2');
  });
});

describe('StringMatch.regex accepts RE2 syntax', () => {
  test.each([
    // Typical Istio URI, header and method matches.
    '^/api/v[0-9]+/.*', '(?i)^bearer .+', '.*\\.(png|jpg)$', '^(GET|HEAD)$', '^/v[12]/(?:users|orders)/\\d+$', 'a{2,3}?', '1|true',
    '^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$', '\\bfoo\\b', '\\Aabc\\z', '^/😀+$',
    // Flag and named groups, which JavaScript lacks.
    '(?i)^/api', '(?i)^/API/(?P<id>[0-9]+)$', '(?P<id>[0-9]+)', '(?<id>[0-9]+)', '(?s).*', '^/a(?i:bc)d$', '(?i-s)^/x', '(?-s)^/x', '(?U)a+',
    '(?)', '^/api/(?P<version>v[0-9]+)/(?i:users|orders)$', 'a(?i)*',
    // Escapes that RE2 has and JavaScript spells differently or not at all.
    '^C:\\\\1', '^/a\\12', '\\0', '\\777', '^/caf\\x{e9}', '^/caf\\xe9', '\\x{10FFFF}', '\\Qa.b*c\\E+', '\\Qno end', '\\_', '\\#', '\\/', '\\-',
    // Escaped or in-class characters that look like lookahead.
    '^/x\\(?=', '^/x[(?!]',
    // Unicode and POSIX classes.
    '\\p{Greek}+', '\\pL\\pN*', '\\PL', '\\p{^Greek}', '\\P{^L}', '[\\p{Han}\\p{Hiragana}]+', '\\p{Any}', '[[:alpha:]]+', '[[:^digit:]]', '[:alpha:]',
    // Class edge cases: a leading ], a class before -, a trailing -.
    '[]a]+', '[^]a]', '[\\d-z]', '[a-]', '[-a]', '[\\x00-\\x{10FFFF}]',
    // Repeat edge cases: the maximum, products within 1000, braces that are literal.
    'a{1000}', '(a{2}){500}', '(a{1000})*', '(a{1}){1000}', 'a{', 'a{,2}', 'a{01}', '^*',
  ])('%p', pattern => {
    expect(StringMatch.regex(pattern).toIstio()).toEqual({ regex: pattern });
  });

  test('999 nested groups', () => {
    expect(() => StringMatch.regex('('.repeat(999) + ')'.repeat(999))).not.toThrow();
  });
});

describe('StringMatch.regex rejects what RE2 rejects', () => {
  test.each([
    // Lookaround, backreferences and other Perl/PCRE constructs.
    ['^/a(?=b)', 'lookahead (?= is not supported by RE2'],
    ['^/a(?!b)', 'lookahead (?! is not supported by RE2'],
    ['(?<=a)b', 'lookbehind (?<= is not supported by RE2'],
    ['(?<!a)b', 'lookbehind (?<! is not supported by RE2'],
    ['(?i)^/a(?=b)', 'lookahead (?= is not supported by RE2'],
    ['(a)\\1', 'backreference \\1 is not supported by RE2'],
    ['\\8', 'backreference \\8 is not supported by RE2'],
    ['(?<x>a)\\k<x>', '\\k is not an RE2 escape (RE2 has no backreferences)'],
    ['(?P=id)', 'named backreference (?P= is not supported by RE2'],
    ['(?P>a)', 'recursion (?P> is not supported by RE2'],
    ['(?>a)', 'atomic group (?> is not supported by RE2'],
    ['(?#c)', 'comment group (?# is not supported by RE2'],
    ['a*+', 'possessive quantifier *+ is not supported by RE2'],
    ['a{2}+', 'possessive quantifier {2}+ is not supported by RE2'],
    ['a**', '** repeats a repeat, which RE2 does not allow'],
    ['a{2}{3}', '{2}{3} repeats a repeat'],
    // Escapes that JavaScript or PCRE have and RE2 lacks.
    ['^/caf\\u00e9', '\\u is not an RE2 escape (write a code point as \\x{e9})'],
    ['^/a\\q', '\\q is not an RE2 escape'],
    ['\\e', '\\e is not an RE2 escape'],
    ['\\Z', '\\Z is not an RE2 escape (use \\z for the end of the text)'],
    ['\\C', '\\C is not an RE2 escape'],
    ['\\cA', '\\c is not an RE2 escape'],
    ['\\é', '\\é is not an RE2 escape (only ASCII punctuation can be escaped'],
    ['[\\b]', '\\b is not an RE2 escape (inside a character class'],
    ['\\x4', '\\x must be followed by two hex digits'],
    ['\\x{}', '\\x must be followed by two hex digits'],
    ['\\x{110000}', '\\x{110000} is beyond U+10FFFF'],
    ['a\\', 'it ends with a lone \\'],
    // Unicode and POSIX class names.
    ['\\pX', '\\pX is not a Unicode class RE2 knows'],
    ['\\p{Foo}', '\\p{Foo} is not a Unicode class RE2 knows'],
    ['\\p{Emoji}', '\\p{Emoji} is not a Unicode class RE2 knows'],
    ['\\p{Greek', '\\p{Greek has no closing }'],
    ['[[:foo:]]', '[:foo:] is not a POSIX class'],
    // Character classes.
    ['[a-\\d]', '\\d cannot end a range in a character class'],
    ['[z-a]', 'the range z-a in a character class is reversed (U+007A comes after U+0061)'],
    ['[]', 'the character class [] has no closing ]'],
    ['[a-z', 'the character class [a-z has no closing ]'],
    // Repeats.
    ['a{1001}', 'repeat count 1001 in {1001} exceeds RE2\'s maximum 1000'],
    ['a{2,99999999999}', 'repeat count 99999999999 in {2,99999999999} exceeds RE2\'s maximum 1000'],
    ['x{2,1}', 'the repeat {2,1} has its minimum above its maximum'],
    ['(a{2}){501}', 'the nested repeats around {501} repeat more than RE2\'s maximum 1000 times'],
    ['*', '* at offset 0 has nothing to repeat'],
    ['a|*', '* at offset 2 has nothing to repeat'],
    ['(?i)*', '* at offset 4 has nothing to repeat'],
    // Groups and flags.
    ['(unclosed', 'the ( at offset 0 has no closing )'],
    ['(?P<id>[0-9]+', 'the ( at offset 0 has no closing )'],
    ['a)', 'the ) at offset 1 closes no group'],
    ['\\(?i)', 'the ) at offset 4 closes no group'],
    ['(?i', '(?i is not a flag group'],
    ['(?i-)', '(?i-) is not a flag group'],
    ['(?x)a', 'flag x in (?x is not an RE2 flag (RE2 has i, m, s and U)'],
    ['(?<a-b>x)', '"a-b" in (?<a-b> is not a group name'],
    ['(?P<a>x)(?P<a>y)', 'two groups are named "a"'],
  ])('fails when a regex is %p', (pattern, why) => {
    expect(() => StringMatch.regex(pattern)).toThrow(`StringMatch.regex: ${JSON.stringify(pattern)} is not a valid RE2 regular expression`);
    expect(() => StringMatch.regex(pattern)).toThrow(why);
  });

  test('fails when groups nest more than 1000 deep', () => {
    expect(() => StringMatch.regex('('.repeat(1000) + ')'.repeat(1000))).toThrow('it nests more than 1000 levels deep');
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
