import * as istio from '../../imports/networking.istio.io';
import { IMeshService, IRouteGateway } from '../core/references';
import { regexProblem, RequestMatch, StringMatch, StringMatchType } from '../core/request-match';
import { headerNames, ModelHeaderOperations, ModelRetries } from '../core/route-policy';
import { ModelBackend, modelBackends, ModelHttpRule, RouteModel, RouteRenderer } from '../core/route-model';
import { fail, Subject } from '../core/validate';
import { istioDuration } from './rules/duration';
import { covers, gatewayHostsFor, hostMatches, toFqdn } from './rules/hosts';
import { hostsNotInGatewayMessage } from './rules/virtual-service';

/** The reserved gateway name that binds a VirtualService to the sidecars of the mesh. */
export const MESH_GATEWAY = 'mesh';

/**
 * The Istio flavor of a route: a `networking.istio.io/v1` VirtualService. Targets resolve to a host (the short name
 * in the route's namespace, the FQDN across namespaces) and a DestinationRule subset named after the version;
 * gateways to `name` or `namespace/name`, plus Istio's reserved gateway `mesh`.
 *
 * One mirror is written as `mirror` + `mirrorPercentage` (the form of Istio's mirroring task); several as `mirrors`
 * (Istio 1.20+), each with its own `percentage`. The two forms are never combined, as Istio rejects that.
 */
export class IstioRouteRenderer implements RouteRenderer {
  public readonly api = 'the Istio API';

