#!/usr/bin/env node
'use strict';
// `npm run bench`: synthesis speed and memory of this library at scale, against plain cdk8s, plus the cold main job
// and the analyzer. Prints a table and PASS/MISS per goal, writes .bench/results.json. It is a report: it exits 0
// whether or not the goals are met, and non-zero only when something crashes.
//
// Method (see bench/README section in the notes): every sample is a fresh `node` process (bench/worker.js), so each
// one is cold (no JIT warm-up, fresh heap), as a user's synth is; samples of the library and the baseline are
// interleaved so machine noise hits both alike; figures are medians. "synth" = construct the app + app.synthYaml()
// (dependency resolution, validations, token/Lazy resolution, JSON patches, YAML), module loading excluded (reported
// apart). Peak memory is the worker's maxRSS, module loading included.
//
// Environment: BENCH_REPS (default 7) repetitions per configuration; BENCH_SIZES (default "1,100,1000").

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, '.bench');
const WORKER = path.join(__dirname, 'worker.js');
const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 7));
const SIZES = (process.env.BENCH_SIZES ?? '1,100,1000').split(',').map(Number);
const BIG = Math.max(...SIZES);

const GOALS = {
  ratioAtBig: 1.5, // library / baseline synth time at the largest N
  perServiceDrift: 0.25, // per-service time at the largest N vs N=100, relative
  coldOverFloorSec: 0.2, // `cdk8s synth` of the main job minus `cdk8s synth` of an empty app
  analyzeSec: 1, // MeshAnalyzer.analyze over the largest output (5,000+ objects)
};

const median = xs => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

function node(args, opts = {}) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) {
    throw new Error(`node ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** Runs a command `reps` times and returns the wall-clock seconds of each run (output discarded). */
function timeCommand(cmd, args, opts, reps) {
  const times = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
    const e = (performance.now() - s) / 1000;
    if (r.status !== 0) {
      throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}) in ${opts.cwd}:\n${r.stdout}\n${r.stderr}`);
    }
    times.push(e);
  }
  return times;
}

function canonical(x) {
  if (Array.isArray(x)) {
    return x.map(canonical);
  }
  if (x && typeof x === 'object') {
    return Object.fromEntries(Object.keys(x).sort().map(k => [k, canonical(x[k])]));
  }
  return x;
}

/** Differences between the library's and the baseline's manifests, matched by kind/namespace/name. */
function compareManifests(libFile, baseFile) {
  const key = m => `${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`;
  const index = file => new Map(JSON.parse(fs.readFileSync(file, 'utf8')).map(m => [key(m), JSON.stringify(canonical(m))]));
  const lib = index(libFile);
  const base = index(baseFile);
  const diffs = [];
  for (const [k, v] of lib) {
    if (!base.has(k)) {
      diffs.push(`only in library: ${k}`);
    } else if (base.get(k) !== v) {
      diffs.push(`differs: ${k}\n    library:  ${v}\n    baseline: ${base.get(k)}`);
    }
  }
  for (const k of base.keys()) {
    if (!lib.has(k)) {
      diffs.push(`only in baseline: ${k}`);
    }
  }
  return { objects: lib.size, identical: diffs.length === 0, diffs: diffs.slice(0, 5), diffCount: diffs.length };
}

function benchSynth() {
  const rows = [];
  for (const n of SIZES) {
    const samples = { library: [], baseline: [] };
    for (let i = 0; i < REPS; i++) {
      // Alternate which goes first, so neither always runs on a just-warmed disk cache or CPU.
      const order = i % 2 ? ['baseline', 'library'] : ['library', 'baseline'];
      for (const mode of order) {
        samples[mode].push(node([WORKER, 'synth', mode, String(n)]));
      }
    }
    const summary = mode => {
      const s = samples[mode];
      const m = k => median(s.map(x => x[k]));
      return {
        totalMs: m('totalMs'),
        constructMs: m('constructMs'),
        synthMs: m('synthMs'),
        loadMs: m('loadMs'),
        perServiceMs: m('totalMs') / n,
        peakRssMb: m('peakRssMb'),
        heapUsedMb: m('heapUsedMb'),
        objects: s[0].objects,
        yamlBytes: s[0].yamlBytes,
        samplesMs: s.map(x => +x.totalMs.toFixed(1)),
      };
    };
    const library = summary('library');
    const baseline = summary('baseline');
    rows.push({ n, library, baseline, ratio: library.totalMs / baseline.totalMs, rssRatio: library.peakRssMb / baseline.peakRssMb });
    process.stderr.write(`  N=${n}: library ${fmt(library.totalMs)} ms, baseline ${fmt(baseline.totalMs)} ms\n`);
  }
  return rows;
}

