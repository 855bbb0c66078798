import { Chart, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from '../../imports/networking.istio.io';
import { covers, hostMatches } from './rules/hosts';
import { IIstioGateway } from './istio-gateway';
import { renderVirtualServiceSpec } from './virtual-service-renderer';
import { MeshAnalysis } from '../analysis/synth-hook';
import { RequestMatch, requestMatchProblems, safeMethodMatch, SAFE_METHODS } from '../core/request-match';
import {
  gatewayRefOf, hostOf, MirrorTarget, ModelDestination, ModelHeaderOperations, ModelHttpRule, ModelMirror, ModelRetries,
  ModelWeightedDestination, RouteModel, routeModelProblems, RouteTarget, WeightedTarget,
} from '../core/route-model';
import { checkTimeout, HeaderOperations, resolveHeaderOperations, resolveRetries, RetryOptions } from '../core/route-policy';
import { checkDnsSubdomain, checkHost, checkOptionalDnsLabel, checkPercent, checkPort, fail } from '../core/validate';

/**
 * Properties of a `MirrorRoute`.
 */
export interface MirrorRouteProps {
  /**
   * Where requests go: the primary service version. It receives 100% of the requests and its responses are
   * the ones clients see. Exactly one of `destination` and `destinations` is required.
   *
   * @default - none; then `destinations` is required
   */
  readonly destination?: RouteTarget;
  /**
   * Where requests go when they are split between versions by weight (e.g. 90% v1, 10% v2 for a canary), as an
   * alternative to `destination`. Weights are integers and add up to 100. A mirror must not be one of these
   * destinations (unless its weight is 0): the version would get real requests and copies of them.
   *
   * @default - none; then `destination` is required
   */
  readonly destinations?: WeightedTarget[];
  /**
   * Where copies of the requests go (fire-and-forget: their responses are discarded). The mirrored version must
   * not share state stores (databases, queues) with the primary, or every mirrored write happens twice.
   *
   * For several mirrors use `mirrors` (or `addMirror()`); `mirror` and `mirrors` cannot be combined.
   *
   * @default - no mirroring: the route only routes
   */
  readonly mirror?: RouteTarget;
  /**
   * The percentage of requests copied to the mirror, a decimal from 0 to 100 (`mirrorPercentage.value`).
   * 0 turns mirroring off without removing the mirror from the code: no mirror fields are written.
   * Only for `mirror`; each of `mirrors` has its own `percent`.
   *
   * @default 100
   */
  readonly mirrorPercent?: number;
  /**
   * Several mirrors, each with its own percentage (Istio 1.20+ `mirrors`), e.g. 100% to v2 and 10% to v3.
   * A single mirror is written in the classic `mirror` + `mirrorPercentage` form, which every Istio version reads.
   *
   * @default - none
   */
  readonly mirrors?: MirrorTarget[];
  /**
   * Mirror only the requests that match any of these; every other request is routed the same way but not mirrored.
   * The route then has two rules: the matching one with the mirrors first, then a catch-all without.
   *
   * @default - every request is mirrored (at the mirrors' percentages)
   */
  readonly mirrorMatches?: RequestMatch[];
  /**
   * Mirror only safe (read-only) requests: GET, HEAD and OPTIONS. For services whose mirrored version would
   * otherwise repeat writes (POST, PUT, PATCH, DELETE) against shared state. Combined with `mirrorMatches`, a
   * request must match one of them and use a safe method; the matches must not set `method` then.
   *
   * @default false
   */
  readonly mirrorSafeMethodsOnly?: boolean;
  /**
   * Apply the route only to requests sent to this port of its hosts (`match.port` on every rule). Needed on a
   * service with several HTTP-like ports (e.g. `http` 8080 and `grpc` 9090): without it the rules apply to every
   * port of the host, and requests to the other ports would be sent to the destination's port.
   *
   * A gateway applies a match only when its `port` is one of the gateway's listener ports (e.g. 80 or 443), so on a
   * route bound to a gateway that does not listen on `port` this is an error; bind such a route to the mesh only and
   * route the gateway's traffic with a separate `MirrorRoute` (with its own `name`). For a gateway defined elsewhere
   * (`IstioGateway.fromGatewayName()`) the ports are not known here: check them yourself.
   *
   * @default - every port of the hosts
   */
  readonly port?: number;
  /**
   * The timeout of each request (all retries included). Envoy applies the same timeout to the mirrored copies.
   *
   * @default - no timeout (Istio's default)
   */
  readonly timeout?: Duration;
  /**
   * How failed requests are retried. Mirrored copies are never retried.
   *
   * @default - Istio's default retry policy (2 retries on connection failures and refused streams)
   */
  readonly retries?: RetryOptions;
  /**
   * Changes to the request headers before the request is forwarded. The mirrored copies carry the same changes:
   * Envoy copies the request for the mirrors after applying them.
   *
   * @default - none
   */
  readonly requestHeaders?: HeaderOperations;
  /**
   * Changes to the response headers the client receives (mirrored responses are discarded anyway).
   *
   * @default - none
   */
  readonly responseHeaders?: HeaderOperations;
  /**
   * The VirtualService's name.
   *
   * @default - the destination service's name (of the first of `destinations`): one VirtualService per service,
   * as Istio recommends
   */
  readonly name?: string;
  /**
   * The VirtualService's namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The hosts the route applies to. No host may cover another (`*.example.com` and `api.example.com`), as Istio
   * rejects duplicate hosts in a VirtualService, and `*` is not allowed when the route applies to the mesh.
   *
   * @default - the hosts of the gateways (when they are known; a host covered by another gateway's wildcard host is
   * left out), plus the destination service's host (of the first of `destinations`) when the route applies to the mesh
   */
  readonly hosts?: string[];
  /**
   * The gateways the route is bound to (ingress traffic).
   *
   * @default - none: the route applies to mesh-internal traffic only
   */
  readonly gateways?: IIstioGateway[];
  /**
   * Whether the route also applies to mesh-internal traffic (requests from sidecars), Istio's gateway `mesh`.
   *
   * @default - true when no gateways are given, else false
   */
  readonly includeMesh?: boolean;
}

/**
 * An Istio VirtualService that routes requests to one version of a service (or splits them between versions by
 * weight) and mirrors (shadows) a percentage of them to one or more other versions.
 *
 * Mirrored requests are fire-and-forget: Envoy sends the copy, discards its response, and the client never waits
 * for it. Up to Istio 1.27 the copy's Host/Authority header gets `-shadow` appended (`httpbin-shadow:8000`);
 * Istio 1.28+ no longer does by default (istiod's `DISABLE_SHADOW_HOST_SUFFIX`). The mirror destination is always
 * written with an explicit port: Istio falls back to the service's only port when none is given, so the port is
 * strictly needed only for services with several ports, but an explicit one keeps the mirror on the same port
 * when a port is added to the service later.
 *
 * The route's `timeout` and `requestHeaders` also apply to the mirrored copies; its `retries` do not.
 *
 * @example
 * new MirrorRoute(chart, 'route', {
 *   destination: { service: httpbin, subset: 'v1' },
 *   mirror: { service: httpbin, subset: 'v2' },
 *   mirrorPercent: 100,
 *   gateways: [gateway],
 * });
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
 */
export class MirrorRoute extends Construct {
  /** The VirtualService's name. */
  public readonly routeName: string;
  /** The namespace, if set. */
  public readonly namespace?: string;
  /** The VirtualService. */
  public readonly virtualService: istio.VirtualService;
  /**
   * The props the route was created with (for `MirrorRolloutPlan`, which derives one route per stage from them).
   *
   * @internal
   */
  public readonly _props: MirrorRouteProps;
  private readonly gateways: IIstioGateway[];
  private readonly routeHosts: string[];
  private readonly gatewayRefs: string[];
  private readonly mesh: boolean;
  private readonly destinationList: ModelWeightedDestination[];
  /** Every mirror given, including those at 0%, with its resolved destination. */
  private readonly declaredMirrors: Array<{ readonly target: MirrorTarget; readonly destination: ModelDestination }> = [];
  private readonly matches?: RequestMatch[];
  private readonly port?: number;
  private readonly timeoutMillis?: number;
  private readonly retries?: ModelRetries;
  private readonly requestHeaders?: ModelHeaderOperations;
  private readonly responseHeaders?: ModelHeaderOperations;

  constructor(scope: Construct, id: string, props: MirrorRouteProps) {
    super(scope, id);
    this._props = props;
    if ((props.destination === undefined) === (props.destinations === undefined)) {
      fail(this, props.destination === undefined
        ? 'destination is required: the service (and subset) that receives the requests (or destinations, to split them by weight)'
        : 'destination and destinations cannot be combined: use destination for one version, destinations to split by weight');
    }
    const first = props.destination ?? props.destinations![0];
    if (first === undefined) {
      fail(this, 'destinations must list at least one weighted target whose weights add up to 100');
    }
    if (first.service === undefined) {
      fail(this, `${props.destination ? 'destination' : 'destinations[0]'}.service is required`);
    }
    this.namespace = checkOptionalDnsLabel(this, 'namespace', props.namespace ?? Chart.of(this).namespace);
    this.routeName = checkDnsSubdomain(this, 'name', props.name ?? first.service.serviceName);
    this.gateways = [...(props.gateways ?? [])];
    this.mesh = props.includeMesh ?? this.gateways.length === 0;
    if (!this.mesh && this.gateways.length === 0) {
      fail(this, 'includeMesh is false and no gateways are given: the route would apply to no traffic; add a gateway or include the mesh');
    }

    this.destinationList = props.destination !== undefined
      ? [{ ...this.resolve('destination', props.destination), weight: 100 }]
      : this.resolveWeighted(props.destinations!);

    if (props.mirrors !== undefined && (props.mirror !== undefined || props.mirrorPercent !== undefined)) {
      fail(this, 'mirrors cannot be combined with mirror or mirrorPercent: list every mirror in mirrors, each with its own percent');
    }
    const percent = checkPercent(this, 'mirrorPercent', props.mirrorPercent ?? 100);
    if (props.mirror === undefined && props.mirrorPercent !== undefined && props.mirrorPercent > 0) {
      fail(this, `mirrorPercent is ${props.mirrorPercent} but there is no mirror: set mirror to the service version that receives the copies`);
    }
    if (props.mirror !== undefined) {
      this.addMirrorAs('mirror', { ...props.mirror, percent });
    }
    (props.mirrors ?? []).forEach((m, i) => this.addMirrorAs(`mirrors[${i}]`, m));

    this.port = props.port === undefined ? undefined : checkPort(this, 'port', props.port);
    // Istio's translateRoute skips a match whose port is not the listener port of the proxy it configures, so at a
    // gateway that does not listen on `port` the route would never apply. Gateways defined elsewhere (ports unknown)
    // are the user's to check.
    const deaf = this.port === undefined ? [] : this.gateways.filter(g => g.ports !== undefined && !g.ports.includes(this.port!));
    if (deaf.length > 0) {
      fail(this, `port ${this.port} writes match.port on every rule, but gateway ${deaf.map(g => `${g.gatewayName} (ports ${g.ports!.join(', ')})`).join(', ')} `
        + 'does not listen on it: a gateway only applies a match whose port is its listener port, so the route would never apply '
        + 'there; bind this route to the mesh only (drop gateways) and route the gateway\'s traffic with a separate MirrorRoute '
        + '(with its own name), or drop port');
    }
    this.matches = this.resolveMatches(props.mirrorMatches, props.mirrorSafeMethodsOnly ?? false);
    this.timeoutMillis = props.timeout === undefined ? undefined : checkTimeout(this, 'timeout', props.timeout);
    this.retries = props.retries === undefined ? undefined : resolveRetries(this, props.retries, this.timeoutMillis);
    this.requestHeaders = props.requestHeaders === undefined ? undefined : resolveHeaderOperations(this, 'requestHeaders', props.requestHeaders);
    this.responseHeaders = props.responseHeaders === undefined ? undefined : resolveHeaderOperations(this, 'responseHeaders', props.responseHeaders);

    this.routeHosts = this.defaultHosts(props.hosts, this.destinationList[0]);
    this.gatewayRefs = this.gateways.map(g => this.guard(() => gatewayRefOf(g, this.namespace)));
    this.virtualService = new istio.VirtualService(this, 'Resource', {
      metadata: { name: this.routeName, namespace: this.namespace },
      spec: Lazy.any({ produce: () => renderVirtualServiceSpec(this.model()) }),
    });
    this.node.addValidation({ validate: () => this.problems() });
    MeshAnalysis.register(this);
  }

  /**
   * Adds a mirror: a copy of `percent`% of the (matched) requests goes to `target` as well. With two or more mirrors
   * the route is written with Istio 1.20+ `mirrors`.
   */
  public addMirror(target: MirrorTarget): void {
    this.addMirrorAs(`addMirror(${target.service?.serviceName ?? ''})`, target);
  }

  /** The hosts the route applies to (a copy). */
  public get hosts(): string[] {
    return [...this.routeHosts];
  }

  /** The highest percentage of requests copied to any mirror (0 when nothing is mirrored). */
  public get mirrorPercent(): number {
    return this.activeMirrors().reduce((max, m) => Math.max(max, m.percent), 0);
  }

  /** The mirrors that receive copies (percent above 0), in the order they were given (copies). */
  public get mirrors(): MirrorTarget[] {
    return this.declaredMirrors.filter(m => m.target.percent! > 0).map(m => ({ ...m.target }));
  }

  private addMirrorAs(role: string, target: MirrorTarget): void {
    const destination = this.resolve(role, target);
    const percent = checkPercent(this, `${role}.percent`, target.percent ?? 100);
    const same = (a: ModelDestination, b: ModelDestination) => a.service === b.service && a.subset === b.subset;
    const served = this.destinationList.find(d => same(d, destination) && d.weight > 0);
    if (served !== undefined) {
      const what = `${destination.host}${destination.subset ? ` subset ${destination.subset}` : ''}`;
      fail(this, this.destinationList.length === 1
        ? `${role} is the same as the destination (${what}): every request would reach that version twice; `
          + 'mirror to another version (subset) of the service'
        : `${role} (${what}) is one of the weighted destinations (weight ${served.weight}): it would receive real requests and copies `
          + 'of them, doubling writes and skewing its metrics; mirror to a version that gets no weight');
    }
    // Without a subset a target is every pod of the service, so it shares pods with every subset of that service.
    const overlapping = this.destinationList.find(d => d.service === destination.service && d.weight > 0
      && (d.subset === undefined || destination.subset === undefined));
    if (overlapping !== undefined) {
      const field = this.destinationList.length === 1 ? 'destination' : `destinations[${this.destinationList.indexOf(overlapping)}]`;
      fail(this, destination.subset === undefined
        ? `${role} (${destination.host}, no subset: every pod of the service) includes the pods of ${field} `
          + `(${overlapping.host} subset ${overlapping.subset}): those pods would get real requests and copies of them, doubling their `
          + `writes; set ${role}.subset to the version that receives the copies (a subset other than ${overlapping.subset})`
        : `${role} (${destination.host} subset ${destination.subset}) is among the pods of ${field} (${overlapping.host}, no subset: `
          + `every pod of the service): subset ${destination.subset} would get real requests and copies of them, doubling its writes; `
          + `set ${field}.subset to the serving version, so that only copies reach subset ${destination.subset}`);
    }
    if (this.declaredMirrors.some(m => same(m.destination, destination) && m.destination.port === destination.port)) {
      fail(this, `${role} mirrors to ${destination.host}${destination.subset ? ` subset ${destination.subset}` : ''} again: `
        + 'each version can be a mirror once; raise its percent instead');
    }
    this.declaredMirrors.push({ target: { ...target, percent }, destination });
  }

  private activeMirrors(): ModelMirror[] {
    return this.declaredMirrors.filter(m => m.target.percent! > 0).map(m => ({ destination: m.destination, percent: m.target.percent! }));
  }

  private resolveWeighted(targets: WeightedTarget[]): ModelWeightedDestination[] {
    const result = targets.map((t, i) => {
      if (!Number.isInteger(t.weight) || t.weight < 0 || t.weight > 100) {
        fail(this, `destinations[${i}].weight must be an integer from 0 to 100 (Istio weights are integers), got ${t.weight}`);
      }
      return { ...this.resolve(`destinations[${i}]`, t), weight: t.weight };
    });
    result.forEach((d, i) => {
      const j = result.findIndex(o => o.service === d.service && o.subset === d.subset && o.port === d.port);
      if (j !== i) {
        fail(this, `destinations[${i}] and destinations[${j}] are the same (${d.host}${d.subset ? ` subset ${d.subset}` : ''}): `
          + 'list each version once with its total weight');
      }
    });
    const total = result.reduce((sum, d) => sum + d.weight, 0);
    if (total !== 100) {
      fail(this, `the weights of destinations add up to ${total} (${result.map(d => d.weight).join(' + ')}), not 100: `
        + 'adjust them so every request has a destination');
    }
    return result;
  }

  private resolveMatches(matches: RequestMatch[] | undefined, safeOnly: boolean): RequestMatch[] | undefined {
    if (matches !== undefined && matches.length === 0) {
      fail(this, 'mirrorMatches must not be empty: list the requests to mirror, or leave it unset to mirror every request');
    }
    const problems = (matches ?? []).flatMap((m, i) => requestMatchProblems(m, `mirrorMatches[${i}]`));
    if (problems.length > 0) {
      fail(this, problems.join('; '));
    }
    if (!safeOnly) {
      return matches === undefined ? undefined : [...matches];
    }
    const withMethod = (matches ?? []).findIndex(m => m.method !== undefined);
    if (withMethod >= 0) {
      fail(this, `mirrorMatches[${withMethod}] sets method ${matches![withMethod].method} but mirrorSafeMethodsOnly is true: `
        + `drop one of them (safe methods are ${SAFE_METHODS.join(', ')})`);
    }
    return (matches ?? [{}]).map(m => ({ ...m, method: safeMethodMatch() }));
  }

  private model(): RouteModel {
    const base = {
      port: this.port,
      destinations: this.destinationList,
      timeoutMillis: this.timeoutMillis,
      retries: this.retries,
      requestHeaders: this.requestHeaders,
      responseHeaders: this.responseHeaders,
    };
    const mirrors = this.activeMirrors();
    const rules: ModelHttpRule[] = this.matches !== undefined && mirrors.length > 0
      ? [{ name: 'mirrored', matches: this.matches, ...base, mirrors }, { name: 'default', ...base, mirrors: [] }]
      : [{ ...base, mirrors }];
    return { name: this.routeName, namespace: this.namespace, hosts: this.routeHosts, gateways: this.gatewayRefs, mesh: this.mesh, rules };
  }

  private problems(): string[] {
    const problems = routeModelProblems(this.model(), this.gateways);
    if (this._props.mirrorMatches !== undefined && this.declaredMirrors.length === 0) {
      problems.push('mirrorMatches is set but the route has no mirror: add a mirror (mirror, mirrors or addMirror()) or drop mirrorMatches');
    }
    if (this._props.mirrorSafeMethodsOnly && this.declaredMirrors.length === 0) {
      problems.push('mirrorSafeMethodsOnly is set but the route has no mirror: add a mirror (mirror, mirrors or addMirror()) or drop it');
    }
    return problems;
  }

  private resolve(role: string, target: RouteTarget): ModelDestination {
    if (target === undefined || target.service === undefined) {
      fail(this, `${role}.service is required`);
    }
    const ports = target.service.portNumbers;
    let port = target.port;
    if (port === undefined) {
      if (ports === undefined || ports.length !== 1) {
        fail(this, `${role}.port is required: service ${target.service.serviceName} has `
          + `${ports === undefined ? 'unknown ports' : `several ports (${ports.join(', ')})`}; name the port the route targets`);
      }
      port = ports[0];
    }
    if (target.subset !== undefined && target.subset.length === 0) {
      fail(this, `${role}.subset must not be empty: name a version of ${target.service.serviceName}, or leave it unset for all pods`);
    }
    return {
      service: target.service,
      host: this.guard(() => hostOf(target.service, this.namespace)),
      subset: target.subset,
      port: checkPort(this, `${role}.port`, port),
    };
  }

  private defaultHosts(hosts: string[] | undefined, primary: ModelDestination): string[] {
    if (hosts !== undefined) {
      if (hosts.length === 0) {
        fail(this, 'hosts must not be empty: list the hosts the route applies to, or leave it unset for the default');
      }
      const checked = hosts.map(h => checkHost(this, 'hosts', h, true));
      if (this.mesh && checked.includes('*')) {
        fail(this, `hosts contains "*" but the route applies to the mesh: Istio rejects the wildcard host * on a VirtualService bound to `
          + `the mesh; list the hosts (e.g. ${primary.host}), or set includeMesh: false for a gateway-only route`);
      }
      // Istio's ValidateVirtualService rejects any two hosts that match each other (host.Name.Matches), wildcards included.
      checked.forEach((h, i) => checked.slice(0, i).forEach(earlier => {
        if (hostMatches(earlier, h)) {
          const [wide, narrow] = covers(earlier, h) ? [earlier, h] : [h, earlier];
          fail(this, wide === narrow
            ? `hosts lists ${h} twice: Istio rejects duplicate hosts in a VirtualService; list it once`
            : `hosts ${wide} and ${narrow} overlap (${wide} covers ${narrow}): Istio rejects such duplicate hosts in a VirtualService; `
              + `drop ${narrow}, or route it with a separate MirrorRoute`);
        }
      }));
      return checked;
    }
    const candidates: string[] = [];
    for (const gateway of this.gateways) {
      if (gateway.hosts === undefined) {
        fail(this, `hosts is required: the hosts of gateway ${gateway.gatewayName} are not known here; list the hosts the route applies to`);
      }
      candidates.push(...gateway.hosts);
    }
    if (this.mesh) {
      const star = this.gateways.find(g => g.hosts!.includes('*'));
      if (star !== undefined) {
        fail(this, `hosts is required: gateway ${star.gatewayName} serves "*", which Istio rejects on a VirtualService bound to the mesh; `
          + `list the hosts the route applies to (e.g. ${primary.host} and the external hosts), or set includeMesh: false`);
      }
      candidates.push(primary.host);
    }
    // Union without the duplicates Istio rejects: a host covered by another (wildcard) host is left out, the first of equals kept.
    return candidates.filter((h, i) => candidates.every((o, j) => j === i || !covers(o, h) || (o === h && j > i)));
  }

  private guard<T>(resolveFn: () => T): T {
    try {
      return resolveFn();
    } catch (e) {
      return fail(this, (e as Error).message);
    }
  }
}
