import { Testing } from 'cdk8s';
import { MeshApi, HttpbinMirrorChart } from '../../../src/scenario/httpbin-mirror-chart';
import { MirrorRolloutPlan, MirrorThenCanaryOptions, RolloutStage } from '../../../src/rollout/rollout-plan';
import { RolloutExecutor } from '../../../src/rollout/executors/rollout-executor';
import { expectValidManifests } from '../../support/schema';

/** The reference chart with a plan run by `executor` (built from the chart's versions). */
export function referenceRun(executor: (chart: HttpbinMirrorChart) => RolloutExecutor, options: {
  stages?: (chart: HttpbinMirrorChart) => RolloutStage[];
  plan?: Partial<MirrorThenCanaryOptions>;
  api?: MeshApi;
} = {}): { chart: HttpbinMirrorChart; plan: MirrorRolloutPlan; stages: RolloutStage[] } {
  const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror', { api: options.api });
  const stages = options.stages?.(chart) ?? MirrorRolloutPlan.mirrorThenCanary({
    stable: { service: chart.service, version: chart.v1.version },
    candidate: { service: chart.service, version: chart.v2.version },
    ...options.plan,
  });
  const plan = new MirrorRolloutPlan(chart, 'rollout-plan', { route: chart.route, stages, executor: executor(chart) });
  return { chart, plan, stages };
}

/** A stage in a controller's terms, computed from the plan's own stage (not from the executor's code). */
export function expectedState(stage: RolloutStage, candidate: string): { weight: number; mirror: number } {
  const weight = (stage.destinations ?? []).filter(d => d.version === candidate).reduce((sum, d) => sum + d.weight, 0);
  const mirror = (stage.mirrors ?? []).filter(m => m.version === candidate).reduce((max, m) => Math.max(max, m.percent ?? 100), 0);
  return { weight, mirror };
}

/**
 * Every manifest valid against its schema; a pod template the controller's CRD leaves open is checked as the template
 * of a Deployment (what the controller's ReplicaSets are made from).
 */
export function expectValidWithTemplates(manifests: any[]): void {
  expectValidManifests(manifests);
  for (const m of manifests.filter(x => x.kind === 'Rollout')) {
    expectValidManifests([{
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: m.metadata.name },
      spec: { selector: m.spec.selector, template: m.spec.template },
    }]);
  }
}