function benchCold() {
  // The empty app: the floor of `cdk8s synth` (CLI start, spawning the app, loading cdk8s, writing nothing).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-bench-empty-'));
  fs.writeFileSync(path.join(dir, 'main.js'),
    `const { App } = require(${JSON.stringify(path.join(ROOT, 'node_modules/cdk8s'))});\nnew App().synth();\n`);
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'language: typescript\napp: node main.js\n');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-bench-out-'));
  const cli = path.join(ROOT, 'node_modules/.bin/cdk8s');
  // --no-check-upgrade: the upgrade check is a network call whose latency has nothing to do with this library.
  // -o: write to a temp dir, not the repo's dist/.
  const synthArgs = ['synth', '--no-check-upgrade', '-o', out];
  const env = { ...process.env, CDK8S_OUTDIR: out };
  const reps = Math.max(3, REPS);
  const main = [], empty = [], npx = [], nodeMain = [], nodeEmpty = [];
  for (let i = 0; i < reps; i++) {
    main.push(...timeCommand(cli, synthArgs, { cwd: ROOT, env }, 1));
    empty.push(...timeCommand(cli, synthArgs, { cwd: dir, env }, 1));
    npx.push(...timeCommand('npx', ['cdk8s', ...synthArgs], { cwd: ROOT, env }, 1));
    nodeMain.push(...timeCommand(process.execPath, ['lib/src/scenario/main.js'], { cwd: ROOT, env }, 1));
    nodeEmpty.push(...timeCommand(process.execPath, ['main.js'], { cwd: dir, env }, 1));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(out, { recursive: true, force: true });
  const m = xs => ({ medianSec: median(xs), samplesSec: xs.map(x => +x.toFixed(3)) });
  return {
    cdk8sSynthMain: m(main),
    cdk8sSynthEmpty: m(empty),
    npxCdk8sSynthMain: m(npx),
    nodeMain: m(nodeMain),
    nodeEmpty: m(nodeEmpty),
    overFloorSec: median(main) - median(empty),
  };
}

function benchAnalyzer(libDump) {
  const r = node([WORKER, 'analyze', libDump, '5']);
  if (r.skipped) {
    return r;
  }
  return { ...r, warmMedianMs: median(r.warmMs) };
}

