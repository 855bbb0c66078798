import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
// The TypeScript that `cdk8s init typescript-app` installs (its template pins "typescript": "5.9.x"), not the
// library's own (which jsii 6 brings): the examples must compile in the app a new user has.
import * as tsInit from 'typescript-cdk8s-init';
import { FindingLevel, MeshAnalyzer } from '../src';

// Every ```ts block of README.md, compiled against the built package (lib/, as an app that installed it sees it)
// with the tsconfig.json and the TypeScript of the app that `cdk8s init typescript-app` scaffolds
// (cdk8s-cli's templates/typescript-app, used verbatim), and run: each example's app.synth() must succeed and the
// mesh analysis of what it wrote must find no error. The blocks are completed the way jsii-rosetta completes them
// for the translations (see the README): `nofixture` = as shown; `fixture=<name>` = rosetta/<name>.ts-fixture with
// the example in place of `/// here` and the example's imports hoisted above it. A README example never uses the
// default fixture (rosetta/default.ts-fixture is for the doc comments' @example blocks), so the reader sees it all.
// Needs lib/ (npm test builds first).

const repo = path.resolve(__dirname, '..');
const template = path.join(repo, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
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

/** The line of a fixture shown in the README that stands for rosetta's `/// here`. */
const FIXTURE_PLACE = '// Each example of this section goes here.';

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
  // The scaffold's tsconfig.json as it is (strict, noUnusedLocals, no skipLibCheck, lib es2016), read the way `tsc`
  // reads it in the app's folder; only the file list is ours (the template's `include` is `**/*.ts`).
  fs.copyFileSync(path.join(template, 'tsconfig.json'), path.join(work, 'tsconfig.json'));
  const config = tsInit.readConfigFile(path.join(work, 'tsconfig.json'), tsInit.sys.readFile);
  const parsed = tsInit.parseJsonConfigFileContent(config.config, tsInit.sys, work);
  const program = tsInit.createProgram(files, parsed.options);
  // Emitted one by one: with the scaffold's noEmitOnError, one example that does not compile must not keep the
  // others from being emitted and run.
  compileErrors = new Map();
  const report = (index: number, d: tsInit.Diagnostic) => {
    const where = d.file && d.start !== undefined ? `main.ts:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    const list = compileErrors.get(index) ?? [];
    list.push(where + tsInit.flattenDiagnosticMessageText(d.messageText, '\n'));
    compileErrors.set(index, list);
  };
  for (const d of [...parsed.errors, ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) report(-1, d);
  files.forEach((file, index) => {
    const source = program.getSourceFile(file);
    for (const d of tsInit.getPreEmitDiagnostics(program, source)) report(d.file === source ? index : -1, d);
    program.emit(source);
  });
}, 120_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the examples are compiled with the TypeScript and tsconfig.json of the app `cdk8s init typescript-app` writes', () => {
  const pinned = JSON.parse(fs.readFileSync(path.join(template, 'package.json'), 'utf8')).devDependencies.typescript;
  // The template's "5.9.x": when cdk8s-cli moves to another TypeScript, move typescript-cdk8s-init with it.
  expect({ pinned, installed: tsInit.version }).toEqual({ pinned, installed: expect.stringMatching(new RegExp(`^${pinned.replace(/\./g, '\\.').replace('x', '\\d+')}$`)) });
  const options = JSON.parse(fs.readFileSync(path.join(template, 'tsconfig.json'), 'utf8')).compilerOptions;
  expect(options).toMatchObject({ strict: true, noUnusedLocals: true });
  expect(options.skipLibCheck).toBeUndefined();
});

test('the README has TypeScript examples, complete or on a fixture that the README shows', () => {
  expect(all.length).toBeGreaterThan(5);
  expect(all.filter(e => e.fixture === 'default').map(e => `README.md:${e.line}`)).toEqual([]);
  // Nothing is hidden from the reader: a named fixture is itself a complete example of the README.
  const shown = new Set(all.filter(e => e.fixture === undefined).map(e => e.source.trim()));
  for (const name of new Set(all.map(e => e.fixture).filter(f => f !== undefined && f !== 'default'))) {
    // The README shows the fixture with a comment line where it has `/// here` (jsii-rosetta drops a `/// here` line
    // from the translations of an example that shows it).
    const fixture = fs.readFileSync(path.join(repo, 'rosetta', `${name}.ts-fixture`), 'utf8').trim();
    expect(fixture).toContain('\n/// here\n');
    const asShown = fixture.replace('\n/// here\n', `\n${FIXTURE_PLACE}\n`);
    expect({ name, shownInReadme: shown.has(asShown) }).toEqual({ name, shownInReadme: true });
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
