/**
 * The CLI on input that is not what it expects: every case has a defined exit status and a one-line message, never a
 * stack trace (src/cli/input.ts, src/cli/cli.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT, runCli } from '../../src/cli/cli';
import { MAX_FILE_BYTES } from '../../src/cli/input';

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

describe('only regular files are read (a FIFO or a device would block or never end)', () => {
  const fifo = (name: string) => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    // mkfifo(1): Node.js has no API to create one.
    const r = spawnSync('mkfifo', [p]);
    if (r.status !== 0) throw new Error(`mkfifo ${p} failed: ${r.stderr}`);
    return p;
  };

  test('a FIFO given as input is refused at once with status 3', () => {
    const r = run('analyze', fifo('given.yaml'));
    expect(r).toMatchObject({ status: EXIT.UNREADABLE, out: '' });
    expect(r.err).toMatch(/^error: cannot read ".*given\.yaml": a FIFO \(named pipe\), not a regular file; give manifest files or directories\n$/);
  });

  test('/dev/zero is refused with status 3 instead of being read without end', () => {
    expect(run('analyze', '/dev/zero')).toEqual({
      status: EXIT.UNREADABLE, out: '', err: 'error: cannot read "/dev/zero": a character device, not a regular file; give manifest files or directories\n',
    });
  });

  test('a FIFO in a directory is skipped with a warning saying why; the regular files are analyzed', () => {
    const pipe = fifo('with-fifo/a-pipe.yaml');
    file('with-fifo/web.yaml', SERVICE);
    const r = run('analyze', path.join(dir, 'with-fifo'));
    expect(r.status).toBe(EXIT.OK);
    expect(r.err).toBe(`warning: skipped "${pipe}": a FIFO (named pipe), not a regular file\nNo findings in 1 objects from 1 file(s).\n`);
  });

  test('a file larger than the limit is refused before it is read (status 3)', () => {
    const big = path.join(dir, 'sparse.yaml');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, MAX_FILE_BYTES + 1); // sparse: no disk space used
    expect(run('analyze', big)).toEqual({
      status: EXIT.UNREADABLE, out: '',
      err: `error: cannot read "${big}": ${MAX_FILE_BYTES + 1} bytes, more than the limit of ${MAX_FILE_BYTES} bytes (128 MiB); split it into several files\n`,
    });
  });
});

test('a directory that cannot be listed is status 3 (documented), not an internal error', () => {
  // Tests may run as root, who can list any directory, so the permission error is injected where input.ts lists.
  const locked = path.join(dir, 'locked');
  fs.mkdirSync(locked, { recursive: true });
  const denied = Object.assign(new Error(`EACCES: permission denied, scandir '${locked}'`), { code: 'EACCES' });
  // The fs module object itself: with esModuleInterop (TypeScript 6 deprecates turning it off), `import * as fs` is a
  // namespace object whose properties cannot be redefined; the code under test reads through it to this object.
  const spy = jest.spyOn(jest.requireActual<typeof fs>('fs'), 'readdirSync').mockImplementation(() => { throw denied; });
  try {
    expect(run('analyze', locked)).toEqual({
      status: EXIT.UNREADABLE, out: '', err: `error: cannot read directory "${locked}": permission denied (EACCES)\n`,
    });
  } finally {
    spy.mockRestore();
  }
});

describe('text encodings, as kubectl decodes files (cli-runtime FileVisitor: unicode.BOMOverride of UTF-8)', () => {
  const yaml = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{name: http, port: 80}]}\n'
    + '---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\n'
    + 'spec: {hosts: [web], http: [{route: [{destination: {host: missing}}]}]}\n';

  test.each([
    ['UTF-16LE', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(yaml, 'utf16le')])],
    ['UTF-16BE', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(yaml, 'utf16le').swap16()])],
    ['UTF-8 with a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(yaml)])],
  ])('%s: read like UTF-8, with the same lines', (name, bytes) => {
    const r = run('analyze', '-o', 'json', file(`encoded-${name.replace(/\W+/g, '-')}.yaml`, bytes));
    expect(r.status).toBe(EXIT.FINDINGS);
    expect(JSON.parse(r.out).map((f: any) => [f.origin, f.reference.replace(/^.*:/, '')])).toEqual([['VirtualService default/web', '6']]);
  });

  test('a byte order mark at the start of a later document is not part of its first key', () => {
    const f = file('bom-later.yaml', yaml.replace('---\n', '---\n\ufeff'));
    const r = run('analyze', f);
    expect(r.status).toBe(EXIT.FINDINGS);
    expect(r.out).toMatch(/^IST0101 Error VirtualService default\/web: Referenced host not found: "missing"/);
    expect(r.err).toBe('');
  });

  test('UTF-16 with an unpaired surrogate is refused naming the encoding (status 4)', () => {
    const broken = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kind: x\n', 'utf16le'), Buffer.from([0x00, 0xd8, 0x41, 0x00])]);
    expect(run('analyze', file('broken-utf16.yaml', broken))).toMatchObject({
      status: EXIT.NOT_MANIFESTS, err: expect.stringMatching(/broken-utf16\.yaml: not UTF-16LE text/),
    });
  });
});

test('items of a List that are not Kubernetes objects are reported (status 4), not dropped', () => {
  const f = file('list.yaml', `apiVersion: v1\nkind: List\nitems:\n- ${SERVICE.trimEnd().split('\n').join('\n  ')}\n- 5\n- {kind: Service}\n`
    + '- apiVersion: v1\n  kind: ServiceList\n  items: ["x"]\n');
  const r = run('analyze', f);
  expect(r.status).toBe(EXIT.NOT_MANIFESTS);
  expect(r.err.split('\n').filter(l => l.startsWith('error: ') && l.includes('items['))).toEqual([
    `error: ${f}:1: items[1] of List: item is a number (5), not a Kubernetes object (a mapping with apiVersion and kind)`,
    `error: ${f}:1: items[2] of List: not a Kubernetes object: apiVersion missing`,
    `error: ${f}:1: items[3].items[0] of ServiceList: item is a string ("x"), not a Kubernetes object (a mapping with apiVersion and kind)`,
  ]);
  expect(run('analyze', '--ignore-unknown', f).status).toBe(EXIT.OK);
});

test('a 20 MB value is not echoed whole into a finding or an input problem', () => {
  const host = 'h'.repeat(20_000_000);
  const f = file('long-value.yaml', `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\n`
    + `spec: {hosts: [web], http: [{route: [{destination: {host: ${host}}}]}]}\n---\n"${host}"\n`);
  const runs = ['log', 'json', 'sarif'].map(format => run('analyze', '-o', format, f));
  expect(runs.map(r => r.status)).toEqual([EXIT.FINDINGS, EXIT.FINDINGS, EXIT.FINDINGS]);
  expect(runs.map(r => r.out.length + r.err.length < 10_000)).toEqual([true, true, true]);
  // The run is the quoted host: 20,000,002 characters.
  expect(runs[0].out).toContain(`"${'h'.repeat(99)}… [19999902 more characters]`);
  expect(run('analyze', f).err).toMatch(/document is a string \("h{39}\), not a Kubernetes object/);
});
