import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ModelHeaderOperations, ModelRetries } from './route-model';
import { fail } from './validate';

/**
 * How the proxy retries a failed request.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export interface RetryOptions {
  /**
   * The number of retries (not counting the first try); 0 turns retries off, including Istio's default retries.
   */
  readonly attempts: number;
  /**
   * The timeout of each try, shorter than the route's `timeout` (Envoy ignores a longer one).
   *
   * @default - the route's timeout
   */
  readonly perTryTimeout?: Duration;
  /**
   * The conditions that trigger a retry: Envoy retry policies (`5xx`, `gateway-error`, `reset`, `connect-failure`,
   * `retriable-4xx`, `refused-stream`, `retriable-status-codes`, gRPC's `cancelled`, `deadline-exceeded`, `internal`,
   * `resource-exhausted`, `unavailable`, ...) and HTTP status codes such as `503`.
   *
   * @default - Istio's default: connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
   */
  readonly retryOn?: string[];
}

/**
 * Changes to the headers of a request or response.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers-HeaderOperations
 */
export interface HeaderOperations {
  /**
   * Headers to set, overwriting any value they have.
   *
   * @default - none
   */
  readonly set?: { [name: string]: string };
  /**
   * Headers to append to (a header that is already present gets a second value).
   *
   * @default - none
   */
  readonly add?: { [name: string]: string };
  /**
   * Headers to remove.
   *
   * @default - none
   */
  readonly remove?: string[];
}

const RETRY_POLICIES = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
];
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * A duration Istio accepts (a route or per-try timeout, a connect timeout, an outlier detection interval): a positive
 * whole number of milliseconds, as Istio's `ValidateDuration` requires (at least 1ms, millisecond precision).
 */
export function checkTimeout(scope: IConstruct, what: string, d: Duration): number {
  const millis = d.toMilliseconds({ integral: false });
  if (!Number.isInteger(millis) || millis < 1) {
    fail(scope, `${what} must be a positive whole number of milliseconds (Istio's precision), got ${millis}ms`);
  }
  return millis;
}

/**
 * An Istio duration (a protobuf Duration in its JSON form): seconds with up to millisecond precision, e.g. `5s` or
 * `0.25s`. Takes the whole milliseconds that `checkTimeout` returns.
 */
export function istioDuration(millis: number): string {
  return `${millis / 1000}s`;
}

/** Validates retry options and resolves them into the route model's form. */
export function resolveRetries(scope: IConstruct, retries: RetryOptions, timeoutMillis: number | undefined): ModelRetries {
  if (!Number.isInteger(retries.attempts) || retries.attempts < 0 || retries.attempts > 2147483647) {
    fail(scope, `retries.attempts must be a non-negative integer (0 turns retries off), got ${retries.attempts}`);
  }
  const perTry = retries.perTryTimeout === undefined ? undefined : checkTimeout(scope, 'retries.perTryTimeout', retries.perTryTimeout);
  if (perTry !== undefined && timeoutMillis !== undefined && perTry >= timeoutMillis) {
    fail(scope, `retries.perTryTimeout (${perTry}ms) must be shorter than timeout (${timeoutMillis}ms): Envoy ignores a per-try timeout `
      + 'that is not, and the whole request times out before any retry');
  }
  for (const condition of retries.retryOn ?? []) {
    if (!RETRY_POLICIES.includes(condition) && !/^[1-5][0-9][0-9]$/.test(condition)) {
      fail(scope, `retries.retryOn: ${JSON.stringify(condition)} is not a retry condition: use HTTP status codes such as "503" or `
        + `one of ${RETRY_POLICIES.join(', ')}`);
    }
  }
  if (retries.attempts === 0 && (perTry !== undefined || (retries.retryOn ?? []).length > 0)) {
    fail(scope, 'retries.attempts is 0 (retries off) but perTryTimeout or retryOn is set: raise attempts or drop them');
  }
  return { attempts: retries.attempts, perTryTimeoutMillis: perTry, retryOn: retries.retryOn === undefined ? undefined : [...retries.retryOn] };
}

/** Validates header operations and resolves them into the route model's form. */
export function resolveHeaderOperations(scope: IConstruct, what: string, ops: HeaderOperations): ModelHeaderOperations {
  const checkName = (name: string) => {
    if (name.startsWith(':') || name.toLowerCase() === 'host') {
      fail(scope, `${what}: ${JSON.stringify(name)} cannot be changed with header operations; Istio uses the route's rewrite.authority for it`);
    }
    if (!HEADER_NAME.test(name)) {
      fail(scope, `${what}: ${JSON.stringify(name)} is not an HTTP header name (letters, digits and !#$%&'*+.^_\`|~-)`);
    }
  };
  const checkValues = (kind: string, map: { [name: string]: string } | undefined) => {
    for (const [name, value] of Object.entries(map ?? {})) {
      checkName(name);
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
        fail(scope, `${what}.${kind}["${name}"] must be a header value without line breaks, got ${JSON.stringify(value)}`);
      }
    }
  };
  checkValues('set', ops.set);
  checkValues('add', ops.add);
  (ops.remove ?? []).forEach(checkName);
  const touched = [...Object.keys(ops.set ?? {}), ...Object.keys(ops.add ?? {})].map(n => n.toLowerCase());
  const removedAndChanged = (ops.remove ?? []).find(n => touched.includes(n.toLowerCase()));
  if (removedAndChanged !== undefined) {
    fail(scope, `${what}: header ${JSON.stringify(removedAndChanged)} is both removed and set or added; keep one operation`);
  }
  return {
    set: ops.set === undefined ? undefined : { ...ops.set },
    add: ops.add === undefined ? undefined : { ...ops.add },
    remove: ops.remove === undefined ? undefined : [...ops.remove],
  };
}
