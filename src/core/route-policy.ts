import { Duration } from 'cdk8s';
import { fail, Subject } from './validate';

/**
 * A condition under which the proxy retries a request.
 *
 * The named conditions are the ones both Envoy (Istio) and the Gateway API's retry proposal describe; `statusCode()`
 * retries on one HTTP status. Each API's renderer rejects, at construction, what its API cannot express (the
 * Gateway API's standard channel has no retries at all).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 */
export class RetryOn {
  /** Any 5xx response, and connection failures, resets and refused streams. Envoy's `5xx`. */
  public static readonly SERVER_ERROR = new RetryOn('5xx');
  /** 502, 503 and 504 responses. Envoy's `gateway-error`. */
  public static readonly GATEWAY_ERROR = new RetryOn('gateway-error');
  /** The upstream did not respond at all (disconnect, reset, read timeout). Envoy's `reset`. */
  public static readonly RESET = new RetryOn('reset');
  /** The connection to the upstream could not be made. Envoy's `connect-failure`. */
  public static readonly CONNECT_FAILURE = new RetryOn('connect-failure');
  /** The upstream refused the HTTP/2 stream (REFUSED_STREAM). Envoy's `refused-stream`. */
  public static readonly REFUSED_STREAM = new RetryOn('refused-stream');
  /** 409 Conflict. Envoy's `retriable-4xx`. */
  public static readonly RETRIABLE_4XX = new RetryOn('retriable-4xx');
  /** gRPC status CANCELLED. */
  public static readonly GRPC_CANCELLED = new RetryOn('cancelled');
  /** gRPC status DEADLINE_EXCEEDED. */
  public static readonly GRPC_DEADLINE_EXCEEDED = new RetryOn('deadline-exceeded');
  /** gRPC status INTERNAL. */
  public static readonly GRPC_INTERNAL = new RetryOn('internal');
  /** gRPC status RESOURCE_EXHAUSTED. */
  public static readonly GRPC_RESOURCE_EXHAUSTED = new RetryOn('resource-exhausted');
  /** gRPC status UNAVAILABLE. */
  public static readonly GRPC_UNAVAILABLE = new RetryOn('unavailable');

  /**
   * Retry when the response has this HTTP status, e.g. `RetryOn.statusCode(503)`.
   *
   * @param code an HTTP status code from 100 to 599
   */
  public static statusCode(code: number): RetryOn {
    if (!Number.isInteger(code) || code < 100 || code > 599) {
      throw new Error(`RetryOn.statusCode needs an HTTP status code from 100 to 599, got ${code}`);
    }
    return new RetryOn(String(code), code);
  }

  private constructor(
    /** The condition's name as Envoy spells it (`5xx`, `connect-failure`, ...), or the status code as text. */
    public readonly name: string,
    /** The HTTP status code, for `statusCode()`. */
    public readonly code?: number,
  ) {}

  /** A readable form for messages. */
  public toString(): string {
    return this.name;
  }
}

/**
 * How the proxy retries a failed request.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export interface RetryOptions {
  /**
   * The number of retries (not counting the first try); 0 turns retries off, including Istio's default retries (2
   * retries, on 503 among other conditions).
   */
  readonly attempts: number;
  /**
   * The timeout of each try, shorter than the route's `timeout` (Envoy ignores a longer one).
   *
   * @default - the route's timeout
   */
  readonly perTryTimeout?: Duration;
  /**
   * The conditions that trigger a retry, e.g. `[RetryOn.GATEWAY_ERROR, RetryOn.statusCode(429)]`.
   *
   * @default - Istio's default: connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes (with 503
   * as the retriable status code)
   */
  readonly retryOn?: RetryOn[];
}

/**
 * Changes to the headers of a request or response.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers-HeaderOperations
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httpheaderfilter
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

/** Header operations of a rule, applied in the order remove, set, add by the proxies. */
export interface ModelHeaderOperations {
  readonly set?: { [name: string]: string };
  readonly add?: { [name: string]: string };
  readonly remove?: string[];
}

/** The retry policy of a rule. */
export interface ModelRetries {
  /** Number of retries; 0 disables retries. */
  readonly attempts: number;
  readonly perTryTimeoutMillis?: number;
  readonly retryOn?: RetryOn[];
}

/** An HTTP token (RFC 9110 `tchar`s): what a header name may be made of in every API. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * A route timeout or any other duration of the route model: a positive whole number of milliseconds (the precision
 * both Istio's `ValidateDuration` and the Gateway API's duration format have).
 */
export function checkTimeout(scope: Subject, what: string, d: Duration): number {
  const millis = d.toMilliseconds({ integral: false });
  if (!Number.isInteger(millis) || millis < 1) {
    fail(scope, `${what} must be a positive whole number of milliseconds (Istio's precision), got ${millis}ms`);
  }
  return millis;
}

/** Validates retry options and resolves them into the route model's form. */
export function resolveRetries(scope: Subject, retries: RetryOptions, timeoutMillis: number | undefined): ModelRetries {
  if (!Number.isInteger(retries.attempts) || retries.attempts < 0 || retries.attempts > 2147483647) {
    fail(scope, `retries.attempts must be a non-negative integer (0 turns retries off), got ${retries.attempts}`);
  }
  const perTry = retries.perTryTimeout === undefined ? undefined : checkTimeout(scope, 'retries.perTryTimeout', retries.perTryTimeout);
  if (perTry !== undefined && timeoutMillis !== undefined && perTry >= timeoutMillis) {
    fail(scope, `retries.perTryTimeout (${perTry}ms) must be shorter than timeout (${timeoutMillis}ms): Envoy ignores a per-try timeout `
      + 'that is not, and the whole request times out before any retry');
  }
  (retries.retryOn ?? []).forEach((condition, i) => {
    if (!(condition instanceof RetryOn)) {
      fail(scope, `retries.retryOn[${i}] must be a RetryOn (e.g. RetryOn.GATEWAY_ERROR or RetryOn.statusCode(503)), got ${JSON.stringify(condition)}`);
    }
  });
  if (retries.attempts === 0 && (perTry !== undefined || (retries.retryOn ?? []).length > 0)) {
    fail(scope, 'retries.attempts is 0 (retries off) but perTryTimeout or retryOn is set: raise attempts or drop them');
  }
  return { attempts: retries.attempts, perTryTimeoutMillis: perTry, retryOn: retries.retryOn === undefined ? undefined : [...retries.retryOn] };
}

/**
 * Validates header operations with the rules every API shares (names are HTTP tokens, values have no line breaks, a
 * header is not both removed and changed) and resolves them into the route model's form.
 */
export function resolveHeaderOperations(scope: Subject, what: string, ops: HeaderOperations): ModelHeaderOperations {
  const checkName = (name: string) => {
    if (!name.startsWith(':') && !HEADER_NAME.test(name)) {
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

/** The names of the headers that `ops` changes, in the order given. */
export function headerNames(ops: ModelHeaderOperations | undefined): string[] {
  return ops === undefined ? [] : [...Object.keys(ops.set ?? {}), ...Object.keys(ops.add ?? {}), ...(ops.remove ?? [])];
}
