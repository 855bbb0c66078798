import { hostMatches, toFqdn } from '../istio/rules/hosts';
import { IIstioGateway } from '../istio/istio-gateway';
import { IMeshService } from '../istio/mesh-service';
import { RequestMatch } from './request-match';

// The route model: who is routed where, with which weights and mirrors, independent of the API that expresses it.
// MirrorRoute builds it; a renderer (istio-route-renderer.ts) turns it into Istio objects. A second renderer (for the
// Kubernetes Gateway API) reads the same model.

/**
 * A service version that traffic is routed or mirrored to.
 */
export interface RouteTarget {
  /** The service. */
  readonly service: IMeshService;
  /**
   * The subset (version) of the service.
   *
   * @default - no subset: every pod of the service
   */
  readonly subset?: string;
  /**
   * The service port.
   *
   * @default - the service's only port; required for a service with several ports or unknown ports
   */
  readonly port?: number;
}

/**
 * A service version that receives copies of a share of the requests.
 */
export interface MirrorTarget extends RouteTarget {
  /**
   * The percentage of requests copied to this target, a decimal from 0 to 100. 0 keeps the target in the code
   * but writes nothing for it.
   *
   * @default 100
   */
  readonly percent?: number;
}

/**
 * A service version that receives a share of the requests (traffic splitting, e.g. a canary).
 */
export interface WeightedTarget extends RouteTarget {
  /**
   * The percentage of requests routed to this target: an integer from 0 to 100 (Istio weights are integers).
   * The weights of a route add up to 100.
   */
  readonly weight: number;
}

/** A destination with its host resolved from the route's namespace. */
export interface ModelDestination {
  readonly service: IMeshService;
  /** The host as the route must write it: short name in the same namespace, FQDN across namespaces. */
  readonly host: string;
  readonly subset?: string;
  readonly port?: number;
}

/** A destination receiving a share of the requests. */
export interface ModelWeightedDestination extends ModelDestination {
  /** Percentage of the matched requests, 0-100; the weights of one rule add up to 100 (MirrorRoute checks them eagerly). */
  readonly weight: number;
}

/** A mirror: a copy of a share of the requests, sent fire-and-forget. */
export interface ModelMirror {
  readonly destination: ModelDestination;
  /** Percentage of the matched requests that are copied, greater than 0 and at most 100. */
  readonly percent: number;
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
  /** Envoy retry conditions (`5xx`, `connect-failure`, ...) and HTTP status codes. */
  readonly retryOn?: string[];
}

/** One HTTP routing rule. */
export interface ModelHttpRule {
  /** The rule's name, for humans and proxy stats; only set when the route has several rules. */
  readonly name?: string;
  /** The rule applies to requests matching any of these; undefined or empty = every request. */
  readonly matches?: RequestMatch[];
  /** The rule applies only to requests to this port of the hosts (in addition to `matches`). */
  readonly port?: number;
  readonly destinations: ModelWeightedDestination[];
  readonly mirrors: ModelMirror[];
  /** Request timeout in milliseconds. */
  readonly timeoutMillis?: number;
  readonly retries?: ModelRetries;
  readonly requestHeaders?: ModelHeaderOperations;
  readonly responseHeaders?: ModelHeaderOperations;
}

/** A complete route: the hosts, where they are bound, and the rules in order of precedence. */
export interface RouteModel {
  readonly name: string;
  readonly namespace?: string;
  readonly hosts: string[];
  /** Gateway references as the route must write them (`name` or `namespace/name`), without `mesh`. */
  readonly gateways: string[];
  /** Whether the route also applies to the sidecars of the mesh (Istio's reserved gateway `mesh`). */
  readonly mesh: boolean;
  readonly rules: ModelHttpRule[];
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
export function gatewayRefOf(gateway: IIstioGateway, fromNamespace: string | undefined): string {
  if (gateway.namespace === fromNamespace) {
    return gateway.gatewayName;
  }
  if (gateway.namespace === undefined) {
    throw new Error(`gateway ${gateway.gatewayName} has no namespace but the route is in namespace ${fromNamespace}: `
      + 'set the namespace of both (or of neither), or import the gateway as "namespace/name"');
  }
  return `${gateway.namespace}/${gateway.gatewayName}`;
}

/**
 * Whether a gateway host pattern (`host`, `*.domain`, `*`) serves `host`, with the same host matching as the analyzer
 * (Istio's `host.Name.Matches`). Gateway hosts never carry a `namespace/` prefix here: `IstioGateway` only accepts DNS
 * names and wildcards, and gateways imported by name have no known hosts.
 */
export function gatewayServes(pattern: string, host: string): boolean {
  return hostMatches(pattern, host);
}

/**
 * The problems of a route model that depend on other constructs (checked at synth time, once every service,
 * version and gateway is complete). Each message says what is wrong and how to fix it.
 */
export function routeModelProblems(model: RouteModel, gateways: IIstioGateway[]): string[] {
  const problems: string[] = [];
  const checkDestination = (d: ModelDestination, role: string) => {
    const subsets = d.service.subsetNames;
    if (d.subset !== undefined && subsets !== undefined && !subsets.includes(d.subset)) {
      problems.push(`${role} subset ${JSON.stringify(d.subset)} is not defined for service ${d.service.serviceName} `
        + `(its subsets: ${subsets.length ? subsets.join(', ') : 'none'}): add a version "${d.subset}" to the service or pick one of its subsets`);
    }
    const ports = d.service.portNumbers;
    if (d.port !== undefined && ports !== undefined && !ports.includes(d.port)) {
      problems.push(`${role} port ${d.port} is not a port of service ${d.service.serviceName} (its ports: ${ports.join(', ')}): use one of them`);
    }
  };
  for (const [i, rule] of model.rules.entries()) {
    const where = model.rules.length > 1 ? ` in rule ${i}` : '';
    rule.destinations.forEach(d => checkDestination(d, `destination${where}`));
    rule.mirrors.forEach(m => checkDestination(m.destination, `mirror${where}`));
  }
  // As Istio reads a route bound to gateways: a host must be served by one of the gateways unless the route also applies
  // to the mesh (where hosts such as the service's short name are never served by a gateway), and each gateway must
  // serve at least one of the hosts (istioctl analyze IST0132), or the binding does nothing.
  const known = gateways.filter(g => g.hosts !== undefined);
  if (!model.mesh && known.length > 0 && known.length === gateways.length) {
    for (const host of model.hosts) {
      if (!known.some(g => g.hosts!.some(pattern => gatewayServes(pattern, host)))) {
        problems.push(known.length === 1
          ? `host ${host} is not served by gateway ${known[0].gatewayName} (it serves ${known[0].hosts!.join(', ')}): `
            + 'add the host to the gateway or remove the gateway from the route'
          : `host ${host} is not served by any of the gateways ${known.map(g => g.gatewayName).join(', ')}: add it to one of them`);
      }
    }
  }
  for (const gateway of known) {
    const served = gateway.hosts!;
    if (!model.hosts.some(host => served.some(pattern => gatewayServes(pattern, host)))) {
      problems.push(`gateway ${gateway.gatewayName} serves none of the route's hosts (${model.hosts.join(', ')}; it serves ${served.join(', ')}): `
        + 'add a host the gateway serves or remove the gateway from the route');
    }
  }
  return problems;
}
