/**
 * How a `StringMatch` compares a request attribute with its value.
 *
 * The values are the field names of Istio's `StringMatch`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export enum StringMatchType {
  /** The attribute equals the value. */
  EXACT = 'exact',
  /** The attribute starts with the value. */
  PREFIX = 'prefix',
  /** The whole attribute matches the value as an RE2 regular expression. */
  REGEX = 'regex',
}

// RE2 (the regex engine of Envoy, which evaluates Istio's `regex` matches) has no lookaround and no backreferences;
// Envoy rejects the whole route configuration when a pattern uses them, so catch them here where the error can name
// the pattern. (Atomic groups and possessive quantifiers, which RE2 lacks too, already fail to compile in JavaScript.)
const RE2_UNSUPPORTED: Array<[RegExp, string]> = [
  [/\(\?[=!]/, 'lookahead (?= or (?!'],
  [/\(\?<[=!]/, 'lookbehind (?<= or (?<!'],
  [/\\[1-9]/, 'backreference such as \\1'],
  [/\\k</, 'named backreference \\k<name>'],
  [/\(\?P[=>]/, 'named backreference or recursion (?P=name) / (?P>name)'],
];

/**
 * Rewrites the RE2 group syntax that JavaScript's engine lacks into JavaScript syntax, so that `new RegExp` can check
 * the rest of the pattern: flag groups `(?i)`, `(?s-m)` (dropped: flags change what matches, not whether the pattern is
 * well-formed), scoped flag groups `(?i:...)` (become `(?:...)`) and Python-style named groups `(?P<name>...)` (become
 * `(?<name>...)`). Escapes and character classes are copied unchanged, so `\(?i)` or `[(?i)]` are left alone.
 *
 * @see https://github.com/google/re2/wiki/Syntax (Grouping, Flags)
 */
export function re2ToJavaScript(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
    } else if (inClass) {
      inClass = c !== ']';
      out += c;
    } else if (c === '[') {
      inClass = true;
      // In RE2 a ']' right after '[' or '[^' is a literal member of the class; JavaScript reads `[]` as an empty class.
      const open = pattern.startsWith('[^', i) ? '[^' : '[';
      out += open;
      i += open.length - 1;
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i++;
      }
    } else if (c === '(' && pattern[i + 1] === '?') {
      const flags = /^\(\?[imsU]*(?:-[imsU]+)?([):])/.exec(pattern.slice(i));
      const named = /^\(\?P</.exec(pattern.slice(i));
      if (flags && flags[0] !== '(?:' && flags[0] !== '(?)') {
        out += flags[1] === ':' ? '(?:' : '';
        i += flags[0].length - 1;
      } else if (named) {
        out += '(?<';
        i += named[0].length - 1;
      } else {
        out += c;
      }
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * A condition on one request attribute (URI, method, a header or a query parameter): exact, prefix or regex.
 *
 * @example
 * StringMatch.prefix('/api/');
 * StringMatch.regex('^/orders/[0-9]+$');
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export class StringMatch {
  /** Matches when the attribute equals `value`. */
  public static exact(value: string): StringMatch {
    return new StringMatch(StringMatchType.EXACT, checkNonEmpty('exact', value));
  }

  /** Matches when the attribute starts with `value`. */
  public static prefix(value: string): StringMatch {
    return new StringMatch(StringMatchType.PREFIX, checkNonEmpty('prefix', value));
  }

  /**
   * Matches when the whole attribute matches the RE2 regular expression `pattern`.
   *
   * The pattern is checked as RE2 syntax: RE2's flag groups (`(?i)^/api`, `(?i:...)`) and named groups
   * (`(?P<id>[0-9]+)`) are accepted, and what RE2 lacks (lookahead, lookbehind, backreferences) is rejected, as
   * Envoy would reject the route.
   *
   * @see https://github.com/google/re2/wiki/Syntax
   */
  public static regex(pattern: string): StringMatch {
    checkNonEmpty('regex', pattern);
    // What RE2 lacks is named first: some of it (`(?P=name)`) would otherwise only fail as a JavaScript syntax error.
    for (const [re, what] of RE2_UNSUPPORTED) {
      if (re.test(pattern)) {
        throw new Error(`StringMatch.regex: ${JSON.stringify(pattern)} uses a ${what}, which RE2 (Envoy's regex engine) does not support: `
          + 'rewrite it without it, e.g. with several matches');
      }
    }
    try {
      new RegExp(re2ToJavaScript(pattern));
    } catch (e) {
      throw new Error(`StringMatch.regex: ${JSON.stringify(pattern)} is not a valid regular expression (${(e as Error).message})`);
    }
    return new StringMatch(StringMatchType.REGEX, pattern);
  }

  private constructor(
    /** How the attribute is compared. */
    public readonly type: StringMatchType,
    /** The value or pattern. */
    public readonly value: string,
  ) {}

  /** The Istio `StringMatch` object, e.g. `{ prefix: '/api/' }`. */
  public toIstio(): { [key: string]: string } {
    return { [this.type]: this.value };
  }

  /** A readable form for messages, e.g. `prefix "/api/"`. */
  public toString(): string {
    return `${this.type} ${JSON.stringify(this.value)}`;
  }
}

/**
 * Conditions a request must meet; all of the given conditions must hold (AND). A list of `RequestMatch` matches
 * when any of them does (OR).
 *
 * @example
 * const match: RequestMatch = {
 *   uri: StringMatch.prefix('/api/'),
 *   headers: { 'x-mirror': StringMatch.exact('yes') },
 * };
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export interface RequestMatch {
  /**
   * The request path (with query string), e.g. `StringMatch.prefix('/api/')`.
   *
   * @default - any URI
   */
  readonly uri?: StringMatch;
  /**
   * The HTTP method, e.g. `StringMatch.exact('GET')` or `StringMatch.regex('GET|HEAD')`.
   *
   * @default - any method
   */
  readonly method?: StringMatch;
  /**
   * Request headers by lowercase name, e.g. `{ 'x-user-group': StringMatch.exact('beta') }`.
   *
   * @default - no header conditions
   */
  readonly headers?: { [name: string]: StringMatch };
  /**
   * Query parameters by name. Istio supports only `exact` and `regex` here.
   *
   * @default - no query parameter conditions
   */
  readonly queryParams?: { [name: string]: StringMatch };
}

/** The methods that RFC 9110 defines as safe (read-only); mirroring only them never duplicates writes. */
export const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/** A match on the safe methods only. */
export function safeMethodMatch(): StringMatch {
  return StringMatch.regex(`^(${SAFE_METHODS.join('|')})$`);
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const METHOD = /^[A-Z]+$/;

/**
 * The problems of one request match, each a message saying what is wrong and what is allowed (empty when fine).
 */
export function requestMatchProblems(match: RequestMatch, where: string): string[] {
  const problems: string[] = [];
  if (match.uri === undefined && match.method === undefined && isEmpty(match.headers) && isEmpty(match.queryParams)) {
    problems.push(`${where} has no conditions: give at least one of uri, method, headers or queryParams (an empty match matches every request)`);
  }
  if (match.method !== undefined && match.method.type !== StringMatchType.REGEX && !METHOD.test(match.method.value)) {
    problems.push(`${where}.method must be an uppercase HTTP method such as "GET", got ${JSON.stringify(match.method.value)}`);
  }
  for (const [name] of Object.entries(match.headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      problems.push(`${where}.headers: ${JSON.stringify(name)} is not a lowercase HTTP header name (Istio requires lowercase names such as "x-user-group")`);
    }
  }
  for (const [name, value] of Object.entries(match.queryParams ?? {})) {
    if (name.length === 0) {
      problems.push(`${where}.queryParams: a query parameter name must not be empty`);
    }
    if (value.type === StringMatchType.PREFIX) {
      problems.push(`${where}.queryParams["${name}"] is a prefix match, which Istio does not support for query parameters: use exact or regex`);
    }
  }
  return problems;
}

function isEmpty(map: { [key: string]: StringMatch } | undefined): boolean {
  return map === undefined || Object.keys(map).length === 0;
}

function checkNonEmpty(factory: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`StringMatch.${factory} needs a non-empty value, got ${JSON.stringify(value)}: to match any value, leave the condition out`);
  }
  return value;
}
