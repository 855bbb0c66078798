import { Chart, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { GrpcRequestMatch, grpcMatchProblems } from './grpc-match';
import { IMeshService, IRouteGateway } from './references';
import { RequestMatch, requestMatchProblems, SAFE_METHODS } from './request-match';
import {
  checkTimeout, HeaderOperations, ModelHeaderOperations, ModelRetries, resolveHeaderOperations, resolveRetries, RetryOptions,
} from './route-policy';
import { checkArray, checkDnsSubdomain, checkHost, checkOptionalDnsLabel, checkPercent, checkPort, describe, fail, Subject } from './validate';

// The route model: who is routed where, with which weights and mirrors, independent of the API that expresses it.
// A route construct (istio/mirror-route.ts) builds it with `RouteSpec` from its props and hands it to its renderer
// (`RouteRenderer`), which checks what its API cannot express and writes the API's object. Targets are
// (service, version, port); each renderer resolves them (Istio: host + subset; Gateway API: the version's Service).

/**
 * A service version that traffic is routed or mirrored to.
 */
export interface RouteTarget {
  /** The service. */
  readonly service: IMeshService;
  /**
   * The version of the service (its `version` label; with the Istio API, the DestinationRule subset of that name).
   *
   * @default - no version: every pod of the service
   */
  readonly version?: string;
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
   * The percentage of requests routed to this target: an integer from 0 to 100 (weights are integers in both Istio
   * and the Gateway API). The weights of a route add up to 100.
   */
  readonly weight: number;
}

/**
 * What a mirror route does, whatever API expresses it: where requests go, where copies of them go, which requests
 * are mirrored, and the policies of the route.
 */
export interface MirrorRouteOptions {
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
   * The percentage of requests copied to the mirror, a decimal from 0 to 100. 0 turns mirroring off without
   * removing the mirror from the code: no mirror fields are written.
   * - Istio API: `mirrorPercentage.value`.
   * - Gateway API: the RequestMirror filter's `percent` (a whole percentage) or `fraction` (12.5 -> 125/1000).
   * Only for `mirror`; each of `mirrors` has its own `percent`.
   *
   * @default 100
   */
  readonly mirrorPercent?: number;
  /**
   * Several mirrors, each with its own percentage, e.g. 100% to v2 and 10% to v3.
   * - Istio API: `mirrors` (Istio 1.20+); a single mirror is written in the classic `mirror` + `mirrorPercentage` form.
   * - Gateway API: one RequestMirror filter per mirror (`HTTPRouteRequestMultipleMirrors`, which not every
   *   implementation supports: see `GatewayImplementation`).
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
   * Apply the route only to requests sent to this port of its hosts. Needed on a service with several HTTP-like ports
   * (e.g. `http` 8080 and `grpc` 9090): without it the route applies to every port of the host, and requests to the
   * other ports would be sent to the destination's port.
   * - Istio API: `match.port` on every rule. A gateway applies a match only when its `port` is one of the gateway's
   *   listener ports (e.g. 80 or 443), so on a route bound to a gateway that does not listen on `port` this is an
   *   error; bind such a route to the mesh only and route the gateway's traffic with a separate route (with its own
   *   `name`).
   * - Gateway API: the `port` of every parentRef (the listener of that port; for a mesh route, the Service's port),
   *   an error when a known gateway has no listener on it.
   *
   * For a gateway defined elsewhere (`fromGatewayName()`) the ports are not known here: check them yourself.
   *
   * @default - every port of the hosts
   */
  readonly port?: number;
  /**
   * The timeout of each request (all retries included). Envoy applies the same timeout to the mirrored copies.
   * - Istio API: the rule's `timeout`.
   * - Gateway API: the rule's `timeouts.request`.
   *
   * @default - no timeout (the default of Istio and of the Gateway API)
   */
  readonly timeout?: Duration;
  /**
   * How failed requests are retried. Mirrored copies are never retried.
   * - Istio API: the rule's `retries`.
   * - Gateway API: not expressible (HTTPRoute retries are not in the standard channel): an error.
   *
   * @default - Istio's default retry policy: 2 retries on connect-failure, refused-stream, unavailable, cancelled and
   * retriable-status-codes, with 503 retriable (so a 503 from the destination is retried too)
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
   * The route object's name.
   *
   * @default - the destination service's name (of the first of `destinations`): one route per service, as Istio
   * recommends for VirtualServices and as the Gateway API's GAMMA routes are usually named
   */
  readonly name?: string;
  /**
   * The route object's namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The hosts the route applies to.
   * - Istio API: the VirtualService's `hosts`. No host may cover another (`*.example.com` and `api.example.com`), as
   *   Istio rejects duplicate hosts in a VirtualService, and `*` is not allowed when the route applies to the mesh; a
   *   mesh host is a service's short name or FQDN, never `<service>.<namespace>`.
   * - Gateway API: the HTTPRoute's `hostnames` (a mesh route has none: it applies to its parent Service).
   *
   * @default - the hosts of the gateways (when they are known; a host covered by another gateway's wildcard host is
   * left out), plus the destination service's host (of the first of `destinations`) when the route applies to the mesh
   */
  readonly hosts?: string[];
  /**
   * Whether the route also applies to mesh-internal traffic (requests from sidecars to the destination service).
   * - Istio API: the reserved gateway `mesh`, beside the route's gateways.
   * - Gateway API: a GAMMA parentRef to the destination's Service; a route is attached to gateways or to the mesh,
   *   not both (write two routes).
   *
   * @default - true when no gateways are given, else false
   */
  readonly includeMesh?: boolean;
}

/**
 * What a mirror route of a gRPC service does (`GrpcMirrorRoute`, `IstioGrpcMirrorRoute`): the options of every mirror
 * route, with gRPC method matches in place of HTTP requests matches. `mirrorMatches` and `mirrorSafeMethodsOnly` are
 * rejected: a gRPC call's path is its method and its HTTP method is always POST, so match the gRPC method instead.
 */
export interface GrpcMirrorRouteOptions extends MirrorRouteOptions {
  /**
   * Mirror only the calls that match any of these (e.g. `[{ method: { service: 'echo.Echo', method: 'Ping' } }]`); every
   * other call is routed the same way but not mirrored. The route then has two rules: the matching one with the mirrors
   * first, then a catch-all without. Mirror only methods that are safe to run twice, or give the mirror its own state.
   *
   * @default - every call is mirrored (at the mirrors' percentages)
   */
  readonly mirrorGrpcMatches?: GrpcRequestMatch[];
}

/** A resolved target: a service, optionally one version of it, and the service port. */
export interface ModelBackend {
  readonly service: IMeshService;
  readonly version?: string;
  readonly port: number;
}

/** A backend receiving a share of the requests. */
export interface ModelWeightedBackend extends ModelBackend {
  /** Percentage of the matched requests, 0-100; the weights of one rule add up to 100. */
  readonly weight: number;
}

/** A mirror: a copy of a share of the requests, sent fire-and-forget. */
export interface ModelMirror {
  readonly backend: ModelBackend;
  /** Percentage of the matched requests that are copied, greater than 0 and at most 100. */
  readonly percent: number;
}

/** One HTTP routing rule. */
export interface ModelHttpRule {
  /** The rule's name, for humans and proxy stats; only set when the route has several rules. */
  readonly name?: string;
  /** The rule applies to requests matching any of these; undefined = every request. */
  readonly matches?: RequestMatch[];
  /** The rule applies only to requests with one of these methods (in addition to `matches`); undefined = any. */
  readonly methods?: string[];
  /** A gRPC route's rule applies to calls matching any of these (never set with `matches`); undefined = every call. */
  readonly grpcMatches?: GrpcRequestMatch[];
  /** The rule applies only to requests to this port of the hosts (in addition to `matches`). */
  readonly port?: number;
  readonly destinations: ModelWeightedBackend[];
  readonly mirrors: ModelMirror[];
  /** Request timeout in milliseconds. */
  readonly timeoutMillis?: number;
  readonly retries?: ModelRetries;
  readonly requestHeaders?: ModelHeaderOperations;
  readonly responseHeaders?: ModelHeaderOperations;
}

/** A gateway the route is attached to (the listener, where an API has one, is the gateway's: `IGatewayApiGateway.sectionName`). */
export interface ModelGatewayParent {
  readonly gateway: IRouteGateway;
}

/**
 * Every backend of a model, in rule order: each rule's destinations, then its mirrors' backends (a backend shared by
 * rules appears once per rule). Plain loops: it runs for every route at construction and synthesis.
 */
export function modelBackends(model: RouteModel): ModelBackend[] {
  const backends: ModelBackend[] = [];
  for (const rule of model.rules) {
    for (const d of rule.destinations) backends.push(d);
    for (const m of rule.mirrors) backends.push(m.backend);
  }
  return backends;
}

/** A complete route: where it is attached, the hosts, and the rules in order of precedence. */
export interface RouteModel {
  readonly name: string;
  readonly namespace?: string;
  /** The hosts as the user gave them; undefined = the renderer's default for its API. */
  readonly hosts?: string[];
  /** The gateways the route is attached to (ingress traffic). */
  readonly gateways: ModelGatewayParent[];
  /** The service whose mesh-internal traffic the route also applies to, if any. */
  readonly meshService?: IMeshService;
  readonly rules: ModelHttpRule[];
  /**
   * The requests the mirrors apply to, as declared (`mirrorMatches`), whether or not a mirror is active: a renderer
   * checks them where they are declared, even while no rule uses them (a mirror at 0%, or added later).
   */
  readonly mirrorMatches?: RequestMatch[];
  /** The gRPC calls the mirrors apply to, as declared (`mirrorGrpcMatches`), whether or not a mirror is active. */
  readonly grpcMatches?: GrpcRequestMatch[];
  /** How many mirrors the route (or the stage) declares, those at 0% included. */
  readonly declaredMirrorCount?: number;
}

/**
 * The API flavor of a route: checks what its API cannot express and writes the API's object. A route construct asks
 * its renderer, never an API directly.
 */
export interface RouteRenderer {
  /** The API's name, for messages (e.g. `the Istio API`). */
  readonly api: string;
  /** Whether the renderer writes gRPC routes (the model then has gRPC matches in place of HTTP request matches); undefined = no. */
  readonly grpc?: boolean;
  /** Throws (naming `scope` and the prop) when the model uses what the API cannot express or rejects. */
  validate(scope: Subject, model: RouteModel): void;
  /** The problems that depend on other constructs (gateways, services), checked at synth time; empty when fine. */
  problems(model: RouteModel): string[];
  /** The hosts the route applies to with this API (the given hosts, or the API's default). */
  hosts(model: RouteModel): string[];
  /** The object's spec. */
  renderSpec(model: RouteModel): any;
}

/** Whether two backends are the same version of the same service (ports aside). */
export function sameVersion(a: ModelBackend, b: ModelBackend): boolean {
  return a.service === b.service && a.version === b.version;
}

/** `httpbin version v2`, for messages. */
/**
 * Why `b` has no pods to receive requests (a version, or every version of a whole-service target, whose workload
 * has no replicas), or undefined when it has some or that is not known.
 */
export function podlessProblem(b: ModelBackend): string | undefined {
  const versions = b.service.versions;
  if (versions === undefined) return undefined;
  const targeted = b.version === undefined ? versions : versions.filter(v => v.version === b.version);
  if (targeted.length === 0 || !targeted.every(v => v.hasPods === false)) return undefined;
  return b.version === undefined
    ? `${b.service.serviceName} (no version: every pod of the service) has no pods: every version of it has 0 replicas`
    : `${describeBackend(b)} has no pods (0 replicas)`;
}

export function describeBackend(b: ModelBackend): string {
  return `${b.service.serviceName}${b.version === undefined ? '' : ` version ${b.version}`}`;
}

/** `backend` with a share of the requests (a literal, not a spread: see `RouteSpec.rule`). */
function weighted(backend: ModelBackend, weight: number): ModelWeightedBackend {
  return { service: backend.service, version: backend.version, port: backend.port, weight };
}

/**
 * A route's model under construction: validates a route's props with the rules every API shares (one destination or
 * weights adding up to 100, mirrors that are not destinations, known ports, sensible matches and policies) and
 * derives the model. Route constructs of every API flavor hold one; it is not a construct and not public API.
 */
export class RouteSpec {
  public readonly name: string;
  /** Whether `name` is the default (the destination's service name) rather than the `name` prop. */
  public readonly nameDefaulted: boolean;
  public readonly namespace?: string;
  private readonly destinations: ModelWeightedBackend[];
  /** Every mirror given, including those at 0%, in order. */
  private readonly declaredMirrors: ModelMirror[] = [];
  private readonly matches?: RequestMatch[];
  private readonly methods?: string[];
  private readonly grpcMatches?: GrpcRequestMatch[];
  private readonly port?: number;
  private readonly timeoutMillis?: number;
  private readonly retries?: ModelRetries;
  private readonly requestHeaders?: ModelHeaderOperations;
  private readonly responseHeaders?: ModelHeaderOperations;
  private readonly hosts?: string[];
  private readonly gateways: ModelGatewayParent[];
  private readonly meshService?: IMeshService;
  /** The model as of the last change (see `model()`). */
  private current?: RouteModel;

  /**
   * @param scope what errors name (the route, before it exists)
   * @param parent the route's scope, whose chart gives the default namespace
   * @param grpc whether the route is a gRPC route: only then are `mirrorGrpcMatches` accepted, and then
   * `mirrorMatches` and `mirrorSafeMethodsOnly` are not
   */
  constructor(private readonly scope: Subject, parent: IConstruct, props: GrpcMirrorRouteOptions, gateways: IRouteGateway[],
    grpc: boolean = false) {
    for (const list of ['destinations', 'mirrors', 'mirrorMatches', 'mirrorGrpcMatches', 'hosts'] as const) {
      if (props[list] !== undefined) checkArray(scope, list, props[list] as unknown[]);
    }
    if ((props.destination === undefined) === (props.destinations === undefined)) {
      fail(scope, props.destination === undefined
        ? 'destination is required: the service (and version) that receives the requests (or destinations, to split them by weight)'
        : 'destination and destinations cannot be combined: use destination for one version, destinations to split by weight');
    }
    const first = props.destination ?? props.destinations![0];
    if (first === undefined) {
      this.resolveWeighted('destinations', []);
    }
    if (first.service === undefined) {
      fail(scope, `${props.destination ? 'destination' : 'destinations[0]'}.service is required`);
    }
    this.namespace = checkOptionalDnsLabel(scope, 'namespace', props.namespace ?? Chart.of(parent).namespace);
    this.nameDefaulted = props.name === undefined;
    this.name = checkDnsSubdomain(scope, this.nameDefaulted ? 'name (default: the destination\'s service name)' : 'name', props.name ?? first.service.serviceName);
    this.gateways = gateways.map(gateway => ({ gateway }));
    const mesh = props.includeMesh ?? gateways.length === 0;
    if (!mesh && gateways.length === 0) {
      fail(scope, 'includeMesh is false and no gateways are given: the route would apply to no traffic; add a gateway or include the mesh');
    }
    this.meshService = mesh ? first.service : undefined;

    this.destinations = props.destination !== undefined
      ? [weighted(this.resolve('destination', props.destination), 100)]
      : this.resolveWeighted('destinations', props.destinations!);

    if (props.mirrors !== undefined && (props.mirror !== undefined || props.mirrorPercent !== undefined)) {
      fail(scope, 'mirrors cannot be combined with mirror or mirrorPercent: list every mirror in mirrors, each with its own percent');
    }
    const percent = checkPercent(scope, 'mirrorPercent', props.mirrorPercent ?? 100);
    if (props.mirror === undefined && props.mirrorPercent !== undefined && props.mirrorPercent > 0) {
      fail(scope, `mirrorPercent is ${props.mirrorPercent} but there is no mirror: set mirror to the service version that receives the copies`);
    }
    if (props.mirror !== undefined) {
      this.declaredMirrors.push(this.resolveMirror('mirror', { ...props.mirror, percent }, this.destinations, this.declaredMirrors));
    }
    (props.mirrors ?? []).forEach((m, i) => this.declaredMirrors.push(this.resolveMirror(`mirrors[${i}]`, m, this.destinations, this.declaredMirrors)));

    this.port = props.port === undefined ? undefined : checkPort(scope, 'port', props.port);
    const safeOnly = props.mirrorSafeMethodsOnly ?? false;
    this.grpcMatches = this.resolveGrpcMatches(props, grpc);
    this.matches = this.resolveMatches(props.mirrorMatches, safeOnly);
    this.methods = safeOnly ? [...SAFE_METHODS] : undefined;
    this.timeoutMillis = props.timeout === undefined ? undefined : checkTimeout(scope, 'timeout', props.timeout);
    this.retries = props.retries === undefined ? undefined : resolveRetries(scope, props.retries, this.timeoutMillis);
    this.requestHeaders = props.requestHeaders === undefined ? undefined : resolveHeaderOperations(scope, 'requestHeaders', props.requestHeaders);
    this.responseHeaders = props.responseHeaders === undefined ? undefined : resolveHeaderOperations(scope, 'responseHeaders', props.responseHeaders);
    if (props.hosts !== undefined) {
      if (props.hosts.length === 0) {
        fail(scope, 'hosts must not be empty: list the hosts the route applies to, or leave it unset for the default');
      }
      this.hosts = props.hosts.map(h => checkHost(scope, 'hosts', h, true));
    }
  }

  /**
   * Adds a mirror (`addMirror()` of the route constructs), with the same checks as the props' mirrors; `check` sees the
   * model with the mirror (e.g. the renderer's checks) and throws to refuse it.
   */
  public addMirror(role: string, target: MirrorTarget, check: (model: RouteModel) => void): void {
    const mirror = this.resolveMirror(role, target, this.destinations, this.declaredMirrors);
    check(this.buildModel(this.destinations, [...this.declaredMirrors, mirror]));
    this.declaredMirrors.push(mirror);
    this.current = undefined;
  }

  /** The mirrors that receive copies (percent above 0), as targets, in the order they were given (copies). */
  public get mirrorTargets(): MirrorTarget[] {
    return this.activeMirrors(this.declaredMirrors).map(m => ({ ...m.backend, percent: m.percent }));
  }

  /** The route's model (the same object until `addMirror()`: treat it as read-only). */
  public model(): RouteModel {
    return this.current ??= this.buildModel(this.destinations, this.declaredMirrors);
  }

  /**
   * The model of the route with other destinations and mirrors (a stage of a rollout plan), checked like the route's
   * own.
   */
  public withTargets(destinations: WeightedTarget[] | undefined, mirrors: MirrorTarget[]): RouteModel {
    const resolved = destinations === undefined ? this.destinations : this.resolveWeighted('destinations', destinations);
    const declared: ModelMirror[] = [];
    mirrors.forEach((m, i) => declared.push(this.resolveMirror(`mirrors[${i}]`, m, resolved, declared)));
    return this.buildModel(resolved, declared);
  }

  /** The problems that depend on other constructs (the versions a service has by synth time), in the API's terms. */
  public problems(model: RouteModel): string[] {
    const problems: string[] = [];
    const check = (b: ModelBackend, role: string) => {
      const versions = b.service.versionNames;
      if (b.version !== undefined && versions !== undefined && !versions.includes(b.version)) {
        problems.push(`${role} version ${JSON.stringify(b.version)} is not defined for service ${b.service.serviceName} `
          + `(its versions: ${versions.length ? versions.join(', ') : 'none'}): add a version "${b.version}" to the service or pick one of its versions`);
        return;
      }
      const podless = podlessProblem(b);
      if (podless !== undefined) {
        problems.push(role === 'mirror'
          ? `mirror ${podless}: its copies would go nowhere (Envoy drops them); deploy the version (replicas above 0) or drop the mirror`
          : `destination ${podless}: every request to it would fail with 503 (no healthy upstream); deploy the version (replicas above 0) `
            + 'or route elsewhere');
      }
    };
    // A destination of weight 0 gets no requests: only the ones that serve are judged for pods.
    const serving = (d: ModelWeightedBackend) => d.weight > 0;
    // Rules share their destinations: each target is reported once, in the user's terms.
    for (const rule of model.rules) {
      rule.destinations.filter(serving).forEach(d => check(d, 'destination'));
      rule.mirrors.forEach(m => check(m.backend, 'mirror'));
    }
    // Neither the route nor the model (a stage of a rollout plan declares mirrors of its own) mirrors anything: a stage
    // without mirrors of a mirroring route is a plan's route-only stage, where the route's matches rightly do nothing.
    const noMirror = this.declaredMirrors.length === 0 && (model.declaredMirrorCount ?? 0) === 0;
    // The props are not kept (nor what they refer to): `matches`, `grpcMatches` and `methods` are set exactly when
    // mirrorMatches, mirrorGrpcMatches and mirrorSafeMethodsOnly are.
    if (this.matches !== undefined && noMirror) {
      problems.push('mirrorMatches is set but the route has no mirror: add a mirror (mirror, mirrors or addMirror()) or drop mirrorMatches');
    }
    if (this.grpcMatches !== undefined && noMirror) {
      problems.push('mirrorGrpcMatches is set but the route has no mirror: add a mirror (mirror, mirrors or addMirror()) or drop mirrorGrpcMatches');
    }
    if (this.methods !== undefined && noMirror) {
      problems.push('mirrorSafeMethodsOnly is set but the route has no mirror: add a mirror (mirror, mirrors or addMirror()) or drop it');
    }
    return [...new Set(problems)];
  }

  private buildModel(destinations: ModelWeightedBackend[], declared: ModelMirror[]): RouteModel {
    const mirrors = this.activeMirrors(declared);
    const selective = (this.matches !== undefined || this.methods !== undefined || this.grpcMatches !== undefined) && mirrors.length > 0;
    const rules: ModelHttpRule[] = selective
      ? [this.rule('mirrored', true, destinations, mirrors), this.rule('default', false, destinations, [])]
      : [this.rule(undefined, false, destinations, mirrors)];
    const { name, namespace, hosts, gateways, meshService, grpcMatches } = this;
    return { name, namespace, hosts, gateways, meshService, rules, mirrorMatches: this.matches, grpcMatches, declaredMirrorCount: declared.length };
  }

  /**
   * One rule of the model: the mirrored requests' (`selected`: with the route's matches) or every request's. Written as
   * one literal, as are the backends (`weighted`): an object built with a spread (`{ ...base, mirrors }`) gets a hidden
   * class of its own in V8 (Node 20), one per route, where literals of one shape share one.
   */
  private rule(name: string | undefined, selected: boolean, destinations: ModelWeightedBackend[], mirrors: ModelMirror[]): ModelHttpRule {
    return {
      name,
      matches: selected ? this.matches : undefined,
      methods: selected ? this.methods : undefined,
      grpcMatches: selected ? this.grpcMatches : undefined,
      port: this.port,
      destinations,
      timeoutMillis: this.timeoutMillis,
      retries: this.retries,
      requestHeaders: this.requestHeaders,
      responseHeaders: this.responseHeaders,
      mirrors,
    };
  }

  private activeMirrors(declared: ModelMirror[]): ModelMirror[] {
    return declared.filter(m => m.percent > 0);
  }

  private resolveMirror(role: string, target: MirrorTarget, destinations: ModelWeightedBackend[], earlier: ModelMirror[]): ModelMirror {
    const backend = this.resolve(role, target);
    const percent = checkPercent(this.scope, `${role}.percent`, target.percent ?? 100);
    const served = destinations.find(d => sameVersion(d, backend) && d.weight > 0);
    if (served !== undefined) {
      fail(this.scope, destinations.length === 1
        ? `${role} is the same as the destination (${describeBackend(backend)}): every request would reach that version twice; `
          + 'mirror to another version of the service'
        : `${role} (${describeBackend(backend)}) is one of the weighted destinations (weight ${served.weight}): it would receive real requests and `
          + 'copies of them, doubling writes and skewing its metrics; mirror to a version that gets no weight');
    }
    // Without a version a target is every pod of the service, so it shares pods with every version of that service.
    const overlapping = destinations.find(d => d.service === backend.service && d.weight > 0
      && (d.version === undefined || backend.version === undefined));
    if (overlapping !== undefined) {
      const field = destinations.length === 1 ? 'destination' : `destinations[${destinations.indexOf(overlapping)}]`;
      fail(this.scope, backend.version === undefined
        ? `${role} (${backend.service.serviceName}, no version: every pod of the service) includes the pods of ${field} `
          + `(${describeBackend(overlapping)}): those pods would get real requests and copies of them, doubling their `
          + `writes; set ${role}.version to the version that receives the copies (a version other than ${overlapping.version})`
        : `${role} (${describeBackend(backend)}) is among the pods of ${field} (${overlapping.service.serviceName}, no version: `
          + `every pod of the service): version ${backend.version} would get real requests and copies of them, doubling its writes; `
          + `set ${field}.version to the serving version, so that only copies reach version ${backend.version}`);
    }
    if (earlier.some(m => sameVersion(m.backend, backend) && m.backend.port === backend.port)) {
      fail(this.scope, `${role} mirrors to ${describeBackend(backend)} again: each version can be a mirror once; raise its percent instead`);
    }
    return { backend, percent };
  }

  private resolveWeighted(role: string, targets: WeightedTarget[]): ModelWeightedBackend[] {
    if (targets.length === 0) {
      fail(this.scope, `${role} must list at least one weighted target whose weights add up to 100`);
    }
    const result = targets.map((t, i) => {
      if (!Number.isInteger(t.weight) || t.weight < 0 || t.weight > 100) {
        fail(this.scope, `${role}[${i}].weight must be an integer from 0 to 100 (weights are integers), got ${describe(t.weight)}`);
      }
      return weighted(this.resolve(`${role}[${i}]`, t), t.weight);
    });
    result.forEach((d, i) => {
      const j = result.findIndex(o => sameVersion(o, d) && o.port === d.port);
      if (j !== i) {
        fail(this.scope, `${role}[${i}] and ${role}[${j}] are the same (${describeBackend(d)}): list each version once with its total weight`);
      }
    });
    const total = result.reduce((sum, d) => sum + d.weight, 0);
    if (total !== 100) {
      fail(this.scope, `the weights of ${role} add up to ${total} (${result.map(d => d.weight).join(' + ')}), not 100: `
        + 'adjust them so every request has a destination');
    }
    return result;
  }

  private resolveGrpcMatches(props: GrpcMirrorRouteOptions, grpc: boolean): GrpcRequestMatch[] | undefined {
    const matches = props.mirrorGrpcMatches;
    if (!grpc) {
      if (matches !== undefined) {
        fail(this.scope, 'mirrorGrpcMatches is an option of gRPC routes: use GrpcMirrorRoute (Gateway API) or IstioGrpcMirrorRoute (Istio API) '
          + 'for a gRPC service, or mirrorMatches for HTTP requests');
      }
      return undefined;
    }
    if (props.mirrorMatches !== undefined) {
      fail(this.scope, 'mirrorMatches matches HTTP requests (uri, method, query parameters), which a gRPC route does not have: a gRPC call\'s '
        + 'path is its method; use mirrorGrpcMatches (e.g. [{ method: { service: \'echo.Echo\', method: \'Ping\' } }])');
    }
    if (props.mirrorSafeMethodsOnly) {
      fail(this.scope, 'mirrorSafeMethodsOnly selects HTTP methods, but every gRPC call is a POST: list the gRPC methods that are safe to run '
        + 'twice in mirrorGrpcMatches');
    }
    if (matches !== undefined && matches.length === 0) {
      fail(this.scope, 'mirrorGrpcMatches must not be empty: list the calls to mirror, or leave it unset to mirror every call');
    }
    const problems = (matches ?? []).flatMap((m, i) => grpcMatchProblems(m, `mirrorGrpcMatches[${i}]`));
    if (problems.length > 0) {
      fail(this.scope, problems.join('; '));
    }
    return matches === undefined ? undefined : matches.map(m => ({ ...m, headers: m.headers === undefined ? undefined : { ...m.headers } }));
  }

  private resolveMatches(matches: RequestMatch[] | undefined, safeOnly: boolean): RequestMatch[] | undefined {
    if (matches !== undefined && matches.length === 0) {
      fail(this.scope, 'mirrorMatches must not be empty: list the requests to mirror, or leave it unset to mirror every request');
    }
    const problems = (matches ?? []).flatMap((m, i) => requestMatchProblems(m, `mirrorMatches[${i}]`));
    if (problems.length > 0) {
      fail(this.scope, problems.join('; '));
    }
    const withMethod = (matches ?? []).findIndex(m => m.method !== undefined);
    if (safeOnly && withMethod >= 0) {
      fail(this.scope, `mirrorMatches[${withMethod}] sets method ${matches![withMethod].method} but mirrorSafeMethodsOnly is true: `
        + `drop one of them (safe methods are ${SAFE_METHODS.join(', ')})`);
    }
    return matches === undefined ? undefined : [...matches];
  }

  private resolve(role: string, target: RouteTarget): ModelBackend {
    if (target === undefined || target.service === undefined) {
      fail(this.scope, `${role}.service is required`);
    }
    const ports = target.service.portNumbers;
    let port = target.port;
    if (port === undefined) {
      if (ports === undefined || ports.length !== 1) {
        fail(this.scope, `${role}.port is required: service ${target.service.serviceName} has `
          + `${ports === undefined ? 'unknown ports' : `several ports (${ports.join(', ')})`}; name the port the route targets`);
      }
      port = ports[0];
    }
    checkPort(this.scope, `${role}.port`, port);
    if (ports !== undefined && !ports.includes(port)) {
      fail(this.scope, `${role}.port ${port} is not a port of service ${target.service.serviceName} (its ports: ${ports.join(', ')}): use one of them`);
    }
    if (target.version !== undefined && target.version.length === 0) {
      fail(this.scope, `${role}.version must not be empty: name a version of ${target.service.serviceName}, or leave it unset for all pods`);
    }
    return { service: target.service, version: target.version, port };
  }
}
