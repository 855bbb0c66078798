import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, JsonPatch, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { IMeshService } from '../../src/core/references';
import { HttpbinMirrorChart } from '../../src/scenario/httpbin-mirror-chart';
import { HttpbinVersion } from '../../src/workloads/httpbin-version';
import { StringMatch } from '../../src/core/request-match';
import { MeshService } from '../../src/services/mesh-service';
import { IstioGateway } from '../../src/istio/istio-gateway';
import { MirrorRoute } from '../../src/istio/mirror-route';
import { DEFINED_ELSEWHERE_ANNOTATION } from '../../src/core/defined-elsewhere';
import { MirrorRolloutPlan, RolloutStage } from '../../src/rollout/rollout-plan';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';
import { MeshAnalysisValidation } from '../../src/cli/validation-plugin';
import { ROLLOUT_STAGE_MARKER } from '../../src/core/rules/rollout-stage';

function referencePlan(stages?: RolloutStage[]): { chart: HttpbinMirrorChart; plan: MirrorRolloutPlan } {
  const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror');
  const plan = new MirrorRolloutPlan(chart, 'plan', {
    route: chart.route,
    stages: stages ?? MirrorRolloutPlan.mirrorThenCanary({
      stable: { service: chart.service, version: chart.v1.version },
      candidate: { service: chart.service, version: chart.v2.version },
    }),
  });
  return { chart, plan };
}

const withoutVirtualServices = (manifests: any[]) => manifests.filter(m => m.kind !== 'VirtualService');
const virtualService = (manifests: any[]) => manifests.find(m => m.kind === 'VirtualService');

