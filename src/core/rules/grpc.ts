/**
 * Rules on gRPC routing shared by both flavors' gRPC routes and the analyzer's GRPCRoute checks: pure functions, no
 * cdk8s. Internal: not exported from index.ts.
 *
 * gRPC calls are HTTP/2 requests `POST /<package.Service>/<Method>`. Istio has no gRPC route of its own: a VirtualService
 * matches the path, and Istio's Gateway API conversion turns a GRPCRoute method match into such a path match
 * (istio/istio 1.30.3, pilot/pkg/config/kube/gateway/conversion.go, `createGRPCURIMatch`).
 */

/** How a gRPC method match compares service and method: the values of the Gateway API's `GRPCMethodMatchType`. */
export const GRPC_MATCH_EXACT = 'Exact';
/** The service and method are RE2 regular expressions. */
export const GRPC_MATCH_REGULAR_EXPRESSION = 'RegularExpression';

/** The longest service or method a GRPCMethodMatch accepts (`MaxLength=1024`, gateway-api v1.6.1 apis/v1/grpcroute_types.go). */
export const GRPC_NAME_MAX_LENGTH = 1024;

/**
 * The syntax of an exact service name, as the GRPCMethodMatch CEL rule of gateway-api v1.6.1 (apis/v1/grpcroute_types.go)
 * states it: a protobuf full name (`echo.Echo`, `grpc.health.v1.Health`), case-insensitive.
 */
const SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
/** The syntax of an exact method name (same CEL rules): a protobuf identifier (`Ping`). */
const METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

/**
 * The protocols of a Service port (as Istio reads them from the port name or appProtocol) on which gRPC calls are routed
 * as HTTP/2: `grpc`, `grpc-web` and `http2`. On an `http` port Istio's sidecars speak HTTP/1.1 to the upstream, which
 * a gRPC server refuses; on `tcp`, `tls` or `https` ports Istio does not route HTTP at all, so neither routes nor mirrors apply.
 */
export const GRPC_PROTOCOLS: readonly string[] = ['grpc', 'grpc-web', 'http2'];

/**
 * Why a gRPC method match is rejected by the Gateway API's CEL rules (which Istio's conversion relies on), or undefined
 * when it is accepted: one of service and method is required; exact names must be protobuf names.
 */
export function grpcMethodMatchProblem(type: string, service: string | undefined, method: string | undefined): string | undefined {
  if (service === undefined && method === undefined) {
    return 'one or both of service and method must be given';
  }
  for (const [field, value] of [['service', service], ['method', method]] as const) {
    if (value === undefined) continue;
    if (value.length === 0 || value.length > GRPC_NAME_MAX_LENGTH) {
      return `${field} must be 1 to ${GRPC_NAME_MAX_LENGTH} characters long, got ${value.length}`;
    }

    if (type === GRPC_MATCH_EXACT && !(field === 'service' ? SERVICE : METHOD).test(value)) {
      return field === 'service'
        ? `service ${JSON.stringify(value)} is not a gRPC service name (a protobuf full name such as "echo.Echo": letters, digits and _ in `
          + '"."-separated parts, each starting with a letter or _)'
        : `method ${JSON.stringify(value)} is not a gRPC method name (a protobuf identifier such as "Ping": letters, digits and _, starting `
          + 'with a letter or _)';
    }
  }
  return undefined;
}

/**
 * Why regular-expression names would not match what they say once Istio joins them into one path regex, or undefined:
 * Istio's `createGRPCURIMatch` concatenates `/<service>/<method>` without grouping, so a top-level `|` splits the whole
 * path pattern (`/echo.Echo/Ping|Pong` is the path `/echo.Echo/Ping` or the path `Pong`). The API server accepts such a
 * GRPCRoute; the constructs refuse it, so that both flavors mean what the names say.
 */
export function grpcRegexAlternationProblem(service: string | undefined, method: string | undefined): string | undefined {
  for (const [field, value] of [['service', service], ['method', method]] as const) {
    if (value !== undefined && hasTopLevelAlternation(value)) {
      return `${field} ${JSON.stringify(value)} has a top-level "|": Istio joins service and method into one path regex without grouping `
        + `them, so the "|" would split the whole path; wrap the alternatives in a group, e.g. ${JSON.stringify(`(${value})`)}`;
    }
  }
  return undefined;
}

/**
 * The path match (Istio's `StringMatch` as `{ exact | prefix | regex: value }`) of a gRPC method match, as Istio's
 * `createGRPCURIMatch` builds it: both names exact → exact `/<service>/<method>`; only the service exact → prefix
 * `/<service>/`; only the method → regex `/[^/]+/<method>`; a regular-expression service alone → regex `/<service>/.+`;
 * both regular expressions → regex `/<service>/<method>`. Undefined when neither is given (a headers-only match).
 */
export function grpcPathMatch(type: string, service: string | undefined, method: string | undefined): { [type: string]: string } | undefined {
  if (service === undefined && method === undefined) return undefined;
  if (service === undefined) return { regex: `/[^/]+/${method}` };
  if (type === GRPC_MATCH_EXACT) {
    return method === undefined ? { prefix: `/${service}/` } : { exact: `/${service}/${method}` };
  }
  return { regex: method === undefined ? `/${service}/.+` : `/${service}/${method}` };
}

/** Whether an RE2 pattern has a `|` outside every group and character class. */
function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
    } else if (c === '|' && depth === 0) {
      return true;
    }
  }
  return false;
}
