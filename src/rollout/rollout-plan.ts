import * as fs from 'fs';
import * as path from 'path';
import { Chart, Names, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { addCheck } from '../core/app-index';
import { IMeshService } from '../core/references';
import { MirrorTarget, RouteTarget, WeightedTarget } from '../core/route-model';
import { checkArray, checkDnsLabel, checkPercent, fail } from '../core/validate';
import { MirrorRouteBase } from '../core/mirror-route-base';
import { ROLLOUT_STAGE_MARKER, rolloutStageMarkerText } from '../core/rules/rollout-stage';
import { RolloutExecutor } from './executors/rollout-executor';

/**
 * One stage of a rollout: where the route sends the requests and where it mirrors them. Everything else (hosts,
 * gateways, matches, timeout, retries, headers) comes from the plan's route.
 */
export interface RolloutStage {
  /**
   * The stage name, a DNS label such as `mirror-10`. The stage's folder is `<NN>-<name>`, numbered from 01 in order.
   */
  readonly name: string;
  /**
   * How the requests are split in this stage.
   *
   * @default - the route's `destination` or `destinations`
   */
  readonly destinations?: WeightedTarget[];
  /**
   * Where copies go in this stage; a mirror must not be one of the stage's destinations with a weight above 0.
   *
   * @default - none: the stage only routes (the route's `mirrorMatches` and `mirrorSafeMethodsOnly` then do nothing)
   */
  readonly mirrors?: MirrorTarget[];
}

/**
 * Options of `MirrorRolloutPlan.mirrorThenCanary()`.
 */
export interface MirrorThenCanaryOptions {
  /** The version that serves the requests today. */
  readonly stable: RouteTarget;
  /** The new version: first mirrored to, then given a share of the requests, then all of them. */
  readonly candidate: RouteTarget;
  /**
   * The mirror percentages, one stage each, in order.
   *
   * @default [10, 100]
   */
  readonly mirrorPercents?: number[];
  /**
   * The candidate's weights during the canary, one stage each, in order (integers from 1 to 99).
   *
   * @default [10]
   */
  readonly canaryWeights?: number[];
}

/**
 * Properties of a `MirrorRolloutPlan`.
 */
export interface MirrorRolloutPlanProps {
  /**
   * The route whose object (a VirtualService for a `MirrorRoute`, an HTTPRoute for an `HttpMirrorRoute`) changes from
   * stage to stage; its chart is the rest of every stage.
   */
  readonly route: MirrorRouteBase;
  /** The stages, in order. */
  readonly stages: RolloutStage[];
  /**
   * Who runs the stages: folders applied one after the other, Argo Rollouts or Flagger. A controller's objects are
   * added to the route's chart (and the objects the controller owns are taken out of it); its errors are reported at
   * `app.synth()` with the stage and the prop.
   *
   * @default RolloutExecutor.folders()
   */
  readonly executor?: RolloutExecutor;
}

/**
 * A staged rollout (route, mirror, canary, promote) as reviewable manifests: one folder per stage, each holding the
 * complete state of the route's chart, where only the route's object (VirtualService or HTTPRoute) differs from stage to stage.
 *
 * This is the plan that Flagger or Argo Rollouts execute imperatively, written out for GitOps: apply (or let Argo CD /
 * Flux sync) one folder after the other and review each step as a diff of one route object. Nothing here
 * watches metrics or rolls back; moving to the next stage is a human (or pipeline) decision.
 *
 * The plan adds nothing to its chart's own synthesis; call `synth(outdir)` after `app.synth()`.
 *
 * @example
 * const plan = new MirrorRolloutPlan(chart, 'plan', {
 *   route,
 *   stages: MirrorRolloutPlan.mirrorThenCanary({ stable: { service, version: 'v1' }, candidate: { service, version: 'v2' } }),
 * });
 * app.synth();
 * plan.synth('dist/plan'); // dist/plan/01-route/..., 02-mirror-10/, 03-mirror-100/, 04-canary-10/, 05-promote/
 */
export class MirrorRolloutPlan extends Construct {
  /**
   * The usual stages for a new version: route only, mirror at each of `mirrorPercents`, canary at each of
   * `canaryWeights`, then promote (all requests to the candidate). Named `route`, `mirror-<percent>`,
   * `canary-<weight>` and `promote`.
   *
   * @param options the stable and candidate targets, the mirror percentages and canary weights
   */
  public static mirrorThenCanary(options: MirrorThenCanaryOptions): RolloutStage[] {
    const mirrorPercents = options.mirrorPercents ?? [10, 100];
    const canaryWeights = options.canaryWeights ?? [10];
    for (const p of mirrorPercents) {
      if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0 || p > 100) {
        throw new Error(`mirrorThenCanary: mirrorPercents must be numbers above 0 and at most 100, got ${p}`);
      }
    }
    for (const w of canaryWeights) {
      if (!Number.isInteger(w) || w < 1 || w > 99) {
        throw new Error(`mirrorThenCanary: canaryWeights must be integers from 1 to 99 (0 is the route stage, 100 is promote), got ${w}`);
      }
    }
    const label = (n: number) => String(n).replace('.', '-');
    return [
      { name: 'route', destinations: [{ ...options.stable, weight: 100 }] },
      ...mirrorPercents.map(p => ({
        name: `mirror-${label(p)}`,
        destinations: [{ ...options.stable, weight: 100 }],
        mirrors: [{ ...options.candidate, percent: p }],
      })),
      ...canaryWeights.map(w => ({
        name: `canary-${label(w)}`,
        destinations: [{ ...options.stable, weight: 100 - w }, { ...options.candidate, weight: w }],
      })),
      { name: 'promote', destinations: [{ ...options.candidate, weight: 100 }] },
    ];
  }

  /** The route the plan varies. */
  public readonly route: MirrorRouteBase;
  /** Who runs the stages. */
  public readonly executor: RolloutExecutor;
  private readonly stages: Array<{ readonly folder: string; readonly stage: RolloutStage }>;

  /**
   * Defines a `MirrorRolloutPlan` (writes nothing until `synth()`).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children
   * @param props the route whose stages are planned, and the stages
   */
  constructor(scope: Construct, id: string, props: MirrorRolloutPlanProps) {
    super(scope, id);
    if (props.route === undefined) {
      fail(this, 'route is required: the MirrorRoute (or HttpMirrorRoute) whose route object changes from stage to stage');
    }
    if (props.stages !== undefined) checkArray(this, 'stages', props.stages);
    if (props.stages === undefined || props.stages.length === 0) {
      fail(this, 'stages must list at least one stage, e.g. MirrorRolloutPlan.mirrorThenCanary({ stable, candidate })');
    }
    if (props.stages.length > 99) {
      fail(this, `a plan has at most 99 stages (folders 01 to 99), got ${props.stages.length}`);
    }
    this.route = props.route;
    const seen = new Set<string>();
    this.stages = props.stages.map((stage, i) => {
      const name = checkDnsLabel(this, `stages[${i}].name`, stage.name);
      if (seen.has(name)) {
        fail(this, `stage name ${JSON.stringify(name)} is used twice: give every stage its own name`);
      }
      seen.add(name);
      const folder = `${String(i + 1).padStart(2, '0')}-${name}`;
      (stage.mirrors ?? []).forEach((m, j) => checkPercent(this, `stage ${folder}: mirrors[${j}].percent`, m.percent ?? 100));
      // The flavor adds what a stage's targets need beside the route, the same in every stage (Istio: the subsets of a
      // version); the stage itself is checked at synth, with every other construct.
      this.guard(folder, () => this.route._prepareStage(stage.destinations, stage.mirrors ?? []));
      return { folder, stage };
    });
    this.executor = props.executor ?? RolloutExecutor.folders();
    this.executor._attach(this, this.route, this.stages.map(s => ({ ...s.stage, folder: s.folder })));
    // A stage may target a user's own IMeshService, which changes without the library being told: its state is the
    // check's fingerprint, so the check is never answered from a stale memo (empty, and not read again until the next
    // change, when every stage targets the library's services).
    addCheck(this, () => this.problems(), () => this.stages.map(({ folder, stage }) => {
      try {
        return this.route._stageForeignState(stage.destinations, stage.mirrors ?? []);
      } catch (e) {
        return `${folder}: ${(e as Error).message}`;
      }
    }).join(''));
  }

  public get stageNames(): string[] {
    return this.stages.map(s => s.folder);
  }

  /**
   * The manifests of one stage: the route's chart with the stage's route object in place of the route's.
   *
   * @param stageName the stage folder (`02-mirror-10`) or the stage name (`mirror-10`)
   */
  public stageManifests(stageName: string): any[] {
    if (!this.executor.writesFolders) {
      fail(this, `the stages are run by ${this.executor.name}, not written as folders: its objects are in the chart's own output `
        + '(app.synth()); use RolloutExecutor.folders() for one folder per stage');
    }
    const found = this.stages.find(s => s.folder === stageName || s.folder.slice(3) === stageName);
    if (found === undefined) {
      fail(this, `no stage ${JSON.stringify(stageName)}: the stages are ${this.stageNames.join(', ')}`);
    }
    const base = Chart.of(this.route).toJson();
    const { manifest, problems } = this.guard(found.folder, () => this.route._renderStage(found.stage.destinations, found.stage.mirrors ?? []));
    if (problems.length > 0) {
      fail(this, `stage ${found.folder}: ${problems.join('; ')}`);
    }
    const replaced = base.findIndex(m => m.kind === manifest.kind && m.apiVersion === manifest.apiVersion
      && m.metadata?.name === manifest.metadata?.name && m.metadata?.namespace === manifest.metadata?.namespace);
    if (replaced < 0) {
      fail(this, `the ${manifest.kind} ${manifest.metadata?.name} of the route is not among the objects of its chart`);
    }
    return [...base.slice(0, replaced), manifest, ...base.slice(replaced + 1)];
  }

  /**
   * Writes every stage to `<outdir>/<NN>-<name>/<chart>.k8s.yaml` and returns the paths of those manifests.
   *
   * Each stage folder also gets the file `.cdk8s-traffic-mirror-stage`, which `kubectl apply -f <folder>` skips: the
   * validation plugin analyzes a folder that has it on its own, so the stages are not checked together with each
   * other or with the app's output (`dist/plan/` inside `dist/`), where each object would be defined several times.
   *
   * Each stage folder is emptied first, so a stage never keeps a file from an earlier synthesis; folders of stages
   * that no longer exist are left alone (synthesize into a dedicated directory, e.g. `dist/plan`). When a controller runs
   * the stages (`executor`), nothing is written and the list is empty: the controller's objects are in the chart.
   *
   * @param outdir the directory the stage folders are written into, e.g. `dist/plan`
   */
  public synth(outdir: string): string[] {
    if (!this.executor.writesFolders) {
      return [];
    }
    const file = `${Names.toDnsLabel(Chart.of(this.route))}.k8s.yaml`;
    const stages = this.stages.map(s => ({ folder: s.folder, manifests: this.stageManifests(s.folder) }));
    return stages.map(s => {
      const dir = path.join(outdir, s.folder);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      const target = path.join(dir, file);
      Yaml.save(target, s.manifests);
      // Tells the validation plugin that this folder is a set of its own (not part of the app's output around it).
      fs.writeFileSync(path.join(dir, ROLLOUT_STAGE_MARKER), rolloutStageMarkerText(s.folder));
      return target;
    });
  }

  /**
   * Every stage checked as the route checks itself (its props, its API's rules, its references), without rendering
   * anything, and the order of the stages: a plan goes forward, so a version's mirror percentage and weight only go
   * up, and it is not mirrored again once it serves real requests.
   */
  private problems(): string[] {
    const problems: string[] = [];
    for (const { folder, stage } of this.stages) {
      try {
        problems.push(...this.route._checkStage(stage.destinations, stage.mirrors ?? []).map(p => `stage ${folder}: ${p}`));
      } catch (e) {
        problems.push(this.inStage(folder, e as Error));
      }
    }
    return [...problems, ...this.orderProblems()];
  }

  private orderProblems(): string[] {
    const problems: string[] = [];
    type Seen = { folder: string; percent?: number; weight?: number };
    const last = new Map<IMeshService, Map<string, { mirror?: Seen; weight?: Seen }>>();
    const entry = (t: RouteTarget) => {
      let byVersion = last.get(t.service);
      if (byVersion === undefined) last.set(t.service, byVersion = new Map());
      const key = t.version ?? '';
      let e = byVersion.get(key);
      if (e === undefined) byVersion.set(key, e = {});
      return e;
    };
    const name = (t: RouteTarget) => `${t.service.serviceName}${t.version === undefined ? '' : ` version ${t.version}`}`;
    const stable = this.stages[0].stage.destinations?.find(d => d.weight === 100);
    for (const { folder, stage } of this.stages) {
      for (const m of stage.mirrors ?? []) {
        const e = entry(m);
        const percent = m.percent ?? 100;
        if (e.weight !== undefined && (e.weight.weight ?? 0) > 0) {
          problems.push(`stage ${folder} mirrors to ${name(m)}, which already serves ${e.weight.weight}% of the requests in stage ${e.weight.folder}: `
            + 'mirror a version before it gets real traffic (put the mirror stages before the canary and promote stages)');
        }
        if (e.mirror !== undefined && percent < e.mirror.percent!) {
          problems.push(`stage ${folder} mirrors ${percent}% to ${name(m)}, less than the ${e.mirror.percent}% of stage ${e.mirror.folder}: `
            + 'mirror percentages go up from stage to stage; reorder the stages or raise the percentage');
        }
        e.mirror = { folder, percent };
      }
      for (const d of stage.destinations ?? []) {
        // The stable version's weight goes down as the candidate's goes up; every other version's only goes up.
        if (stable !== undefined && d.service === stable.service && d.version === stable.version) continue;
        const e = entry(d);
        if (e.weight !== undefined && d.weight < e.weight.weight!) {
          problems.push(`stage ${folder} gives ${name(d)} weight ${d.weight}, less than the ${e.weight.weight} of stage ${e.weight.folder}: `
            + 'canary weights go up from stage to stage (a rollback is a plan of its own); reorder the stages or raise the weight');
        }
        e.weight = { folder, weight: d.weight };
      }
    }
    return problems;
  }

  private guard<T>(folder: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      return fail(this, this.inStage(folder, e as Error));
    }
  }

  /** A route's error as a mistake of this plan's stage: the route's errors start with its path, which is left out. */
  private inStage(folder: string, error: Error): string {
    const routePath = `${this.route.node.path}: `;
    const message = error.message;
    return `stage ${folder}: ${message.startsWith(routePath) ? message.slice(routePath.length) : message}`;
  }
}
