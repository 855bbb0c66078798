import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { StringMatch } from '../../../src/core/request-match';
import { IstioGateway } from '../../../src/istio/istio-gateway';
import { MeshService } from '../../../src/services/mesh-service';
import { MirrorRoute } from '../../../src/istio/mirror-route';
import { MirrorRolloutPlan } from '../../../src/rollout/rollout-plan';
import { RolloutExecutor } from '../../../src/rollout/executors/rollout-executor';
import { RolloutRevision } from '../../../src/rollout/executors/shared';
import { MeshApi } from '../../../src/scenario/httpbin-mirror-chart';
import { HttpbinVersion } from '../../../src/workloads/httpbin-version';
import { expectedState, expectValidWithTemplates, referenceRun } from './support';

const argo = () => referenceRun(chart => RolloutExecutor.argoRollouts({ stable: chart.v1, candidate: chart.v2 }));
const find = (manifests: any[], kind: string) => manifests.find(m => m.kind === kind);

/**
 * What Argo Rollouts does with the steps, read from its docs (docs/features/canary.md, traffic-management/index.md):
 * setWeight and setMirrorRoute change the state; analysis and pause hold it; the end of the steps promotes. One state
 * per analysis or pause step, and the last state.
 */
function statesOfSteps(steps: any[]): Array<{ weight: number; mirror: number }> {
  const states: Array<{ weight: number; mirror: number }> = [];
  let weight = 0;
  let mirror = 0;
  for (const step of steps) {
    if (step.setWeight !== undefined) weight = step.setWeight;
    if (step.setMirrorRoute !== undefined) mirror = step.setMirrorRoute.match === undefined ? 0 : step.setMirrorRoute.percentage ?? 100;
    if (step.analysis !== undefined || step.pause !== undefined) states.push({ weight, mirror });
  }
  states.push({ weight, mirror });
  return states;
}