function main() {
  if (!fs.existsSync(path.join(ROOT, 'lib/src/index.js'))) {
    throw new Error('lib/ is not built: run `npm run build` (npm run bench does)');
  }
  fs.mkdirSync(OUT, { recursive: true });
  const started = performance.now();
  process.stderr.write(`bench: N = ${SIZES.join(', ')}, ${REPS} repetitions each, one fresh process per sample\n`);

  process.stderr.write('synth, library vs baseline:\n');
  const synth = benchSynth();

  process.stderr.write(`equality check at N=${BIG}...\n`);
  const libDump = path.join(OUT, `library-${BIG}.json`);
  const baseDump = path.join(OUT, `baseline-${BIG}.json`);
  node([WORKER, 'synth', 'library', String(BIG), '--dump', libDump]);
  node([WORKER, 'synth', 'baseline', String(BIG), '--dump', baseDump]);
  const equality = compareManifests(libDump, baseDump);

  process.stderr.write('cold main job (cdk8s synth)...\n');
  const cold = benchCold();

  process.stderr.write('analyzer...\n');
  const analyzer = benchAnalyzer(libDump);

  const big = synth.find(r => r.n === BIG);
  const mid = synth.find(r => r.n === 100);
  const drift = mid && big ? big.library.perServiceMs / mid.library.perServiceMs - 1 : undefined;
  const goals = [
    { goal: `synth time library/baseline <= ${GOALS.ratioAtBig} at N=${BIG}`, value: big.ratio, pass: big.ratio <= GOALS.ratioAtBig },
    {
      // One-sided: per-service time falls from N=100 to N=1000 (fixed costs and JIT warm-up are amortised), which is
      // fine; what the goal guards against is growth, the sign of a superlinear step (a scan per object, a quadratic
      // dependency pass). The marginal cost between the two sizes is reported too.
      goal: `per-service time does not grow from N=100 to N=${BIG} by more than ${GOALS.perServiceDrift * 100}%`,
      value: drift,
      note: drift === undefined ? 'needs N=100 and a larger N' : `${fmt(drift * 100)}% (${fmt(mid.library.perServiceMs, 2)} -> ${fmt(big.library.perServiceMs, 2)} ms/service; `
        + `marginal ${fmt((big.library.totalMs - mid.library.totalMs) / (BIG - 100), 2)} ms/service)`,
      pass: drift === undefined ? undefined : drift <= GOALS.perServiceDrift,
    },
    {
      goal: `cold \`cdk8s synth\` of the main job within ${GOALS.coldOverFloorSec} s of the empty app`,
      value: cold.overFloorSec,
      pass: cold.overFloorSec <= GOALS.coldOverFloorSec,
    },
    analyzer.skipped
      ? { goal: `analysis of ${big.library.objects} objects under ${GOALS.analyzeSec} s`, value: undefined, pass: undefined, note: `skipped: ${analyzer.skipped}` }
      : { goal: `analysis of ${analyzer.objects} objects under ${GOALS.analyzeSec} s (cold call)`, value: analyzer.coldMs / 1000, pass: analyzer.coldMs / 1000 < GOALS.analyzeSec },
  ];

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGb: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.platform()} ${os.release()}` },
    method: {
      repetitions: REPS,
      sample: 'fresh node process per sample, library and baseline interleaved; medians',
      synth: 'construct App + app.synthYaml() (module load excluded, reported as loadMs)',
      memory: 'process.resourceUsage().maxRSS of the sample process (module load included)',
      cold: 'wall clock of `cdk8s synth --no-check-upgrade -o <tmp>` (CLI from node_modules/.bin) in the repo vs. in a dir with an empty compiled app',
    },
    synth,
    equality,
    cold,
    analyzer,
    goals,
    wallSec: (performance.now() - started) / 1000,
  };
  fs.writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  report(results);
}

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => String(r[i]).length)));
  const line = r => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function report(r) {
  const out = [];
  out.push(`\nMachine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memGb} GB, node ${r.machine.node}; ${r.method.repetitions} reps, medians\n`);
  out.push('Synthesis (construct + app.synthYaml(), fresh process per sample)');
  out.push(table(
    ['N', 'objects', 'lib ms', 'base ms', 'ratio', 'lib ms/svc', 'base ms/svc', 'lib construct', 'lib synth', 'lib RSS MB', 'base RSS MB', 'RSS ratio', 'lib load ms', 'base load ms'],
    r.synth.map(s => [s.n, s.library.objects, fmt(s.library.totalMs), fmt(s.baseline.totalMs), fmt(s.ratio, 2), fmt(s.library.perServiceMs, 2),
      fmt(s.baseline.perServiceMs, 2), fmt(s.library.constructMs), fmt(s.library.synthMs), fmt(s.library.peakRssMb), fmt(s.baseline.peakRssMb),
      fmt(s.rssRatio, 2), fmt(s.library.loadMs), fmt(s.baseline.loadMs)]),
  ));
  out.push(r.equality.identical
    ? `\nOutput equality at N=${BIG}: library and baseline manifests identical (${r.equality.objects} objects)`
    : `\nOutput equality at N=${BIG}: ${r.equality.diffCount} differences, e.g.\n  ${r.equality.diffs.join('\n  ')}`);
  out.push('\nCold main job (wall clock, medians)');
  out.push(table(['command', 'median s'], [
    ['cdk8s synth (repo: node lib/src/scenario/main.js)', fmt(r.cold.cdk8sSynthMain.medianSec, 3)],
    ['cdk8s synth (empty compiled app: floor)', fmt(r.cold.cdk8sSynthEmpty.medianSec, 3)],
    ['npx cdk8s synth (repo, as a user types it)', fmt(r.cold.npxCdk8sSynthMain.medianSec, 3)],
    ['node lib/src/scenario/main.js', fmt(r.cold.nodeMain.medianSec, 3)],
    ['node <empty app>', fmt(r.cold.nodeEmpty.medianSec, 3)],
    ['main job over floor', fmt(r.cold.overFloorSec, 3)],
  ]));
  out.push('\nAnalyzer (MeshAnalyzer.analyze over the library output)');
  if (r.analyzer.skipped) {
    out.push(`  skipped: ${r.analyzer.skipped}`);
  } else {
    out.push(`  ${r.analyzer.objects} objects: cold call ${fmt(r.analyzer.coldMs)} ms, warm median ${fmt(r.analyzer.warmMedianMs)} ms, `
      + `module load ${fmt(r.analyzer.loadMs)} ms, peak RSS ${fmt(r.analyzer.peakRssMb)} MB, ${r.analyzer.findings} findings `
      + `${JSON.stringify(r.analyzer.codes)}`);
  }
  out.push('\nGoals');
  for (const g of r.goals) {
    const verdict = g.pass === undefined ? 'SKIP' : g.pass ? 'PASS' : 'MISS';
    out.push(`  ${verdict}  ${g.goal}: ${g.note ?? fmt(g.value, 3)}`);
  }
  out.push(`\nWrote .bench/results.json (run took ${fmt(r.wallSec)} s)`);
  console.log(out.join('\n'));
}

try {
  main();
} catch (e) {
  console.error(e.stack || e);
  process.exit(1);
}
