import * as istio from '../../imports/networking.istio.io';
import { GrpcMethodMatchType, GrpcRequestMatch } from '../core/grpc-match';
import { regexProblem } from '../core/request-match';
import { RouteModel } from '../core/route-model';
import { fail, Subject } from '../core/validate';
import { grpcPortProblem } from '../services/grpc-ports';
import { grpcMethodMatchProblem, grpcPathMatch, grpcRegexAlternationProblem } from '../core/rules/grpc';
import { re2SyntaxProblem } from '../core/rules/re2-syntax';
import { IstioRouteRenderer } from './virtual-service-renderer';

/**
 * The Istio flavor of a gRPC route: a VirtualService `http` route (Istio routes gRPC as HTTP/2), whose gRPC matches are
 * path matches on `/<service>/<method>`, built as Istio's own GRPCRoute conversion builds them (istio/istio 1.30.3,
 * pilot/pkg/config/kube/gateway/conversion.go, `convertGRPCRoute` and `createGRPCURIMatch`; see
 * src/istio/rules/grpc.ts). Everything else is the HTTP renderer's.
 */
export class IstioGrpcRouteRenderer extends IstioRouteRenderer {
  public readonly grpc = true;

  public validate(scope: Subject, model: RouteModel): void {
    super.validate(scope, model);
    model.grpcMatches?.forEach((m, i) => checkGrpcMatch(scope, m, `mirrorGrpcMatches[${i}]`));
    const backends = model.rules.flatMap(r => [...r.destinations.map(d => ['destination', d] as const), ...r.mirrors.map(m => ['mirror', m.backend] as const)]);
    for (const [role, b] of backends) {
      const problem = grpcPortProblem(b);
      if (problem !== undefined) fail(scope, `${role}: ${problem}`);
    }
  }

  public renderSpec(model: RouteModel): istio.VirtualServiceSpec {
    const spec = super.renderSpec(model);
    return {
      ...spec,
      http: spec.http!.map((route, i) => {
        const rule = model.rules[i];
        if (rule.grpcMatches === undefined) return route;
        return { ...route, match: rule.grpcMatches.map(m => renderGrpcMatch(m, rule.port)) };
      }),
    };
  }
}


function checkGrpcMatch(scope: Subject, match: GrpcRequestMatch, where: string): void {
  const m = match.method;
  if (m !== undefined) {
    const type = m.type ?? GrpcMethodMatchType.EXACT;
    const problem = grpcMethodMatchProblem(type, m.service, m.method)
      ?? (type === GrpcMethodMatchType.REGULAR_EXPRESSION ? grpcRegexAlternationProblem(m.service, m.method) : undefined);
    if (problem !== undefined) fail(scope, `${where}.method: ${problem}`);
    const path = grpcPathMatch(type, m.service, m.method);
    const syntax = path?.regex === undefined ? undefined : re2SyntaxProblem(path.regex);
    if (syntax !== undefined) {
      fail(scope, `${where}.method: the path regex ${JSON.stringify(path!.regex)} it becomes is not a valid RE2 regular expression (Envoy and `
        + `Istio use RE2): ${syntax}`);
    }
  }
  for (const [name, h] of Object.entries(match.headers ?? {})) {
    const problem = regexProblem(h);
    if (problem !== undefined) {
      fail(scope, `${where}.headers["${name}"]: ${JSON.stringify(h.value)} is not a valid RE2 regular expression (Envoy and Istio use RE2): ${problem}`);
    }
  }
}

function renderGrpcMatch(match: GrpcRequestMatch, port: number | undefined): istio.VirtualServiceSpecHttpMatch {
  const m = match.method;
  const headers = Object.entries(match.headers ?? {});
  return {
    uri: m === undefined ? undefined : grpcPathMatch(m.type ?? GrpcMethodMatchType.EXACT, m.service, m.method),
    headers: headers.length === 0 ? undefined : Object.fromEntries(headers.map(([name, h]) => [name, { [h.type]: h.value }])),
    port,
  };
}
