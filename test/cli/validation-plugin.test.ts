import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MeshAnalysisValidation, ValidationContextLike } from '../../src/cli/validation-plugin';

const ROOT = path.resolve(__dirname, '..', '..');

const tmpDirs: string[] = [];
const tmpDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
};
afterAll(() => tmpDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: httpbin}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
`;

/** Routes to v1 and mirrors to `mirrorHost` v2, with mirrorPercentage 0 (a warning: nothing is mirrored). */
const route = (mirrorHost: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - route: [{destination: {host: httpbin, subset: v1, port: {number: 8000}}}]
    mirror: {host: ${mirrorHost}, subset: v2, port: {number: 8000}}
    mirrorPercentage: {value: 0}
`;

interface Recorded {
  readonly violations: any[];
  readonly logs: string[];
  status?: string;
  metadata?: { [key: string]: string };
}

/** A context like the cdk8s CLI's, over manifest files written to a temp directory. */
function context(files: { [name: string]: string }): { ctx: ValidationContextLike; recorded: Recorded } {
  const dir = tmpDir('mesh-validation-');
  const recorded: Recorded = { violations: [], logs: [] };
  const ctx: ValidationContextLike = {
    manifests: Object.entries(files).map(([name, text]) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    }),
    report: {
      addViolation: v => recorded.violations.push(v),
      submit: (status, metadata) => {
        recorded.status = status;
        recorded.metadata = metadata;
      },
    },
    logger: { log: message => recorded.logs.push(message) },
  };
  return { ctx, recorded };
}

test('fails with one violation per error, naming the rule, the object and its manifest', async () => {
  const { ctx, recorded } = context({ 'a.k8s.yaml': SERVICE, 'b.k8s.yaml': route('httpbin-shadow') });

  await new MeshAnalysisValidation().validate(ctx);

  expect(recorded.status).toBe('failure');
  expect(recorded.violations).toHaveLength(2); // host and host+subset of the mirror
  const [v] = recorded.violations;
  expect(v.ruleName).toBe('IST0101 ReferencedResourceNotFound');
  expect(v.recommendation).toMatch(/^Error VirtualService default\/httpbin: Referenced mirror host not found: "httpbin-shadow" \(http\[0\]\.mirror\)/);
  expect(v.fix).toMatch(/Create the missing object or correct the reference/);
  // The Service and the VirtualService are both named httpbin: construct-metadata.json (keyed by name) cannot tell
  // their constructs apart, so the resource is named in full and the cdk8s CLI finds no (wrong) construct path for it.
  expect(v.violatingResources).toEqual([{
    resourceName: 'VirtualService default/httpbin',
    locations: ['VirtualService default/httpbin spec.http[0].mirror'],
    manifestPath: ctx.manifests[1],
  }]);
  expect(recorded.metadata).toEqual({ Objects: '3', Errors: '2', Warnings: '1', Info: '0' });
});

test('passes with warnings, which are logged and not violations', async () => {
  const { ctx, recorded } = context({ 'app.k8s.yaml': `${SERVICE}---\n${route('httpbin')}` });

  await new MeshAnalysisValidation().validate(ctx);

  expect(recorded.status).toBe('success');
  expect(recorded.violations).toEqual([]);
  expect(recorded.logs).toEqual([expect.stringMatching(/^TM0005 Warning VirtualService default\/httpbin: http\[0\] mirrors to "httpbin" with mirrorPercentage 0/)]);
});

test('fails on warnings with failOnWarnings', async () => {
  const { ctx, recorded } = context({ 'app.k8s.yaml': `${SERVICE}---\n${route('httpbin')}` });

  await new MeshAnalysisValidation({ failOnWarnings: true }).validate(ctx);

  expect(recorded.status).toBe('failure');
  expect(recorded.violations.map(v => v.ruleName)).toEqual(['TM0005 MirrorPercentageZero']);
});

test('places objects without namespace in defaultNamespace', async () => {
  const { ctx, recorded } = context({ 'app.k8s.yaml': route('httpbin-shadow') });

  await new MeshAnalysisValidation({ defaultNamespace: 'web' }).validate(ctx);

  expect(recorded.violations[0].recommendation).toMatch(/^Error VirtualService web\/httpbin:/);
});

test('implementation: routes are judged against it, an unsupported mirror feature is a violation', async () => {
  const objects = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: web-v1, port: 80}]
    filters:
    - {type: RequestMirror, requestMirror: {backendRef: {name: web-v2, port: 80}, percent: 10}}
