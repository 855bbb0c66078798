import * as istio from '../../imports/networking.istio.io';
import { RequestMatch, StringMatch } from '../core/request-match';
import { ModelDestination, ModelHeaderOperations, ModelHttpRule, ModelRetries, RouteModel } from '../core/route-model';
import { istioDuration } from '../core/route-policy';

/** The reserved gateway name that binds a VirtualService to the sidecars of the mesh. */
export const MESH_GATEWAY = 'mesh';

/**
 * Renders a route model as the spec of an Istio `networking.istio.io/v1` VirtualService.
 *
 * One mirror is written as `mirror` + `mirrorPercentage` (the form of Istio's mirroring task); several as `mirrors`
 * (Istio 1.20+), each with its own `percentage`. The two forms are never combined, as Istio rejects that.
 */
export function renderVirtualServiceSpec(model: RouteModel): istio.VirtualServiceSpec {
  const gateways = [...model.gateways, ...(model.mesh && model.gateways.length > 0 ? [MESH_GATEWAY] : [])];
  return {
    hosts: [...model.hosts],
    gateways: gateways.length > 0 ? gateways : undefined,
    http: model.rules.map(renderRule),
  };
}

function renderRule(rule: ModelHttpRule): istio.VirtualServiceSpecHttp {
  const common: istio.VirtualServiceSpecHttp = {
    name: rule.name,
    match: renderMatches(rule),
    route: rule.destinations.map(d => ({ destination: renderDestination(d), weight: d.weight })),
    timeout: rule.timeoutMillis === undefined ? undefined : istioDuration(rule.timeoutMillis),
    retries: rule.retries === undefined ? undefined : renderRetries(rule.retries),
    headers: rule.requestHeaders === undefined && rule.responseHeaders === undefined ? undefined : {
      request: renderHeaderOperations(rule.requestHeaders),
      response: renderHeaderOperations(rule.responseHeaders),
    },
  };
  if (rule.mirrors.length === 0) {
    return common;
  }
  if (rule.mirrors.length === 1) {
    const [only] = rule.mirrors;
    return { ...common, mirror: renderDestination(only.destination), mirrorPercentage: { value: only.percent } };
  }
  return {
    ...common,
    mirrors: rule.mirrors.map(m => ({ destination: renderDestination(m.destination), percentage: { value: m.percent } })),
  };
}

function renderDestination(d: ModelDestination): istio.VirtualServiceSpecHttpRouteDestination {
  return { host: d.host, subset: d.subset, port: d.port === undefined ? undefined : { number: d.port } };
}

function renderMatches(rule: ModelHttpRule): istio.VirtualServiceSpecHttpMatch[] | undefined {
  if (rule.matches === undefined || rule.matches.length === 0) {
    return rule.port === undefined ? undefined : [{ port: rule.port }];
  }
  return rule.matches.map(m => ({ ...renderMatch(m), port: rule.port }));
}

function renderMatch(match: RequestMatch): istio.VirtualServiceSpecHttpMatch {
  return {
    uri: match.uri?.toIstio(),
    method: match.method?.toIstio(),
    headers: renderMatchMap(match.headers),
    queryParams: renderMatchMap(match.queryParams),
  };
}

function renderMatchMap(map: { [name: string]: StringMatch } | undefined): { [name: string]: { [key: string]: string } } | undefined {
  if (map === undefined || Object.keys(map).length === 0) {
    return undefined;
  }
  return Object.fromEntries(Object.entries(map).map(([name, m]) => [name, m.toIstio()]));
}

function renderRetries(retries: ModelRetries): istio.VirtualServiceSpecHttpRetries {
  return {
    attempts: retries.attempts,
    perTryTimeout: retries.perTryTimeoutMillis === undefined ? undefined : istioDuration(retries.perTryTimeoutMillis),
    retryOn: retries.retryOn === undefined || retries.retryOn.length === 0 ? undefined : retries.retryOn.join(','),
  };
}

function renderHeaderOperations(ops: ModelHeaderOperations | undefined): istio.VirtualServiceSpecHttpHeadersRequest | undefined {
  if (ops === undefined) {
    return undefined;
  }
  const nonEmpty = (m: { [name: string]: string } | undefined) => (m === undefined || Object.keys(m).length === 0 ? undefined : { ...m });
  return {
    set: nonEmpty(ops.set),
    add: nonEmpty(ops.add),
    remove: ops.remove === undefined || ops.remove.length === 0 ? undefined : [...ops.remove],
  };
}
