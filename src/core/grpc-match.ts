import { StringMatch, StringMatchType } from './request-match';

/**
 * How a `GrpcMethodMatch` compares the called service and method.
 *
 * The values are the Gateway API's `GRPCMethodMatchType`.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#grpcmethodmatch
 */
export enum GrpcMethodMatchType {
  /** The service and method are the exact names (`echo.Echo`, `Ping`). */
  EXACT = 'Exact',
  /** The service and method are RE2 regular expressions, each matched against the whole name. */
  REGULAR_EXPRESSION = 'RegularExpression',
}

/**
 * The gRPC method a call is made to: `package.Service` and `Method`, as in the call's path `/echo.Echo/Ping`.
 *
 * @example
 * import { GrpcMethodMatch } from 'cdk8s-traffic-mirror';
 *
 * const ping: GrpcMethodMatch = { service: 'echo.Echo', method: 'Ping' };
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#grpcmethodmatch
 */
export interface GrpcMethodMatch {
  /**
   * The fully qualified service name, e.g. `echo.Echo` or `grpc.health.v1.Health`.
   *
   * @default - any service (then `method` is required)
   */
  readonly service?: string;
  /**
   * The method name, e.g. `Ping`.
   *
   * @default - every method of `service`
   */
  readonly method?: string;
  /**
   * How `service` and `method` are compared.
   *
   * @default GrpcMethodMatchType.EXACT
   */
  readonly type?: GrpcMethodMatchType;
}

/**
 * Conditions a gRPC call must meet; all given conditions must hold (AND). A list of `GrpcRequestMatch` matches when
 * any of them does (OR). gRPC routes match the called method, not a path: the path of a gRPC call is always
 * `/<service>/<method>` and its HTTP method always POST.
 *
 * @example
 * import { GrpcRequestMatch } from 'cdk8s-traffic-mirror';
 *
 * const match: GrpcRequestMatch = {
 *   method: { service: 'echo.Echo', method: 'Ping' },
 *   headers: { 'x-mirror': StringMatch.exact('yes') },
 * };
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#grpcroutematch
 */
export interface GrpcRequestMatch {
  /**
   * The method called.
   *
   * @default - any method
   */
  readonly method?: GrpcMethodMatch;
  /**
   * Request metadata (HTTP/2 headers) by lowercase name, exact or regex (a GRPCRoute has no prefix header match).
   *
   * @default - no header conditions
   */
  readonly headers?: { [name: string]: StringMatch };
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * The problems of one gRPC match that every API shares (empty when fine): it has a condition, and header names are
 * lowercase HTTP header names. The syntax of service and method names is each renderer's (src/istio/rules/grpc.ts).
 */
export function grpcMatchProblems(match: GrpcRequestMatch, where: string): string[] {
  const problems: string[] = [];
  const headers = Object.keys(match.headers ?? {});
  if (match.method === undefined && headers.length === 0) {
    problems.push(`${where} has no conditions: give method or headers (an empty match matches every call)`);
  }
  if (match.method !== undefined && match.method.type !== undefined && !Object.values(GrpcMethodMatchType).includes(match.method.type)) {
    problems.push(`${where}.method.type must be GrpcMethodMatchType.EXACT or REGULAR_EXPRESSION, got ${JSON.stringify(match.method.type)}`);
  }
  for (const name of headers) {
    if (!HEADER_NAME.test(name)) {
      problems.push(`${where}.headers: ${JSON.stringify(name)} is not a lowercase HTTP header name (lowercase names such as "x-user-group")`);
    }
    const m = match.headers![name];
    if (!(m instanceof StringMatch)) {
      problems.push(`${where}.headers["${name}"] must be a StringMatch (e.g. StringMatch.exact('yes')), got ${JSON.stringify(m)}`);
    } else if (m.type === StringMatchType.PREFIX) {
      problems.push(`${where}.headers["${name}"] is a prefix match, which gRPC routes do not support (a GRPCRoute header match is exact or `
        + 'regular expression): use StringMatch.exact or StringMatch.regex');
    }
  }
  return problems;
}
