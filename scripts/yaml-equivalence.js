#!/usr/bin/env node
/*
 * Differential test of the manifest reader: the js-yaml based src/analysis/read-manifests.ts against the hand-written
 * reader it replaced (go-yaml v2 rules over the `yaml` package, with a line-oriented fast path), on a corpus of files.
 * Run by hand; it is not part of `npm test` (the committed part of the corpus is checked by
 * test/analysis/yaml-equivalence.test.ts).
 *
 *   node scripts/yaml-equivalence.js [--old path/to/legacy-read-manifests.ts] [--show N] DIR_OR_FILE...
 *
 * Default inputs: test/fixtures (every *.yaml / *.yml / *.json under it, test/fixtures/upstream included) plus
 * generated edge cases (YAML 1.1 booleans, octals, sexagesimal, merge keys, anchors, multi-document text, BOMs, tabs,
 * very long strings, deep nesting, alias bombs). Add the YAML of upstream trees, e.g.
 *
 *   git --git-dir=/work/.mirror/istio+istio/repo archive HEAD | tar -x -C /tmp/corpus/istio --wildcards '*.yaml' '*.yml'
 *   node scripts/yaml-equivalence.js test/fixtures /tmp/corpus
 *
 * The old reader is read from --old (default: the file at the commit before it was removed, via
 * `git show 'HEAD:test/support/legacy-read-manifests.ts'` if the file is not in the work tree). Both readers are
 * transpiled with the repo's TypeScript into node_modules/.cache/yaml-equivalence/, so js-yaml and yaml resolve from
 * this repo's node_modules.
 *
 * For every file both readers run on the same text; the outcome is either the list of documents or the error message.
 * Printed: files, documents, identical outcomes, and each difference with its kind (value, error vs value, message).
 *
 *   node scripts/yaml-equivalence.js --bench 50 [--shapes no-gateways,gateway-per-app]
 *
 * times both readers (CPU time of parseManifests, the median of 3 alternating runs, each in a fresh node process) on
 * the generated inputs of bench/large-input.js (BENCH_LARGE_SHAPES), and checks they return the same documents.
 */
const fs = require('fs');
const path = require('path');
const util = require('util');
const childProcess = require('child_process');
const ts = require('typescript');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'yaml-equivalence');

function transpile(source, outFile) {
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, preserveConstEnums: true },
  }).outputText;
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, js);
}

function loadReaders(oldPath) {
  const newDir = path.join(CACHE, 'new');
  for (const rel of ['read-manifests.ts', 'yaml/go-resolve.ts', 'yaml/go-yaml-schema.ts']) {
    transpile(fs.readFileSync(path.join(ROOT, 'src', 'analysis', rel), 'utf8'), path.join(newDir, rel.replace(/\.ts$/, '.js')));
  }
  let oldSource;
  if (oldPath) {
    oldSource = fs.readFileSync(oldPath, 'utf8');
  } else if (fs.existsSync(path.join(ROOT, 'test', 'support', 'legacy-read-manifests.ts'))) {
    oldSource = fs.readFileSync(path.join(ROOT, 'test', 'support', 'legacy-read-manifests.ts'), 'utf8');
  } else {
    const rev = childProcess.execSync('git log -1 --format=%H -- test/support/legacy-read-manifests.ts', { cwd: ROOT }).toString().trim();
    oldSource = childProcess.execSync(`git show ${rev}^:test/support/legacy-read-manifests.ts`, { cwd: ROOT }).toString();
  }
  transpile(oldSource, path.join(CACHE, 'old', 'legacy-read-manifests.js'));
  return {
    next: require(path.join(newDir, 'read-manifests.js')).parseManifests,
    old: require(path.join(CACHE, 'old', 'legacy-read-manifests.js')).parseManifests,
  };
}

function files(p, out) {
  const st = fs.statSync(p);
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(p).sort()) files(path.join(p, e), out);
  } else if (/\.(ya?ml|json)$/.test(p)) {
    out.push(p);
  }
  return out;
}