describe('MirrorRolloutPlan', () => {
  test('mirrorThenCanary names the usual stages', () => {
    const { plan } = referencePlan();
    expect(plan.stageNames).toEqual(['01-route', '02-mirror-10', '03-mirror-100', '04-canary-10', '05-promote']);
  });

  test('each stage differs from the previous one only in the VirtualService', () => {
    const { plan } = referencePlan();
    const stages = plan.stageNames.map(s => plan.stageManifests(s));
    for (let i = 1; i < stages.length; i++) {
      expect(withoutVirtualServices(stages[i])).toEqual(withoutVirtualServices(stages[i - 1]));
      expect(virtualService(stages[i])).not.toEqual(virtualService(stages[i - 1]));
      expect(stages[i].map(m => m.kind)).toEqual(stages[0].map(m => m.kind));
    }
  });

  test('each stage is a complete, schema-valid state', () => {
    const { chart, plan } = referencePlan();
    const base = Testing.synth(chart);
    for (const stage of plan.stageNames) {
      const manifests = plan.stageManifests(stage);
      expect(manifests).toHaveLength(base.length);
      expectValidManifests(manifests);
    }
    expect(plan.stageNames.map(s => virtualService(plan.stageManifests(s)).spec.http)).toMatchSnapshot();
  });

  test('stages route, mirror, split and promote as named', () => {
    const { chart, plan } = referencePlan();
    const rule = (stage: string) => virtualService(plan.stageManifests(stage)).spec.http[0];
    const weights = (stage: string) => rule(stage).route.map((r: any) => [r.destination.subset, r.weight]);
    const v1 = chart.v1.version;
    const v2 = chart.v2.version;
    expect(Object.keys(rule('route'))).toEqual(['route']);
    expect(weights('route')).toEqual([[v1, 100]]);
    expect(rule('mirror-10').mirror.subset).toBe(v2);
    expect(rule('mirror-10').mirrorPercentage).toEqual({ value: 10 });
    expect(rule('mirror-100').mirrorPercentage).toEqual({ value: 100 });
    expect(weights('canary-10')).toEqual([[v1, 90], [v2, 10]]);
    expect(rule('canary-10').mirror).toBeUndefined();
    expect(weights('promote')).toEqual([[v2, 100]]);
  });

  test('the stage at 100% mirroring equals the chart itself (mirrorPercent 100)', () => {
    const { chart, plan } = referencePlan();
    expect(plan.stageManifests('03-mirror-100')).toEqual(Testing.synth(chart));
  });

  test('the plan adds nothing to the chart', () => {
    const { chart } = referencePlan();
    const plain = Testing.synth(new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror'));
    expect(Testing.synth(chart)).toEqual(plain);
  });

  test('synth writes one folder per stage', () => {
    const { plan } = referencePlan();
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-'));
    fs.mkdirSync(path.join(outdir, '01-route'));
    fs.writeFileSync(path.join(outdir, '01-route', 'stale.k8s.yaml'), 'stale');
    const files = plan.synth(outdir);
    expect(files.map(f => path.relative(outdir, f))).toEqual(plan.stageNames.map(s => path.join(s, 'httpbin-mirror.k8s.yaml')));
    expect(fs.readdirSync(path.join(outdir, '01-route')).sort()).toEqual([ROLLOUT_STAGE_MARKER, 'httpbin-mirror.k8s.yaml']);
    expect(fs.readFileSync(path.join(outdir, '01-route', ROLLOUT_STAGE_MARKER), 'utf-8')).toContain('Stage 01-route of a MirrorRolloutPlan');
    expect(fs.readFileSync(files[1], 'utf-8')).toContain('mirrorPercentage');
  });

  test('the stage folders inside the app\'s outdir are analyzed on their own by the validation plugin, without perDirectory', async () => {
    // What the README's validation block and rollout plan example do: app.synth() into dist/, plan.synth('dist/plan').
    const { chart, plan } = referencePlan();
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-in-dist-'));
    fs.writeFileSync(path.join(outdir, 'httpbin-mirror.k8s.yaml'), Testing.synth(chart).map(m => JSON.stringify(m)).join('\n---\n'));
    const stageFiles = plan.synth(path.join(outdir, 'plan'));
    const manifests = [path.join(outdir, 'httpbin-mirror.k8s.yaml'), ...stageFiles];
    const validate = async () => {
      const logs: string[] = [];
      const submitted: any[] = [];
      await new MeshAnalysisValidation().validate({
        manifests,
        report: { addViolation: () => undefined, submit: (status: string, metadata: any) => submitted.push({ status, metadata }) },
        logger: { log: (m: string) => logs.push(m) },
      } as any);
      return { logs, submitted };
    };
    const marked = await validate();
    expect(marked.logs.filter(l => l.startsWith('TM0006'))).toEqual([]);
    expect(marked.submitted).toEqual([{ status: 'success', metadata: expect.objectContaining({ Errors: '0', Warnings: '0' }) }]);
    // Every object of all six files is still analyzed (one set for dist/, one per stage).
    const perFile = manifests.map(f => fs.readFileSync(f, 'utf-8').split('\n---\n').filter(d => d.trim() !== '').length);
    expect(Number(marked.submitted[0].metadata.Objects)).toBe(perFile.reduce((a, b) => a + b, 0));

    // Without the markers the same files are one set, in which every object is defined six times.
    for (const f of stageFiles) fs.rmSync(path.join(path.dirname(f), ROLLOUT_STAGE_MARKER));
    const unmarked = await validate();
    expect(unmarked.logs.filter(l => l.startsWith('TM0006')).length).toBeGreaterThan(0);
  });

  test('stages keep the route settings: matches, timeout, hosts and gateways', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'c');
    // A host of its own: a second route for the chart route's host on its gateway would be TM0007 (Istio merges them).
    const apiGateway = new IstioGateway(chart, 'api-gateway', { name: 'api-gateway', hosts: ['api.example.com'], credentialName: 'api-credential' });
    const route = new MirrorRoute(chart, 'api-route', {
      name: 'httpbin-api',
      destination: { service: chart.service, version: 'v1' },
      mirror: { service: chart.service, version: 'v2' },
      mirrorMatches: [{ uri: StringMatch.prefix('/api/') }],
      gateways: [apiGateway],
      hosts: ['api.example.com'],
    });
    const plan = new MirrorRolloutPlan(chart, 'plan', {
      route,
      stages: [
        { name: 'route' },
        { name: 'mirror', mirrors: [{ service: chart.service, version: 'v2', percent: 20 }] },
      ],
    });
    const find = (stage: string) => plan.stageManifests(stage).find(m => m.kind === 'VirtualService' && m.metadata.name === route.routeName);
    expect(find('route').spec.http).toHaveLength(1);
    expect(find('route').spec.http[0].match).toBeUndefined();
    expect(find('mirror').spec.http.map((r: any) => r.name)).toEqual(['mirrored', 'default']);
    expect(find('mirror').spec.http[0].match).toEqual([{ uri: { prefix: '/api/' } }]);
    expect(find('mirror').spec.gateways).toEqual([apiGateway.gatewayName]);
    // the other route of the chart is unchanged in every stage
    const other = (stage: string) => plan.stageManifests(stage).find(m => m.kind === 'VirtualService' && m.metadata.name === chart.route.routeName);
    expect(other('route')).toEqual(other('mirror'));
  });

  test('fails when a stage mirrors to a weighted destination', () => {
    // Stage errors read `<plan path>: stage <NN-name>: <message>`, without the route's path.
    expect(() => referencePlan([{ name: 'bad', destinations: [] }]))
      .toThrow(/^httpbin-mirror\/plan: stage 01-bad: destinations must list at least one weighted target whose weights add up to 100$/);
    const chart = new HttpbinMirrorChart(Testing.app(), 'c');
    expect(() => new MirrorRolloutPlan(chart, 'plan', {
      route: chart.route,
      stages: [{ name: 'bad', mirrors: [{ service: chart.service, version: 'v1' }] }],
    })).toThrow(/^c\/plan: stage 01-bad: mirrors\[0\] is the same as the destination \(httpbin version v1\): every request would reach that version twice/);
  });

  test('fails when a stage uses an undefined version (at app.synth(), with every construct, before anything is written)', () => {
    const { chart } = referencePlan();
    const app = chart.node.root as App;
    const plan = new MirrorRolloutPlan(chart, 'plan2', {
      route: chart.route,
      stages: [{ name: 'v3', destinations: [{ service: chart.service, version: 'v3', weight: 100 }] }],
    });
    const message = '[httpbin-mirror/plan2] stage 01-v3: destination version "v3" is not defined for service httpbin (its versions: v1, v2): '
      + 'add a version "v3" to the service or pick one of its versions';
    expect(() => app.synth()).toThrow(message);
    expect(fs.readdirSync(app.outdir)).toEqual([]);
    expect(() => plan.stageManifests('v3')).toThrow(message);
    // the stage is checked against the versions the service has when the stage is written
    chart.service.addVersion(new HttpbinVersion(chart, 'httpbin-v3', { version: 'v3' }));
    expect(virtualService(plan.stageManifests('v3')).spec.http[0].route[0].destination.subset).toBe('v3');
  });

  test('fails when the weights of a stage do not add up to 100', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'c');
    expect(() => new MirrorRolloutPlan(chart, 'plan', {
      route: chart.route,
      stages: [{ name: 'split', destinations: [{ service: chart.service, version: 'v1', weight: 50 }, { service: chart.service, version: 'v2', weight: 40 }] }],
    })).toThrow(/^c\/plan: stage 01-split: the weights of destinations add up to 90 \(50 \+ 40\), not 100/);
  });

  test('fails when a stage mirror percent is out of range', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'c');
    expect(() => new MirrorRolloutPlan(chart, 'plan', {
      route: chart.route,
      stages: [{ name: 'm', mirrors: [{ service: chart.service, version: 'v2', percent: 150 }] }],
    })).toThrow(/^c\/plan: stage 01-m: mirrors\[0\].percent must be a number between 0 and 100 \(a percentage of requests\), got 150$/);
  });

  test('stages are rendered through the route\'s own object: its labels and patches are in every stage, nothing is added to the app', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror');
    // The chart's route is a MirrorRouteBase (either API); the Istio chart's is a MirrorRoute.
    const vs = (chart.route as MirrorRoute).virtualService;
    vs.metadata.addLabel('team', 'web');
    ApiObject.of(vs).addJsonPatch(JsonPatch.add('/spec/exportTo', ['.']));
    const plan = new MirrorRolloutPlan(chart, 'plan', {
      route: chart.route,
      stages: MirrorRolloutPlan.mirrorThenCanary({ stable: { service: chart.service, version: 'v1' }, candidate: { service: chart.service, version: 'v2' } }),
    });
    const constructs = chart.node.root.node.findAll().length;
    for (const stage of plan.stageNames) {
      const vs = virtualService(plan.stageManifests(stage));
      expect(vs.metadata).toEqual({ name: 'httpbin', labels: { team: 'web' } });
      expect(vs.spec.exportTo).toEqual(['.']);
    }
    expect(chart.node.root.node.findAll()).toHaveLength(constructs);
    // the route's own synthesis is unchanged by the stages written before it
    expect(virtualService(Testing.synth(chart)).spec.http[0].mirrorPercentage).toEqual({ value: 100 });
  });

  test('a stage that refers to an imported service declares it, the other stages and the chart do not', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'c');
    const shadow = MeshService.fromServiceAttributes(chart, 'shadow', { name: 'httpbin-shadow', namespace: 'shadow', ports: [8000], versions: ['v2'] });
    const plan = new MirrorRolloutPlan(chart, 'plan', {
      route: chart.route,
      stages: [{ name: 'route' }, { name: 'shadow', mirrors: [{ service: shadow, version: 'v2', percent: 10 }] }],
    });
    const shadowStage = virtualService(plan.stageManifests('shadow'));
    expect(JSON.parse(shadowStage.metadata.annotations[DEFINED_ELSEWHERE_ANNOTATION]))
      .toEqual([{ kind: 'Service', namespace: 'shadow', name: 'httpbin-shadow', ports: [8000], subsets: ['v2'] }]);
    expect(shadowStage.spec.http[0].mirror).toEqual({ host: 'httpbin-shadow.shadow.svc.cluster.local', subset: 'v2', port: { number: 8000 } });
    expect(virtualService(plan.stageManifests('route')).metadata.annotations).toBeUndefined();
    expect(virtualService(Testing.synth(chart)).metadata.annotations).toBeUndefined();
  });

  test('a stage that targets a user\'s own IMeshService is checked afresh when that service changes (issue 14 §3)', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'c');
    const versionNames = ['v1'];
    const own = Object.assign(new Construct(chart, 'own'), { serviceName: 'own', portNumbers: [80], definedElsewhere: true }) as unknown as IMeshService;
    // A live getter, as a user's class would have: the library is not told when it changes.
    Object.defineProperty(own, 'versionNames', { get: () => [...versionNames] });
    new MirrorRolloutPlan(chart, 'plan', { route: chart.route, stages: [{ name: 'shadow', mirrors: [{ service: own, version: 'v2', percent: 10 }] }] });
    expect(() => Testing.synth(chart)).toThrow(/stage 01-shadow: mirror version "v2" is not defined for service own \(its versions: v1\)/);
    versionNames.push('v2');
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  test('fails when there are no stages', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'c');
    expect(() => new MirrorRolloutPlan(chart, 'plan', { route: chart.route, stages: [] })).toThrow(/stages must list at least one stage/);
  });

  test('fails when a stage name is used twice or is not a DNS label', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'c');
    expect(() => new MirrorRolloutPlan(chart, 'p1', { route: chart.route, stages: [{ name: 'a' }, { name: 'a' }] })).toThrow(/stage name "a" is used twice/);
    expect(() => new MirrorRolloutPlan(chart, 'p2', { route: chart.route, stages: [{ name: 'Mirror 10' }] })).toThrow(/stages\[0\].name must be a DNS label/);
  });

  test('fails when an unknown stage is asked for', () => {
    const { plan } = referencePlan();
    expect(() => plan.stageManifests('06-rollback')).toThrow(/no stage "06-rollback": the stages are 01-route/);
  });

  test('fails when mirrorThenCanary gets bad percentages or weights', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'c');
    const stable = { service: chart.service, version: 'v1' };
    const candidate = { service: chart.service, version: 'v2' };
    expect(() => MirrorRolloutPlan.mirrorThenCanary({ stable, candidate, mirrorPercents: [0] })).toThrow(/mirrorPercents must be numbers above 0/);
    expect(() => MirrorRolloutPlan.mirrorThenCanary({ stable, candidate, canaryWeights: [100] })).toThrow(/canaryWeights must be integers from 1 to 99/);
    expect(MirrorRolloutPlan.mirrorThenCanary({ stable, candidate, mirrorPercents: [0.5], canaryWeights: [25, 50] }).map(s => s.name))
      .toEqual(['route', 'mirror-0-5', 'canary-25', 'canary-50', 'promote']);
  });

  test('a stage is checked with its own mirrors: one that mirrors, of a route declared with safe methods but no mirror, has no problem', () => {
    const chart = Testing.chart();
    const versions = ['v1', 'v2'].map(v => new ServiceVersion(chart, `httpbin-${v}`, { app: 'httpbin', version: v, image: 'example/httpbin' }));
    const service = new MeshService(chart, 'httpbin', { port: 8000, versions });
    const route = new MirrorRoute(chart, 'route', { destination: { service, version: 'v1' }, mirrorSafeMethodsOnly: true });
    const mirroring = route._renderStage(undefined, [{ service, version: 'v2', percent: 10 }]);
    expect(mirroring.problems).toEqual([]);
    expect(mirroring.manifest.spec.http.map((r: any) => [r.name, r.match?.[0]?.method])).toEqual([
      ['mirrored', { regex: '^(GET|HEAD|OPTIONS)$' }], ['default', undefined],
    ]);
    // The route itself mirrors nothing, which its own check (and a stage without mirrors) reports.
    expect(route._renderStage(undefined, []).problems).toEqual([expect.stringMatching(/^mirrorSafeMethodsOnly is set but the route has no mirror/)]);
    expect(() => Testing.synth(chart)).toThrow(/mirrorSafeMethodsOnly is set but the route has no mirror/);
  });
});