describe('RolloutExecutor.argoRollouts', () => {
  test('writes a Rollout and an AnalysisTemplate in place of the two Deployments; every object valid against its CRD', () => {
    const { chart } = argo();
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => `${m.kind} ${m.metadata.name}`)).toEqual([
      'Service httpbin', 'Gateway httpbin-gateway', 'Telemetry httpbin-v2-access-logs', 'VirtualService httpbin', 'DestinationRule httpbin',
      'AnalysisTemplate httpbin-mirror', 'Rollout httpbin',
    ]);
    expectValidWithTemplates(manifests);
    expect(MeshAnalyzer.analyze(manifests).map(MeshAnalyzer.formatFinding)).toEqual([]);
    expect(manifests).toMatchSnapshot();
  });

  test('the VirtualService has the weighted route Argo Rollouts names, to the stable and canary subsets, with explicit ports', () => {
    const { chart } = argo();
    const manifests = Testing.synth(chart);
    const vs = find(manifests, 'VirtualService');
    expect(vs.spec.gateways).toEqual([chart.gateway.gatewayName]);
    expect(vs.spec.http).toEqual([{
      name: 'primary',
      route: [
        { destination: { host: chart.service.serviceName, port: { number: 8000 }, subset: 'stable' }, weight: 100 },
        { destination: { host: chart.service.serviceName, port: { number: 8000 }, subset: 'canary' }, weight: 0 },
      ],
    }]);
    const dr = find(manifests, 'DestinationRule');
    // Argo Rollouts adds rollouts-pod-template-hash to these labels; no `version` label, which would not follow a promotion.
    expect(dr.spec.subsets).toEqual([{ name: 'stable', labels: { app: 'httpbin' } }, { name: 'canary', labels: { app: 'httpbin' } }]);
    const routing = find(manifests, 'Rollout').spec.strategy.canary.trafficRouting;
    expect(routing).toEqual({
      managedRoutes: [{ name: 'mirror' }],
      istio: {
        virtualService: { name: vs.metadata.name, routes: ['primary'] },
        destinationRule: { name: dr.metadata.name, canarySubsetName: 'canary', stableSubsetName: 'stable' },
      },
    });
  });

  test('the steps run the plan\'s stages: the same percentages, in the same order, to the candidate', () => {
    const { chart, stages } = argo();
    const steps = find(Testing.synth(chart), 'Rollout').spec.strategy.canary.steps;
    expect(statesOfSteps(steps)).toEqual(stages.slice(1).map(s => expectedState(s, chart.v2.version)));
    expect(steps).toEqual([
      { setCanaryScale: { replicas: 1 } },
      { setMirrorRoute: { name: 'mirror', percentage: 10, match: [{ path: { prefix: '/' } }] } },
      { analysis: { templates: [{ templateName: 'httpbin-mirror' }] } },
      { setMirrorRoute: { name: 'mirror', percentage: 100, match: [{ path: { prefix: '/' } }] } },
      { analysis: { templates: [{ templateName: 'httpbin-mirror' }] } },
      { setMirrorRoute: { name: 'mirror' } },
      { setWeight: 10 },
      { pause: { duration: '5m' } },
      { setWeight: 100 },
    ]);
  });

  test('the same holds for other plans', () => {
    const { chart, stages } = referenceRun(c => RolloutExecutor.argoRollouts({ stable: c.v1, candidate: c.v2, canaryPause: Duration.seconds(90) }),
      { plan: { mirrorPercents: [5, 50, 100], canaryWeights: [20, 50] } });
    const steps = find(Testing.synth(chart), 'Rollout').spec.strategy.canary.steps;
    expect(statesOfSteps(steps)).toEqual(stages.slice(1).map(s => expectedState(s, chart.v2.version)));
    expect(steps.filter((s: any) => s.pause)).toEqual([{ pause: { duration: '90s' } }, { pause: { duration: '90s' } }]);
  });

  test('the pod template is the candidate\'s by default, the stable version\'s for a first installation', () => {
    const candidate = find(Testing.synth(argo().chart), 'Rollout').spec.template;
    expect(candidate.metadata.labels).toEqual({ app: 'httpbin', version: 'v2' });
    const { chart } = referenceRun(c => RolloutExecutor.argoRollouts({ stable: c.v1, candidate: c.v2, revision: RolloutRevision.STABLE }));
    const rollout = find(Testing.synth(chart), 'Rollout');
    expect(rollout.spec.template).toEqual(ApiObject.of(chart.v1.deployment).toJson().spec.template);
    expect(rollout.spec.selector).toEqual({ matchLabels: { app: 'httpbin' } });
  });

  test('the analysis reads the mirrored version\'s own sidecars (reporter="destination") and fails when no copies arrive', () => {
    const template = find(Testing.synth(argo().chart), 'AnalysisTemplate');
    expect(template.spec.metrics.map((m: any) => m.name)).toEqual(['mirror-5xx-ratio', 'mirror-latency-p99']);
    for (const metric of template.spec.metrics) {
      expect(metric.provider.prometheus.query).toContain('reporter="destination"');
      expect(metric.provider.prometheus.query).toContain('destination_version="v2"');
      expect(metric.successCondition).toMatch(/^len\(result\) > 0 && result\[0\] <= /);
      expect(metric).toMatchObject({ interval: '1m', count: 5, failureLimit: 0 });
    }
  });

  test('mirror matches become setMirrorRoute matches', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const v1 = new HttpbinVersion(chart, 'v1', { version: 'v1' });
    const v2 = new HttpbinVersion(chart, 'v2', { version: 'v2' });
    const service = new MeshService(chart, 'httpbin', { port: 8000, versions: [v1, v2] });
    const gateway = new IstioGateway(chart, 'gw', { name: 'gw', hosts: ['httpbin.example.com'], credentialName: 'cred' });
    const route = new MirrorRoute(chart, 'route', {
      destination: { service, version: 'v1' }, mirror: { service, version: 'v2' }, gateways: [gateway],
      mirrorMatches: [{ uri: StringMatch.prefix('/api/'), headers: { 'x-mirror': StringMatch.exact('yes') } }],
    });
    new MirrorRolloutPlan(chart, 'plan', {
      route,
      stages: MirrorRolloutPlan.mirrorThenCanary({ stable: { service, version: 'v1' }, candidate: { service, version: 'v2' } }),
      executor: RolloutExecutor.argoRollouts({ stable: v1, candidate: v2 }),
    });
    const manifests = Testing.synth(chart);
    const mirror = find(manifests, 'Rollout').spec.strategy.canary.steps.find((s: any) => s.setMirrorRoute?.match).setMirrorRoute;
    expect(mirror.match).toEqual([{ path: { prefix: '/api/' }, headers: { 'x-mirror': { exact: 'yes' } } }]);
    expectValidWithTemplates(manifests);
  });

  test('fails when the route is an HTTPRoute: the Gateway API plugin does nothing on setMirrorRoute', () => {
    const { chart } = referenceRun(c => RolloutExecutor.argoRollouts({ stable: c.v1, candidate: c.v2 }), { api: MeshApi.GATEWAY_API });
    expect(() => Testing.synth(chart)).toThrow(/rollout-plan\/ArgoRollouts.*Gateway API plugin v0\.15\.0.*reports success on setMirrorRoute and changes nothing/s);
  });

  test('fails, naming the stage and the prop, for what Argo Rollouts cannot run', () => {
    const decimal = referenceRun(c => RolloutExecutor.argoRollouts({ stable: c.v1, candidate: c.v2 }), { plan: { mirrorPercents: [12.5] } });
    expect(() => Testing.synth(decimal.chart)).toThrow(/stage 02-mirror-12-5: mirrors\[0\]\.percent is 12\.5, but Argo Rollouts takes a whole percentage/);
    const elsewhere = referenceRun(c => RolloutExecutor.argoRollouts({ stable: c.v1, candidate: c.v2 }), {
      stages: c => [
        { name: 'route', destinations: [{ service: c.service, version: 'v1', weight: 100 }] },
        { name: 'mirror-v1', destinations: [{ service: c.service, version: 'v2', weight: 100 }], mirrors: [{ service: c.service, version: 'v1' }] },
      ],
    });
    expect(() => Testing.synth(elsewhere.chart)).toThrow(/stage 02-mirror-v1: mirrors\[0\] is httpbin version v1, but Argo Rollouts mirrors only to the candidate/);
    const noPromote = referenceRun(c => RolloutExecutor.argoRollouts({ stable: c.v1, candidate: c.v2 }), {
      stages: c => [
        { name: 'route', destinations: [{ service: c.service, version: 'v1', weight: 100 }] },
        { name: 'mirror', destinations: [{ service: c.service, version: 'v1', weight: 100 }], mirrors: [{ service: c.service, version: 'v2' }] },
      ],
    });
    expect(() => Testing.synth(noPromote.chart)).toThrow(/stage 02-mirror: Argo Rollouts promotes the candidate after its last step/);
  });

  test('fails when the route has a timeout, which Argo Rollouts\' mirror route would drop', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const v1 = new HttpbinVersion(chart, 'v1', { version: 'v1' });
    const v2 = new HttpbinVersion(chart, 'v2', { version: 'v2' });
    const service = new MeshService(chart, 'httpbin', { port: 8000, versions: [v1, v2] });
    const route = new MirrorRoute(chart, 'route', { destination: { service, version: 'v1' }, timeout: Duration.seconds(3) });
    new MirrorRolloutPlan(chart, 'plan', {
      route,
      stages: MirrorRolloutPlan.mirrorThenCanary({ stable: { service, version: 'v1' }, candidate: { service, version: 'v2' } }),
      executor: RolloutExecutor.argoRollouts({ stable: v1, candidate: v2 }),
    });
    expect(() => Testing.synth(chart)).toThrow(/the route sets timeout, which Argo Rollouts does not copy into the mirror route/);
  });

  test('fails eagerly for wrong options', () => {
    const { chart } = argo();
    expect(() => RolloutExecutor.argoRollouts({ stable: chart.v1, candidate: chart.v1 })).toThrow(/stable and candidate must be two versions/);
    expect(() => RolloutExecutor.argoRollouts({ stable: chart.v1, candidate: chart.v2, analysis: { maxErrorPercent: 150 } }))
      .toThrow(/analysis\.maxErrorPercent must be a number from 0 to below 100, got 150/);
    expect(() => RolloutExecutor.argoRollouts({ stable: chart.v1, candidate: chart.v2, canaryPause: Duration.millis(10) }))
      .toThrow(/canaryPause must be a whole number of seconds/);
    expect(() => RolloutExecutor.argoRollouts({ stable: chart.v1, candidate: chart.v2, prometheusAddress: 'prometheus:9090' }))
      .toThrow(/prometheusAddress must be an http\(s\) URL/);
  });

  test('the plan writes no folders: the Rollout runs the stages', () => {
    const { plan } = argo();
    expect(plan.synth('/nonexistent/never-written')).toEqual([]);
    expect(() => plan.stageManifests('01-route')).toThrow(/the stages are run by argo-rollouts, not written as folders/);
  });
});
