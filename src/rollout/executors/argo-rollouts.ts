import { ApiObject, Duration, Lazy } from 'cdk8s';
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

// Argo Rollouts v1.9 (argoproj/argo-rollouts, tag v1.9.1): a canary Rollout with Istio subset-level traffic routing
// (docs/features/traffic-management/istio.md, "Subset-level Traffic Splitting") and setMirrorRoute steps
// (docs/features/traffic-management/index.md, "Traffic Mirroring"; rollout/trafficrouting/istio/istio.go,
// SetMirrorRoute and createMirrorRoute).

/** Argo Rollouts' API group and version of Rollout and AnalysisTemplate. */
export const ARGO_ROLLOUTS_API_VERSION = 'argoproj.io/v1alpha1';
/** The VirtualService route that Argo Rollouts weighs (`trafficRouting.istio.virtualService.routes`). */
export const ARGO_PRIMARY_ROUTE = 'primary';
/** The managed route that the setMirrorRoute steps add above it. */
export const ARGO_MIRROR_ROUTE = 'mirror';
/** The DestinationRule subsets Argo Rollouts points at the stable and the canary ReplicaSet. */
export const ARGO_STABLE_SUBSET = 'stable';
export const ARGO_CANARY_SUBSET = 'canary';

/**
 * Options of `RolloutExecutor.argoRollouts()`.
 */
export interface ArgoRolloutsOptions {
  /** The version that serves the requests today: the Rollout's stable ReplicaSet. */
  readonly stable: ServiceVersion;
  /** The new version: the Rollout's canary ReplicaSet, mirrored to, then weighted, then promoted. */
  readonly candidate: ServiceVersion;
  /**
   * The Rollout's name.
   *
   * @default - the app name, e.g. `httpbin`
   */
  readonly name?: string;
  /**
   * Which version's pod template the Rollout carries: a first installation applies the stable revision; applying the
   * candidate revision over it starts the steps.
   *
   * @default RolloutRevision.CANDIDATE
   */
  readonly revision?: RolloutRevision;
  /**
   * How the mirrored version is judged during each mirror stage (an inline analysis step).
   *
   * @default - 5 measurements a minute apart; at most 1% 5xx responses and a p99 latency of at most 500 ms
   */
  readonly analysis?: MirrorAnalysisOptions;
  /**
   * The Prometheus that has Istio's metrics.
   *
   * @default 'http://prometheus.istio-system:9090' (Istio's Prometheus addon)
   */
  readonly prometheusAddress?: string;
  /**
   * How long each canary stage (a share of the requests on the candidate) lasts before the next step.
   *
   * @default Duration.minutes(5)
   */
  readonly canaryPause?: Duration;
}

/** The options as the execution uses them. @internal */
export interface ArgoRolloutsSettings {
  readonly stable: ServiceVersion;
  readonly candidate: ServiceVersion;
  readonly name?: string;
  readonly revision: RolloutRevision;
  readonly analysis: ResolvedAnalysis;
  readonly prometheusAddress: string;
  readonly canaryPauseSeconds: number;
}

/**
 * The Argo Rollouts execution of a plan: a Rollout (canary strategy, Istio traffic routing) and the AnalysisTemplate
 * of the mirrored version, with the route's VirtualService and the service's DestinationRule in the form Argo
 * Rollouts manages. The versions' Deployments, the route's own VirtualService and the service's own DestinationRule
 * are taken out of the output: the Rollout's pod template replaces both Deployments (Argo Rollouts owns the
 * ReplicaSets), and the VirtualService and DestinationRule are written with the `stable` and `canary` subsets
 * whose weights and labels Argo Rollouts sets.
 *
 * Internal: created by `MirrorRolloutPlan` for `RolloutExecutor.argoRollouts()`.
 */
export class ArgoRolloutsExecution extends Construct {
  /** The Rollout. */
  public readonly rollout: ApiObject;
  /** The AnalysisTemplate of the mirrored version, when the plan mirrors. */
  public readonly analysisTemplate?: ApiObject;
  private readonly problems: string[] = [];
  private readonly stages: ControllerStage[];
  private readonly service?: IMeshService;
  private readonly rolloutName: string;
  private readonly mirrorMatches: any[] = [];

