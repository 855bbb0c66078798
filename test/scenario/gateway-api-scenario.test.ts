import { Testing } from 'cdk8s';
import { MeshService } from '../../src/services/mesh-service';
import { MirrorRolloutPlan } from '../../src/rollout/rollout-plan';
import { HttpbinMirrorChart, MeshApi } from '../../src/scenario/httpbin-mirror-chart';
import { meshApiFromEnv } from '../../src/scenario/main';
import { expectValidManifests } from '../support/schema';

describe('the reference scenario with the Gateway API', () => {
  test('writes the Deployments, the Service and its version Services, the Gateway, the route, the redirect route and v2\'s access logging; no Istio networking objects', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror', { api: MeshApi.GATEWAY_API, mirrorPercent: 12.5 });
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Deployment/httpbin-v1', 'Deployment/httpbin-v2', 'Service/httpbin', 'Service/httpbin-v1', 'Service/httpbin-v2',
      'Gateway/httpbin-gateway', 'HTTPRoute/httpbin-gateway-https-redirect', 'HTTPRoute/httpbin', 'Telemetry/httpbin-v2-access-logs',
    ]);
    expect(manifests.filter(m => m.apiVersion.startsWith('networking.istio.io'))).toEqual([]);
    // Istio applies Telemetry to the sidecars whichever API routes to them: the same object as with the Istio API.
    const telemetry = manifests.find(m => m.kind === 'Telemetry');
    expect(telemetry).toEqual(Testing.synth(new HttpbinMirrorChart(Testing.app(), 'istio')).find(m => m.kind === 'Telemetry'));
    const v2 = manifests.find(m => m.kind === 'Deployment' && m.metadata.name === 'httpbin-v2');
    expect(telemetry.spec.selector.matchLabels).toEqual(v2.spec.selector.matchLabels);
    const route = manifests.find(m => m.metadata.name === 'httpbin' && m.kind === 'HTTPRoute');
    expect(route.spec.rules[0].filters[0].requestMirror.fraction).toEqual({ numerator: 125, denominator: 1000 });
    expect(chart.route.mirrorPercent).toBe(12.5);
    expectValidManifests(manifests);
  });

  test('every stage of the plan is complete and valid, and consecutive stages differ only in the HTTPRoute', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror', { api: MeshApi.GATEWAY_API });
    const plan = new MirrorRolloutPlan(chart, 'plan', {
      route: chart.route,
      stages: MirrorRolloutPlan.mirrorThenCanary({ stable: { service: chart.service, version: 'v1' }, candidate: { service: chart.service, version: 'v2' } }),
    });
    expect(plan.stageNames).toEqual(['01-route', '02-mirror-10', '03-mirror-100', '04-canary-10', '05-promote']);
    const stages = plan.stageNames.map(s => plan.stageManifests(s));
    stages.forEach(expectValidManifests);
    for (let i = 1; i < stages.length; i++) {
      const changed = stages[i].filter((m, j) => JSON.stringify(m) !== JSON.stringify(stages[i - 1][j])).map(m => `${m.kind}/${m.metadata.name}`);
      expect(changed).toEqual(['HTTPRoute/httpbin']);
    }
    const canary = stages[3].find(m => m.kind === 'HTTPRoute' && m.metadata.name === 'httpbin');
    expect(canary.spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight])).toEqual([['httpbin-v1', 90], ['httpbin-v2', 10]]);
  });

  test('MIRROR_API: unset or istio is the Istio API, gateway-api the Gateway API', () => {
    expect([undefined, '', 'istio', 'gateway-api'].map(meshApiFromEnv)).toEqual([MeshApi.ISTIO, MeshApi.ISTIO, MeshApi.ISTIO, MeshApi.GATEWAY_API]);
  });

  test('fails when MIRROR_API is anything else', () => {
    expect(() => meshApiFromEnv('gateway')).toThrow(/^MIRROR_API must be one of istio, gateway-api \(or unset for istio\), got "gateway"$/);
  });

  test('fails when a version Service name clashes with another object of the app', () => {
    const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror', { api: MeshApi.GATEWAY_API });
    new MeshService(chart, 'other', { app: 'other', name: 'httpbin-v1', port: 80 });
    expect(() => Testing.synth(chart)).toThrow(/the Service of version v1 is named httpbin-v1 \(<service>-<version>\), but httpbin-mirror\/other also defines/);
  });

  test('fails when a version Service name is longer than 63 characters', () => {
    const chart = Testing.chart();
    expect(() => new MeshService(chart, 's', { app: 'a'.repeat(60), port: 80, versionServices: true, versions: [{ app: 'a'.repeat(60), version: 'v10', podLabels: {}, definedElsewhere: false }] }))
      .toThrow(/the Service of version "v10" would be named "a{60}-v10" \(<service>-<version>\), which is not a Service name/);
  });
});
