import * as path from 'path';
import { App } from 'cdk8s';
import { HttpbinMirrorChart, MeshApi } from './httpbin-mirror-chart';
import { MirrorRolloutPlan } from '../rollout/rollout-plan';
import { RolloutExecutor } from '../rollout/executors/rollout-executor';
import { RolloutRevision } from '../rollout/executors/shared';

// The app that `cdk8s synth` runs (see cdk8s.yaml): the reference scenario into dist/ (CDK8S_OUTDIR), and its rollout
// plan into dist/plan/, one folder per stage.
// MIRROR_PERCENT selects the stage of dist/httpbin-mirror.k8s.yaml: unset = mirror 100% to v2; 0 = route only
// (stage 1); any value in [0, 100]. The plan does not depend on it.
// MIRROR_API selects the API: unset, empty or `istio` = the Istio API; `gateway-api` = the Kubernetes Gateway API.
// MIRROR_EXECUTOR selects who runs the plan: unset, empty or `folders` = dist/plan/ as above; `argo-rollouts` or `flagger` =
// the controller's objects in dist/httpbin-mirror.k8s.yaml, no dist/plan/. MIRROR_REVISION (controllers only): unset or
// `candidate` = the workload carries v2's pod template (starts the rollout); `stable` = v1's (the first installation).

/**
 * Reads MIRROR_PERCENT: unset or empty = 100, else a plain decimal from 0 to 100. Anything else (`0x10`, `1e2`,
 * blanks) is an error rather than a guess, since a misread value silently changes how much traffic is mirrored.
 */
export function mirrorPercentFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') {
    return 100;
  }
  const percent = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (!(percent >= 0 && percent <= 100)) {
    throw new Error(`MIRROR_PERCENT must be a number between 0 and 100 (e.g. 0, 12.5 or 100), got ${JSON.stringify(value)}`);
  }
  return percent;
}

/**
 * Reads MIRROR_API: unset, empty or `istio` = `MeshApi.ISTIO`; `gateway-api` = `MeshApi.GATEWAY_API`; anything else
 * is an error (a typo must not silently synthesize the other API).
 */
export function meshApiFromEnv(value: string | undefined): MeshApi {
  if (value === undefined || value === '') {
    return MeshApi.ISTIO;
  }
  const api = Object.values(MeshApi).find(a => a === value);
  if (api === undefined) {
    throw new Error(`MIRROR_API must be one of ${Object.values(MeshApi).join(', ')} (or unset for istio), got ${JSON.stringify(value)}`);
  }
  return api;
}

/** The executors of MIRROR_EXECUTOR. */
export const EXECUTORS = ['folders', 'argo-rollouts', 'flagger'];

/**
 * Reads MIRROR_EXECUTOR: unset or empty = `folders`; else one of `EXECUTORS` (a typo must not silently write folders).
 */
export function executorFromEnv(value: string | undefined): string {
  if (value === undefined || value === '') {
    return 'folders';
  }
  if (!EXECUTORS.includes(value)) {
    throw new Error(`MIRROR_EXECUTOR must be one of ${EXECUTORS.join(', ')} (or unset for folders), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Reads MIRROR_REVISION: unset or empty = candidate; `stable` or `candidate`; only with a controller. */
export function revisionFromEnv(value: string | undefined, executor: string): RolloutRevision {
  if (value === undefined || value === '') {
    return RolloutRevision.CANDIDATE;
  }
  const revision = Object.values(RolloutRevision).find(r => r === value);
  if (revision === undefined) {
    throw new Error(`MIRROR_REVISION must be one of ${Object.values(RolloutRevision).join(', ')} (or unset for candidate), got ${JSON.stringify(value)}`);
  }
  if (executor === 'folders') {
    throw new Error('MIRROR_REVISION applies only to a controller (MIRROR_EXECUTOR=argo-rollouts or flagger): the folders hold every stage');
  }
  return revision;
}

/**
 * Synthesizes the reference scenario into `outdir` (default: CDK8S_OUTDIR, else `dist`) and its plan into
 * `<outdir>/plan`. Returns the plan's files.
 */
export function synthReferenceScenario(mirrorPercent: string | undefined, outdir?: string, meshApi?: string, executorName?: string,
  revisionName?: string): string[] {
  const api = meshApiFromEnv(meshApi);
  const executor = executorFromEnv(executorName);
  const revision = revisionFromEnv(revisionName, executor);
  if (executor !== 'folders' && mirrorPercent !== undefined && mirrorPercent !== '') {
    throw new Error(`MIRROR_PERCENT applies only to the folder plan's chart: with MIRROR_EXECUTOR=${executor} the controller sets the `
      + 'mirror percentages from the plan\'s stages; unset MIRROR_PERCENT');
  }
  const app = new App({ outdir });
  const chart = new HttpbinMirrorChart(app, 'httpbin-mirror', { mirrorPercent: mirrorPercentFromEnv(mirrorPercent), api });
  const versions = { stable: chart.v1, candidate: chart.v2, revision };
  const plan = new MirrorRolloutPlan(chart, 'rollout-plan', {
    route: chart.route,
    stages: MirrorRolloutPlan.mirrorThenCanary({
      stable: { service: chart.service, version: chart.v1.version },
      candidate: { service: chart.service, version: chart.v2.version },
      // Flagger mirrors in one stage (Istio: one interval before the canary weights) or, with the Gateway API, during a
      // Blue/Green run only (100%, then promote): its reference scenario is the plan it can run.
      ...(executor === 'flagger' ? { mirrorPercents: [100], canaryWeights: api === MeshApi.GATEWAY_API ? [] : [10] } : {}),
    }),
    ...(executor === 'argo-rollouts' ? { executor: RolloutExecutor.argoRollouts(versions) } : {}),
    ...(executor === 'flagger' ? { executor: RolloutExecutor.flagger(versions) } : {}),
  });
  // App.synth() writes only its charts' files and does not clean its outdir (the cdk8s CLI empties dist/ before
  // running the app), so the plan written after it into a sub-folder survives, and the chart's file is unchanged.
  app.synth();
  return plan.synth(path.join(app.outdir, 'plan'));
}

if (require.main === module) {
  synthReferenceScenario(process.env.MIRROR_PERCENT, undefined, process.env.MIRROR_API, process.env.MIRROR_EXECUTOR, process.env.MIRROR_REVISION);
}
