import * as gw from '../../imports/gateway.networking.k8s.io';
import { IMeshService, versionServiceName } from '../core/references';
import { regexProblem, RequestMatch, StringMatch, StringMatchType } from '../core/request-match';
import { ModelHeaderOperations } from '../core/route-policy';
import { ModelBackend, modelBackends, ModelHttpRule, RouteModel, RouteRenderer } from '../core/route-model';
import { fail, Subject } from '../core/validate';
import { MeshService } from '../services/mesh-service';
import { GATEWAY_API_GROUP, IGatewayApiGateway, RouteNamespaces } from './gateway-api-gateway';
import { MIRROR_PERCENT_MAX_DECIMALS, mirrorShare } from './rules/backends';
import {
  gatewayApiDuration, hostnamesIntersect, HTTP_ROUTE_METHODS, isGatewayApiHostname, MAX_HEADER_OPERATIONS, MAX_MATCHES_PER_ROUTE,
  MAX_MATCHES_PER_RULE, pathProblem,
} from './rules/http-route';

const API = 'the Gateway API';

/**
 * The Kubernetes Gateway API flavor of a route: a `gateway.networking.k8s.io/v1` HTTPRoute.
 *
 * The Gateway API has no subsets: a target with a version resolves to that version's own Service
 * (`<service>-<version>`, see `MeshServiceProps.versionServices`), a target without one to the service itself.
 * Gateways become Gateway parentRefs (with the listener's `sectionName`), the mesh a GAMMA parentRef to the
 * destination's Service. Each mirror is a `RequestMirror` filter of the rule (never of a backendRef), with `percent`
 * for whole percentages and `fraction` for decimals.
 *
 * What the standard channel cannot express is rejected at construction: retries, prefix matches on headers and
 * query parameters, regex or non-standard methods, pseudo-headers in header modifiers.
 */
export class HttpRouteRenderer implements RouteRenderer {
  public readonly api = API;

  public validate(scope: Subject, model: RouteModel): void {
    const reject = (message: string): never => fail(scope, `${message} (${API})`);
    if (model.meshService !== undefined && model.gateways.length > 0) {
      reject('includeMesh is true and gateways are given: an HTTPRoute attached to Gateways and to a Service (GAMMA) applies its hostnames to '
        + 'both, which the mesh ignores or rejects depending on the implementation; write two routes: one with the gateways '
        + '(includeMesh: false) and one for the mesh (no gateways), each with its own name');
    }
    if (model.meshService !== undefined && model.hosts !== undefined) {
      reject('hosts is set but the route applies to the mesh only: an HTTPRoute attached to a Service applies to the Service\'s traffic '
        + 'whatever the Host header; drop hosts');
    }
    for (const host of model.hosts ?? []) {
      if (!isGatewayApiHostname(host)) {
        reject(`hosts: ${JSON.stringify(host)} is not an HTTPRoute hostname (a DNS name, optionally with a leading "*."; "*" alone is not `
          + 'allowed): leave hosts unset to match every host of the gateways\' listeners');
      }
    }
    const ns = model.namespace;
    for (const b of modelBackends(model)) {
      if (ns === undefined && b.service.namespace !== undefined) {
        reject(`service ${b.service.serviceName} is in namespace ${b.service.namespace} but the route has no namespace: the ReferenceGrant there `
          + 'must name the route\'s namespace; set namespace (or the chart\'s namespace)');
      }
    }
    for (const p of model.gateways) {
      if (p.gateway.namespace === undefined && ns !== undefined) {
        reject(`gateway ${p.gateway.gatewayName} has no namespace but the route is in namespace ${ns}: set the namespace of both (or of neither), `
          + 'or import the gateway as "namespace/name"');
      }
    }
    const first = model.rules[0];
    if (first.retries !== undefined) {
      reject('retries cannot be expressed: HTTPRoute retries (GEP-1731) are not in the standard channel; drop retries, or configure them in '
        + 'the implementation (e.g. an Istio VirtualService with MirrorRoute)');
    }
    if (first.timeoutMillis !== undefined && gatewayApiDuration(first.timeoutMillis) === undefined) {
      reject(`timeout ${first.timeoutMillis}ms does not fit a Gateway API duration (at most 99999h59m59s999ms)`);
    }
    const port = first.port;
    // A parentRef with both sectionName and port selects the listener that has that name and that port.
    const listenerPorts = (g: IGatewayApiGateway): number[] | undefined => {
      const names = g.listenerNames;
      if (g.ports === undefined || g.sectionName === undefined || names === undefined || !names.includes(g.sectionName)) return g.ports;
      return [g.ports[names.indexOf(g.sectionName)]];
    };
    const deaf = port === undefined ? [] : model.gateways.map(p => p.gateway as IGatewayApiGateway)
      .filter(g => listenerPorts(g) !== undefined && !listenerPorts(g)!.includes(port));
    if (deaf.length > 0) {
      reject(`port ${port} selects the listeners of that port (parentRefs[].port), but gateway ${deaf.map(g => `${g.gatewayName} (`
        + `${g.sectionName !== undefined ? `listener ${g.sectionName}: ` : ''}ports ${listenerPorts(g)!.join(', ')})`).join(', ')} has none: the route `
        + 'would attach nowhere there; drop port or use a listener port');
    }
    // Checked where they are declared, even while no mirror is active (as the Istio renderer does).
    model.mirrorMatches?.forEach((m, i) => checkMatch(reject, m, `mirrorMatches[${i}]`));
    let total = 0;
    for (const rule of model.rules) {
      const count = (rule.matches?.length ?? (rule.methods === undefined ? 0 : 1)) * (rule.methods?.length ?? 1);
      if (count > MAX_MATCHES_PER_RULE) {
        reject(`mirrorMatches: the rule ${rule.name ?? ''} needs ${count} HTTPRoute matches (one per match and method), more than the ${MAX_MATCHES_PER_RULE} `
          + 'a rule may have; list fewer matches');
      }
      total += count;
    }
    if (total > MAX_MATCHES_PER_ROUTE) {
      reject(`mirrorMatches: the route needs ${total} HTTPRoute matches, more than the ${MAX_MATCHES_PER_ROUTE} a route may have; list fewer matches`);
    }
    checkHeaderOperations(reject, 'requestHeaders', first.requestHeaders);
    checkHeaderOperations(reject, 'responseHeaders', first.responseHeaders);
    for (const [i, rule] of model.rules.entries()) {
      const where = model.rules.length > 1 ? ` in rule ${i}` : '';
      rule.destinations.forEach(d => checkBackend(reject, d, ns, `destination${where}`));
      rule.mirrors.forEach(m => {
        checkBackend(reject, m.backend, ns, `mirror${where}`);
        if (mirrorShare(m.percent) === undefined) {
          reject(`the mirror percentage ${m.percent} of ${m.backend.service.serviceName} has more than ${MIRROR_PERCENT_MAX_DECIMALS} decimals, more than `
            + 'an HTTPRoute fraction (int32 numerator and denominator) can carry; round it');
        }
      });
    }
  }

