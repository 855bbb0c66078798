import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, Yaml } from 'cdk8s';
import { HttpbinMirrorChart } from '../../src/scenario/httpbin-mirror-chart';
import { executorFromEnv, mirrorPercentFromEnv, revisionFromEnv, synthReferenceScenario } from '../../src/scenario/main';
import { MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { expectValidManifests } from '../support/schema';

function synth(mirrorPercent?: string, meshApi?: string, executor?: string, revision?: string): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'main-'));
  synthReferenceScenario(mirrorPercent, outdir, meshApi, executor, revision);
  return outdir;
}

const read = (file: string) => fs.readFileSync(file, 'utf-8');

describe('main', () => {
  test('writes the reference scenario and its plan, one folder per stage', () => {
    const outdir = synth();
    expect(fs.readdirSync(outdir).sort()).toEqual(['httpbin-mirror.k8s.yaml', 'plan']);
    expect(fs.readdirSync(path.join(outdir, 'plan'))).toEqual(['01-route', '02-mirror-10', '03-mirror-100', '04-canary-10', '05-promote']);
    for (const stage of fs.readdirSync(path.join(outdir, 'plan'))) {
      expect(fs.readdirSync(path.join(outdir, 'plan', stage)).sort()).toEqual(['.cdk8s-traffic-mirror-stage', 'httpbin-mirror.k8s.yaml']);
    }
    // Byte for byte the default HttpbinMirrorChart (the golden snapshot of httpbin-mirror-chart.test.ts), as cdk8s writes
    // YAML: the plan adds no object to the chart, and MIRROR_PERCENT unset is the default stage.
    const reference = Yaml.stringify(...Testing.synth(new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror')));
    expect(read(path.join(outdir, 'httpbin-mirror.k8s.yaml'))).toBe(reference);
  });

  test('every file it writes, the reference scenario and each stage of the plan, is schema-valid and has no finding', () => {
    const outdir = synth();
    const files = [path.join(outdir, 'httpbin-mirror.k8s.yaml'),
      ...fs.readdirSync(path.join(outdir, 'plan')).map(stage => path.join(outdir, 'plan', stage, 'httpbin-mirror.k8s.yaml'))];
    expect(files).toHaveLength(6);
    for (const file of files) {
      const manifests = MeshAnalyzer.parseYaml(read(file));
      // The whole chart in every stage, the Telemetry of httpbin-v2's access logs included.
      expect(manifests.map(m => m.kind).sort())
        .toEqual(['Deployment', 'Deployment', 'DestinationRule', 'Gateway', 'Service', 'Telemetry', 'VirtualService']);
      expectValidManifests(manifests);
      // Not even a warning: every host, subset, port and gateway the route names resolves within the file.
      expect(MeshAnalyzer.analyze(manifests).map(MeshAnalyzer.formatFinding)).toEqual([]);
    }
  });

  test('MIRROR_API=gateway-api writes the same scenario with the Gateway API: every file schema-valid, no finding but Istio\'s warnings, same names', () => {
    for (const percent of [undefined, '0', '12.5']) {
      const outdir = synth(percent, 'gateway-api');
      const files = [path.join(outdir, 'httpbin-mirror.k8s.yaml'),
        ...fs.readdirSync(path.join(outdir, 'plan')).map(stage => path.join(outdir, 'plan', stage, 'httpbin-mirror.k8s.yaml'))];
      expect(files).toHaveLength(6);
      for (const file of files) {
        const manifests = MeshAnalyzer.parseYaml(read(file));
        expect(manifests.map(m => `${m.kind} ${m.metadata.name}`)).toEqual([
          'Deployment httpbin-v1', 'Deployment httpbin-v2', 'Service httpbin', 'Service httpbin-v1', 'Service httpbin-v2',
          'Gateway httpbin-gateway', 'HTTPRoute httpbin-gateway-https-redirect', 'HTTPRoute httpbin', 'Telemetry httpbin-v2-access-logs',
        ]);
        expectValidManifests(manifests);
        // No finding but the warnings of the implementation (Istio, from the class istio, without version: the -shadow
        // suffix up to 1.27, bodies over 1 MiB, percentages before 1.24.3), which test/analysis/analyzers/implementation.test.ts checks.
        const findings = MeshAnalyzer.analyze(manifests);
        expect(findings.filter(f => !['TM0201', 'TM0202', 'TM0203'].includes(f.code) || f.level !== 'Warning').map(MeshAnalyzer.formatFinding)).toEqual([]);
      }
      const route = MeshAnalyzer.parseYaml(read(files[0])).find(m => m.kind === 'HTTPRoute' && m.metadata.name === 'httpbin');
      const mirror = route.spec.rules[0].filters?.find((f: any) => f.type === 'RequestMirror')?.requestMirror;
      expect(mirror).toEqual(percent === '0' ? undefined : percent === '12.5'
        ? { backendRef: { group: '', kind: 'Service', name: 'httpbin-v2', port: 8000 }, fraction: { numerator: 125, denominator: 1000 } }
        : { backendRef: { group: '', kind: 'Service', name: 'httpbin-v2', port: 8000 }, percent: 100 });
    }
  });

  test('the 100% mirror stage is byte-identical to the default output, the route stage to MIRROR_PERCENT=0', () => {
    const full = synth();
    const routeOnly = synth('0');
    expect(read(path.join(full, 'plan', '03-mirror-100', 'httpbin-mirror.k8s.yaml'))).toBe(read(path.join(full, 'httpbin-mirror.k8s.yaml')));
    expect(read(path.join(full, 'plan', '01-route', 'httpbin-mirror.k8s.yaml'))).toBe(read(path.join(routeOnly, 'httpbin-mirror.k8s.yaml')));
  });

  test('MIRROR_PERCENT=0 writes no mirror fields, and the plan does not depend on it', () => {
    const routeOnly = synth('0');
    const full = synth();
    expect(read(path.join(routeOnly, 'httpbin-mirror.k8s.yaml'))).not.toMatch(/mirror/i);
    for (const stage of fs.readdirSync(path.join(full, 'plan'))) {
      expect(read(path.join(routeOnly, 'plan', stage, 'httpbin-mirror.k8s.yaml'))).toBe(read(path.join(full, 'plan', stage, 'httpbin-mirror.k8s.yaml')));
    }
  });

  test.each([[undefined, 100], ['', 100], ['0', 0], ['12.5', 12.5], ['100', 100], ['100.0', 100], ['.5', 0.5]])('MIRROR_PERCENT %p is %p', (value, expected) => {
    expect(mirrorPercentFromEnv(value)).toBe(expected);
  });

  test.each([['abc'], ['-1'], ['101'], ['NaN'], ['Infinity'], ['0x10'], ['1e2'], ['  '], [' 5']])('fails when MIRROR_PERCENT is %p', (value) => {
    expect(() => mirrorPercentFromEnv(value)).toThrow(/MIRROR_PERCENT must be a number between 0 and 100/);
  });

  test('MIRROR_EXECUTOR=argo-rollouts writes the Rollout of the reference scenario instead of folders: valid, no finding', () => {
    const outdir = synth(undefined, undefined, 'argo-rollouts');
    expect(fs.readdirSync(outdir)).toEqual(['httpbin-mirror.k8s.yaml']);
    const manifests = MeshAnalyzer.parseYaml(read(path.join(outdir, 'httpbin-mirror.k8s.yaml')));
    expect(manifests.map(m => `${m.kind} ${m.metadata.name}`)).toEqual([
      'Service httpbin', 'Gateway httpbin-gateway', 'Telemetry httpbin-v2-access-logs', 'VirtualService httpbin', 'DestinationRule httpbin',
      'AnalysisTemplate httpbin-mirror', 'Rollout httpbin',
    ]);
    expectValidManifests(manifests);
    expect(MeshAnalyzer.analyze(manifests).map(MeshAnalyzer.formatFinding)).toEqual([]);
    const steps = manifests.find(m => m.kind === 'Rollout').spec.strategy.canary.steps;
    expect(steps.filter((st: any) => st.setMirrorRoute?.percentage).map((st: any) => st.setMirrorRoute.percentage)).toEqual([10, 100]);
    expect(steps.filter((st: any) => st.setWeight !== undefined).map((st: any) => st.setWeight)).toEqual([10, 100]);
  });

  test('MIRROR_EXECUTOR=flagger writes the Canary of the reference scenario (one mirror stage at 100%): valid, no finding', () => {
    for (const api of [undefined, 'gateway-api']) {
      const outdir = synth(undefined, api, 'flagger');
      expect(fs.readdirSync(outdir)).toEqual(['httpbin-mirror.k8s.yaml']);
      const manifests = MeshAnalyzer.parseYaml(read(path.join(outdir, 'httpbin-mirror.k8s.yaml')));
      expect(manifests.filter(m => ['Deployment', 'Canary'].includes(m.kind)).map(m => `${m.kind} ${m.metadata.name}`))
        .toEqual(['Deployment httpbin', 'Canary httpbin']);
      expectValidManifests(manifests);
      expect(MeshAnalyzer.analyze(manifests).map(MeshAnalyzer.formatFinding)).toEqual([]);
      const analysis = manifests.find(m => m.kind === 'Canary').spec.analysis;
      expect(analysis).toMatchObject(api === undefined ? { mirror: true, mirrorWeight: 100, stepWeights: [10] } : { mirror: true, iterations: 5 });
    }
  });

  test('MIRROR_REVISION=stable gives the controller\'s workload v1\'s pod template, for the first installation', () => {
    const outdir = synth(undefined, undefined, 'argo-rollouts', 'stable');
    const rollout = MeshAnalyzer.parseYaml(read(path.join(outdir, 'httpbin-mirror.k8s.yaml'))).find(m => m.kind === 'Rollout');
    expect(rollout.spec.template.metadata.labels).toEqual({ app: 'httpbin', version: 'v1' });
  });

  test('fails for an unknown MIRROR_EXECUTOR or MIRROR_REVISION, MIRROR_REVISION without a controller, MIRROR_PERCENT with one', () => {
    expect(executorFromEnv(undefined)).toBe('folders');
    expect(executorFromEnv('')).toBe('folders');
    expect(() => executorFromEnv('argo')).toThrow(/MIRROR_EXECUTOR must be one of folders, argo-rollouts, flagger .*got "argo"/);
    expect(() => revisionFromEnv('v2', 'flagger')).toThrow(/MIRROR_REVISION must be one of stable, candidate/);
    expect(() => revisionFromEnv('stable', 'folders')).toThrow(/MIRROR_REVISION applies only to a controller/);
    expect(() => synth('50', undefined, 'flagger')).toThrow(/MIRROR_PERCENT applies only to the folder plan's chart/);
  });

  test('fails for MIRROR_EXECUTOR=argo-rollouts with MIRROR_API=gateway-api: the plugin\'s setMirrorRoute does nothing', () => {
    expect(() => synth(undefined, 'gateway-api', 'argo-rollouts')).toThrow(/Gateway API plugin v0\.15\.0/);
  });
});