  public validate(scope: Subject, model: RouteModel): void {
    const guard = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        return fail(scope, (e as Error).message);
      }
    };
    for (const rule of model.rules) {
      [...rule.destinations, ...rule.mirrors.map(m => m.backend)].forEach(b => guard(() => hostOf(b.service, model.namespace)));
    }
    model.gateways.forEach(p => guard(() => gatewayRefOf(p.gateway, model.namespace)));
    const first = model.rules[0];
    model.mirrorMatches?.forEach((m, i) => checkMatch(scope, m, `mirrorMatches[${i}]`));
    checkHeaderOperations(scope, 'requestHeaders', first.requestHeaders);
    checkHeaderOperations(scope, 'responseHeaders', first.responseHeaders);
    this.hostsOf(scope, model);
    // Istio's translateRoute skips a match whose port is not the listener port of the proxy it configures, so at a
    // gateway that does not listen on `port` the route would never apply. Gateways defined elsewhere (ports unknown)
    // are the user's to check.
    const port = first.port;
    const deaf = port === undefined ? [] : model.gateways.map(p => p.gateway).filter(g => g.ports !== undefined && !g.ports.includes(port));
    if (deaf.length > 0) {
      fail(scope, `port ${port} writes match.port on every rule, but gateway ${deaf.map(g => `${g.gatewayName} (ports ${g.ports!.join(', ')})`).join(', ')} `
        + 'does not listen on it: a gateway only applies a match whose port is its listener port, so the route would never apply '
        + 'there; bind this route to the mesh only (drop gateways) and route the gateway\'s traffic with a separate MirrorRoute '
        + '(with its own name), or drop port');
    }
  }

  /**
   * As Istio reads a route bound to gateways: a host must be served by one of the gateways unless the route also
   * applies to the mesh (where hosts such as the service's short name are never served by a gateway), and each
   * gateway must serve at least one of the hosts (IST0132), or the binding does nothing.
   */
  public problems(model: RouteModel): string[] {
    const problems: string[] = [];
    const hosts = this.hosts(model);
    const gateways = model.gateways.map(p => visibleHosts(p.gateway, model.namespace));
    const known = gateways.filter(g => g.hosts !== undefined);
    if (model.meshService === undefined && known.length > 0 && known.length === gateways.length) {
      for (const host of hosts) {
        if (!known.some(g => g.hosts!.some(pattern => hostMatches(pattern, host)))) {
          problems.push(known.length === 1
            ? `host ${host} is not served by gateway ${known[0].gatewayName} (it serves ${known[0].hosts!.join(', ')}): `
              + 'add the host to the gateway or remove the gateway from the route'
            : `host ${host} is not served by any of the gateways ${known.map(g => g.gatewayName).join(', ')}: add it to one of them`);
        }
      }
    }
    const namespace = model.namespace ?? 'default';
    for (const gateway of known) {
      if (!hosts.some(host => gateway.hosts!.some(pattern => hostMatches(pattern, host)))) {
        problems.push(`IST0132 ${hostsNotInGatewayMessage(hosts, `${namespace}/${model.name}`, `${gateway.namespace ?? 'default'}/${gateway.gatewayName}`)}`);
      }
    }
    return problems;
  }

  public hosts(model: RouteModel): string[] {
    return this.hostsOf(undefined, model);
  }

  public renderSpec(model: RouteModel): istio.VirtualServiceSpec {
    const refs = model.gateways.map(p => gatewayRefOf(p.gateway, model.namespace));
    const gateways = [...refs, ...(model.meshService !== undefined && refs.length > 0 ? [MESH_GATEWAY] : [])];
    return {
      hosts: this.hosts(model),
      gateways: gateways.length > 0 ? gateways : undefined,
      http: model.rules.map(rule => renderRule(rule, model.namespace)),
    };
  }

  /** The given hosts (checked against Istio's rules) or the default: the gateways' hosts, plus the service host on the mesh. */
  private hostsOf(scope: Subject | undefined, model: RouteModel): string[] {
    const reject = (message: string): never => {
      if (scope === undefined) throw new Error(message);
      return fail(scope, message);
    };
    const primary = model.meshService === undefined ? undefined : hostOf(model.meshService, model.namespace);
    if (model.hosts !== undefined) {
      if (primary !== undefined && model.hosts.includes('*')) {
        reject(`hosts contains "*" but the route applies to the mesh: Istio rejects the wildcard host * on a VirtualService bound to `
          + `the mesh; list the hosts (e.g. ${primary}), or set includeMesh: false for a gateway-only route`);
      }
      // Kubernetes DNS resolves `svc.namespace`, but Istio matches a VirtualService host against the service's host
      // name, taking a host with a dot as a full name: `httpbin.default` is no service's host, so sidecars never apply
      // the route (nothing mirrored). Only the short name in the route's namespace and the FQDN are service hosts.
      if (primary !== undefined) {
        const services = [model.meshService!, ...modelBackends(model).map(b => b.service)];
        for (const h of model.hosts) {
          const [name, ns, ...rest] = h.split('.');
          const service = rest.length === 0 ? services.find(sv => sv.serviceName === name && (sv.namespace ?? 'default') === ns) : undefined;
          if (service !== undefined) {
            reject(`hosts: "${h}" is the Kubernetes short form <service>.<namespace>, which Istio does not match against service ${name} (it `
              + `reads a dotted host as a full name), so the sidecars would never apply the route; write "${toFqdn(ns, name)}"`
              + `${(model.namespace ?? 'default') === ns ? ` or "${name}"` : ''}`);
          }
        }
      }
      // Istio's ValidateVirtualService rejects any two hosts that match each other (host.Name.Matches), wildcards included.
      model.hosts.forEach((h, i) => model.hosts!.slice(0, i).forEach(earlier => {
        if (hostMatches(earlier, h)) {
          const [wide, narrow] = covers(earlier, h) ? [earlier, h] : [h, earlier];
          reject(wide === narrow
            ? `hosts lists ${h} twice: Istio rejects duplicate hosts in a VirtualService; list it once`
            : `hosts ${wide} and ${narrow} overlap (${wide} covers ${narrow}): Istio rejects such duplicate hosts in a VirtualService; `
              + `drop ${narrow}, or route it with a separate MirrorRoute`);
        }
      }));
      return [...model.hosts];
    }
    const candidates: string[] = [];
    for (const gateway of model.gateways.map(p => visibleHosts(p.gateway, model.namespace))) {
      if (gateway.hosts === undefined) {
        reject(`hosts is required: the hosts of gateway ${gateway.gatewayName} are not known here; list the hosts the route applies to`);
      }
      candidates.push(...gateway.hosts!);
    }
    if (primary !== undefined) {
      const star = model.gateways.find(p => visibleHosts(p.gateway, model.namespace).hosts!.includes('*'));
      if (star !== undefined) {
        reject(`hosts is required: gateway ${star.gateway.gatewayName} serves "*", which Istio rejects on a VirtualService bound to the mesh; `
          + `list the hosts the route applies to (e.g. ${primary} and the external hosts), or set includeMesh: false`);
      }
      candidates.push(primary);
    }
    // Union without the duplicates Istio rejects: a host covered by another (wildcard) host is left out, the first of equals kept.
    return candidates.filter((h, i) => candidates.every((o, j) => j === i || !covers(o, h) || (o === h && j > i)));
  }
}

/**
 * The gateway with only the hosts a route in `namespace` may bind to: Istio Gateway hosts may be namespace-scoped
 * (`./host`, `ns/host`, `*\/host`), and a VirtualService of another namespace does not bind to those.
 */
function visibleHosts(gateway: IRouteGateway, namespace: string | undefined): { gatewayName: string; namespace?: string; hosts?: string[] } {
  if (gateway.hosts === undefined) return gateway;
  return {
    gatewayName: gateway.gatewayName,
    namespace: gateway.namespace,
    hosts: gatewayHostsFor(gateway.hosts, gateway.namespace ?? 'default', namespace ?? 'default'),
  };
}

/** Resolves the host a route in `fromNamespace` must use to reach `service`, or throws with the fix. */
export function hostOf(service: IMeshService, fromNamespace: string | undefined): string {
  if (service.namespace === fromNamespace) {
    return service.serviceName;
  }
  if (service.namespace === undefined) {
    throw new Error(`service ${service.serviceName} has no namespace but the route is in namespace ${fromNamespace}: `
      + 'set the namespace of both (or of neither) so the route can address the service');
  }
  return toFqdn(service.namespace, service.serviceName);
}

