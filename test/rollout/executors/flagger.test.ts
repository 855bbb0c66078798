import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { MeshService } from '../../../src/services/mesh-service';
import { MirrorRoute } from '../../../src/istio/mirror-route';
import { MirrorRolloutPlan } from '../../../src/rollout/rollout-plan';
import { RolloutExecutor } from '../../../src/rollout/executors/rollout-executor';
import { RolloutRevision } from '../../../src/rollout/executors/shared';
import { MeshApi } from '../../../src/scenario/httpbin-mirror-chart';
import { HttpbinVersion } from '../../../src/workloads/httpbin-version';
import { expectedState, expectValidWithTemplates, referenceRun } from './support';

const flagger = (plan = { mirrorPercents: [100], canaryWeights: [10] }) =>
  referenceRun(chart => RolloutExecutor.flagger({ stable: chart.v1, candidate: chart.v2 }), { plan });
const find = (manifests: any[], kind: string) => manifests.find(m => m.kind === kind);

/**
 * How Flagger steps through a Canary's analysis (pkg/controller/scheduler.go, v1.44.0): runCanary mirrors for one interval
 * at weight 0 when analysis.mirror is set, then sets each of stepWeights, then promotes; runBlueGreen mirrors for all
 * iterations, then routes everything to the canary.
 */
function statesOfAnalysis(analysis: any): Array<{ weight: number; mirror: number }> {
  const mirror = analysis.mirror ? analysis.mirrorWeight ?? 100 : 0;
  const states: Array<{ weight: number; mirror: number }> = [];
  if (analysis.iterations !== undefined) {
    if (mirror > 0) states.push({ weight: 0, mirror });
  } else {
    if (mirror > 0) states.push({ weight: 0, mirror });
    for (const w of analysis.stepWeights) states.push({ weight: w, mirror: 0 });
  }
  states.push({ weight: 100, mirror: 0 });
  return states;
}

