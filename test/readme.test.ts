import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { FindingLevel, MeshAnalyzer } from '../src';

// Every ```ts block of README.md, compiled (strict) against the built package (lib/, as an app that installed it
// sees it) and run: each example's app.synth() must succeed and the mesh analysis of what it wrote must find no
// error. The blocks are completed the way jsii-rosetta completes them for the translations (see the README):
// `nofixture` = as shown; `fixture=<name>` = rosetta/<name>.ts-fixture with the example in place of `/// here` and
// the example's imports hoisted above it; neither = rosetta/default.ts-fixture.
// Needs lib/ (npm test builds first).

const repo = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');

interface Example {
  /** The README line of the opening fence. */
  readonly line: number;
  readonly fixture: string | undefined;
  readonly source: string;
}

function examples(): Example[] {
  const out: Example[] = [];
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)\b(.*)$/.exec(lines[i]);
    if (!open) continue;
    const params = open[2].trim().split(/\s+/).filter(p => p !== '');
    const fixtureParam = params.find(p => p.startsWith('fixture='));
    const fixture = params.includes('nofixture') ? undefined : fixtureParam?.slice('fixture='.length) ?? 'default';
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j] !== '```'; j++) body.push(lines[j]);
    out.push({ line: i + 1, fixture, source: body.join('\n') });
    i = j;
  }
  return out;
}

/** The example completed with its fixture, as jsii-rosetta's fixturize() does it. */
function complete(example: Example): string {
  if (example.fixture === undefined) return example.source;
  const fixture = fs.readFileSync(path.join(repo, 'rosetta', `${example.fixture}.ts-fixture`), 'utf8');
  const file = ts.createSourceFile('example.ts', example.source, ts.ScriptTarget.ES2020, true);
  const imports = file.statements.filter(ts.isImportDeclaration).map(s => s.getFullText(file)).join('');
  const rest = file.statements.filter(s => !ts.isImportDeclaration(s)).map(s => s.getFullText(file)).join('');
  // A replacer function, so that `$'` or `$&` in an example is not read as a replacement pattern.
  return `${imports}\n${fixture.replace('/// here', () => rest)}`;
}

const all = examples();
let work: string;
let compileErrors: Map<number, string[]>;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-examples-'));
  // A node_modules as an app that installed the package has: the package itself and its peers, nothing else of ours.
  const modules = path.join(work, 'node_modules');
  fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
  fs.symlinkSync(repo, path.join(modules, 'cdk8s-traffic-mirror'), 'dir');
  for (const dep of ['cdk8s', 'constructs', 'cdk8s-plus-27', '@types/node']) {
    fs.symlinkSync(path.join(repo, 'node_modules', dep), path.join(modules, dep), 'dir');
  }
  const files = all.map((example, i) => {
    const dir = path.join(work, `example-${String(i + 1).padStart(2, '0')}`);
    fs.mkdirSync(dir);
    const file = path.join(dir, 'main.ts');
    fs.writeFileSync(file, complete(example));
    return file;
  });
  const program = ts.createProgram(files, {
    strict: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2020.d.ts'],
    types: ['node'],
    skipLibCheck: true,
  });
  program.emit();
  compileErrors = new Map();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const index = d.file ? files.indexOf(d.file.fileName) : -1;
    const where = d.file && d.start !== undefined ? `main.ts:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    const list = compileErrors.get(index) ?? [];
    list.push(where + ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    compileErrors.set(index, list);
  }
}, 60_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the README has TypeScript examples, and every fixture they use is shown in the README', () => {
  expect(all.length).toBeGreaterThan(5);
  // Nothing is hidden from the reader: a named fixture is itself a complete example of the README.
  const shown = new Set(all.filter(e => e.fixture === undefined).map(e => e.source.trim()));
  for (const name of new Set(all.map(e => e.fixture).filter(f => f !== undefined && f !== 'default'))) {
    const fixture = fs.readFileSync(path.join(repo, 'rosetta', `${name}.ts-fixture`), 'utf8').trim();
    expect({ name, shownInReadme: shown.has(fixture) }).toEqual({ name, shownInReadme: true });
  }
});

test('compiling the examples reports nothing outside them', () => {
  expect(compileErrors.get(-1) ?? []).toEqual([]);
});

describe.each(all.map((e, i) => [`README.md:${e.line} (${e.fixture === undefined ? 'nofixture' : `fixture=${e.fixture}`})`, i] as const))(
  'example at %s', (_name, index) => {
    test('compiles (strict) against the built package', () => {
      expect(compileErrors.get(index) ?? []).toEqual([]);
    });

    test('synthesizes, and the mesh analysis of its output finds no error', () => {
      const dir = path.join(work, `example-${String(index + 1).padStart(2, '0')}`);
      const env = { ...process.env };
      delete env.CDK8S_OUTDIR;
      execFileSync(process.execPath, ['main.js'], { cwd: dir, stdio: 'pipe', env });

      const outdir = path.join(dir, 'dist');
      const written = fs.existsSync(outdir) ? fs.readdirSync(outdir, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.yaml')) : [];
      // Each folder is one deployable set (the stages of a rollout plan are alternatives), as `perDirectory: true`.
      const byDir = new Map<string, string[]>();
      for (const f of written) byDir.set(path.dirname(f), [...(byDir.get(path.dirname(f)) ?? []), f]);
      const errors: string[] = [];
      for (const files of byDir.values()) {
        const yaml = files.map(f => fs.readFileSync(path.join(outdir, f), 'utf8')).join('\n---\n');
        for (const finding of MeshAnalyzer.analyzeYaml(yaml)) {
          if (finding.level === FindingLevel.ERROR) errors.push(MeshAnalyzer.formatFinding(finding));
        }
      }
      expect(errors).toEqual([]);
    });
  });

test('docs/validation-plugin.md documents every property of the validation plugin', () => {
  // The plugin is not in the jsii API (so not in API.md): its reference is hand-written, and kept complete here.
  const source = fs.readFileSync(path.join(repo, 'src/cli/validation-plugin.ts'), 'utf8');
  const file = ts.createSourceFile('validation-plugin.ts', source, ts.ScriptTarget.ES2020, true);
  const props = file.statements.find((s): s is ts.InterfaceDeclaration =>
    ts.isInterfaceDeclaration(s) && s.name.text === 'MeshAnalysisValidationProperties');
  const names = (props?.members ?? []).map(m => m.name?.getText(file));
  expect(names.length).toBeGreaterThan(0);
  const doc = fs.readFileSync(path.join(repo, 'docs/validation-plugin.md'), 'utf8');
  expect(names.filter(n => !doc.includes(`| \`${n}\` |`))).toEqual([]);
  expect(doc).toContain('class MeshAnalysisValidation'.replace('class ', 'Class `') + '`');
});