/** Resolves the gateway reference a route in `fromNamespace` must use, or throws with the fix. */
export function gatewayRefOf(gateway: IRouteGateway, fromNamespace: string | undefined): string {
  if (gateway.namespace === fromNamespace) {
    return gateway.gatewayName;
  }
  if (gateway.namespace === undefined) {
    throw new Error(`gateway ${gateway.gatewayName} has no namespace but the route is in namespace ${fromNamespace}: `
      + 'set the namespace of both (or of neither), or import the gateway as "namespace/name"');
  }
  return `${gateway.namespace}/${gateway.gatewayName}`;
}

/** RE2 syntax of every regex, and Istio's lack of prefix matches on query parameters. */
function checkMatch(scope: Subject, match: RequestMatch, where: string): void {
  const check = (m: StringMatch | undefined, field: string) => {
    const problem = regexProblem(m);
    if (problem !== undefined) {
      fail(scope, `${where}.${field}: ${JSON.stringify(m!.value)} is not a valid RE2 regular expression (Envoy and Istio use RE2): ${problem}`);
    }
  };
  check(match.uri, 'uri');
  check(match.method, 'method');
  Object.entries(match.headers ?? {}).forEach(([name, m]) => check(m, `headers["${name}"]`));
  for (const [name, m] of Object.entries(match.queryParams ?? {})) {
    check(m, `queryParams["${name}"]`);
    if (m.type === StringMatchType.PREFIX) {
      fail(scope, `${where}.queryParams["${name}"] is a prefix match, which Istio does not support for query parameters: use exact or regex`);
    }
  }
}

/** Istio changes the authority and pseudo-headers with `rewrite`, not with header operations. */
function checkHeaderOperations(scope: Subject, what: string, ops: ModelHeaderOperations | undefined): void {
  for (const name of headerNames(ops)) {
    if (name.startsWith(':') || name.toLowerCase() === 'host') {
      fail(scope, `${what}: ${JSON.stringify(name)} cannot be changed with header operations; Istio uses the route's rewrite.authority for it`);
    }
  }
}

function renderRule(rule: ModelHttpRule, namespace: string | undefined): istio.VirtualServiceSpecHttp {
  const destination = (b: ModelBackend) => renderDestination(b, namespace);
  const common: istio.VirtualServiceSpecHttp = {
    name: rule.name,
    match: renderMatches(rule),
    route: rule.destinations.map(d => ({ destination: destination(d), weight: d.weight })),
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
    return { ...common, mirror: destination(only.backend), mirrorPercentage: { value: only.percent } };
  }
  return { ...common, mirrors: rule.mirrors.map(m => ({ destination: destination(m.backend), percentage: { value: m.percent } })) };
}

function renderDestination(b: ModelBackend, namespace: string | undefined): istio.VirtualServiceSpecHttpRouteDestination {
  return { host: hostOf(b.service, namespace), subset: b.version, port: { number: b.port } };
}

function renderMatches(rule: ModelHttpRule): istio.VirtualServiceSpecHttpMatch[] | undefined {
  // Istio matches a method with a StringMatch: a list of methods is one anchored alternation.
  const method = rule.methods === undefined ? undefined : { regex: `^(${rule.methods.join('|')})$` };
  if (rule.matches === undefined && method === undefined) {
    return rule.port === undefined ? undefined : [{ port: rule.port }];
  }
  return (rule.matches ?? [{}]).map(m => ({ ...renderMatch(m), ...(method ? { method } : {}), port: rule.port }));
}

function renderMatch(match: RequestMatch): istio.VirtualServiceSpecHttpMatch {
  return {
    uri: renderStringMatch(match.uri),
    method: renderStringMatch(match.method),
    headers: renderMatchMap(match.headers),
    queryParams: renderMatchMap(match.queryParams),
  };
}

/** Istio's `StringMatch`: `{ exact | prefix | regex: value }`. */
function renderStringMatch(m: StringMatch | undefined): { [key: string]: string } | undefined {
  return m === undefined ? undefined : { [m.type]: m.value };
}

function renderMatchMap(map: { [name: string]: StringMatch } | undefined): { [name: string]: { [key: string]: string } } | undefined {
  if (map === undefined || Object.keys(map).length === 0) {
    return undefined;
  }
  return Object.fromEntries(Object.entries(map).map(([name, m]) => [name, renderStringMatch(m)!]));
}

function renderRetries(retries: ModelRetries): istio.VirtualServiceSpecHttpRetries {
  return {
    attempts: retries.attempts,
    perTryTimeout: retries.perTryTimeoutMillis === undefined ? undefined : istioDuration(retries.perTryTimeoutMillis),
    retryOn: retries.retryOn === undefined || retries.retryOn.length === 0 ? undefined : retries.retryOn.map(c => c.name).join(','),
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