  constructor(scope: Construct, id: string, private readonly route: MirrorRouteBase, planned: PlannedStage[],
    private readonly settings: ArgoRolloutsSettings) {
    super(scope, id);
    const { stable, candidate } = settings;
    this.rolloutName = checkDnsSubdomain(this, 'name (default: the app name)', settings.name ?? stable.app);
    this.stages = controllerStages('Argo Rollouts', stable, candidate, planned, this.problems);
    checkRunShape('Argo Rollouts', this.stages, this.problems);
    this.service = planned[0]?.destinations?.[0]?.service;
    const mirrored = this.stages.some(s => s.mirrorPercent > 0);

    const initial = route._renderStage(planned[0]?.destinations, []).manifest;
    if (initial.kind !== 'VirtualService') {
      this.problems.push(mirrored
        ? `the route ${route.node.path} is an ${initial.kind} (the Gateway API): Argo Rollouts' Gateway API plugin v0.15.0 `
          + '(argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi) reports success on setMirrorRoute and changes nothing (mirroring is '
          + 'the open pull request #229), so the mirror stages would mirror nothing: use a MirrorRoute (the Istio API), '
          + 'RolloutExecutor.flagger() or RolloutExecutor.folders()'
        : `the route ${route.node.path} is an ${initial.kind} (the Gateway API): this executor writes Argo Rollouts' Istio traffic routing, `
          + 'which needs a MirrorRoute (a VirtualService); use RolloutExecutor.flagger() or RolloutExecutor.folders()');
      this.rollout = this.writeRollout(mirrored);
      this.node.addValidation({ validate: () => [...this.problems] });
      return;
    }
    this.checkPrimaryRule(initial.spec.http, mirrored);
    const firstMirror = planned.find((_, i) => this.stages[i].mirrorPercent > 0);
    if (firstMirror !== undefined) {
      this.readMirrorMatches(firstMirror);
    }
    const destinationRule = this.service === undefined ? undefined : objectsOf(this.service, 'DestinationRule')[0];
    if (this.service !== undefined && destinationRule === undefined) {
      this.problems.push(`service ${this.service.serviceName} has no DestinationRule in this app: Argo Rollouts' subset-level traffic `
        + 'routing needs one to set the stable and canary subsets on; route to a version of the service with a MirrorRoute (it adds the ServiceSubsets)');
    }

    // Taken out of the output, written again below in the form Argo Rollouts manages (see the class comment).
    removeFromOutput(stable.deployment);
    removeFromOutput(candidate.deployment);
    const routeObject = ApiObject.of(route);
    removeFromOutput(routeObject);
    new ApiObject(this, 'VirtualService', {
      apiVersion: initial.apiVersion,
      kind: initial.kind,
      metadata: initial.metadata,
      spec: Lazy.any({ produce: () => this.renderVirtualService() }),
    });
    if (destinationRule !== undefined) {
      removeFromOutput(destinationRule);
      new ApiObject(this, 'DestinationRule', {
        apiVersion: destinationRule.apiVersion,
        kind: destinationRule.kind,
        metadata: { name: destinationRule.name, namespace: destinationRule.metadata.namespace },
        spec: Lazy.any({ produce: () => this.renderDestinationRule(destinationRule) }),
      });
    }
    if (mirrored) {
      this.analysisTemplate = new ApiObject(this, 'AnalysisTemplate', {
        apiVersion: ARGO_ROLLOUTS_API_VERSION,
        kind: 'AnalysisTemplate',
        metadata: { name: this.analysisTemplateName, namespace: stable.namespace, labels: { app: stable.app } },
        spec: Lazy.any({ produce: () => this.renderAnalysisTemplate() }),
      });
    }
    this.rollout = this.writeRollout(mirrored);
    claimObjects(this, [
      { apiVersion: ARGO_ROLLOUTS_API_VERSION, kind: 'Rollout', namespace: stable.namespace, name: this.rolloutName },
      ...(mirrored ? [{ apiVersion: ARGO_ROLLOUTS_API_VERSION, kind: 'AnalysisTemplate', namespace: stable.namespace, name: this.analysisTemplateName }] : []),
    ]);
    addCheck(this, () => this.problems);
  }

  /** The AnalysisTemplate's name: `<rollout>-mirror`. */
  public get analysisTemplateName(): string {
    return `${this.rolloutName}-mirror`;
  }

  /** The Rollout's canary steps (rendered; a copy). */
  public get steps(): any[] {
    return this.renderSteps();
  }

  private writeRollout(mirrored: boolean): ApiObject {
    return new ApiObject(this, 'Rollout', {
      apiVersion: ARGO_ROLLOUTS_API_VERSION,
      kind: 'Rollout',
      metadata: { name: this.rolloutName, namespace: this.settings.stable.namespace, labels: { app: this.settings.stable.app } },
      spec: Lazy.any({ produce: () => this.renderRollout(mirrored) }),
    });
  }