  /**
   * As the Gateway API attaches routes: to a listener whose hostname intersects one of the route's hostnames, of a
   * Gateway that allows routes from the route's namespace, on a listener that exists.
   */
  public problems(model: RouteModel): string[] {
    const problems: string[] = [];
    const hosts = this.hosts(model);
    const namespace = model.namespace ?? 'default';
    for (const { gateway: g } of model.gateways) {
      const gateway = g as IGatewayApiGateway;
      const where = `${gateway.namespace ?? 'default'}/${gateway.gatewayName}`;
      if (hosts.length > 0 && gateway.hosts !== undefined && !hosts.some(h => gateway.hosts!.some(l => hostnamesIntersect(h, l)))) {
        problems.push(`none of the route's hostnames (${hosts.join(', ')}) matches a listener hostname of gateway ${where} (${gateway.hosts.join(', ')}): `
          + `the route would not attach to it (${API}: NoMatchingListenerHostname); add the host to the gateway or fix hosts`);
      }
      if (gateway.routeNamespaces === RouteNamespaces.SAME && (gateway.namespace ?? 'default') !== namespace) {
        problems.push(`gateway ${where} accepts routes from its own namespace only, but the route is in ${namespace}: the route would not `
          + `attach (${API}: NotAllowedByListeners); set routeNamespaces: RouteNamespaces.ALL on the gateway or move the route`);
      }
    }
    return problems;
  }

  /** The given hosts, or for gateway routes the gateways' listener hostnames (none when a gateway's are unknown); none on the mesh. */
  public hosts(model: RouteModel): string[] {
    if (model.hosts !== undefined) {
      return [...model.hosts];
    }
    if (model.meshService !== undefined || model.gateways.some(p => p.gateway.hosts === undefined)) {
      return [];
    }
    const all = model.gateways.flatMap(p => p.gateway.hosts!);
    return all.filter((h, i) => all.indexOf(h) === i);
  }

