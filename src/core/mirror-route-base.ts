import { ApiObject, GroupVersionKind, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { addCheck, addFingerprint, changed, claimObjects, currentGeneration, rootOf } from './app-index';
import { DeclaredObject, DEFINED_ELSEWHERE_ANNOTATION, encodeDefinedElsewhere } from './defined-elsewhere';
import { Deferred } from './deferred';
import { IMeshService, IRouteGateway } from './references';
import { isInstance, subjectOf } from './validate';
import { ModelBackend, modelBackends, MirrorRouteOptions, MirrorTarget, RouteModel, RouteRenderer, RouteSpec, WeightedTarget } from './route-model';

/**
 * The rendering of one stage of a rollout plan: the route's object with the stage's targets, and the problems of
 * that stage (empty when fine).
 */
export interface StageRendering {
  /** The route's object as it is in the stage. */
  readonly manifest: any;
  /** The problems of the stage, in the route's API's terms. */
  readonly problems: string[];
}

/**
 * What every mirror route construct is, whatever API it writes (`MirrorRoute` for the Istio API, `HttpMirrorRoute`
 * for the Kubernetes Gateway API): a construct that owns one route object, built from a `RouteSpec` and written by
 * its API's renderer, so that a `MirrorRolloutPlan` can vary it.
 *
 * The flow is the same for every API and lives here once: check the props (the rules every API shares, then the
 * renderer's), write the object with a lazily rendered spec, claim its name in the app, check the references at synth
 * time (once per synthesis of the app: `addCheck`), and render the stages of a plan through the object itself. A
 * flavor adds only what is its own (the object's class, the objects it writes beside it, the checks its API adds).
 *
 * Not meant to be extended outside this library: a rollout plan relies on the route rendering its stages through
 * its own object.
 */
export abstract class MirrorRouteBase extends ApiObject {
  /** The route object's name. */
  public readonly routeName: string;
  /** The route object's namespace, if set. */
  public readonly namespace?: string;
  /** @internal */
  protected readonly _spec: RouteSpec;
  private readonly routeHosts: string[];
  /** What the route's class writes (`routeKind`). */
  private readonly written: RouteKind;
  /** The model a rollout plan renders in place of the route's own while it writes one of its stages. */
  private stageModel?: RouteModel;
  /** The services of the route the library does not own, as of a change count (see `foreignState`). */
  private foreign?: { readonly at: number; readonly services: IMeshService[] };
  /** Whether `foreignState` is the fingerprint of a check (see `watchForeignServices`). */
  private watched = false;

  /**
   * `instanceof` as for any class (the prototype chain). cdk8s's `ApiObject` answers `instanceof` for every API
   * object (any copy of cdk8s), which its subclasses would inherit: any VirtualService would be a `MirrorRoute`.
   *
   * @internal
   */
  public static [Symbol.hasInstance](o: unknown): o is MirrorRouteBase {
    return isInstance(this, o);
  }

  /**
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id
   * @param props the route's options
   * @param gateways the gateways the route is attached to
   */
  protected constructor(scope: Construct, id: string, props: MirrorRouteOptions, gateways: IRouteGateway[]) {
    // The route is its object itself (one construct per object, as the generated classes are), so the props are checked
    // before the object is created: errors name the route's path all the same. What the object is and how its spec is
    // written depends on the class being constructed (`routeKind`).
    const written = routeKindOf(new.target);
    const { renderer, type } = written;
    const subject = subjectOf(scope, id);
    const spec = new RouteSpec(subject, scope, props, gateways, renderer.grpc ?? false);
    const model = spec.model();
    renderer.validate(subject, model);
    // The spec and the defined-elsewhere annotation render from the stage's model while a plan writes a stage.
    const renderedSpec = new Deferred(MirrorRouteBase.specOf);
    super(scope, id, {
      ...type,
      metadata: { name: spec.name, namespace: spec.namespace },
      spec: Lazy.any(renderedSpec),
    });
    renderedSpec.of = this;
    this.written = written;
    this._spec = spec;
    this.routeName = spec.name;
    this.namespace = spec.namespace;
    this.routeHosts = renderer.hosts(model);
  }

  /** The spec of `route`'s object, from the model of the stage being written or else its own (see `Deferred`). */
  private static specOf(route: MirrorRouteBase): any {
    return route.renderer.renderSpec(route.stageModel ?? route._spec.model());
  }

  /** The defined-elsewhere annotation of `route`'s object, from the same model as its spec (see `Deferred`). */
  private static declaredOf(route: MirrorRouteBase): string | undefined {
    return route.definedElsewhere(route.stageModel ?? route._spec.model());
  }

  /** The route object's manifest, with the field names of its API's CRD (as the generated class of its kind writes it). */
  public toJson(): any {
    return { ...this.written.type, ...this.written.toJson(super.toJson()) };
  }

  /**
   * Adds a mirror: a copy of `percent`% of the (matched) requests goes to `target` as well (with the Istio API, two or
   * more mirrors are written as Istio 1.20+ `mirrors`; with the Gateway API, each is a `RequestMirror` filter).
   *
   * @param target the service (and version) to copy requests to, and the percentage of requests (default 100)
   */
  public addMirror(target: MirrorTarget): void {
    this._spec.addMirror(`addMirror(${target.service?.serviceName ?? ''})`, target, model => this.renderer.validate(this, model));
    changed();
    // Before the flavor's objects follow the targets, which may throw once the mirror is recorded.
    this.watchForeignServices();
    this._targetsChanged(this._spec.model());
  }

  /** The renderer of the route's API (`routeKind`). */
  private get renderer(): RouteRenderer {
    return this.written.renderer;
  }

  /** The hosts the route applies to (a copy). */
  public get hosts(): string[] {
    return [...this.routeHosts];
  }

  /** The highest percentage of requests copied to any mirror (0 when nothing is mirrored). */
  public get mirrorPercent(): number {
    return this._spec.mirrorTargets.reduce((max, m) => Math.max(max, m.percent!), 0);
  }

  /** The mirrors that receive copies (percent above 0), in the order they were given (copies). */
  public get mirrors(): MirrorTarget[] {
    return this._spec.mirrorTargets;
  }

  /**
   * The route's object as it is in one stage of a rollout plan: the route with other destinations and mirrors,
   * checked like the route itself, rendered through the route's own object (same metadata, labels and patches).
   *
   * @internal
   */
  public _renderStage(destinations: WeightedTarget[] | undefined, mirrors: MirrorTarget[]): StageRendering {
    const model = this._spec.withTargets(destinations, mirrors);
    this.renderer.validate(this, model);
    this.stageModel = model;
    let manifest: any;
    try {
      // The spec and the defined-elsewhere annotation render from `stageModel` (see `specOf` and `declaredOf`).
      manifest = this.toJson();
    } finally {
      this.stageModel = undefined;
    }
    return { manifest, problems: this.problemsOfStage(model) };
  }

  /**
   * Prepares what a stage of a rollout plan needs beside the route (the flavor's objects that depend on targets, the
   * same in every stage), and checks the stage's targets as the route's own: called once per stage, at construction.
   *
   * @internal
   */
  public _prepareStage(destinations: WeightedTarget[] | undefined, mirrors: MirrorTarget[]): void {
    const model = this._spec.withTargets(destinations, mirrors);
    this._stageTargets(model);
  }

  /**
   * The problems of one stage of a rollout plan, as the route checks itself (props, the API's rules, references),
   * without rendering anything; throws for what the route refuses at construction.
   *
   * @internal
   */
  public _checkStage(destinations: WeightedTarget[] | undefined, mirrors: MirrorTarget[]): string[] {
    const model = this._spec.withTargets(destinations, mirrors);
    this.renderer.validate(this, model);
    return this.problemsOfStage(model);
  }

  /**
   * What the checks of a stage of a rollout plan read from services the library does not own (its targets' a user's
   * own `IMeshService`s), as a fingerprint: empty when the stage's targets are all the library's (see `foreignState`).
   *
   * @internal
   */
  public _stageForeignState(destinations: WeightedTarget[] | undefined, mirrors: MirrorTarget[]): string {
    return fingerprint(foreignServices(this._spec.withTargets(destinations, mirrors)));
  }

  /** The problems of a stage's model: the shared rules, the API's, and the flavor's for stages, each once. */
  private problemsOfStage(model: RouteModel): string[] {
    return [...new Set([...this._spec.problems(model), ...this.renderer.problems(model), ...this._stageProblems(model)])];
  }

  /** What the flavor adds for the targets of a plan's stage (none by default). @internal */
  protected _stageTargets(_model: RouteModel): void {
    return;
  }

  /**
   * How a backend of the route is declared when its service is defined outside this app: the object the route's API
   * refers to (with the Istio API the service and its subsets, with the Gateway API the version's own Service).
   *
   * @internal
   */
  protected abstract _declaredService(backend: ModelBackend): DeclaredObject;

  /** Called when a mirror was added, so that the flavor's objects that depend on the targets follow (none by default). @internal */
  protected _targetsChanged(_model: RouteModel): void {
    return;
  }

  /** The problems of a stage that only the flavor knows (none by default). @internal */
  protected _stageProblems(_model: RouteModel): string[] {
    return [];
  }

  /** The problems of the route that only the flavor knows, checked at synth with the shared ones (none by default). @internal */
  protected _flavorProblems(): string[] {
    return [];
  }

  /**
   * Completes the route's object once the flavor's constructor has run: the defined-elsewhere annotation, the objects
   * that follow the targets, the claim of its name in the app and the synth-time checks (the shared ones, the API's and
   * the flavor's `_flavorProblems()`), run once per synthesis of the app (`addCheck`).
   *
   * @internal
   */
  protected _writeObject(): void {
    // Rendered with the object, so it follows the current state (a version added later to a service of another app)
    // and each stage's targets; cdk8s leaves out an annotation whose value is undefined.
    this.metadata.addAnnotation(DEFINED_ELSEWHERE_ANNOTATION, Lazy.any(new Deferred(MirrorRouteBase.declaredOf, this)) as unknown as string);
    this._targetsChanged(this._spec.model());
    claimObjects(this, [{ apiVersion: this.apiVersion, kind: this.kind, namespace: this.namespace, name: this.routeName,
      rename: this._spec.nameDefaulted ? 'name (default: the destination\'s service name)' : 'name' }]);
    addCheck(this, MirrorRouteBase.problemsOf);
    this.watchForeignServices();
  }

  /** The check of `route` (`addCheck`): the shared rules, its API's, and its flavor's, on its current model. */
  private static problemsOf(route: MirrorRouteBase): string[] {
    const current = route._spec.model();
    return [...route._spec.problems(current), ...route.renderer.problems(current), ...route._flavorProblems()];
  }

  /**
   * Once the route refers to a service the library does not own, whose changes it is not told of, its checks are read
   * again whenever what they read of such services changes (`foreignState`). Most routes refer only to the library's
   * services: they add no fingerprint to the app's validations. The targets change only through `addMirror()`.
   */
  private watchForeignServices(): void {
    if (this.watched || foreignServices(this._spec.model()).length === 0) return;
    this.watched = true;
    addFingerprint(this, () => this.foreignState());
  }

  /**
   * The fingerprint of the state the route's checks read from services the library does not own (empty when it owns
   * them all, the usual case: then nothing but `changed()` can make the checks stale). Which services those are
   * changes only with the library's state, so it is cached per change.
   */
  private foreignState(): string {
    const at = currentGeneration();
    if (this.foreign === undefined || this.foreign.at !== at) this.foreign = { at, services: foreignServices(this._spec.model()) };
    return fingerprint(this.foreign.services);
  }

  /**
   * The gateways and services `model` refers to that this app does not define (imported ones, or constructs of another
   * app), as the annotation value that lets the analysis of the written manifests take them as existing; undefined when
   * there are none.
   */
  private definedElsewhere(model: RouteModel): string | undefined {
    const root = rootOf(this);
    const outside = (c: IConstruct & { definedElsewhere: boolean }) => c.definedElsewhere || rootOf(c) !== root;
    const objects: DeclaredObject[] = [];
    for (const { gateway } of model.gateways) {
      if (outside(gateway)) objects.push({ kind: 'Gateway', namespace: gateway.namespace ?? 'default', name: gateway.gatewayName, hosts: gateway.hosts });
    }
    for (const backend of modelBackends(model)) {
      if (outside(backend.service)) objects.push(this._declaredService(backend));
      objects.push(...workloadsElsewhere(backend.service, backend.version));
    }
    return encodeDefinedElsewhere(objects);
  }
}

/**
 * A route's claim of a (gateway, host) pair in the app's index: the key, and the gateway (`namespace/name`) and host
 * that a message names. Each flavor claims the pairs of its API (routes of two APIs never merge at one gateway).
 */
export interface GatewayHostClaim {
  readonly key: string;
  readonly gateway: string;
  readonly host: string;
}

/** What a class of route writes: the object's API version and kind, the renderer of its spec, and its manifest's form. */
interface RouteKind {
  readonly type: GroupVersionKind;
  readonly renderer: RouteRenderer;
  /** The generated class's `toJson_<Kind>Props`: the resolved props with the field names of the API's CRD. */
  readonly toJson: (props: any) => any;
}

const ROUTE_KINDS = new Map<abstract new (...args: any[]) => MirrorRouteBase, RouteKind>();

/**
 * Registers what the routes of `routeClass` (a flavor's subclass of `MirrorRouteBase`) write: each flavor's module
 * does it for its classes. A subclass that registers nothing writes what its nearest registered base class writes.
 */
export function routeKind(routeClass: abstract new (...args: any[]) => MirrorRouteBase, type: GroupVersionKind, renderer: RouteRenderer,
  toJson: (props: any) => any): void {
  ROUTE_KINDS.set(routeClass, { type, renderer, toJson });
}

function routeKindOf(routeClass: object): RouteKind {
  for (let c: any = routeClass; c; c = Object.getPrototypeOf(c)) {
    const kind = ROUTE_KINDS.get(c);
    if (kind !== undefined) return kind;
  }
  throw new Error(`${(routeClass as { name?: string }).name} is not a route class of this library: extend MirrorRoute, HttpMirrorRoute or GrpcMirrorRoute`);
}

/**
 * What the route's checks read from `services`, which are not this library's constructs (a user's own `IMeshService`,
 * whose changes the library is not told of), as a fingerprint: empty for no services.
 */
function fingerprint(services: IMeshService[]): string {
  return services.map(s => JSON.stringify([s.serviceName, s.namespace, s.portNumbers, s.versionNames, s.definedElsewhere,
    s.versions?.map(v => [v.version, v.hasPods, v.definedElsewhere, v.containerPorts ?? v.containerPort])])).join('');
}

/** The services of `model` that are not this library's constructs. */
function foreignServices(model: RouteModel): IMeshService[] {
  const services = new Set(modelBackends(model).map(b => b.service));
  if (model.meshService !== undefined) services.add(model.meshService);
  return [...services].filter(s => !LIBRARY_SERVICES.has(s.constructor as abstract new (...args: any[]) => IMeshService));
}

/** The classes of the library's own services, which report their changes (`changed()`). @internal */
export const LIBRARY_SERVICES = new Set<abstract new (...args: any[]) => IMeshService>();

/**
 * The workloads of `service`'s versions (all, or `version`'s) whose pods this app does not write
 * (`ServiceVersion.fromDeploymentName()`): declared so that the analysis of the manifests finds their pods.
 */
export function workloadsElsewhere(service: IMeshService, version?: string): DeclaredObject[] {
  return (service.versions ?? []).filter(v => v.definedElsewhere && (version === undefined || v.version === version)).map(v => ({
    kind: 'Workload' as const, namespace: v.namespace ?? service.namespace ?? 'default', name: `${v.app}-${v.version}`, labels: { ...v.podLabels },
  }));
}
