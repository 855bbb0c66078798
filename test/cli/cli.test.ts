import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../src/cli/cli';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'analysis');

function run(...argv: string[]) {
  let out = '';
  let err = '';
  const status = runCli(argv, { out: s => { out += s; }, err: s => { err += s; } });
  return { status, out, err };
}

test('--help prints usage and exits 0', () => {
  const r = run('--help');
  expect(r.status).toBe(0);
  expect(r.out).toMatch(/^Usage: cdk8s-traffic-mirror analyze <file-or-dir>\.\.\. \[options\]/);
});

test('a correct scenario prints no findings and exits 0', () => {
  const r = run('analyze', path.join(FIXTURES, 'mirroring-ok.yaml'));
  expect(r).toEqual({ status: 0, out: '', err: 'No findings in 6 objects from 1 file(s).\n' });
});

test('cdk8s\'s construct-metadata.json, which holds no Kubernetes object, is not read from directories', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-meta-'));
  fs.writeFileSync(path.join(dir, 'construct-metadata.json'), JSON.stringify({ version: '1.0.0', resources: {} }));
  fs.copyFileSync(path.join(FIXTURES, 'mirroring-ok.yaml'), path.join(dir, 'app.k8s.yaml'));
  expect(run('analyze', dir)).toEqual({ status: 0, out: '', err: 'No findings in 6 objects from 1 file(s).\n' });
});

test('error findings print one line each and exit 1', () => {
  const r = run('analyze', path.join(FIXTURES, 'broken-mirror.yaml'));
  expect(r.status).toBe(1);
  expect(r.out.trimEnd().split('\n')).toEqual([
    expect.stringMatching(/^IST0101 Error VirtualService default\/httpbin: Referenced host\+subset in destinationrule not found: "httpbin\+v1"/),
    expect.stringMatching(/^IST0101 Error VirtualService default\/httpbin: Referenced mirror\+subset in destinationrule not found: "httpbin\+v2"/),
  ]);
});

test('warning-only findings exit 0', () => {
  const r = run('analyze', path.join(FIXTURES, 'ist0174-doc.yaml'));
  expect(r.status).toBe(0);
  expect(r.out).toMatch(/^IST0174 Warning DestinationRule default\/reviews: /);
});