describe('RolloutExecutor.flagger', () => {
  test('writes the target Deployment and a Canary, and none of the objects Flagger writes itself; all valid against their CRDs', () => {
    const { chart } = flagger();
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => `${m.kind} ${m.metadata.name}`)).toEqual([
      'Gateway httpbin-gateway', 'Telemetry httpbin-v2-access-logs', 'Deployment httpbin', 'Canary httpbin',
    ]);
    expectValidWithTemplates(manifests);
    expect(MeshAnalyzer.analyze(manifests).map(MeshAnalyzer.formatFinding)).toEqual([]);
    expect(manifests).toMatchSnapshot();
  });

  test('the Canary mirrors at the plan\'s percentage, then steps through its weights, on the Istio provider', () => {
    const { chart, stages } = flagger();
    const canary = find(Testing.synth(chart), 'Canary');
    expect(statesOfAnalysis(canary.spec.analysis)).toEqual(stages.slice(1).map(s => expectedState(s, chart.v2.version)));
    expect(canary.spec).toMatchObject({
      provider: 'istio',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'httpbin' },
      service: { name: chart.service.serviceName, port: 8000, portName: 'http', targetPort: 80, gateways: [chart.gateway.gatewayName], hosts: ['httpbin.example.com'] },
      analysis: { mirror: true, mirrorWeight: 100, stepWeights: [10], interval: '1m', threshold: 2 },
    });
    // Built-in checks: Flagger's own queries read reporter="destination" for the target workload, whose pods get the copies.
    expect(canary.spec.analysis.metrics).toEqual([
      { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
      { name: 'request-duration', thresholdRange: { max: 500 }, interval: '1m' },
    ]);
  });

  test('the target Deployment selects on app alone and carries the candidate\'s template (the stable one for a first installation)', () => {
    const deployment = find(Testing.synth(flagger().chart), 'Deployment');
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'httpbin' } });
    expect(deployment.spec.template.metadata.labels).toEqual({ app: 'httpbin', version: 'v2' });
    const { chart } = referenceRun(c => RolloutExecutor.flagger({ stable: c.v1, candidate: c.v2, revision: RolloutRevision.STABLE }),
      { plan: { mirrorPercents: [100] } });
    expect(find(Testing.synth(chart), 'Deployment').spec.template).toEqual(ApiObject.of(chart.v1.deployment).toJson().spec.template);
  });

  test('with the Gateway API: a Blue/Green run (mirror 100%, then promote) on the gatewayapi provider', () => {
    const { chart, stages } = referenceRun(c => RolloutExecutor.flagger({ stable: c.v1, candidate: c.v2 }),
      { api: MeshApi.GATEWAY_API, plan: { mirrorPercents: [100], canaryWeights: [] } });
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => `${m.kind} ${m.metadata.name}`)).toEqual([
      'Gateway httpbin-gateway', 'HTTPRoute httpbin-gateway-https-redirect', 'Telemetry httpbin-v2-access-logs', 'Deployment httpbin', 'Canary httpbin',
    ]);
    expectValidWithTemplates(manifests);
    const canary = find(manifests, 'Canary');
    expect(canary.spec.provider).toBe('gatewayapi:v1');
    expect(canary.spec.service).toMatchObject({ gatewayRefs: [{ name: 'httpbin-gateway' }], hosts: ['httpbin.example.com'], port: 8000 });
    expect(canary.spec.analysis).toMatchObject({ iterations: 5, mirror: true });
    expect(canary.spec.analysis.mirrorWeight).toBeUndefined();
    expect(statesOfAnalysis(canary.spec.analysis)).toEqual(stages.slice(1).map(s => expectedState(s, chart.v2.version)));
  });

  test('fails with the Gateway API when the plan mirrors and has canary stages: Flagger mirrors there only in Blue/Green runs', () => {
    const { chart } = referenceRun(c => RolloutExecutor.flagger({ stable: c.v1, candidate: c.v2 }),
      { api: MeshApi.GATEWAY_API, plan: { mirrorPercents: [100], canaryWeights: [10] } });
    expect(() => Testing.synth(chart)).toThrow(/stage 02-mirror-100: Flagger's Gateway API router mirrors only during Blue\/Green runs/);
  });

  test('fails with the Gateway API for a mirror below 100%, which its RequestMirror filter cannot express', () => {
    const { chart } = referenceRun(c => RolloutExecutor.flagger({ stable: c.v1, candidate: c.v2 }),
      { api: MeshApi.GATEWAY_API, plan: { mirrorPercents: [50], canaryWeights: [] } });
    expect(() => Testing.synth(chart)).toThrow(/stage 02-mirror-50: mirrors 50%, but Flagger's Gateway API router mirrors every request/);
  });

  test('fails for two mirror stages: Flagger mirrors in one stage', () => {
    const { chart } = flagger({ mirrorPercents: [10, 100], canaryWeights: [10] });
    expect(() => Testing.synth(chart)).toThrow(/stages 02-mirror-10, 03-mirror-100 all mirror, but Flagger mirrors in one stage/);
  });

  test('fails for a mirror after a canary stage, and for weights that do not increase', () => {
    const late = referenceRun(c => RolloutExecutor.flagger({ stable: c.v1, candidate: c.v2 }), {
      stages: c => [
        { name: 'route', destinations: [{ service: c.service, version: 'v1', weight: 100 }] },
        { name: 'canary-10', destinations: [{ service: c.service, version: 'v1', weight: 90 }, { service: c.service, version: 'v2', weight: 10 }] },
        { name: 'mirror', destinations: [{ service: c.service, version: 'v1', weight: 100 }], mirrors: [{ service: c.service, version: 'v2' }] },
        { name: 'promote', destinations: [{ service: c.service, version: 'v2', weight: 100 }] },
      ],
    });
    expect(() => Testing.synth(late.chart)).toThrow(/stage 03-mirror: mirrors after a stage that gives the candidate requests/);
    const down = flagger({ mirrorPercents: [100], canaryWeights: [20, 10] });
    expect(() => Testing.synth(down.chart)).toThrow(/stage 04-canary-10: the candidate's weight 10 does not increase \(previous 20\)/);
  });

  test('fails for a mirror of only some requests, and for a service with several ports', () => {
    const chart = new Chart(Testing.app(), 'c');
    const v1 = new HttpbinVersion(chart, 'v1', { version: 'v1' });
    const v2 = new HttpbinVersion(chart, 'v2', { version: 'v2' });
    const service = new MeshService(chart, 'httpbin', { ports: [{ name: 'http', port: 8000, targetPort: 80 }, { name: 'http-admin', port: 9000 }], versions: [v1, v2] });
    const route = new MirrorRoute(chart, 'route', {
      port: 8000, destination: { service, version: 'v1', port: 8000 }, mirror: { service, version: 'v2', port: 8000 }, mirrorSafeMethodsOnly: true,
    });
    new MirrorRolloutPlan(chart, 'plan', {
      route,
      stages: MirrorRolloutPlan.mirrorThenCanary({ stable: { service, version: 'v1', port: 8000 }, candidate: { service, version: 'v2', port: 8000 }, mirrorPercents: [100] }),
      executor: RolloutExecutor.flagger({ stable: v1, candidate: v2 }),
    });
    expect(() => Testing.synth(chart)).toThrow(/the route mirrors only some requests.*Flagger mirrors every request of its route/s);
    expect(() => Testing.synth(chart)).toThrow(/service httpbin has 2 ports, but Flagger writes the mirror without a port/);
  });

  test('the analysis options set the interval, the thresholds and the Blue/Green iterations', () => {
    const { chart } = referenceRun(c => RolloutExecutor.flagger({
      stable: c.v1, candidate: c.v2, failureThreshold: 3,
      analysis: { interval: Duration.seconds(30), measurements: 8, maxErrorPercent: 0.5, maxLatencyMillis: 250 },
    }), { plan: { mirrorPercents: [50], canaryWeights: [] } });
    expect(find(Testing.synth(chart), 'Canary').spec.analysis).toEqual({
      interval: '30s', threshold: 3, iterations: 8, mirror: true, mirrorWeight: 50,
      metrics: [
        { name: 'request-success-rate', thresholdRange: { min: 99.5 }, interval: '30s' },
        { name: 'request-duration', thresholdRange: { max: 250 }, interval: '30s' },
      ],
    });
  });

  test('fails eagerly for a wrong failure threshold', () => {
    const { chart } = flagger();
    expect(() => RolloutExecutor.flagger({ stable: chart.v1, candidate: chart.v2, failureThreshold: 0 }))
      .toThrow(/failureThreshold must be an integer of at least 1, got 0/);
  });
});