  /**
   * The route's only HTTP rule becomes Argo Rollouts' weighted route. What Argo Rollouts copies into the mirror route
   * (createMirrorRoute in rollout/trafficrouting/istio/istio.go: name, match, the weighted route's destinations, mirror
   * and mirrorPercentage) decides what a route may have when the plan mirrors.
   */
  private checkPrimaryRule(http: any[] | undefined, mirrored: boolean): void {
    const rules = http ?? [];
    if (rules.length !== 1) {
      this.problems.push(`the route's VirtualService has ${rules.length} HTTP rules in the first stage; Argo Rollouts weighs one named route: `
        + 'a route whose first stage has one rule (no mirror) is needed');
      return;
    }
    const rule = rules[0];
    const destination = rule.route?.[0]?.destination;
    if (destination?.port?.number === undefined) {
      // argo-rollouts#4481: the mirror takes the port of the weighted route's first destination, or none.
      this.problems.push('the route\'s destination has no explicit port: Argo Rollouts gives the mirror the port of the weighted route\'s '
        + 'first destination (argo-rollouts#4481), so name the port on the stages\' targets');
    }
    if (!mirrored) return;
    const lost = ['timeout', 'retries', 'headers', 'rewrite', 'corsPolicy', 'fault'].filter(f => rule[f] !== undefined);
    if (lost.length > 0) {
      this.problems.push(`the route sets ${lost.join(', ')}, which Argo Rollouts does not copy into the mirror route its setMirrorRoute `
        + 'steps put above the weighted route (createMirrorRoute, rollout/trafficrouting/istio/istio.go, v1.9.1): every mirrored request '
        + `would be served without them; drop ${lost.join(', ')} from the route, or use RolloutExecutor.folders()`);
    }
    if ((rule.match ?? []).some((m: any) => m.port !== undefined)) {
      this.problems.push('the route matches a port (port), which Argo Rollouts\' mirror route does not: it would take requests to every port '
        + 'of the host; drop port from the route, or use RolloutExecutor.folders()');
    }
  }

  /** setMirrorRoute's `match` from the mirror stage's rendered rule (Istio's HTTPMatchRequest: uri, method, headers). */
  private readMirrorMatches(stage: PlannedStage): void {
    const rendered = this.route._renderStage(stage.destinations, stage.mirrors ?? []).manifest;
    const mirroredRule = (rendered.spec.http ?? []).find((r: any) => r.mirror !== undefined || r.mirrors !== undefined);
    const matches: any[] = mirroredRule?.match ?? [];
    if (matches.length === 0) {
      // Argo Rollouts removes a mirror route without match (reconcileVirtualServiceMirrorRoutes): every path it is.
      this.mirrorMatches.push({ path: { prefix: '/' } });
      return;
    }
    matches.forEach((m: any, i: number) => {
      if (m.queryParams !== undefined) {
        this.problems.push(`stage ${stage.folder}: mirrorMatches[${i}] matches query parameters, which Argo Rollouts' setMirrorRoute match `
          + '(method, path, headers) cannot express: match on the path or headers, or use RolloutExecutor.folders()');
      }
      this.mirrorMatches.push({ method: m.method, path: m.uri, headers: m.headers });
    });
  }

  private renderVirtualService(): any {
    const initial = this.route._renderStage(undefined, []).manifest.spec;
    const rule = initial.http[0];
    const destination = rule.route[0].destination;
    const to = (subset: string, weight: number) => ({ destination: { host: destination.host, port: destination.port, subset }, weight });
    return {
      ...initial,
      // Weighted between the two subsets, 100% on stable as Argo Rollouts expects before an update; it sets the weights.
      http: [{ ...rule, name: ARGO_PRIMARY_ROUTE, route: [to(ARGO_STABLE_SUBSET, 100), to(ARGO_CANARY_SUBSET, 0)] }],
    };
  }

  private renderDestinationRule(original: ApiObject): any {
    const spec = original.toJson().spec;
    const labels = { app: this.settings.stable.app };
    // Argo Rollouts adds rollouts-pod-template-hash to each subset's labels (UpdateHash, istio.go), so the subsets
    // follow the ReplicaSets, not the `version` labels: after promotion the stable subset selects the new pods.
    return { ...spec, subsets: [{ name: ARGO_STABLE_SUBSET, labels: { ...labels } }, { name: ARGO_CANARY_SUBSET, labels: { ...labels } }] };
  }

