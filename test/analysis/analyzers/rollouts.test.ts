/**
 * Tests of src/analysis/analyzers/rollouts.ts: Argo Rollouts' Rollout and Flagger's Canary whose references do not resolve.
 * The valid inputs are the rollout executors' own output for the reference scenario; each test breaks one reference and
 * cites the controller's Go function the check follows (Argo Rollouts v1.9.1, Flagger v1.44.0).
 */
import { Testing } from 'cdk8s';
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { RolloutExecutor } from '../../../src/rollout/executors/rollout-executor';
import { MeshApi } from '../../../src/scenario/httpbin-mirror-chart';
import { referenceRun } from '../../rollout/executors/support';

const argoOutput = () => Testing.synth(referenceRun(c => RolloutExecutor.argoRollouts({ stable: c.v1, candidate: c.v2 })).chart);
const flaggerOutput = (api?: MeshApi) => Testing.synth(referenceRun(c => RolloutExecutor.flagger({ stable: c.v1, candidate: c.v2 }),
  { api, plan: { mirrorPercents: [100], canaryWeights: api === MeshApi.GATEWAY_API ? [] : [10] } }).chart);
const find = (manifests: any[], kind: string) => manifests.find(m => m.kind === kind);
const findings = (manifests: any[]) => MeshAnalyzer.analyze(manifests).map(f => `${f.code} ${f.level} ${f.kind} ${f.namespace}/${f.name}: ${f.message}`);
const steps = (manifests: any[]) => find(manifests, 'Rollout').spec.strategy.canary.steps;
const routing = (manifests: any[]) => find(manifests, 'Rollout').spec.strategy.canary.trafficRouting;

describe('Rollout (Argo Rollouts)', () => {
  test('the Argo Rollouts executor\'s output has no finding', () => {
    expect(findings(argoOutput())).toEqual([]);
  });

  test('TM0300 for a VirtualService that is not in the input', () => {
    const m = argoOutput();
    routing(m).istio.virtualService.name = 'other';
    expect(findings(m)).toEqual([expect.stringMatching(/^TM0300 Error Rollout default\/httpbin: .*virtualService other is not a VirtualService/)]);
  });

  test('TM0300 for a route name the VirtualService does not have (istio.go getHttpRouteIndexesToPatch)', () => {
    const m = argoOutput();
    routing(m).istio.virtualService.routes = ['web'];
    expect(findings(m)).toEqual([expect.stringMatching(/^TM0300 .*routes names web, which is not an HTTP route of the VirtualService default\/httpbin \(its routes: primary\)/)]);
  });

  test('TM0300 for a weighted route without the canary subset (istio.go validateVirtualServiceRouteDestinations)', () => {
    const m = argoOutput();
    find(m, 'VirtualService').spec.http[0].route.pop();
    expect(findings(m)).toEqual([expect.stringMatching(/^TM0300 .*has no destination to the subset canary/)]);
  });

  test('TM0300 without routes while the VirtualService has two unmanaged routes (istio.go ValidateHTTPRoutes)', () => {
    const m = argoOutput();
    delete routing(m).istio.virtualService.routes;
    const vs = find(m, 'VirtualService');
    vs.spec.http = [{ ...vs.spec.http[0], name: 'api', match: [{ uri: { prefix: '/api' } }] }, vs.spec.http[0]];
    expect(findings(m)).toContainEqual(expect.stringMatching(/^TM0300 .*which has 2 unmanaged HTTP routes/));
  });

  test('TM0301 for a DestinationRule subset that is not defined', () => {
    const m = argoOutput();
    routing(m).istio.destinationRule.canarySubsetName = 'preview';
    expect(findings(m)).toContainEqual(expect.stringMatching(/^TM0301 .*destinationRule\.canarySubsetName preview is not a subset .*\(its subsets: stable, canary\)/));
  });

  test('TM0302 for an analysis step whose AnalysisTemplate is not in the input', () => {
    const m = argoOutput().filter(x => x.kind !== 'AnalysisTemplate');
    expect(findings(m)).toEqual([
      expect.stringMatching(/^TM0302 .*steps\[2\]\.analysis\.templates\[0\] names the AnalysisTemplate httpbin-mirror/),
      expect.stringMatching(/^TM0302 .*steps\[4\]\.analysis\.templates\[0\] names the AnalysisTemplate httpbin-mirror/),
    ]);
  });

  test('TM0303 for a setMirrorRoute name that is not a managed route (validation.go ValidateStepRouteFoundInManagedRoute)', () => {
    const m = argoOutput();
    routing(m).managedRoutes = [{ name: 'shadow' }];
    expect(findings(m)).toContainEqual(expect.stringMatching(/^TM0303 .*steps\[1\]\.setMirrorRoute names the route mirror, which is not in trafficRouting\.managedRoutes \(shadow\)/));
  });

  test('TM0303 for setMirrorRoute without managedRoutes (validation.go ValidateRolloutStrategyCanary)', () => {
    const m = argoOutput();
    delete routing(m).managedRoutes;
    expect(findings(m)).toContainEqual(expect.stringMatching(/^TM0303 .*steps\[1\]\.setMirrorRoute needs spec\.strategy\.canary\.trafficRouting\.managedRoutes/));
  });

  test('TM0303 for a weighted route that is also managed: setMirrorRoute would remove it (istio.go reconcileVirtualServiceMirrorRoutes)', () => {
    const m = argoOutput();
    routing(m).managedRoutes = [{ name: 'mirror' }, { name: 'primary' }];
    expect(findings(m)).toContainEqual(expect.stringMatching(/^TM0303 .*weighted route primary is also a managed route/));
  });

  test('TM0303 for managed routes listed after the routes they precede (istio.go orderRoutes, getOrderedVirtualServiceRoutes)', () => {
    const m = argoOutput();
    const vs = find(m, 'VirtualService');
    vs.spec.http.push({ name: 'mirror', match: [{ uri: { prefix: '/' } }], route: vs.spec.http[0].route });
    expect(findings(m)).toContainEqual(expect.stringMatching(/^TM0303 .*lists the managed routes mirror out of place/));
    vs.spec.http.unshift(vs.spec.http.pop());
    expect(findings(m).filter(f => f.startsWith('TM0303'))).toEqual([]);
  });

  test('TM0304 for a step with two types (validation.go hasMultipleStepsType) and a match with two styles (hasMultipleMatchValues)', () => {
    const m = argoOutput();
    steps(m)[6] = { setWeight: 10, pause: {} };
    steps(m)[1].setMirrorRoute.match = [{ path: { prefix: '/', exact: '/x' } }];
    expect(findings(m)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^TM0304 .*steps\[6\] has 2 step types \(setWeight, pause\)/),
      expect.stringMatching(/^TM0304 .*steps\[1\]\.setMirrorRoute\.match\[0\]\.path sets exact and prefix/),
    ]));
  });

  test('TM0304 for setWeight above 100 (validation.go InvalidSetWeightMessage)', () => {
    const m = argoOutput();
    steps(m)[6] = { setWeight: 110 };
    expect(findings(m)).toContainEqual(expect.stringMatching(/^TM0304 .*steps\[6\]\.setWeight is 110/));
  });

  test('TM0305 for a weighted destination port the Service does not have', () => {
    const m = argoOutput();
    for (const r of find(m, 'VirtualService').spec.http[0].route) r.destination.port.number = 9000;
    expect(findings(m)).toContainEqual(expect.stringMatching(/^TM0305 .*sends to port 9000, which the Service default\/httpbin does not have \(its ports: 8000\)/));
  });

  test('TM0306 for mirror steps while the weighted route has no port (argo-rollouts#4481)', () => {
    const m = argoOutput();
    for (const r of find(m, 'VirtualService').spec.http[0].route) delete r.destination.port;
    expect(findings(m)).toContainEqual(expect.stringMatching(/^TM0306 Warning Rollout .*gives its first destination no port/));
  });

  test('a Rollout is a workload: its pod template satisfies the DestinationRule subsets (no IST0173)', () => {
    const m = argoOutput();
    find(m, 'Rollout').spec.template.metadata.labels = { app: 'other' };
    expect(findings(m)).toContainEqual(expect.stringMatching(/^IST0173 .*DestinationRule default\/httpbin: The Subset stable/));
  });
});

