import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { addCheck, claimObjects } from '../../core/app-index';
import { IMeshService } from '../../core/references';
import { MirrorRouteBase } from '../../core/mirror-route-base';
import { checkDnsSubdomain } from '../../core/validate';
import { ServiceVersion } from '../../workloads/service-version';
import {
  checkRunShape, ControllerStage, controllerStages, deploymentSpec, goDuration, MirrorAnalysisOptions, objectsOf, PlannedStage,
  removeFromOutput, ResolvedAnalysis, RolloutRevision,
} from './shared';

// Flagger v1.44 (fluxcd/flagger, tag v1.44.0): a Canary whose analysis mirrors (`analysis.mirror`). How Flagger runs it:
// pkg/controller/scheduler.go. runCanary mirrors for one interval at canary weight 0 ("If in 'mirror' mode, do one step
// of mirroring before shifting traffic to canary") and then steps through stepWeights; runBlueGreen mirrors for all
// `iterations` and then routes everything to the canary. pkg/router/istio.go (SetRoutes) writes the mirror on the
// VirtualService's first HTTP route, to the canary host without a port, at mirrorWeight; pkg/router/gateway_api.go
// (SetRoutes) adds a RequestMirror filter only when `mirrored && Iterations > 0`, i.e. in Blue/Green runs, without a
// percentage.

/** Flagger's API group and version of Canary and MetricTemplate. */
export const FLAGGER_API_VERSION = 'flagger.app/v1beta1';

/**
 * Options of `RolloutExecutor.flagger()`.
 */
export interface FlaggerOptions {
  /** The version that serves the requests today: what Flagger's `<name>-primary` Deployment runs. */
  readonly stable: ServiceVersion;
  /** The new version: the target Deployment's template, mirrored to, then weighted, then promoted to the primary. */
  readonly candidate: ServiceVersion;
  /**
   * The name of the target Deployment and of the Canary. Flagger names the primary `<name>-primary` and, from the
   * service, writes the Services, VirtualService and DestinationRules of the route's service.
   *
   * @default - the service's name, e.g. `httpbin`
   */
  readonly name?: string;
  /**
   * Which version's pod template the target Deployment carries: a first installation applies the stable revision
   * (Flagger copies it into the primary without analysis); the candidate revision starts the analysis.
   *
   * @default RolloutRevision.CANDIDATE
   */
  readonly revision?: RolloutRevision;
  /**
   * How the candidate is judged: `interval` is Flagger's `analysis.interval` (each stage of the plan lasts one
   * interval, a Blue/Green mirror `measurements` intervals); the thresholds go to the built-in `request-success-rate`
   * and `request-duration` checks.
   *
   * @default - a minute per check, 5 Blue/Green iterations, at most 1% 5xx responses and a p99 latency of at most 500 ms
   */
  readonly analysis?: MirrorAnalysisOptions;
  /**
   * How many failed checks roll the candidate back (`analysis.threshold`).
   *
   * @default 2
   */
  readonly failureThreshold?: number;
}

/** The options as the execution uses them. @internal */
export interface FlaggerSettings {
  readonly stable: ServiceVersion;
  readonly candidate: ServiceVersion;
  readonly name?: string;
  readonly revision: RolloutRevision;
  readonly analysis: ResolvedAnalysis;
  readonly failureThreshold: number;
}

/**
 * The Flagger execution of a plan: the target Deployment and a Canary. Flagger writes the Services `<service>`,
 * `<service>-primary` and `<service>-canary`, the VirtualService `<service>` and the DestinationRules
 * `<service>-primary` and `<service>-canary` itself (or, with the Gateway API, the HTTPRoute `<service>`) and keeps
 * them as it wants them, so the service's own Service, DestinationRule and version Services, the route's object and
 * the versions' Deployments are taken out of the output: a GitOps tool applying them would fight Flagger.
 *
 * The mirror checks are Flagger's built-in `request-success-rate` and `request-duration` (pkg/metrics/observers/istio.go):
 * they already read `reporter="destination"` for `destination_workload` = the target Deployment, whose pods receive the
 * copies, so no MetricTemplate is needed.
 *
 * Internal: created by `MirrorRolloutPlan` for `RolloutExecutor.flagger()`.
 */
export class FlaggerExecution extends Construct {
  /** The Canary. */
  public readonly canary: ApiObject;
  /** The target Deployment. */
  public readonly deployment: ApiObject;
  private readonly problems: string[] = [];
  private readonly stages: ControllerStage[];
  private readonly service?: IMeshService;
  private readonly targetName: string;
  private readonly gatewayApi: boolean;
  private readonly blueGreen: boolean;
  private readonly mirrorPercent: number;
  /** The service's own Service, read for its ports (taken out of the output, so kept here). */
  private readonly serviceObject?: ApiObject;