describe('MirrorRolloutPlan: stage order, checked at app.synth() (issue 14)', () => {
  const target = (chart: HttpbinMirrorChart, version: string) => ({ service: chart.service, version });

  test.each([
    ['a mirror percentage that goes down', (c: HttpbinMirrorChart) => [
      { name: 'mirror-50', destinations: [{ ...target(c, 'v1'), weight: 100 }], mirrors: [{ ...target(c, 'v2'), percent: 50 }] },
      { name: 'mirror-10', destinations: [{ ...target(c, 'v1'), weight: 100 }], mirrors: [{ ...target(c, 'v2'), percent: 10 }] },
    ], 'stage 02-mirror-10 mirrors 10% to httpbin version v2, less than the 50% of stage 01-mirror-50: mirror percentages go up'],
    ['a canary weight that goes down', (c: HttpbinMirrorChart) => [
      { name: 'canary-50', destinations: [{ ...target(c, 'v1'), weight: 50 }, { ...target(c, 'v2'), weight: 50 }] },
      { name: 'canary-10', destinations: [{ ...target(c, 'v1'), weight: 90 }, { ...target(c, 'v2'), weight: 10 }] },
    ], 'stage 02-canary-10 gives httpbin version v2 weight 10, less than the 50 of stage 01-canary-50: canary weights go up'],
    ['a promote before its mirror stage', (c: HttpbinMirrorChart) => [
      { name: 'route', destinations: [{ ...target(c, 'v1'), weight: 100 }] },
      { name: 'canary', destinations: [{ ...target(c, 'v1'), weight: 90 }, { ...target(c, 'v2'), weight: 10 }] },
      { name: 'mirror', destinations: [{ ...target(c, 'v1'), weight: 100 }], mirrors: [{ ...target(c, 'v2'), percent: 100 }] },
    ], 'stage 03-mirror mirrors to httpbin version v2, which already serves 10% of the requests in stage 02-canary: mirror a version before it gets real traffic'],
  ])('fails for %s, naming the stages', (_what, stages, message) => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror');
    new MirrorRolloutPlan(chart, 'plan', { route: chart.route, stages: stages(chart) });
    expect(() => Testing.synth(chart)).toThrow(`[httpbin-mirror/plan] ${message}`);
  });

  test('a stage sending real traffic to a version without pods fails at synth, naming the stage', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror');
    chart.service.addVersion(new HttpbinVersion(chart, 'httpbin-v3', { version: 'v3', replicas: 0 }));
    new MirrorRolloutPlan(chart, 'plan', { route: chart.route, stages: MirrorRolloutPlan.mirrorThenCanary({ stable: target(chart, 'v1'), candidate: target(chart, 'v3') }) });
    expect(() => Testing.synth(chart)).toThrow('[httpbin-mirror/plan] stage 02-mirror-10: mirror httpbin version v3 has no pods (0 replicas)');
    expect(() => Testing.synth(chart)).toThrow('[httpbin-mirror/plan] stage 05-promote: destination httpbin version v3 has no pods (0 replicas): every request');
  });

  test('the reference plan (mirrorThenCanary) passes the order checks', () => {
    const { chart } = referencePlan();
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});