/** Generated edge cases: name -> text. */
function generated() {
  const g = {};
  for (const b of ['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'off', 'OFF', 'n', 'no', 'No', 'NO', 'true', 'False', 'yEs']) {
    g[`bool-${b}`] = `v: ${b}\n${b}: key\nl: [${b}]\n`;
  }
  for (const n of ['0777', '010', '0o17', '0x1F', '0b101', '-0b101', '1_000', '08', '1e3', '1.', '.5', '-0.0', '1:30', '190:20:30',
    '2001-12-14', '9007199254740993', '18446744073709551615', '9223372036854775808', '-9223372036854775809', '.inf', '-.Inf', '.nan',
    '1e6', '3.14159265358979', '0x', '+12', '1__0']) {
    g[`number-${n}`] = `v: ${n}\n`;
    g[`number-key-${n}`] = `${n}: v\n`;
  }
  g['merge-before'] = 'b: &b {x: 1, z: 1}\nm:\n  x: 0\n  <<: *b\n  z: 2\n';
  g['merge-list'] = 'a: &a {k: a}\nb: &b {k: b, j: b}\nm:\n  <<: [*a, *b]\n';
  g['merge-twice'] = 'a: &a {k: a}\nb: &b {k: b}\nm:\n  <<: *a\n  <<: *b\n';
  g['merge-not-map'] = 'a: &a [1]\nm:\n  <<: *a\n';
  g['merge-scalar'] = 'm:\n  <<: 1\n';
  g['merge-nested'] = 'a: &a {k: a}\nb: &b {<<: *a, j: b}\nm: {<<: *b, z: m}\n';
  g['anchor-redefined'] = 'a: &x 1\nb: *x\nc: &x 2\nd: *x\n';
  g['anchor-unknown'] = 'a: *nope\n';
  g['anchor-self'] = 'a: &a [*a]\n';
  g['anchor-self-map'] = 'a: &a {b: *a}\n';
  g['multi-doc'] = '---\n---\na: 1\n--- # c\nb: 2\n---\n\n---\nnull\n...\nc: 3\n';
  g['separator-content'] = 'a: 1\n--- {b: 2}\n';
  g['directive'] = '%YAML 1.1\n---\na: 1\n';
  g['bom'] = '\ufeffa: 1\n---\n\ufeffb: 2\n';
  g['bom-json'] = '\ufeff{"a": 1}';
  g['tab-indent'] = 'a:\n\tb: 1\n';
  g['tab-after-colon'] = 'a: 1\nb:\t2\n';
  g['tab-after-dash'] = '- \tx\n';
  g['tab-in-value'] = 'a: x\ty\nb: [1,\t2]\n';
  g['tab-in-literal'] = 'a: |\n  k:\tv\n';
  g['control-char'] = 'a: "x\u0001"\n';
  g['long-string'] = `a: ${'x'.repeat(1 << 20)}\nb: "${'y'.repeat(1 << 20)}"\n`;
  g['long-key'] = `${'k'.repeat(2000)}: v\n`;
  const deep = (n) => { let s = ''; for (let i = 0; i < n; i++) s += ' '.repeat(i) + 'k:\n'; return s + ' '.repeat(n) + 'v: 1\n'; };
  for (const n of [100, 499, 500, 501, 10000]) {
    g[`deep-block-${n}`] = deep(n);
    g[`deep-flow-${n}`] = 'a: ' + '['.repeat(n) + ']'.repeat(n) + '\n';
  }
  g['deep-compact'] = '- '.repeat(10000) + 'x\n';
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    laughs.push(`${name}: &${name} [${Array(9).fill('*' + prev).join(',')}]`);
  }
  g['billion-laughs'] = laughs.join('\n') + '\n';
  g['json-stream'] = '{"a": 1}\n{"b": 2}  {"c": 3}\nnull\n';
  g['json-then-yaml'] = '{"a": 1}\n---\nb: on\n';
  g['json-bad-third'] = '{"a": 1}\n{"b": 2}\nc: 3\n';
  g['flow-yaml'] = '{a: on, b: [x, y]}\n';
  g['null-key'] = 'metadata:\n  ~: x\n';
  g['empty-key'] = ': x\n';
  g['collection-key'] = '? [a, b]\n: 1\n';
  g['explicit-key'] = '? a\n: 1\n? 1.5\n: 2\n';
  g['tags'] = 'a: !!int "010"\nb: !!str 010\nc: !!float 1\nd: !!bool "yes"\ne: !foo 010\nf: ! 010\ng: !!binary aGVsbG8=\n';
  g['tag-mismatch'] = 'a: !!int abc\n';
  g['unterminated-flow'] = 'a: 1\n---\nb: 2\nc: [1,\n';
  g['bad-indent'] = 'a:\n  b: 1\n c: 2\n';
  g['duplicate-keys'] = 'kind: Service\nmetadata:\n  name: a\n  name: b\nkind: ConfigMap\n';
  g['proto'] = '__proto__: {polluted: yes}\n';
  g['crlf'] = 'a: 1\r\nb:\r\n- x\r\n---\r\nc: |\r\n  t\r\n';
  g['folded'] = 'a: >\n  x\n  y\n\n  z\nb: plain\n  continued\n';
  return g;
}

function outcome(parse, text) {
  try {
    return { docs: parse(text) };
  } catch (e) {
    return { error: e && e.name === 'ManifestSyntaxError' ? e.message : `(not a ManifestSyntaxError) ${e && e.stack ? e.stack.split('\n')[0] : e}` };
  }
}

