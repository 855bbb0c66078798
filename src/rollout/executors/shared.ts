import { ApiObject, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { describeBackend, MirrorTarget, RouteTarget, WeightedTarget } from '../../core/route-model';
import { ServiceVersion } from '../../workloads/service-version';

// What the controller executors (Argo Rollouts, Flagger) share: reading a plan's stages in the terms every
// progressive-delivery controller uses (the candidate's share of the requests, the share mirrored to it), the
// options of the mirror analysis, and taking the library's own objects out of the output where the controller owns them.

/**
 * Which version's pod template the controller's workload carries.
 *
 * A controller runs its steps only when the template of an existing workload changes: a Rollout or Canary applied for
 * the first time starts at its template at once, without any step. So a cluster that runs neither starts with the
 * stable revision, and the candidate revision (the same objects with the candidate's template) starts the rollout.
 */
export enum RolloutRevision {
  /** The stable version's pod template: what a first installation applies. */
  STABLE = 'stable',
  /** The candidate's pod template: applied over the stable revision, it starts the steps. */
  CANDIDATE = 'candidate',
}

/**
 * How the mirrored version is judged while it receives copies: Istio's request metrics of its pods, as their own
 * sidecars report them (`reporter="destination"`, the only reporter that sees mirrored copies: the client's sidecar
 * discards the copies' responses and reports nothing for them).
 */
export interface MirrorAnalysisOptions {
  /**
   * How often the metrics are measured (whole seconds).
   *
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * How many measurements each mirror stage takes (Argo Rollouts: `count` of each metric; Flagger: `iterations` of
   * a Blue/Green run). A stage lasts about `interval` times this.
   *
   * @default 5
   */
  readonly measurements?: number;
  /**
   * The highest share of 5xx responses of the mirrored version, in percent, that passes.
   *
   * @default 1
   */
  readonly maxErrorPercent?: number;
  /**
   * The highest 99th percentile of the mirrored version's request duration, in milliseconds, that passes.
   *
   * @default 500
   */
  readonly maxLatencyMillis?: number;
}

/** The analysis options with their defaults, checked. */
export interface ResolvedAnalysis {
  readonly intervalSeconds: number;
  readonly measurements: number;
  readonly maxErrorPercent: number;
  readonly maxLatencyMillis: number;
}

/** A plan's stage as the executors read it (a `RolloutStage` with its folder name). */
export interface PlannedStage {
  readonly folder: string;
  readonly destinations?: WeightedTarget[];
  readonly mirrors?: MirrorTarget[];
}

/** A stage in a controller's terms. */
export interface ControllerStage {
  readonly folder: string;
  /** The candidate's share of the requests, 0 to 100. */
  readonly canaryWeight: number;
  /** The share of the requests copied to the candidate; 0 when the stage mirrors nothing. */
  readonly mirrorPercent: number;
}

/** Checks the analysis options (eagerly: they are wrong on their own) and applies the defaults. */
export function resolveAnalysis(where: string, options: MirrorAnalysisOptions = {}): ResolvedAnalysis {
  const interval = options.interval ?? Duration.minutes(1);
  const intervalSeconds = interval.toMilliseconds() / 1000;
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1) {
    throw new Error(`${where}: analysis.interval must be a whole number of seconds, at least 1, got ${interval.toMilliseconds()} ms`);
  }
  const measurements = options.measurements ?? 5;
  if (!Number.isInteger(measurements) || measurements < 1) {
    throw new Error(`${where}: analysis.measurements must be an integer of at least 1, got ${measurements}`);
  }
  const maxErrorPercent = options.maxErrorPercent ?? 1;
  if (typeof maxErrorPercent !== 'number' || !(maxErrorPercent >= 0 && maxErrorPercent < 100)) {
    throw new Error(`${where}: analysis.maxErrorPercent must be a number from 0 to below 100, got ${maxErrorPercent}`);
  }
  const maxLatencyMillis = options.maxLatencyMillis ?? 500;
  if (typeof maxLatencyMillis !== 'number' || !(maxLatencyMillis > 0) || !Number.isFinite(maxLatencyMillis)) {
    throw new Error(`${where}: analysis.maxLatencyMillis must be a positive number of milliseconds, got ${maxLatencyMillis}`);
  }
  return { intervalSeconds, measurements, maxErrorPercent, maxLatencyMillis };
}

/** A Go duration (`1m`, `90s`), as both controllers read them. */
export function goDuration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** Checks that the stable and candidate versions are two versions of one app (eagerly). */
export function checkVersions(where: string, stable: ServiceVersion | undefined, candidate: ServiceVersion | undefined): void {
  if (stable === undefined || candidate === undefined) {
    throw new Error(`${where}: stable and candidate are required: the ServiceVersions whose pod templates the controller rolls from and to`);
  }
  if (stable === candidate || stable.version === candidate.version) {
    throw new Error(`${where}: stable and candidate must be two versions, got version ${JSON.stringify(stable.version)} for both`);
  }
  if (stable.app !== candidate.app) {
    throw new Error(`${where}: stable and candidate must be versions of one app, got app ${JSON.stringify(stable.app)} and ${JSON.stringify(candidate.app)}`);
  }
  if ((stable.namespace ?? '') !== (candidate.namespace ?? '')) {
    throw new Error(`${where}: stable and candidate must be in one namespace (one workload replaces both), got `
      + `${stable.namespace ?? '(none)'} and ${candidate.namespace ?? '(none)'}`);
  }
}