describe('Canary (Flagger)', () => {
  test('the Flagger executor\'s output has no finding, with the Istio API and the Gateway API', () => {
    expect(findings(flaggerOutput())).toEqual([]);
    expect(findings(flaggerOutput(MeshApi.GATEWAY_API))).toEqual([]);
  });

  test('TM0310 for a target Deployment that is not in the input', () => {
    const m = flaggerOutput();
    find(m, 'Canary').spec.targetRef.name = 'httpbin-v3';
    expect(findings(m)).toEqual([expect.stringMatching(/^TM0310 Error Canary default\/httpbin: The Canary's targetRef Deployment httpbin-v3 is not in namespace default/)]);
  });

  test('TM0311 for the Service, VirtualService or DestinationRule Flagger writes itself (kubernetes_default.go, istio.go)', () => {
    const m = flaggerOutput();
    m.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin' }, spec: { selector: { app: 'httpbin' }, ports: [{ name: 'http', port: 8000 }] } });
    m.push({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'httpbin-canary' }, spec: { host: 'httpbin' } });
    expect(findings(m).filter(f => f.startsWith('TM0311'))).toEqual([
      expect.stringMatching(/^TM0311 .*The DestinationRule default\/httpbin-canary is in the input, but the Canary makes Flagger write and reconcile it/),
      expect.stringMatching(/^TM0311 .*The Service default\/httpbin is in the input/),
    ]);
  });

  test('TM0312 for a MetricTemplate that is not in the input, and for an unknown metric without query', () => {
    const m = flaggerOutput();
    find(m, 'Canary').spec.analysis.metrics.push({ name: 'mirror-errors', templateRef: { name: 'mirror-errors' } }, { name: 'error-rate' });
    expect(findings(m)).toEqual([
      expect.stringMatching(/^TM0312 .*metrics\[2\] names the MetricTemplate default\/mirror-errors/),
      expect.stringMatching(/^TM0312 .*metrics\[3\] error-rate is neither a built-in metric/),
    ]);
  });

  test('TM0313 for a gateway that is not in the input', () => {
    const m = flaggerOutput();
    find(m, 'Canary').spec.service.gateways = ['mesh', 'public-gateway'];
    expect(findings(m)).toEqual([expect.stringMatching(/^TM0313 .*service\.gateways\[1\] public-gateway is not a Gateway of the input/)]);
    const g = flaggerOutput(MeshApi.GATEWAY_API);
    find(g, 'Canary').spec.service.gatewayRefs = [{ name: 'other' }];
    expect(findings(g)).toEqual([expect.stringMatching(/^TM0313 .*service\.gatewayRefs\[0\] default\/other is not a Gateway of the input/)]);
  });
});