  private renderRollout(mirrored: boolean): any {
    const { stable, candidate, revision } = this.settings;
    const version = revision === RolloutRevision.STABLE ? stable : candidate;
    const spec = deploymentSpec(version);
    const namespace = (this.route.namespace ?? '') === (stable.namespace ?? '') ? '' : `.${this.route.namespace ?? 'default'}`;
    return {
      replicas: spec.replicas,
      selector: { matchLabels: { app: stable.app } },
      template: spec.template,
      strategy: {
        canary: {
          trafficRouting: {
            ...(mirrored ? { managedRoutes: [{ name: ARGO_MIRROR_ROUTE }] } : {}),
            istio: {
              virtualService: { name: `${this.route.routeName}${namespace}`, routes: [ARGO_PRIMARY_ROUTE] },
              destinationRule: { name: this.service?.serviceName ?? '', canarySubsetName: ARGO_CANARY_SUBSET, stableSubsetName: ARGO_STABLE_SUBSET },
            },
          },
          steps: this.renderSteps(),
        },
      },
    };
  }

  /** The steps, stage by stage (the first stage is the state before any step). */
  private renderSteps(): any[] {
    const steps: any[] = [];
    let weight = 0;
    let mirror = 0;
    let scaled = false;
    for (const stage of this.stages.slice(1)) {
      if (stage.mirrorPercent > 0 && !scaled) {
        // With traffic routing the canary ReplicaSet is scaled to the canary weight, 0 pods at weight 0: a mirror needs
        // pods, as many as the candidate has, since it receives as many requests as the stable version.
        steps.push({ setCanaryScale: { replicas: this.settings.candidate.replicas } });
        scaled = true;
      }
      if (stage.mirrorPercent !== mirror) {
        steps.push(stage.mirrorPercent > 0
          ? { setMirrorRoute: { name: ARGO_MIRROR_ROUTE, percentage: stage.mirrorPercent, match: this.mirrorMatches } }
          // A setMirrorRoute with only a name removes the mirror route.
          : { setMirrorRoute: { name: ARGO_MIRROR_ROUTE } });
        mirror = stage.mirrorPercent;
      }
      if (stage.canaryWeight !== weight) {
        steps.push({ setWeight: stage.canaryWeight });
        weight = stage.canaryWeight;
      }
      if (stage.mirrorPercent > 0) {
        steps.push({ analysis: { templates: [{ templateName: this.analysisTemplateName }] } });
      } else if (stage.canaryWeight > 0 && stage.canaryWeight < 100) {
        steps.push({ pause: { duration: goDuration(this.settings.canaryPauseSeconds) } });
      }
    }
    return steps;
  }

  private renderAnalysisTemplate(): any {
    const { candidate, analysis, prometheusAddress } = this.settings;
    const window = goDuration(analysis.intervalSeconds);
    const selector = istioDestinationSelector(candidate);
    const metric = (name: string, successCondition: string, query: string) => ({
      name,
      interval: window,
      count: analysis.measurements,
      failureLimit: 0,
      successCondition,
      provider: { prometheus: { address: prometheusAddress, query } },
    });
    return {
      metrics: [
        // No copies at all gives an empty result (or NaN), which fails: a mirror that copies nothing is broken.
        metric('mirror-5xx-ratio', `len(result) > 0 && result[0] <= ${analysis.maxErrorPercent / 100}`,
          `(sum(rate(istio_requests_total{${selector},response_code=~"5.."}[${window}])) or vector(0))`
          + ` / sum(rate(istio_requests_total{${selector}}[${window}]))`),
        metric('mirror-latency-p99', `len(result) > 0 && result[0] <= ${analysis.maxLatencyMillis}`,
          `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${selector}}[${window}])))`),
      ],
    };
  }
}

/**
 * The Prometheus label selector of a version's own sidecars: `reporter="destination"` (the copies are reported only by
 * the receiving sidecar), the pods' namespace and their `app` and `version` labels (Istio's `destination_app` and
 * `destination_version`, which follow the pod labels whichever ReplicaSet the pods belong to).
 */
export function istioDestinationSelector(version: ServiceVersion): string {
  return `reporter="destination",destination_workload_namespace="${version.namespace ?? 'default'}",`
    + `destination_app="${version.app}",destination_version="${version.version}"`;
}