`;
  const { ctx, recorded } = context({ 'app.k8s.yaml': objects });
  await new MeshAnalysisValidation({ implementation: 'contour@1.33' }).validate(ctx);
  expect(recorded.violations.map(v => v.ruleName)).toContain('TM0200 MirrorFeatureUnsupported');
  expect(recorded.violations.find(v => v.ruleName.startsWith('TM0200')).recommendation).toMatch(/Contour 1.33 ignores percent and fraction/);

  const again = context({ 'app.k8s.yaml': objects });
  await new MeshAnalysisValidation({ implementation: 'envoy-gateway@1.9.0' }).validate(again.ctx);
  expect(again.recorded.violations.map(v => v.ruleName)).not.toContain('TM0200 MirrorFeatureUnsupported');
});

// End to end through the real `cdk8s synth`, with the compiled plugin (lib/, built by `npm run build`).
const compiled = path.join(ROOT, 'lib', 'src', 'cli', 'validation-plugin.js');
const e2e = fs.existsSync(compiled) ? test : test.skip;

/** Runs the real `cdk8s synth` in a temp folder whose app writes a VirtualService to `httpbin` (and the Service when `fixed`). */
function cdk8sSynth(fixed: boolean) {
  return cdk8sSynthApp(`
    const { ApiObject, App, Chart } = require(${JSON.stringify(require.resolve('cdk8s'))});
    const app = new App();
    const chart = new Chart(app, 'broken');
    new ApiObject(chart, 'route', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'httpbin' },
      spec: { hosts: ['httpbin'], http: [{ route: [{ destination: { host: 'httpbin' } }] }] },
    });
    if (${fixed}) {
      new ApiObject(chart, 'service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin' }, spec: { ports: [{ name: 'http', port: 8000 }] } });
    }
    app.synth();
  `);
}

/** Runs the real `cdk8s synth` with the README's `validations:` block in a temp folder whose app is `appJs`. */
function cdk8sSynthApp(appJs: string, properties: string[] = []) {
  const dir = tmpDir('mesh-synth-');
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), [
    'language: typescript',
    'app: node app.js',
    'validations:',
    `  - package: ${compiled}`,
    '    class: MeshAnalysisValidation',
    '    version: 1.0.0',
    ...(properties.length > 0 ? ['    properties:', ...properties.map(p => `      ${p}`)] : []),
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'app.js'), appJs);
  return spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
}

e2e('`cdk8s synth` fails with the report table when the app has an error', () => {
  const result = cdk8sSynth(false);

  expect(result.status).toBe(2);
  expect(result.stdout).toContain('IST0101 ReferencedResourceNotFound');
  expect(result.stdout).toContain('Construct Path: broken/route');
  expect(result.stdout).toContain('Referenced host not found: "httpbin"');
  expect(result.stderr).toContain('Validation failed');
});

e2e('`cdk8s synth` with a misspelt property fails with the report and one line, not a stack trace from the constructor', () => {
  const app = `const { App, Chart } = require(${JSON.stringify(require.resolve('cdk8s'))});
    const app = new App(); new Chart(app, 'empty'); app.synth();`;
  const result = cdk8sSynthApp(app, ['perDirectry: true', 'defaultNamespace: Team_A']);

  expect(result.status).toBe(2);
  expect(result.stdout).toContain('MeshAnalysisValidation properties');
  expect(result.stdout).toContain('unknown property "perDirectry" (did you mean "perDirectory"?); property "defaultNamespace" must be a namespace name');
  // No exception of the plugin: no stack frame of it, no uncaught Error with its message. (cdk8s-cli's own upgrade check
  // may print a stack trace of a failed network request on an offline machine; that is not the plugin's.)
  expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at .*validation-plugin/);
  expect(result.stderr).not.toContain('Error: MeshAnalysisValidation');
});

e2e('`cdk8s synth` succeeds when the error is fixed', () => {
  const result = cdk8sSynth(true);

  expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('Validations ended succesfully') });
});

/** The README's cross-namespace example ("Mesh traffic, ingress, and other namespaces"), built from the compiled library. */
const crossNamespaceApp = (mirrorVersion: string) => `
  const { App, Chart } = require(${JSON.stringify(require.resolve('cdk8s'))});
  const { HttpbinVersion, IstioGateway, MeshService, MirrorRoute } = require(${JSON.stringify(path.join(ROOT, 'lib', 'src', 'index.js'))});
  const app = new App();
  const chart = new Chart(app, 'web', { namespace: 'web' });
  const httpbin = new MeshService(chart, 'httpbin', { port: 8000, versions: [
    new HttpbinVersion(chart, 'v1', { version: 'v1' }), new HttpbinVersion(chart, 'v2', { version: 'v2' }),
  ] });
  const shared = IstioGateway.fromGatewayName(chart, 'shared', 'istio-system/shared-gateway');
  const shadow = MeshService.fromServiceAttributes(chart, 'shadow', { name: 'httpbin-shadow', namespace: 'shadow', ports: [8000], versions: ['v2'] });
  new MirrorRoute(chart, 'route', {
    destination: { service: httpbin, version: 'v1' },
    mirror: { service: shadow, version: ${JSON.stringify(mirrorVersion)} },
    gateways: [shared],
    hosts: ['httpbin.example.com', 'httpbin'],
    includeMesh: true,
  });
  app.synth();
