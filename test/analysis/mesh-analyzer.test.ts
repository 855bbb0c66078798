/**
 * Tests of src/analysis/mesh-analyzer.ts: the public API (the analyzers have a test file each in test/analysis/analyzers/).
 */
import * as fs from 'fs';
import * as path from 'path';
import { FindingLevel, MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { docs, fixture, ids, SERVICE, vs } from '../support/analysis';

describe('reference mirroring scenario', () => {
  test('100% to v1 with every request mirrored to v2, behind an HTTPS gateway, has no findings', () => {
    expect(MeshAnalyzer.analyzeYaml(fixture('mirroring-ok.yaml'))).toEqual([]);
  });
});

describe('MeshAnalyzer API', () => {
  test('formatFinding', () => {
    expect(MeshAnalyzer.formatFinding({ code: 'IST0101', level: FindingLevel.ERROR, kind: 'VirtualService', namespace: 'default', name: 'httpbin', message: 'm' }))
      .toBe('IST0101 Error VirtualService default/httpbin: m');
  });

  test('formatFindings: one line per finding, in the order given, and an empty string for none', () => {
    const a = { code: 'IST0101', level: FindingLevel.ERROR, kind: 'VirtualService', namespace: 'default', name: 'httpbin', message: 'm' };
    const b = { code: 'TM0001', level: FindingLevel.WARNING, kind: 'Gateway', namespace: 'istio-system', name: 'gw', message: 'n' };
    expect(MeshAnalyzer.formatFindings([b, a])).toBe('TM0001 Warning Gateway istio-system/gw: n\nIST0101 Error VirtualService default/httpbin: m');
    expect(MeshAnalyzer.formatFindings([])).toBe('');
    const findings = MeshAnalyzer.analyzeYaml(docs(SERVICE, vs('route: [{destination: {host: nope}}]')));
    expect(findings.length).toBeGreaterThan(0);
    expect(MeshAnalyzer.formatFindings(findings).split('\n')).toEqual(findings.map(f => MeshAnalyzer.formatFinding(f)));
  });

  test('objects without namespace are in defaultNamespace', () => {
    const yaml = docs(SERVICE, vs('route: [{destination: {host: nope}}]'));
    expect(ids(MeshAnalyzer.analyzeYaml(yaml, { defaultNamespace: 'prod' }))).toEqual(['IST0101 Error VirtualService prod/httpbin']);
  });

  test('findings are sorted by namespace, kind, name, code and message', () => {
    const yaml = docs(fixture('ist0109-doc.yaml'), fixture('ist0174-doc.yaml'));
    const findings = ids(MeshAnalyzer.analyzeYaml(yaml));
    expect(findings).toEqual([
      'IST0174 Warning DestinationRule default/reviews',
      'IST0101 Error VirtualService team-1/productpage',
      'IST0109 Error VirtualService team-1/productpage',
      'IST0101 Error VirtualService team-2/custom',
      'IST0109 Error VirtualService team-2/custom',
    ]);
    expect(ids(MeshAnalyzer.analyzeYaml(docs(fixture('ist0174-doc.yaml'), fixture('ist0109-doc.yaml'))))).toEqual(findings);
  });

  test('List objects are expanded; the Kubernetes Gateway API Gateway and non-objects are ignored', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: MeshAnalyzer.parseYaml(fixture('ist0174-doc.yaml')) };
    const k8sGateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw' }, spec: { listeners: [] } };
    expect(ids(MeshAnalyzer.analyze([list, k8sGateway, null, 'x', 3]))).toEqual(['IST0174 Warning DestinationRule default/reviews']);
  });

  test('parseYaml reports the line of a syntax error', () => {
    expect(() => MeshAnalyzer.parseYaml(fixture('invalid/bad-syntax.yaml'))).toThrow(/^YAML syntax error at line 7, column \d+: /);
  });

  // Its speed is measured by `npm run bench` (a report, not a timed test: a timed test fails on a busy CI machine).
  test('analyzes 5,000 objects of 1,000 mirrored services without a finding', () => {
    const objects: any[] = [];
    for (let i = 0; i < 1000; i++) {
      const ns = `ns${i % 20}`;
      const name = `app${i}`;
      objects.push(
        { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8000 }] } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${name}-v1`, namespace: ns }, spec: { template: { metadata: { labels: { app: name, version: 'v1' } } } } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${name}-v2`, namespace: ns }, spec: { template: { metadata: { labels: { app: name, version: 'v2' } } } } },
        { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: ns }, spec: { host: name, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } },
        { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec: { hosts: [name], http: [{ route: [{ destination: { host: name, subset: 'v1' } }], mirror: { host: name, subset: 'v2' }, mirrorPercentage: { value: 100 } }] } },
      );
    }
    expect(objects).toHaveLength(5000);
    expect(MeshAnalyzer.analyze(objects)).toEqual([]);
  });
});

