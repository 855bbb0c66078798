import { re2SyntaxProblem } from './rules/re2-syntax';

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

/**
 * A condition on one request attribute (URI, method, a header or a query parameter): exact, prefix or regex.
 *
 * @example
 * StringMatch.prefix('/api/');
 * StringMatch.regex('/orders/[0-9]+'); // RE2, matched against the whole value: no anchors needed
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export class StringMatch {
  /**
   * Matches when the attribute equals `value`.
   *
   * @param value the exact value, non-empty
   */
  public static exact(value: string): StringMatch {
    return new StringMatch(StringMatchType.EXACT, checkNonEmpty('exact', value));
  }

  /**
   * Matches when the attribute starts with `value`.
   *
   * @param value the prefix, non-empty
   */
  public static prefix(value: string): StringMatch {
    return new StringMatch(StringMatchType.PREFIX, checkNonEmpty('prefix', value));
  }

  /**
   * Matches when the whole attribute matches the RE2 regular expression `pattern`.
   *
   * The route that uses the match checks the pattern with its API's rules, naming the route and the prop: with the
   * Istio API, RE2 syntax as Envoy and Istio's webhook parse it (RE2's flag groups `(?i)^/api`, named groups
   * `(?P<id>[0-9]+)`, `\x{e9}` and `\p{Greek}` are accepted; lookaround, backreferences, possessive quantifiers,
   * `\Z`, `\u00e9` and repeat counts above 1000 are rejected at construction rather than by Envoy, which would
   * reject the whole route).
   *
   * @see https://github.com/google/re2/wiki/Syntax
   *
   * @param pattern an RE2 regular expression, matched against the whole value
   */
  public static regex(pattern: string): StringMatch {
    return new StringMatch(StringMatchType.REGEX, checkNonEmpty('regex', pattern));
  }

  private constructor(
    /** How the attribute is compared. */
    public readonly type: StringMatchType,
    /** The value or pattern. */
    public readonly value: string,
  ) {}

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

/**
 * Why `m`, when it is a regular-expression match, is not valid RE2 (the syntax Envoy uses, and so Istio and the
 * Envoy-based Gateway API implementations); undefined for a valid regex or another kind of match.
 */
export function regexProblem(m: StringMatch | undefined): string | undefined {
  return m?.type === StringMatchType.REGEX ? re2SyntaxProblem(m.value) : undefined;
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const METHOD = /^[A-Z]+$/;

/**
 * The problems of one request match that every API shares, each a message saying what is wrong and what is allowed
 * (empty when fine). What only one API rejects (Istio: RE2 syntax, prefix matches on query parameters) is checked by
 * that API's renderer.
 */
export function requestMatchProblems(match: RequestMatch, where: string): string[] {
  const problems: string[] = [];
  if (match.uri === undefined && match.method === undefined && isEmpty(match.headers) && isEmpty(match.queryParams)) {
    problems.push(`${where} has no conditions: give at least one of uri, method, headers or queryParams (an empty match matches every request)`);
  }
  if (match.method !== undefined && match.method.type !== StringMatchType.REGEX && !METHOD.test(match.method.value)) {
    problems.push(`${where}.method must be an uppercase HTTP method such as "GET", got ${JSON.stringify(match.method.value)}`);
  }
  for (const name of Object.keys(match.headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      problems.push(`${where}.headers: ${JSON.stringify(name)} is not a lowercase HTTP header name (lowercase names such as "x-user-group")`);
    }
  }
  for (const name of Object.keys(match.queryParams ?? {})) {
    if (name.length === 0) {
      problems.push(`${where}.queryParams: a query parameter name must not be empty`);
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