`;

e2e('`cdk8s synth` passes for the README\'s cross-namespace example: the imported gateway and service are declared, not missing', () => {
  const result = cdk8sSynthApp(crossNamespaceApp('v2'));

  expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('Validations ended succesfully') });
});

e2e('`cdk8s synth` still fails for a real broken reference to an imported service (a version it does not have)', () => {
  const result = cdk8sSynthApp(crossNamespaceApp('v3'));

  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('[web/route] mirror version "v3" is not defined for service httpbin-shadow (its versions: v2)');
});

e2e('the compiled plugin module loads neither cdk8s nor cdk8s-plus (it runs in the cdk8s CLI on every synth)', () => {
  const script = `require(${JSON.stringify(compiled)});
    const heavy = Object.keys(require.cache).filter(f => /node_modules\\/(cdk8s|cdk8s-plus-\\d+|constructs)\\//.test(f));
    console.log(JSON.stringify(heavy));`;
  const result = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });

  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual([]);
});

test('analyzes each directory on its own with perDirectory (e.g. the stages of a rollout plan)', async () => {
  const stage = `${SERVICE}---\n${route('httpbin')}`;
  const files = { 'app.k8s.yaml': stage, 'plan-01.k8s.yaml': stage };

  const together = context(files);
  await new MeshAnalysisValidation().validate(together.ctx);
  expect(together.recorded.logs).toContainEqual(expect.stringMatching(/^TM0006 Warning VirtualService default\/httpbin: Defined 2 times in the input/));

  // Two directories holding the same objects: no conflict between them.
  const dirs = context({});
  const dirA = tmpDir('mesh-stage-');
  const dirB = tmpDir('mesh-stage-');
  const manifests = [dirA, dirB].map(d => {
    fs.writeFileSync(path.join(d, 'app.k8s.yaml'), files['app.k8s.yaml']);
    return path.join(d, 'app.k8s.yaml');
  });
  const ctx = { ...dirs.ctx, manifests };
  await new MeshAnalysisValidation({ perDirectory: true }).validate(ctx);
  expect(dirs.recorded.status).toBe('success');
  expect(dirs.recorded.logs).toEqual([expect.stringMatching(/^TM0005 /), expect.stringMatching(/^TM0005 /)]);
  expect(dirs.recorded.metadata).toMatchObject({ Objects: '6', Warnings: '2' });
});

test('an object whose name no other object has keeps its name as resource name (the construct path is found by it)', async () => {
  const { ctx, recorded } = context({ 'b.k8s.yaml': route('httpbin-shadow') });
  await new MeshAnalysisValidation().validate(ctx);
  const names = recorded.violations.map(v => v.violatingResources[0].resourceName);
  expect(names.length).toBeGreaterThan(0);
  expect(new Set(names)).toEqual(new Set(['httpbin']));
});

describe('properties', () => {
  /** The one violation and status of a plugin made with `properties`, and that its constructor did not throw. */
  async function rejected(properties: any) {
    const plugin = new MeshAnalysisValidation(properties);
    const { ctx, recorded } = context({ 'a.k8s.yaml': SERVICE });
    await plugin.validate(ctx);
    expect(recorded.violations).toHaveLength(1);
    return { status: recorded.status, ...recorded.violations[0], logs: recorded.logs };
  }

  test('fails when a property is misspelt or of the wrong type: one violation listing the valid properties, no exception', async () => {
    const misspelt = await rejected({ perDirectry: true });
    expect(misspelt).toMatchObject({
      status: 'failure',
      ruleName: 'MeshAnalysisValidation properties',
      recommendation: 'MeshAnalysisValidation (cdk8s.yaml validations[].properties): unknown property "perDirectry" (did you mean "perDirectory"?). '
        + 'Valid properties: failOnWarnings (boolean), perDirectory (boolean), defaultNamespace (string), implementation (string).',
      violatingResources: [{ resourceName: 'cdk8s.yaml', locations: ['validations[].properties'], manifestPath: 'cdk8s.yaml' }],
    });
    expect(misspelt.logs).toEqual([`error: ${misspelt.recommendation}`]);
    expect((await rejected({ failOnWarnings: 'yes' })).recommendation)
      .toMatch(/property "failOnWarnings" must be a boolean \(true or false, unquoted\), got "yes"/);
    expect((await rejected({ defaultNamespace: 5 })).recommendation).toMatch(/property "defaultNamespace" must be a non-empty string, got 5/);
    expect((await rejected('x')).recommendation).toMatch(/properties must be a mapping/);
  });

  test.each(['Team-A', 'team_a', '-team', 'team-', 'a.b', 'x'.repeat(64)])('fails when defaultNamespace is %s, which is no namespace name', async ns => {
    expect((await rejected({ defaultNamespace: ns })).recommendation).toMatch(/property "defaultNamespace" must be a namespace name \(at most 63 lowercase/);
  });

  test('fails when implementation is not a known NAME[@VERSION]', async () => {
    expect((await rejected({ implementation: 'haproxy' })).recommendation)
      .toMatch(/properties\): property "implementation": unknown implementation "haproxy": expected one of istio, .*traefik .*Valid properties:/);
    expect((await rejected({ implementation: 'istio@x' })).recommendation).toMatch(/property "implementation": the version of implementation istio must be/);
  });

  test('accepts the valid properties, and none', async () => {
    for (const properties of [{ failOnWarnings: true, perDirectory: false, defaultNamespace: 'apps', implementation: 'kgateway@v2.2.1' }, { defaultNamespace: 'x'.repeat(63) }, undefined]) {
      const { ctx, recorded } = context({ 'a.k8s.yaml': SERVICE });
      await new MeshAnalysisValidation(properties).validate(ctx);
      expect(recorded.violations.map(v => v.ruleName)).not.toContain('MeshAnalysisValidation properties');
    }
  });
});

test('reads manifests as kubectl does (YAML 1.1): "on" is true, so a quoted-less port name is not the string "on"', async () => {
  // kubectl (go-yaml v2) reads `name: on` as the boolean true; the cdk8s CLI's YAML 1.2 parser would read the string.
  const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{name: on, port: 80}]}\n';
  const { ctx, recorded } = context({ 'a.k8s.yaml': svc });
  await new MeshAnalysisValidation({ failOnWarnings: true }).validate(ctx);
  expect(recorded.violations.map(v => v.ruleName)).toEqual(['IST0106 SchemaValidationError']);
  expect(recorded.violations[0].recommendation).toMatch(/spec\.ports\[0\]\.name must be of type string, got boolean true/);
});

test('a manifest that cannot be read is a violation naming the file and line; the other files are analyzed', async () => {
  const { ctx, recorded } = context({ 'a.k8s.yaml': 'a: [1,\nb: c: d\n', 'b.k8s.yaml': route('httpbin-shadow') });
  await new MeshAnalysisValidation().validate(ctx);
  expect(recorded.status).toBe('failure');
  expect(recorded.violations[0]).toMatchObject({
    ruleName: 'MeshAnalysisValidation input',
    recommendation: expect.stringMatching(/^.*a\.k8s\.yaml:\d+:\d+: YAML syntax error: /),
    violatingResources: [{ resourceName: 'a.k8s.yaml', manifestPath: ctx.manifests[0] }],
  });
  expect(recorded.violations.length).toBeGreaterThan(1);
  expect(new Set(recorded.violations.slice(1).map(v => v.ruleName))).toEqual(new Set(['IST0101 ReferencedResourceNotFound']));
});

test('reads manifests as the analyze command does: UTF-16 with a byte order mark, List items that are not objects', async () => {
  const { ctx, recorded } = context({
    'a.k8s.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SERVICE, 'utf16le')]) as any,
    'b.k8s.yaml': 'apiVersion: v1\nkind: List\nitems: [5]\n',
  });
  await new MeshAnalysisValidation().validate(ctx);
  expect(recorded.violations.map(v => v.recommendation)).toEqual([expect.stringMatching(/b\.k8s\.yaml:1: items\[0\] of List: item is a number \(5\)/)]);
  expect(recorded.metadata).toMatchObject({ Objects: '3' }); // the Service and DestinationRule of the UTF-16 file, and the List
});
