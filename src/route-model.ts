import { IIstioGateway } from './istio-gateway';
import { IMeshService } from './mesh-service';

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
  /** Percentage of the matched requests, 0-100; the weights of one rule add up to 100. */
  readonly weight: number;
}

/** A mirror: a copy of a share of the requests, sent fire-and-forget. */
export interface ModelMirror {
  readonly destination: ModelDestination;
  /** Percentage of the matched requests that are copied, greater than 0 and at most 100. */
  readonly percent: number;
}

/** One HTTP routing rule. */
export interface ModelHttpRule {
  readonly destinations: ModelWeightedDestination[];
  readonly mirrors: ModelMirror[];
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
  return `${service.serviceName}.${service.namespace}.svc.cluster.local`;
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

/** Whether a gateway host pattern (`host`, `*.domain`, `*`, optionally `namespace/` prefixed) serves `host`. */
export function gatewayServes(pattern: string, host: string): boolean {
  const bare = pattern.includes('/') ? pattern.slice(pattern.indexOf('/') + 1) : pattern;
  if (bare === '*' || bare === host) {
    return true;
  }
  if (bare.startsWith('*.')) {
    const suffix = bare.slice(1);
    if (host.startsWith('*.')) {
      return host.endsWith(suffix);
    }
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return false;
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
    const total = rule.destinations.reduce((sum, d) => sum + d.weight, 0);
    if (Math.abs(total - 100) > 1e-9) {
      problems.push(`the weights${where} add up to ${total}, not 100: adjust them so every request has a destination`);
    }
  }
  for (const gateway of gateways) {
    const served = gateway.hosts;
    if (served === undefined) {
      continue;
    }
    for (const host of model.hosts) {
      if (!served.some(pattern => gatewayServes(pattern, host))) {
        problems.push(`host ${host} is not served by gateway ${gateway.gatewayName} (it serves ${served.join(', ')}): `
          + 'add the host to the gateway or remove the gateway from the route');
      }
    }
  }
  return problems;
}