  public renderSpec(model: RouteModel): gw.HttpRouteSpec {
    const hosts = this.hosts(model);
    const port = model.rules[0].port;
    const parentRefs: gw.HttpRouteSpecParentRefs[] = model.gateways.map(({ gateway }) => ({
      group: GATEWAY_API_GROUP,
      kind: 'Gateway',
      name: gateway.gatewayName,
      namespace: gateway.namespace === model.namespace ? undefined : gateway.namespace,
      sectionName: (gateway as IGatewayApiGateway).sectionName,
      port,
    }));
    const mesh = model.meshService;
    if (mesh !== undefined) {
      const only = mesh.portNumbers?.length === 1 ? mesh.portNumbers[0] : undefined;
      parentRefs.push({
        group: '',
        kind: 'Service',
        name: mesh.serviceName,
        namespace: mesh.namespace === model.namespace ? undefined : mesh.namespace,
        port: port ?? only,
      });
    }
    return {
      parentRefs,
      hostnames: hosts.length > 0 ? hosts : undefined,
      rules: model.rules.map(rule => renderRule(rule, model.namespace)),
    };
  }
}

/** The name of the Service that a route reaches `b` through: the version's own Service, or the service itself. */
export function backendServiceName(b: ModelBackend): string {
  if (b.version === undefined) {
    return b.service.serviceName;
  }
  return b.service instanceof MeshService ? b.service.versionServiceName(b.version)! : versionServiceName(b.service.serviceName, b.version);
}

/** The Services of `service` that routes may reach: the service itself and the Service of each known version. */
export function serviceNamesOf(service: IMeshService): string[] {
  const versions = service instanceof MeshService && !service.versionServices ? [] : service.versionNames ?? [];
  return [service.serviceName, ...versions.map(v => versionServiceName(service.serviceName, v))];
}

function checkBackend(reject: (message: string) => never, b: ModelBackend, namespace: string | undefined, role: string): void {
  if (b.service.namespace === undefined && namespace !== undefined) {
    reject(`${role}: service ${b.service.serviceName} has no namespace but the route is in namespace ${namespace}: set the namespace of both `
      + '(or of neither) so the route can address the service');
  }
  if (b.version !== undefined && b.service instanceof MeshService && !b.service.versionServices) {
    reject(`${role} is version ${b.version} of service ${b.service.serviceName}, which has no Service per version: an HTTPRoute reaches a `
      + `version only through a Service that selects its pods; set versionServices: true on ${b.service.node.path}`);
  }
}