describe('the manifest analyzer is pure', () => {
  test('its files import nothing but each other, the pure rules/ folders, the annotation format, Node built-ins and bundled libraries (synth-hook.ts, the cdk8s hook, aside)', () => {
    // The package's bundledDependencies are plain libraries (re2js, yaml), never cdk8s or constructs.
    const bundled: string[] = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')).bundledDependencies ?? [];
    expect(bundled).not.toContain('cdk8s');
    const src = path.resolve(__dirname, '..', '..', 'src');
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap(e =>
      (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const rules = ['core', 'services', 'istio', 'gateway-api'].map(layer => path.join(src, layer, 'rules')).filter(dir => fs.existsSync(dir));
    const allowed = [path.join(src, 'analysis'), ...rules, path.join(src, 'core', 'defined-elsewhere.ts')];
    const outside: string[] = [];
    for (const file of [...files(path.join(src, 'analysis')), ...rules.flatMap(files), path.join(src, 'core', 'defined-elsewhere.ts')]) {
      if (file === path.join(src, 'analysis', 'synth-hook.ts')) continue;
      for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gm)) {
        const ok = spec.startsWith('.')
          ? allowed.some(dir => `${path.resolve(path.dirname(file), spec)}.ts` === dir || path.resolve(path.dirname(file), spec).startsWith(dir + path.sep))
          : ['fs', 'path', ...bundled].includes(spec);
        if (!ok) outside.push(`${path.relative(src, file)}: ${spec}`);
      }
    }
    expect(outside).toEqual([]);
  });
});

describe('system namespaces', () => {
  // istiod_analyze.go: src.SetNamespacesFilter drops objects in inject.IgnoredNamespaces (kube-system, kube-public,
  // kube-node-lease, local-path-storage) from file input.
  test.each(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'])('objects in %s are not analyzed', namespace => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: ${namespace}}
spec: {hosts: [web], http: [{route: [{destination: {host: missing}}]}]}
`;
    expect(MeshAnalyzer.analyzeYaml(yaml)).toEqual([]);
    expect(MeshAnalyzer.analyzeYaml(yaml.replace(namespace, 'apps')).map(f => f.code)).toEqual(['IST0101']);
  });
});

test('objects passed directly may be nested deeper than YAML allows without overflowing the stack', () => {
  let deep: any = { exact: 'x' };
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  const vs = (match: any) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web' },
    spec: { hosts: ['web'], http: [{ match: [{ headers: { x: deep } }], route: [{ destination: { host: 'web' } }] }, { match: [match], route: [{ destination: { host: 'web' } }] }] },
  });
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } };
  expect(MeshAnalyzer.analyze([svc, vs({ headers: { x: deep } })]).map(f => f.code)).toEqual([]);
});

describe('the galley.istio.io/analyze-suppress annotation', () => {
  // istiod_analyze.go filterMessages: the annotation lists codes (comma-separated) or "*" to drop on that object.
  const yaml = (annotation: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
${annotation ? `  annotations: {galley.istio.io/analyze-suppress: "${annotation}"}\n` : ''}spec: {hosts: [web], http: [{route: [{destination: {host: missing}}]}]}
`;
  test.each([['IST0101', []], ['IST0132,IST0101', []], ['*', []], ['IST0132', ['IST0101']], ['', ['IST0101']]])('%p', (annotation, codes) => {
    expect(MeshAnalyzer.analyzeYaml(yaml(annotation)).map(f => f.code)).toEqual(codes);
  });
});
