import * as gw from '../../imports/gateway.networking.k8s.io';
import { GrpcMethodMatchType, GrpcRequestMatch } from '../core/grpc-match';
import { regexProblem, StringMatchType } from '../core/request-match';
import { ModelHttpRule, RouteModel, RouteRenderer } from '../core/route-model';
import { fail, Subject } from '../core/validate';
import { grpcPortProblem } from '../services/grpc-ports';
import { grpcMethodMatchProblem, grpcRegexAlternationProblem } from '../core/rules/grpc';
import { re2SyntaxProblem } from '../core/rules/re2-syntax';
import { HttpRouteRenderer } from './http-route-renderer';
import { MAX_MATCHES_PER_ROUTE, MAX_MATCHES_PER_RULE } from './rules/http-route';

const API = 'the Gateway API';
const HeaderType = gw.GrpcRouteSpecRulesMatchesHeadersType;

/** The most header matches one GRPCRouteMatch may have (`MaxItems=16`, gateway-api v1.6.1 apis/v1/grpcroute_types.go). */
const MAX_HEADER_MATCHES = 16;

/**
 * The Kubernetes Gateway API flavor of a gRPC route: a `gateway.networking.k8s.io/v1` GRPCRoute.
 *
 * A GRPCRoute has the HTTPRoute's parents, hostnames, backends and filters (RequestHeaderModifier,
 * ResponseHeaderModifier, RequestMirror with `percent` or `fraction`), so those are rendered and checked as the HTTP
 * renderer does; it differs in its matches (a `GRPCMethodMatch` of service and method, and headers, instead of path,
 * method and query parameters) and in what it lacks: no timeouts and no retries in the v1.6.1 standard channel.
 *
 * Istio's GRPCRoute conversion (istio/istio 1.30.3, pilot/pkg/config/kube/gateway/conversion.go, `convertGRPCRoute`)
 * fails the whole route when one RequestMirror's backend cannot be resolved (missing Service, no port, no ReferenceGrant),
 * where its HTTPRoute conversion only drops that mirror: every backend this renderer writes has a port and a ReferenceGrant
 * (`GrpcMirrorRoute`), and a version without a Service is reported at synth time.
 */
export class GrpcRouteRenderer implements RouteRenderer {
  public readonly api = API;
  public readonly grpc = true;
  private readonly http = new HttpRouteRenderer();

  public validate(scope: Subject, model: RouteModel): void {
    const reject = (message: string): never => fail(scope, `${message} (${API})`);
    const first = model.rules[0];
    // Checked before the HTTP renderer's checks, which would name HTTPRoute features.
    if (first.retries !== undefined) {
      reject('retries cannot be expressed: a GRPCRoute has no retries in the standard channel (v1.6.1); drop retries, or use IstioGrpcMirrorRoute '
        + '(an Istio VirtualService, which retries gRPC calls on RetryOn.GRPC_UNAVAILABLE and others)');
    }
    if (first.timeoutMillis !== undefined) {
      reject('timeout cannot be expressed: a GRPCRoute has no timeouts in the standard channel (v1.6.1); drop timeout (gRPC clients set a '
        + 'deadline per call), or use IstioGrpcMirrorRoute');
    }
    this.http.validate(scope, model);
    model.grpcMatches?.forEach((m, i) => checkGrpcMatch(reject, m, `mirrorGrpcMatches[${i}]`));
    const count = model.grpcMatches?.length ?? 0;
    if (count > MAX_MATCHES_PER_RULE) {
      reject(`mirrorGrpcMatches lists ${count} matches, more than the ${MAX_MATCHES_PER_RULE} a GRPCRoute rule may have; list fewer`);
    }
    if (count > MAX_MATCHES_PER_ROUTE) {
      reject(`mirrorGrpcMatches lists ${count} matches, more than the ${MAX_MATCHES_PER_ROUTE} a GRPCRoute may have; list fewer`);
    }
    for (const rule of model.rules) {
      for (const [role, b] of [...rule.destinations.map(d => ['destination', d] as const), ...rule.mirrors.map(m => ['mirror', m.backend] as const)]) {
        const problem = grpcPortProblem(b);
        if (problem !== undefined) reject(`${role}: ${problem}`);
      }
    }
  }

  /** As for an HTTPRoute: parents, listener hostnames and allowed namespaces are the same for both kinds. */
  public problems(model: RouteModel): string[] {
    return this.http.problems(model);
  }

  public hosts(model: RouteModel): string[] {
    return this.http.hosts(model);
  }

  public renderSpec(model: RouteModel): gw.GrpcRouteSpec {
    // The HTTP renderer writes the parts both kinds share, field for field (parentRefs, hostnames, filters, backendRefs;
    // timeouts are refused in validate); only the matches are gRPC's own.
    const http = this.http.renderSpec(model);
    const rules = model.rules.map((rule, i): gw.GrpcRouteSpecRules => ({
      name: rule.name,
      matches: renderGrpcMatches(rule),
      filters: http.rules![i].filters as gw.GrpcRouteSpecRulesFilters[] | undefined,
      backendRefs: http.rules![i].backendRefs as gw.GrpcRouteSpecRulesBackendRefs[] | undefined,
    }));
    return { parentRefs: http.parentRefs as gw.GrpcRouteSpecParentRefs[] | undefined, hostnames: http.hostnames, rules };
  }
}

function checkGrpcMatch(reject: (message: string) => never, match: GrpcRequestMatch, where: string): void {
  const m = match.method;
  if (m !== undefined) {
    const type = m.type ?? GrpcMethodMatchType.EXACT;
    const problem = grpcMethodMatchProblem(type, m.service, m.method)
      ?? (type === GrpcMethodMatchType.REGULAR_EXPRESSION ? grpcRegexAlternationProblem(m.service, m.method) : undefined);
    if (problem !== undefined) reject(`${where}.method: ${problem}`);
    if (type === GrpcMethodMatchType.REGULAR_EXPRESSION) {
      for (const [field, value] of [['service', m.service], ['method', m.method]] as const) {
        const syntax = value === undefined ? undefined : re2SyntaxProblem(value);
        if (syntax !== undefined) reject(`${where}.method.${field}: ${JSON.stringify(value)} is not a valid RE2 regular expression: ${syntax}`);
      }
    }
  }
  const headers = Object.entries(match.headers ?? {});
  if (headers.length > MAX_HEADER_MATCHES) {
    reject(`${where}.headers lists ${headers.length} headers, more than the ${MAX_HEADER_MATCHES} a GRPCRoute match may have`);
  }
  for (const [name, h] of headers) {
    const syntax = regexProblem(h);
    if (syntax !== undefined) reject(`${where}.headers["${name}"]: ${JSON.stringify(h.value)} is not a valid RE2 regular expression: ${syntax}`);
  }
}

function renderGrpcMatches(rule: ModelHttpRule): gw.GrpcRouteSpecRulesMatches[] | undefined {
  return rule.grpcMatches?.map(m => {
    const headers = Object.entries(m.headers ?? {});
    return {
      method: m.method === undefined ? undefined : {
        type: (m.method.type ?? GrpcMethodMatchType.EXACT) as string as gw.GrpcRouteSpecRulesMatchesMethodType,
        service: m.method.service,
        method: m.method.method,
      },
      headers: headers.length === 0 ? undefined : headers.map(([name, h]) => ({
        type: h.type === StringMatchType.EXACT ? HeaderType.EXACT : HeaderType.REGULAR_EXPRESSION,
        name,
        value: h.value,
      })),
    };
  });
}