function checkMatch(reject: (message: string) => never, match: RequestMatch, where: string): void {
  if (match.uri !== undefined && match.uri.type !== StringMatchType.REGEX) {
    const problem = pathProblem(match.uri.value);
    if (problem !== undefined) {
      reject(`${where}.uri ${match.uri} is not an HTTPRoute path: ${problem}`);
    }
  }
  if (match.method !== undefined) {
    if (match.method.type !== StringMatchType.EXACT) {
      reject(`${where}.method is a ${match.method.type} match, but an HTTPRoute matches one method exactly: use StringMatch.exact, one match per `
        + 'method (or mirrorSafeMethodsOnly for GET, HEAD and OPTIONS)');
    }
    if (!HTTP_ROUTE_METHODS.includes(match.method.value)) {
      reject(`${where}.method ${JSON.stringify(match.method.value)} is not one of the methods an HTTPRoute matches (${HTTP_ROUTE_METHODS.join(', ')})`);
    }
  }
  // The Gateway API leaves the syntax of RegularExpression matches to the implementation; the Envoy-based ones (Istio,
  // Envoy Gateway, kgateway, Contour) use RE2, so the same syntax check as with the Istio API.
  const regex = (m: StringMatch | undefined, field: string) => {
    const problem = regexProblem(m);
    if (problem !== undefined) {
      reject(`${where}.${field}: ${JSON.stringify(m!.value)} is not a valid RE2 regular expression (the Gateway API leaves regex syntax to the `
        + `implementation, and the Envoy-based ones, Istio among them, use RE2): ${problem}`);
    }
  };
  regex(match.uri, 'uri');
  Object.entries(match.headers ?? {}).forEach(([name, m]) => regex(m, `headers["${name}"]`));
  Object.entries(match.queryParams ?? {}).forEach(([name, m]) => regex(m, `queryParams["${name}"]`));
  for (const [field, map] of [['headers', match.headers], ['queryParams', match.queryParams]] as const) {
    for (const [name, m] of Object.entries(map ?? {})) {
      if (m.type === StringMatchType.PREFIX) {
        reject(`${where}.${field}["${name}"] is a prefix match, which an HTTPRoute does not support for ${field === 'headers' ? 'headers' : 'query '
          + 'parameters'}: use exact or regex (e.g. StringMatch.regex('${escapeRegex(m.value)}.*'))`);
      }
    }
  }
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Header modifiers: HTTP tokens only (no pseudo-headers), each name once regardless of case, at most 16 of each operation. */
function checkHeaderOperations(reject: (message: string) => never, what: string, ops: ModelHeaderOperations | undefined): void {
  if (ops === undefined) return;
  for (const [kind, names] of [['set', Object.keys(ops.set ?? {})], ['add', Object.keys(ops.add ?? {})], ['remove', ops.remove ?? []]] as const) {
    const pseudo = names.find(n => n.startsWith(':'));
    if (pseudo !== undefined) {
      reject(`${what}.${kind}: ${JSON.stringify(pseudo)} is a pseudo-header, which an HTTPRoute header modifier cannot change (header names are HTTP `
        + 'tokens); to change the authority use a URLRewrite filter outside this library');
    }
    if (names.length > MAX_HEADER_OPERATIONS) {
      reject(`${what}.${kind} lists ${names.length} headers, more than the ${MAX_HEADER_OPERATIONS} an HTTPRoute header modifier allows`);
    }
    const lower = names.map(n => n.toLowerCase());
    const twice = lower.find((n, i) => lower.indexOf(n) !== i);
    if (twice !== undefined) {
      reject(`${what}.${kind} lists header ${JSON.stringify(twice)} twice (in different case): header names are case-insensitive, so an HTTPRoute `
        + 'header modifier takes each once');
    }
  }
}

function renderRule(rule: ModelHttpRule, namespace: string | undefined): gw.HttpRouteSpecRules {
  const filters: gw.HttpRouteSpecRulesFilters[] = [];
  if (rule.requestHeaders !== undefined) {
    filters.push({
      type: gw.HttpRouteSpecRulesFiltersType.REQUEST_HEADER_MODIFIER,
      requestHeaderModifier: renderHeaderModifier(rule.requestHeaders),
    });
  }
  if (rule.responseHeaders !== undefined) {
    filters.push({
      type: gw.HttpRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER,
      responseHeaderModifier: renderHeaderModifier(rule.responseHeaders),
    });
  }
  for (const m of rule.mirrors) {
    filters.push({
      type: gw.HttpRouteSpecRulesFiltersType.REQUEST_MIRROR,
      requestMirror: { backendRef: { ...backendRef(m.backend, namespace) }, ...mirrorShare(m.percent)! },
    });
  }
  return {
    name: rule.name,
    matches: renderMatches(rule),
    filters: filters.length > 0 ? filters : undefined,
    backendRefs: rule.destinations.map(d => ({ ...backendRef(d, namespace), weight: d.weight })),
    timeouts: rule.timeoutMillis === undefined ? undefined : { request: gatewayApiDuration(rule.timeoutMillis) },
  };
}

function backendRef(b: ModelBackend, namespace: string | undefined) {
  return {
    group: '',
    kind: 'Service',
    name: backendServiceName(b),
    namespace: b.service.namespace === namespace ? undefined : b.service.namespace,
    port: b.port,
  };
}

/** One HTTPRoute match per request match and method: an HTTPRoute match has one method, and matches are ORed. */
function renderMatches(rule: ModelHttpRule): gw.HttpRouteSpecRulesMatches[] | undefined {
  if (rule.matches === undefined && rule.methods === undefined) {
    return undefined;
  }
  const methods: Array<string | undefined> = rule.methods ?? [undefined];
  return (rule.matches ?? [{}]).flatMap(m => methods.map(method => ({
    path: m.uri === undefined ? undefined : { type: pathType(m.uri), value: m.uri.value },
    headers: renderMatchList(m.headers) as gw.HttpRouteSpecRulesMatchesHeaders[] | undefined,
    queryParams: renderMatchList(m.queryParams) as gw.HttpRouteSpecRulesMatchesQueryParams[] | undefined,
    method: (method ?? m.method?.value) as gw.HttpRouteSpecRulesMatchesMethod | undefined,
  })));
}

function pathType(m: StringMatch): gw.HttpRouteSpecRulesMatchesPathType {
  switch (m.type) {
    case StringMatchType.EXACT: return gw.HttpRouteSpecRulesMatchesPathType.EXACT;
    case StringMatchType.PREFIX: return gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX;
    default: return gw.HttpRouteSpecRulesMatchesPathType.REGULAR_EXPRESSION;
  }
}

function renderMatchList(map: { [name: string]: StringMatch } | undefined): Array<{ type: any; name: string; value: string }> | undefined {
  if (map === undefined || Object.keys(map).length === 0) {
    return undefined;
  }
  return Object.entries(map).map(([name, m]) => ({ type: m.type === StringMatchType.EXACT ? 'Exact' : 'RegularExpression', name, value: m.value }));
}

function renderHeaderModifier(ops: ModelHeaderOperations): gw.HttpRouteSpecRulesFiltersRequestHeaderModifier {
  const list = (m: { [name: string]: string } | undefined) => (m === undefined || Object.keys(m).length === 0
    ? undefined : Object.entries(m).map(([name, value]) => ({ name, value })));
  return { set: list(ops.set), add: list(ops.add), remove: ops.remove === undefined || ops.remove.length === 0 ? undefined : [...ops.remove] };
}
