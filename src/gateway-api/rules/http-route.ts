/**
 * Gateway API rules on HTTPRoute fields (v1.6.1 standard channel), as the CRD's schema and CEL rules state them:
 * pure functions, no cdk8s.
 */

/** The methods an `HTTPRouteMatch.method` accepts (an enum in the CRD). */
export const HTTP_ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/** The most matches one rule may have (`maxItems`). */
export const MAX_MATCHES_PER_RULE = 64;
/** The most matches all rules of a route may have together (a CEL rule on `spec.rules`). */
export const MAX_MATCHES_PER_ROUTE = 128;
/** The most headers one header modifier may set, add or remove each (`maxItems`). */
export const MAX_HEADER_OPERATIONS = 16;

const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

/**
 * Why an `Exact` or `PathPrefix` path value is rejected by the CRD's CEL rules, or undefined when it is accepted.
 */
export function pathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return 'it must be an absolute path starting with "/"';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
    if (value.includes(bad)) return `it must not contain ${JSON.stringify(bad)}`;
  }
  for (const bad of ['/..', '/.']) {
    if (value.endsWith(bad)) return `it must not end with ${JSON.stringify(bad)}`;
  }
  if (!PATH_CHARS.test(value)) return 'it may contain only the characters of a URL path (letters, digits, -._~!$&\'()*+,;=:@/ and %XX escapes)';
  return undefined;
}

/**
 * A duration in the Gateway API's format (GEP-2257: up to four `<number><unit>` parts with units h, m, s, ms, each
 * number at most 5 digits), e.g. 250 -> `250ms`, 1000 -> `1s`, 90000 -> `1m30s`; undefined when it does not fit.
 */
export function gatewayApiDuration(millis: number): string | undefined {
  if (!Number.isInteger(millis) || millis < 0) return undefined;
  if (millis === 0) return '0s';
  const units: Array<[string, number]> = [['h', 3600000], ['m', 60000], ['s', 1000], ['ms', 1]];
  let rest = millis;
  let text = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) text += `${n}${unit}`;
  }
  return /^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(text) ? text : undefined;
}

/** Whether a hostname is one an HTTPRoute or a listener accepts: a DNS name, optionally with a leading `*.` (never `*` alone, never an IP). */
export function isGatewayApiHostname(host: string): boolean {
  return /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(host) && host.length <= 253
    && !/^[0-9.]+$/.test(host);
}

/**
 * Whether a route hostname and a listener hostname intersect, as the Gateway API attaches routes to listeners: equal,
 * or one a wildcard (`*.example.com`) that covers the other (one or more labels in front of the suffix).
 */
export function hostnamesIntersect(a: string, b: string): boolean {
  const covers = (wild: string, other: string) => wild.startsWith('*.') && other.endsWith(wild.slice(1)) && other.length > wild.length - 1;
  return a === b || covers(a, b) || covers(b, a);
}
