/**
 * The CLI on input that is not what it expects: every case has a defined exit status and a one-line message, never a
 * stack trace (src/cli/input.ts, src/cli/cli.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT, runCli } from '../../src/cli/cli';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'analysis');

function run(...argv: string[]) {
  let out = '';
  let err = '';
  const status = runCli(argv, { out: s => { out += s; }, err: s => { err += s; } });
  return { status, out, err };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-hostile-'));
});

/** Writes `content` to a file of the temp dir and returns its path. */
function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** One line on stderr per problem (plus the summary), and no stack trace. */
function expectOneLineErrors(err: string) {
  expect(err).not.toMatch(/\n\s+at /);
  for (const line of err.trimEnd().split('\n')) expect(line).toMatch(/^(error|warning): |^No findings in /);
}

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{name: http, port: 80}]}\n';

test('10,000-deep nesting is reported as too deeply nested, not as a syntax error (status 4)', () => {
  const deep = file('deep.yaml', `${SERVICE}---\nkind: X\napiVersion: v1\nspec: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
  const r = run('analyze', deep);
  expect(r.status).toBe(EXIT.NOT_MANIFESTS);
  expect(r.err).toMatch(new RegExp(`^error: ${deep.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:\\d+: document too deeply nested \\(more than 500 levels`));
  expect(r.err).not.toMatch(/syntax error/i);
  expectOneLineErrors(r.err);
  // Block-style nesting too.
  const block = file('deep-block.yaml', `a:\n${Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} x\n`);
  expect(run('analyze', block)).toMatchObject({ status: EXIT.NOT_MANIFESTS, err: expect.stringMatching(/too deeply nested/) });
});

test('an alias bomb is refused with one line (status 4)', () => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const r = run('analyze', file('bomb.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${lines.map(l => `  ${l}`).join('\n')}\n`));
  expect(r.status).toBe(EXIT.NOT_MANIFESTS);
  expect(r.err).toMatch(/excessive aliasing/);
  expectOneLineErrors(r.err);
});

test.each([
  ['a scalar', 'just a string\n', /document is a string \("just a string"\), not a Kubernetes object/],
  ['a number', '42\n', /document is a number \(42\), not a Kubernetes object/],
  ['a list', '- a\n- b\n', /document is a list, not a Kubernetes object/],
  ['a mapping without kind', 'apiVersion: v1\nmetadata: {name: x}\n', /not a Kubernetes object: kind missing/],
])('a document that is %s: status 4, or skipped with --ignore-unknown', (_, text, message) => {
  const f = file(`doc-${_.replace(/ /g, '-')}.yaml`, `${SERVICE}---\n${text}`);
  const r = run('analyze', f);
  expect(r.status).toBe(EXIT.NOT_MANIFESTS);
  expect(r.err).toMatch(message);
  expect(r.err).toMatch(/:6: /);
  expectOneLineErrors(r.err);
  const ignored = run('analyze', '--ignore-unknown', f);
  expect(ignored.status).toBe(EXIT.OK);
  expect(ignored.err).toMatch(/^warning: .*not a Kubernetes object|^warning: .*document is/);
});

test('binary junk and non-UTF-8 bytes: status 4 naming the offset', () => {
  const binary = run('analyze', file('junk.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff])));
  expect(binary).toMatchObject({ status: EXIT.NOT_MANIFESTS, err: expect.stringMatching(/junk\.yaml: binary file \(NUL byte at offset 6\), not YAML or JSON\n/) });
  const latin1 = run('analyze', file('latin1.yaml', Buffer.concat([Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: caf'), Buffer.from([0xe9]), Buffer.from('}\n')])));
  expect(latin1).toMatchObject({ status: EXIT.NOT_MANIFESTS, err: expect.stringMatching(/latin1\.yaml: not UTF-8 text \(invalid byte sequence at offset 49\)/) });
  expectOneLineErrors(binary.err);
  expectOneLineErrors(latin1.err);
});

test('a directory with no YAML is unreadable input (status 3); input with no Kubernetes objects is status 5', () => {
  fs.mkdirSync(path.join(dir, 'empty-dir', 'sub'), { recursive: true });
  file('empty-dir/readme.txt', 'not yaml');
  expect(run('analyze', path.join(dir, 'empty-dir'))).toMatchObject({
    status: EXIT.UNREADABLE, err: expect.stringMatching(/^error: no \*\.yaml, \*\.yml or \*\.json files in directory ".*empty-dir"\n$/),
  });
  expect(run('analyze', file('comments.yaml', '# nothing\n---\n---\n'))).toMatchObject({ status: EXIT.NO_OBJECTS, err: 'error: no Kubernetes objects in 1 file(s)\n' });
  expect(run('analyze', file('empty.yaml', ''))).toMatchObject({ status: EXIT.NO_OBJECTS });
});

test('duplicate keys: the last value wins, as kubectl applies it (status follows the findings)', () => {
  const f = file('dup.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\nspec:\n  hosts: [web]\n'
    + '  http: [{route: [{destination: {host: missing}}]}]\n  http: [{route: [{destination: {host: web}}]}]\n---\n' + SERVICE);
  expect(run('analyze', f)).toEqual({ status: EXIT.OK, out: '', err: 'No findings in 2 objects from 1 file(s).\n' });
});

test('a huge string and unicode names are analyzed like any other value', () => {
  const huge = file('huge.yaml', `${SERVICE.replace('name: web}', `name: web, annotations: {big: "${'x'.repeat(5_000_000)}"}}`)}`);
  expect(run('analyze', huge)).toMatchObject({ status: EXIT.OK });
  const unicode = file('unicode.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: "wëb-☃", namespace: "ñs"}\n'
    + 'spec: {hosts: ["wëb"], http: [{route: [{destination: {host: "wëb"}}]}]}\n');
  const r = run('analyze', unicode);
  expect(r.status).toBe(EXIT.FINDINGS);
  expect(r.out.trimEnd().split('\n')).toEqual([
    expect.stringMatching(/^IST0101 Error VirtualService ñs\/wëb-☃: Referenced host not found: "wëb"/),
    expect.stringMatching(/^IST0106 Error VirtualService ñs\/wëb-☃: Schema validation error: domain name "wëb" invalid/),
    expect.stringMatching(/^IST0106 Error VirtualService ñs\/wëb-☃: Schema validation error: domain name "wëb" invalid/),
  ]);
});

test('findings decide the status before unreadable documents, as in istioctl', () => {
  const f = file('mixed.yaml', `${SERVICE}---\n- a list\n`);
  expect(run('analyze', f, path.join(FIXTURES, 'broken-mirror.yaml')).status).toBe(EXIT.FINDINGS);
});

test('many objects in one file do not overflow the stack (no push(...spread) of the input)', () => {
  const doc = (i: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`;
  const f = file('many.yaml', Array.from({ length: 200_000 }, (_, i) => doc(i)).join('---\n'));
  const r = run('analyze', f);
  expect(r).toEqual({ status: EXIT.OK, out: '', err: 'No findings in 200000 objects from 1 file(s).\n' });
}, 60_000);