  constructor(scope: Construct, id: string, private readonly route: MirrorRouteBase, planned: PlannedStage[],
    private readonly settings: FlaggerSettings) {
    super(scope, id);
    const { stable, candidate } = settings;
    this.service = planned[0]?.destinations?.[0]?.service;
    this.targetName = checkDnsSubdomain(this, 'name (default: the service name)', settings.name ?? this.service?.serviceName ?? stable.app);
    this.stages = controllerStages('Flagger', stable, candidate, planned, this.problems);
    checkRunShape('Flagger', this.stages, this.problems);
    const initial = route._renderStage(planned[0]?.destinations, []).manifest;
    this.gatewayApi = initial.kind === 'HTTPRoute';
    const mirrorStages = this.stages.filter(s => s.mirrorPercent > 0);
    const canaryStages = this.stages.slice(1, -1).filter(s => s.canaryWeight > 0);
    this.blueGreen = canaryStages.length === 0;
    this.mirrorPercent = mirrorStages[0]?.mirrorPercent ?? 0;
    this.checkStages(mirrorStages, canaryStages);
    const firstMirror = planned.find((_, i) => this.stages[i].mirrorPercent > 0);
    if (firstMirror !== undefined) {
      const rendered = route._renderStage(firstMirror.destinations, firstMirror.mirrors ?? []).manifest;
      const rules = (this.gatewayApi ? rendered.spec.rules : rendered.spec.http) ?? [];
      if (rules.length !== 1 || (rules[0].match ?? rules[0].matches ?? []).length > 0) {
        this.problems.push(`stage ${firstMirror.folder}: the route mirrors only some requests (mirrorMatches, mirrorSafeMethodsOnly or port), `
          + 'but Flagger mirrors every request of its route (SetRoutes in pkg/router/istio.go and gateway_api.go, v1.44.0): drop them, '
          + 'or use RolloutExecutor.argoRollouts() (matches) or RolloutExecutor.folders()');
      }
      const ports = this.service?.portNumbers;
      if (ports !== undefined && ports.length > 1 && !this.gatewayApi) {
        this.problems.push(`stage ${firstMirror.folder}: service ${this.service!.serviceName} has ${ports.length} ports, but Flagger writes `
          + 'the mirror without a port (pkg/router/istio.go, SetRoutes), which Istio cannot resolve on a service with several ports: '
          + 'mirror a single-port service, or use RolloutExecutor.argoRollouts() or RolloutExecutor.folders()');
      }
    }
    if (this.gatewayApi && (initial.spec.parentRefs ?? []).some((p: any) => p.kind === 'Service')) {
      this.problems.push('the route is attached to a Service (mesh traffic), but Flagger\'s Gateway API provider attaches its HTTPRoute to '
        + 'gateways only (service.gatewayRefs): attach the route to gateways only');
    }

    // Flagger owns these (see the class comment).
    removeFromOutput(stable.deployment);
    removeFromOutput(candidate.deployment);
    removeFromOutput(ApiObject.of(route));
    this.serviceObject = this.service === undefined ? undefined
      : objectsOf(this.service, 'Service').find(s => s.name === this.service!.serviceName);
    if (this.service !== undefined) {
      [...objectsOf(this.service, 'Service'), ...objectsOf(this.service, 'DestinationRule')].forEach(removeFromOutput);
    }
    this.deployment = new ApiObject(this, 'Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: this.targetName, namespace: stable.namespace, labels: { app: stable.app } },
      spec: Lazy.any({ produce: () => this.renderDeployment() }),
    });
    this.canary = new ApiObject(this, 'Canary', {
      apiVersion: FLAGGER_API_VERSION,
      kind: 'Canary',
      metadata: { name: this.targetName, namespace: stable.namespace, labels: { app: stable.app } },
      spec: Lazy.any({ produce: () => this.renderCanary() }),
    });
    claimObjects(this, [
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: stable.namespace, name: this.targetName },
      { apiVersion: FLAGGER_API_VERSION, kind: 'Canary', namespace: stable.namespace, name: this.targetName },
    ]);
    addCheck(this, () => this.problems);
  }

  /** The two ways Flagger mirrors (scheduler.go): one interval before the canary weights, or a whole Blue/Green run. */
  private checkStages(mirrorStages: ControllerStage[], canaryStages: ControllerStage[]): void {
    if (mirrorStages.length > 1) {
      this.problems.push(`stages ${mirrorStages.map(s => s.folder).join(', ')} all mirror, but Flagger mirrors in one stage at one `
        + `mirrorWeight (analysis.mirror): keep one mirror stage (e.g. MirrorRolloutPlan.mirrorThenCanary({ mirrorPercents: [100], ... }))`);
    }
    const firstCanary = this.stages.findIndex(s => s.canaryWeight > 0);
    const lateMirror = this.stages.find((s, i) => s.mirrorPercent > 0 && firstCanary >= 0 && i > firstCanary);
    if (lateMirror !== undefined) {
      this.problems.push(`stage ${lateMirror.folder}: mirrors after a stage that gives the candidate requests, but Flagger mirrors only at `
        + 'canary weight 0, before the first step weight (runCanary, pkg/controller/scheduler.go): move the mirror stage before the canary stages');
    }
    let previous = 0;
    for (const s of canaryStages) {
      if (s.canaryWeight <= previous) {
        this.problems.push(`stage ${s.folder}: the candidate's weight ${s.canaryWeight} does not increase (previous ${previous}), but Flagger's `
          + 'stepWeights only go up: order the canary stages by increasing weight');
      }
      previous = s.canaryWeight;
    }
    if (this.gatewayApi && mirrorStages.length > 0) {
      if (canaryStages.length > 0) {
        this.problems.push(`stage ${mirrorStages[0].folder}: Flagger's Gateway API router mirrors only during Blue/Green runs (analysis.iterations; `
          + 'SetRoutes in pkg/router/gateway_api.go adds the RequestMirror filter only when mirrored && Iterations > 0), and this plan has canary '
          + `stages (${canaryStages.map(s => s.folder).join(', ')}): drop the canary stages (mirror, then promote), or use a MirrorRoute (the Istio API)`);
      }
      if (this.mirrorPercent !== 100) {
        this.problems.push(`stage ${mirrorStages[0].folder}: mirrors ${this.mirrorPercent}%, but Flagger's Gateway API router mirrors every request `
          + '(its RequestMirror filter has no percentage; mirrorWeight applies to Istio only): mirror 100%, or use a MirrorRoute (the Istio API)');
      }
    }
  }

  private renderDeployment(): any {
    const { stable, candidate, revision } = this.settings;
    const spec = deploymentSpec(revision === RolloutRevision.STABLE ? stable : candidate);
    // Flagger copies the target into <name>-primary with the `app` label value suffixed by -primary, and a Deployment's
    // selector cannot change: select on `app` alone so that every later version keeps the same selector.
    return { ...spec, selector: { matchLabels: { app: stable.app } } };
  }

  private renderCanary(): any {
    const { analysis, failureThreshold } = this.settings;
    const initial = this.route._renderStage(undefined, []).manifest;
    const interval = goDuration(analysis.intervalSeconds);
    const servicePort = this.gatewayApi ? initial.spec.rules?.[0]?.backendRefs?.[0]?.port
      : initial.spec.http?.[0]?.route?.[0]?.destination?.port?.number;
    const port = this.servicePort(servicePort);
    const rule = this.gatewayApi ? undefined : initial.spec.http?.[0];
    const service = this.gatewayApi
      ? {
        name: this.service?.serviceName,
        ...port,
        hosts: initial.spec.hostnames,
        gatewayRefs: (initial.spec.parentRefs ?? []).map((p: any) => ({ name: p.name, namespace: p.namespace })),
      }
      : {
        name: this.service?.serviceName,
        ...port,
        gateways: initial.spec.gateways,
        hosts: initial.spec.hosts,
        timeout: rule?.timeout,
        retries: rule?.retries,
        headers: rule?.headers,
      };
    const mirrored = this.mirrorPercent > 0;
    return {
      provider: this.gatewayApi ? 'gatewayapi:v1' : 'istio',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.targetName },
      service,
      analysis: {
        interval,
        threshold: failureThreshold,
        ...(this.blueGreen
          ? { iterations: analysis.measurements }
          : { stepWeights: this.stages.slice(1, -1).filter(s => s.canaryWeight > 0).map(s => s.canaryWeight) }),
        ...(mirrored ? { mirror: true, ...(this.gatewayApi ? {} : { mirrorWeight: this.mirrorPercent }) } : {}),
        metrics: [
          { name: 'request-success-rate', thresholdRange: { min: 100 - analysis.maxErrorPercent }, interval },
          { name: 'request-duration', thresholdRange: { max: analysis.maxLatencyMillis }, interval },
        ],
      },
    };
  }

  /** `port`, `portName` and `targetPort` of the service, from its rendered Service (which Flagger replaces). */
  private servicePort(number: number | undefined): any {
    const ports: any[] = this.serviceObject?.toJson().spec?.ports ?? [];
    const found = ports.find(p => p.port === number) ?? ports[0];
    if (found === undefined) {
      return { port: number };
    }
    return { port: found.port, portName: found.name, targetPort: found.targetPort };
  }
}
