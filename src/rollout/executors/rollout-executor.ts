import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MirrorRouteBase } from '../../core/mirror-route-base';
import { ArgoRolloutsExecution, ArgoRolloutsOptions } from './argo-rollouts';
import { FlaggerExecution, FlaggerOptions } from './flagger';
import { checkVersions, PlannedStage, resolveAnalysis, RolloutRevision } from './shared';

/**
 * Who runs a `MirrorRolloutPlan`: a person applying one folder per stage (`folders()`, the default), or a
 * progressive-delivery controller that steps through the same stages itself and judges the mirrored version by its
 * metrics (`argoRollouts()`, `flagger()`).
 *
 * The plan's stages are the model either way; a controller is given the same percentages, in the same order, to the
 * same versions. What a controller cannot run (a mirror to another service, a decimal percentage, matches it cannot
 * express) is reported at `app.synth()`, naming the stage and the prop.
 */
export class RolloutExecutor {
  /**
   * One folder per stage (`plan.synth(outdir)`), applied one after the other by a person or a pipeline; the chart's
   * own output is unchanged.
   */
  public static folders(): RolloutExecutor {
    return new RolloutExecutor('folders', () => undefined);
  }

  /**
   * Argo Rollouts v1.9 runs the plan: the chart gets a Rollout (canary strategy with Istio subset-level traffic routing,
   * `setMirrorRoute`, `setWeight`, analysis and pause steps) and an AnalysisTemplate for the mirrored version in place
   * of the versions' Deployments. Needs a `MirrorRoute` (the Istio API).
   *
   * @param options the stable and candidate versions, the revision, the analysis and the canary pause
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/traffic-management/istio/
   */
  public static argoRollouts(options: ArgoRolloutsOptions): RolloutExecutor {
    const where = 'RolloutExecutor.argoRollouts()';
    checkVersions(where, options.stable, options.candidate);
    const analysis = resolveAnalysis(where, options.analysis);
    const pause = options.canaryPause ?? Duration.minutes(5);
    const canaryPauseSeconds = pause.toMilliseconds() / 1000;
    if (!Number.isInteger(canaryPauseSeconds) || canaryPauseSeconds < 1) {
      throw new Error(`${where}: canaryPause must be a whole number of seconds, at least 1, got ${pause.toMilliseconds()} ms`);
    }
    const prometheusAddress = options.prometheusAddress ?? 'http://prometheus.istio-system:9090';
    if (!/^https?:\/\/[^\s]+$/.test(prometheusAddress)) {
      throw new Error(`${where}: prometheusAddress must be an http(s) URL such as "http://prometheus.istio-system:9090", got ${JSON.stringify(prometheusAddress)}`);
    }
    const settings = {
      stable: options.stable,
      candidate: options.candidate,
      name: options.name,
      revision: checkRevision(where, options.revision),
      analysis,
      prometheusAddress,
      canaryPauseSeconds,
    };
    return new RolloutExecutor('argo-rollouts', (plan, route, stages) => new ArgoRolloutsExecution(plan, 'ArgoRollouts', route, stages, settings));
  }

  /**
   * Flagger v1.44 runs the plan: the chart gets the target Deployment and a Canary (`analysis.mirror`, `mirrorWeight`,
   * `stepWeights` or Blue/Green `iterations`) in place of the versions' Deployments and of the Service,
   * DestinationRule and route that Flagger writes itself. Istio (`MirrorRoute`): mirror, then canary weights; the
   * Gateway API (`HttpMirrorRoute`): a Blue/Green run (mirror 100%, then promote), the only mirroring Flagger's Gateway
   * API router does.
   *
   * @param options the stable and candidate versions, the revision, the analysis and the failure threshold
   * @see https://docs.flagger.app/usage/deployment-strategies#blue-green-with-traffic-mirroring
   */
  public static flagger(options: FlaggerOptions): RolloutExecutor {
    const where = 'RolloutExecutor.flagger()';
    checkVersions(where, options.stable, options.candidate);
    const failureThreshold = options.failureThreshold ?? 2;
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
      throw new Error(`${where}: failureThreshold must be an integer of at least 1, got ${failureThreshold}`);
    }
    const settings = {
      stable: options.stable,
      candidate: options.candidate,
      name: options.name,
      revision: checkRevision(where, options.revision),
      analysis: resolveAnalysis(where, options.analysis),
      failureThreshold,
    };
    return new RolloutExecutor('flagger', (plan, route, stages) => new FlaggerExecution(plan, 'Flagger', route, stages, settings));
  }

  private constructor(
    /** The executor's name: `folders`, `argo-rollouts` or `flagger`. */
    public readonly name: string,
    private readonly attach: (plan: Construct, route: MirrorRouteBase, stages: PlannedStage[]) => Construct | undefined,
  ) {}

  /** Whether the plan is written as stage folders (`folders()`). */
  public get writesFolders(): boolean {
    return this.name === 'folders';
  }

  /**
   * Adds the controller's objects to the plan's chart (nothing for `folders()`); returns the construct that holds them.
   *
   * @internal
   */
  public _attach(plan: Construct, route: MirrorRouteBase, stages: PlannedStage[]): Construct | undefined {
    return this.attach(plan, route, stages);
  }
}

function checkRevision(where: string, revision: RolloutRevision | undefined): RolloutRevision {
  const value = revision ?? RolloutRevision.CANDIDATE;
  if (!Object.values(RolloutRevision).includes(value)) {
    throw new Error(`${where}: revision must be one of ${Object.values(RolloutRevision).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}