test('--json is -o json: istioctl\'s list of code, documentationUrl, level, message, origin and reference', () => {
  const file = path.join(FIXTURES, 'ist0174-doc.yaml');
  const r = run('analyze', '--json', file);
  expect(JSON.parse(r.out)).toEqual([{
    code: 'IST0174',
    documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0174/',
    level: 'Warning',
    message: expect.stringMatching(/^The host reveiws defined in the DestinationRule does not match any services in the mesh\./),
    origin: 'DestinationRule default/reviews',
    reference: expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+$`)),
  }]);
  expect(Object.keys(JSON.parse(r.out)[0])).toEqual(['code', 'documentationUrl', 'level', 'message', 'origin', 'reference']);
  expect(run('analyze', '-o', 'json', file).out).toBe(r.out);
  expect(run('analyze', '--json', path.join(FIXTURES, 'mirroring-ok.yaml')).out).toBe('[]\n');
});

test('directories are searched recursively for yaml, yml and json files, analyzed together', () => {
  const r = run('analyze', path.join(FIXTURES, 'tree'));
  expect(r.status).toBe(1);
  // The VirtualService in nested/b.json resolves host "a" through the Service in a.yaml, so only the subset is missing.
  expect(r.out).toMatch(/^IST0101 Error VirtualService default\/a: Referenced host\+subset in destinationrule not found: "a\+v9"/);
  expect(r.out.trimEnd().split('\n')).toHaveLength(1);
});

test('fails with 4 and names file, line and column on a YAML syntax error', () => {
  const file = path.join(FIXTURES, 'invalid', 'bad-syntax.yaml');
  const r = run('analyze', file);
  expect(r.status).toBe(4);
  expect(r.err).toMatch(new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: YAML syntax error: `));
});

test('fails with 3 on a missing file; with 2 on no input, unknown command or option', () => {
  expect(run('analyze', 'nope.yaml')).toMatchObject({ status: 3, err: 'error: cannot read "nope.yaml": no such file or directory\n' });
  expect(run('analyze')).toMatchObject({ status: 2, err: expect.stringMatching(/^error: no file or directory to analyze/) });
  expect(run('lint', 'x')).toMatchObject({ status: 2, err: expect.stringMatching(/^error: unknown command "lint"/) });
  expect(run('analyze', '--yaml', 'x')).toMatchObject({ status: 2, err: expect.stringMatching(/^error: unknown option "--yaml"/) });
  expect(run()).toMatchObject({ status: 2, err: expect.stringMatching(/^Usage: /) });
});

describe('--implementation NAME[@VERSION]', () => {
  // Istio's own Gateway API conversion input (test/fixtures/gateway-api/README.md): two mirrors, a fraction 4/8 and a
  // percent 80, on a Gateway of class istio. Its Services are not part of it, hence the suppressed TM0101.
  const istio = path.join(__dirname, '..', 'fixtures', 'gateway-api', 'istio-http-mirror.yaml');
  const analyze = (...args: string[]) => run('analyze', istio, '-S', 'TM0101=*', ...args);

  test('judges every route against the implementation given: an error (exit 1) where it lacks or ignores a feature', () => {
    const r = analyze('--implementation', 'istio@1.23.0');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/^TM0200 Error HTTPRoute default\/mirror: Implementation Istio 1.23.0, given to the analysis: the route needs HTTPRouteRequestPercentageMirror/m);
    expect(analyze('--implementation=traefik').out).toMatch(/^TM0200 Error HTTPRoute default\/mirror: .*HTTPRouteRequestMirror .*Traefik/m);
  });

  test('passes (exit 0) where the implementation supports what the route uses, warnings aside', () => {
    const r = analyze('--implementation', 'istio@1.30.3');
    expect(r.status).toBe(0);
    expect(r.out.trimEnd().split('\n').map(l => l.split(' ').slice(0, 2).join(' '))).toEqual(['TM0203 Warning']);
    // Without the flag the class istio says Istio, without version: the -shadow suffix and older versions are warnings.
    expect(analyze().status).toBe(0);
    expect(analyze('--failure-threshold', 'Warning').status).toBe(1);
  });

  test('fails with 2 on an unknown implementation or a bad version, naming the allowed values', () => {
    expect(analyze('--implementation', 'haproxy')).toMatchObject({
      status: 2, err: expect.stringMatching(/^error: --implementation: unknown implementation "haproxy": expected one of istio, envoy-gateway, .*traefik/),
    });
    expect(analyze('--implementation', 'contour@one')).toMatchObject({ status: 2, err: expect.stringMatching(/must be a release number such as 1.28/) });
    expect(analyze('--implementation')).toMatchObject({ status: 2, err: expect.stringMatching(/^error: option --implementation needs a value/) });
  });
});

const compiled = path.join(__dirname, '..', '..', 'lib', 'src', 'cli', 'cli.js');
const e2e = fs.existsSync(compiled) ? test : test.skip;
e2e('the compiled bin runs under node (needs the jsii build)', () => {
  const r = spawnSync(process.execPath, [compiled, 'analyze', path.join(FIXTURES, 'broken-mirror.yaml')], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/^IST0101 Error VirtualService default\/httpbin: /);
  expect(fs.readFileSync(compiled, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
});

e2e('a reader that closes the pipe early (`analyze ... | head`) ends the CLI quietly, with the analysis\'s status', () => {
  // 3,000 findings: far more output than a pipe buffer, so the CLI is still writing when head has gone.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-epipe-'));
  const input = path.join(dir, 'many.yaml');
  fs.writeFileSync(input, Array.from({ length: 3_000 }, (_, i) => 'apiVersion: networking.istio.io/v1\nkind: VirtualService\n'
    + `metadata: {name: vs-${i}}\nspec: {hosts: [h${i}], http: [{route: [{destination: {host: missing-${i}}}]}]}\n`).join('---\n'));
  const script = 'set -o pipefail; "$0" "$1" analyze -o json "$2" 2>"$3" | head -c 100 >/dev/null; echo "status $?"';
  const r = spawnSync('bash', ['-c', script, process.execPath, compiled, input, path.join(dir, 'stderr')], { encoding: 'utf8' });
  expect(r.stdout).toBe('status 1\n');
  expect(fs.readFileSync(path.join(dir, 'stderr'), 'utf8')).toBe('');
});