/**
 * Reads every stage in a controller's terms: the candidate's weight and mirrored share. A controller splits requests
 * between the stable and the candidate pods of one service and mirrors to the candidate only, so anything else in a
 * stage is reported (in `problems`, naming the stage and the prop).
 */
export function controllerStages(controller: string, stable: ServiceVersion, candidate: ServiceVersion, stages: PlannedStage[],
  problems: string[]): ControllerStage[] {
  const service = stages[0]?.destinations?.[0]?.service;
  const isVersion = (t: RouteTarget, version: string) => t.service === service && t.version === version;
  const both = `the stable version ${stable.version} and the candidate ${candidate.version} of service ${service?.serviceName ?? '(none)'}`;
  return stages.map(stage => {
    const at = `stage ${stage.folder}`;
    if (stage.destinations === undefined) {
      problems.push(`${at}: destinations must be set: ${controller} splits the requests between ${both}, so every stage names its `
        + 'weights (MirrorRolloutPlan.mirrorThenCanary() does)');
      return { folder: stage.folder, canaryWeight: 0, mirrorPercent: 0 };
    }
    let canaryWeight = 0;
    stage.destinations.forEach((d, j) => {
      if (isVersion(d, candidate.version)) {
        canaryWeight += d.weight;
      } else if (!isVersion(d, stable.version)) {
        problems.push(`${at}: destinations[${j}] is ${describeTarget(d)}, but ${controller} splits the requests only between ${both}: `
          + 'route to one of them, or use RolloutExecutor.folders()');
      }
    });
    const mirrors = (stage.mirrors ?? []).filter(m => (m.percent ?? 100) > 0);
    if (mirrors.length > 1) {
      problems.push(`${at}: mirrors lists ${mirrors.length} active mirrors, but ${controller} mirrors to the candidate only: keep one mirror, `
        + `to ${candidate.version}`);
    }
    const mirror = mirrors[0];
    let mirrorPercent = 0;
    if (mirror !== undefined) {
      mirrorPercent = mirror.percent ?? 100;
      if (!isVersion(mirror, candidate.version)) {
        problems.push(`${at}: mirrors[0] is ${describeTarget(mirror)}, but ${controller} mirrors only to the candidate (the canary pods), `
          + `version ${candidate.version} of service ${service?.serviceName ?? '(none)'}: mirror to it, or use RolloutExecutor.folders() to mirror elsewhere`);
      }
      if (!Number.isInteger(mirrorPercent)) {
        problems.push(`${at}: mirrors[0].percent is ${mirrorPercent}, but ${controller} takes a whole percentage of mirrored requests: `
          + `use ${Math.max(1, Math.round(mirrorPercent))}`);
      }
    }
    return { folder: stage.folder, canaryWeight, mirrorPercent };
  });
}

/**
 * The rules every controller shares: a run starts with every request on the stable version and ends by promoting the
 * candidate (the controller does so after its last step), with no stage at 100% before that.
 */
export function checkRunShape(controller: string, stages: ControllerStage[], problems: string[]): void {
  const first = stages[0];
  const last = stages[stages.length - 1];
  if (first !== undefined && (first.canaryWeight !== 0 || first.mirrorPercent !== 0)) {
    problems.push(`stage ${first.folder}: ${controller} starts every update with all requests on the stable version and nothing mirrored, `
      + 'so the first stage must send 100% to the stable version (the "route" stage of MirrorRolloutPlan.mirrorThenCanary())');
  }
  if (stages.length < 2 || last.canaryWeight !== 100 || last.mirrorPercent !== 0) {
    problems.push(`stage ${last?.folder ?? '(none)'}: ${controller} promotes the candidate after its last step, so the plan must end with `
      + 'a stage that sends 100% to the candidate and mirrors nothing (the "promote" stage of MirrorRolloutPlan.mirrorThenCanary())');
  }
  stages.slice(0, -1).forEach(s => {
    if (s.canaryWeight === 100) {
      problems.push(`stage ${s.folder}: sends 100% to the candidate before the last stage; ${controller} promotes only at the end, so `
        + 'make it the last stage or give the stable version a share');
    }
  });
}

/** `httpbin version v2`, for messages. */
function describeTarget(t: RouteTarget): string {
  return t.service === undefined ? '(no service)' : describeBackend({ service: t.service, version: t.version, port: t.port ?? 0 });
}

/** The rendered spec of a version's Deployment (rendered when called: use it lazily). */
export function deploymentSpec(version: ServiceVersion): any {
  return ApiObject.of(version.deployment).toJson().spec;
}

/**
 * Takes a construct's objects out of the output (the construct itself stays, with its attributes and checks): the
 * controller owns what they described. cdk8s writes only what is in the construct tree, so a detached object is not
 * written, while code that holds it (e.g. to render a pod template from it) still can.
 */
export function removeFromOutput(c: IConstruct): void {
  c.node.scope?.node.tryRemoveChild(c.node.id);
}

/** The objects of a kind directly or indirectly under a construct. */
export function objectsOf(scope: IConstruct, kind: string): ApiObject[] {
  return scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && c.kind === kind);
}