function compare(readers, name, text, stats) {
  const a = outcome(readers.old, text);
  const b = outcome(readers.next, text);
  stats.files++;
  stats.documents += a.docs ? a.docs.length : 0;
  let kind;
  if (a.docs && b.docs) kind = util.isDeepStrictEqual(a.docs, b.docs) ? undefined : 'value';
  else if (a.error && b.error) kind = a.error === b.error ? undefined : (a.error.replace(/^YAML syntax error at line \d+, column \d+: /, '') === b.error.replace(/^YAML syntax error at line \d+, column \d+: /, '') ? 'error position' : 'error message');
  else kind = a.error ? 'old error, new value' : 'old value, new error';
  if (!kind) {
    stats.identical++;
    if (a.error) stats.identicalErrors++;
    return;
  }
  stats.different.push({ name, kind, old: a.error ?? JSON.stringify(a.docs).slice(0, 300), new: b.error ?? JSON.stringify(b.docs).slice(0, 300) });
}

/** One timed read in this process (run as a child): prints the CPU ms and a digest of the result. */
function benchChild(which, file) {
  const readers = { old: require(path.join(CACHE, 'old', 'legacy-read-manifests.js')), next: require(path.join(CACHE, 'new', 'read-manifests.js')) };
  const text = fs.readFileSync(file, 'utf8');
  const t0 = process.cpuUsage();
  const docs = readers[which].parseManifests(text);
  const t = process.cpuUsage(t0);
  const digest = require('crypto').createHash('sha256').update(JSON.stringify(docs)).digest('hex').slice(0, 16);
  process.stdout.write(JSON.stringify({ ms: (t.user + t.system) / 1000, docs: docs.length, digest }));
}

function bench(mb, shapes) {
  loadReaders();
  const { largeInput, SHAPES } = require(path.join(ROOT, 'bench', 'large-input.js'));
  for (const shape of shapes ?? SHAPES) {
    const file = path.join(CACHE, `large-${shape}.yaml`);
    fs.writeFileSync(file, largeInput(mb, shape).text);
    const runs = { old: [], next: [] };
    let seen;
    for (let i = 0; i < 3; i++) {
      for (const which of ['old', 'next']) {
        const r = JSON.parse(childProcess.execFileSync(process.execPath, [__filename, '--bench-child', which, file], { maxBuffer: 1 << 20 }).toString());
        if (seen && (seen.digest !== r.digest || seen.docs !== r.docs)) throw new Error(`${shape}: the readers returned different documents`);
        seen = r;
        runs[which].push(r.ms);
      }
    }
    const median = (a) => a.sort((x, y) => x - y)[1].toFixed(0);
    console.log(`${shape} (${(fs.statSync(file).size / 1e6).toFixed(1)} MB, ${seen.docs} documents, same result): `
      + `old reader ${median(runs.old)} ms CPU, js-yaml reader ${median(runs.next)} ms CPU (medians of 3)`);
    fs.unlinkSync(file);
  }
}

function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--bench-child') return benchChild(args[1], args[2]);
  if (args[0] === '--bench') {
    const i = args.indexOf('--shapes');
    return bench(parseFloat(args[1]), i > 0 ? args[i + 1].split(',') : (process.env.BENCH_LARGE_SHAPES ? process.env.BENCH_LARGE_SHAPES.split(',') : undefined));
  }
  let oldPath;
  let show = 50;
  const inputs = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--old') oldPath = args[++i];
    else if (args[i] === '--show') show = parseInt(args[++i], 10);
    else inputs.push(args[i]);
  }
  if (inputs.length === 0) inputs.push(path.join(ROOT, 'test', 'fixtures'));
  const readers = loadReaders(oldPath);
  for (const input of inputs) {
    const stats = { files: 0, documents: 0, identical: 0, identicalErrors: 0, different: [] };
    for (const f of files(input, [])) compare(readers, path.relative(process.cwd(), f), fs.readFileSync(f, 'utf8'), stats);
    report(input, stats, show);
  }
  const stats = { files: 0, documents: 0, identical: 0, identicalErrors: 0, different: [] };
  for (const [name, text] of Object.entries(generated())) compare(readers, name, text, stats);
  report('generated edge cases', stats, show);
}

function report(input, stats, show) {
  console.log(`${input}: ${stats.files} files, ${stats.documents} documents (old reader), ${stats.identical} identical `
    + `(${stats.identicalErrors} of them the same error), ${stats.different.length} different`);
  const kinds = {};
  for (const d of stats.different) kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
  for (const [k, n] of Object.entries(kinds)) console.log(`  ${k}: ${n}`);
  for (const d of stats.different.slice(0, show)) {
    console.log(`  - ${d.name} [${d.kind}]\n      old: ${d.old}\n      new: ${d.new}`);
  }
}

main();
