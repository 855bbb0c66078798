#!/usr/bin/env node
'use strict';
// `npm run bench`: synthesis speed and memory of this library at scale, against the same objects written by hand
// (cdk8s-plus-27 and the generated classes: the peer a user would pick instead) and as plain cdk8s ApiObjects (the
// floor), plus the cold main job and the analyzer. Prints a table and PASS/MISS per goal, writes .bench/results.json.
// It is a report: it exits 0 whether or not the goals are met; 1 when something crashes, 2 when the peer's or the
// baseline's output differs from the library's (the ratios would then compare different work).
//
// Method (see bench/README section in the notes): every sample is a fresh `node` process (bench/worker.js), so each
// one is cold (no JIT warm-up, fresh heap), as a user's synth is; samples of the library, the peer and the baseline
// are interleaved so machine noise hits all alike; figures are medians. The library/peer CPU goal is judged on the
// median of the per-repetition ratios (each repetition's library and peer samples run one after the other, so a slow
// minute of the machine slows both): on this kind of shared machine the speed drifts over minutes, by up to 3 times
// for the 10 s samples of 1,000 charts, and a ratio of medians then compares samples taken minutes apart. The ratio of
// medians is reported beside it. Module loading is excluded from the synth time
// (reported apart). Peak memory is the worker's maxRSS, module loading included.
//
// Two layouts of the same scenario (bench/scenario.js, LAYOUTS below):
//  - one chart, N services: construct the app + app.synthYaml() (dependency resolution, validations, token/Lazy
//    resolution, JSON patches, YAML);
//  - chart per service, K service charts + 1 gateway chart: construct the app + app.synth() into a temp dir, as
//    `cdk8s synth` runs it; cdk8s validates the whole app again for every chart it writes.
// Every size's first sample of each mode also dumps its manifests (untimed) for the output-equality check: the peer's
// and the baseline's output must equal the library's, or the ratios would compare different work.
//
// Environment: BENCH_REPS (default 7) repetitions per configuration; BENCH_SIZES (default "1,100,1000") services of
// the one-chart layout; BENCH_CHARTS (default "10,100,1000") charts of the chart-per-service layout (an empty list
// skips the layout); BENCH_TIMEOUT_SEC (default 300) per sample process: a sample that takes longer is killed and
// reported as "timeout", and that side of the layout is not run at larger sizes.
// BENCH_PEERS: which cdk8s, constructs and cdk8s-plus-27 the samples load. Unset: the repo's node_modules (`npm ci`
// installs the peer floors there); `newest`: the newest versions the peer ranges allow, which `npm install` puts into
// .bench/peers-newest (what scripts/floor-test.sh --newest tests, and what a new app gets); any other value: a folder
// whose node_modules holds them. The versions used are printed and written to results.json.

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const { largeInput, SHAPES } = require('./large-input');
const { layoutOf } = require('./scenario');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, '.bench');
const WORKER = path.join(__dirname, 'worker.js');
const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 7));
const TIMEOUT_SEC = Number(process.env.BENCH_TIMEOUT_SEC ?? 300);
// library: this library's constructs; peer: the same objects by hand with cdk8s-plus-27 and the generated classes;
// baseline: plain ApiObjects of literal JSON (bench/scenario.js).
const MODES = ['library', 'peer', 'baseline'];
// Processes per mode for the per-chart pass (benchPass).
const PASS_PROCESSES = 3;
if (!(TIMEOUT_SEC > 0)) {
  throw new Error(`BENCH_TIMEOUT_SEC must be a positive number of seconds, got ${JSON.stringify(process.env.BENCH_TIMEOUT_SEC)}`);
}

/** A comma-separated list of sizes from the environment, ascending (a size that times out skips the larger ones). */
function sizes(env, dflt) {
  const list = (process.env[env] ?? dflt).split(',').filter(x => x.trim() !== '').map(Number);
  if (list.some(n => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${env} must list positive integers, e.g. "${dflt}"; got ${JSON.stringify(process.env[env])}`);
  }
  return list.sort((a, b) => a - b);
}
const LAYOUTS = [
  {
    name: 'one-chart', // a key of scenario.LAYOUTS
    label: 'one chart',
    unit: 'N',
    title: 'One chart: N services and the gateway in one chart',
    sizes: sizes('BENCH_SIZES', '1,100,1000'),
    peerGoalAt: [], // besides the largest size
  },
  {
    name: 'chart-per-service',
    label: 'chart per service',
    unit: 'K',
    title: 'Chart per service: K charts of one service each + a gateway chart',
    sizes: sizes('BENCH_CHARTS', '10,100,1000'),
    peerGoalAt: [100],
  },
];

// How the worker synthesizes each layout (scenario.LAYOUTS[name].synth), for the titles.
const SYNTH_METHOD = { synthYaml: 'construct + app.synthYaml()', synth: 'construct + app.synth() into a temp dir' };
const methodOf = layout => SYNTH_METHOD[layoutOf(layout.name).synth];

const GOALS = {
  ratioToPeer: 1.1, // library / peer synth time, at the largest N of one chart, at K = 100 and the largest K
  perServiceDrift: 0.25, // per-service time at the largest N (K) vs N (K) = 100, relative, per layout
  coldOverFloorSec: 0.2, // `cdk8s synth` of the main job minus `cdk8s synth` of an empty app
  analyzeSec: 1, // MeshAnalyzer.analyze over the largest one-chart output (5,000+ objects)
  largeInputSec: 15, // `cdk8s-traffic-mirror analyze` of a generated BENCH_LARGE_MB (50) MB file, wall clock in a fresh process
  largeInputRssMb: 1024, // and its peak RSS
};
// Size of the generated file of the analyzer-large-input section, in MB (0 skips the section), and its shapes
// (bench/large-input.js; a comma-separated list, all by default).
const LARGE_MB = Number(process.env.BENCH_LARGE_MB ?? 50);
const LARGE_SHAPES = (process.env.BENCH_LARGE_SHAPES ?? SHAPES.join(',')).split(',').map(x => x.trim()).filter(x => x !== '');
for (const shape of LARGE_SHAPES) {
  if (!SHAPES.includes(shape)) throw new Error(`BENCH_LARGE_SHAPES: unknown shape "${shape}" (expected some of ${SHAPES.join(', ')})`);
}

const median = xs => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

/** Runs bench/worker.js in a fresh process; `{ timeout: true }` when it runs longer than BENCH_TIMEOUT_SEC. */
function worker(args, env) {
  const r = spawnSync(process.execPath, [WORKER, ...args], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env, timeout: TIMEOUT_SEC * 1000, killSignal: 'SIGKILL',
  });
  if (r.error?.code === 'ETIMEDOUT') {
    return { timeout: true };
  }
  if (r.status !== 0) {
    throw new Error(`node ${WORKER} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}`);
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

/** Differences between the library's and another mode's dumps (manifests per output file), by file and kind/namespace/name. */
function compareDumps(libFile, baseFile, other) {
  const index = file => {
    const objects = new Map();
    for (const [name, manifests] of Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')))) {
      for (const m of manifests) {
        objects.set(`${name}: ${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`, JSON.stringify(canonical(m)));
      }
    }
    return objects;
  };
  const lib = index(libFile);
  const base = index(baseFile);
  const diffs = [];
  for (const [k, v] of lib) {
    if (!base.has(k)) {
      diffs.push(`only in library: ${k}`);
    } else if (base.get(k) !== v) {
      diffs.push(`differs: ${k}\n    library: ${v}\n    ${other}: ${base.get(k)}`);
    }
  }
  for (const k of base.keys()) {
    if (!lib.has(k)) {
      diffs.push(`only in ${other}: ${k}`);
    }
  }
  return { objects: lib.size, identical: diffs.length === 0, diffs: diffs.slice(0, 5), diffCount: diffs.length };
}

/** Medians of one side's samples at size n, or why there are none. */
function summarize(samples, n, timedOutAt) {
  if (timedOutAt !== undefined) {
    return timedOutAt === n ? { timeout: true, completedSamples: samples.length } : { notRun: `timed out at ${timedOutAt}` };
  }
  const m = k => median(samples.map(x => x[k]));
  return {
    totalMs: m('totalMs'),
    cpuMs: m('cpuMs'),
    constructMs: m('constructMs'),
    synthMs: m('synthMs'),
    loadMs: m('loadMs'),
    perServiceMs: m('totalMs') / n,
    peakRssMb: m('peakRssMb'),
    heapUsedMb: m('heapUsedMb'),
    files: samples[0].files,
    peers: samples[0].peers,
    objects: samples[0].objects,
    yamlBytes: samples[0].yamlBytes,
    samplesMs: samples.map(x => +x.totalMs.toFixed(1)),
    samplesCpuMs: samples.map(x => +x.cpuMs.toFixed(1)),
  };
}

/**
 * The median of `a[i].cpuMs / b[i].cpuMs` over the repetitions: sample i of each side ran in repetition i, one right
 * after the other. Undefined unless both sides completed every repetition (a timeout leaves no pairs to match).
 */
function pairedCpuRatio(a, b) {
  const ratios = pairedCpuRatios(a, b);
  return ratios === undefined ? undefined : median(ratios);
}

/** The per-repetition ratios of `pairedCpuRatio`, in repetition order (undefined as there). */
function pairedCpuRatios(a, b) {
  if (a.length !== REPS || b.length !== REPS) {
    return undefined;
  }
  return a.map((x, i) => x.cpuMs / b[i].cpuMs);
}

/** The modes in the order of repetition `i`: alternating which goes first, so neither always runs on a just-warmed disk cache or CPU. */
function modesInTurn(i) {
  return i % 2 ? [...MODES].reverse() : MODES;
}

/** All sizes of one layout: the modes' samples interleaved, the first of each dumped for the equality check. */
function benchLayout(layout, env) {
  const rows = [];
  const timedOutAt = {}; // mode -> the size at which a sample timed out; larger sizes of that mode are not run
  for (const n of layout.sizes) {
    const samples = Object.fromEntries(MODES.map(m => [m, []]));
    const dumps = {};
    for (let i = 0; i < REPS; i++) {
      for (const mode of modesInTurn(i)) {
        if (timedOutAt[mode] !== undefined) {
          continue;
        }
        const dump = i === 0 ? path.join(OUT, `${layout.name}-${mode}-${n}.json`) : undefined;
        const r = worker(['synth', layout.name, mode, String(n), ...(dump ? ['--dump', dump] : [])], env);
        if (r.timeout) {
          timedOutAt[mode] = n;
        } else {
          samples[mode].push(r);
          dumps[mode] = dumps[mode] ?? dump;
        }
      }
    }
    const [library, peer, baseline] = MODES.map(m => summarize(samples[m], n, timedOutAt[m]));
    const ratio = (a, b, k) => (a[k] !== undefined && b[k] !== undefined ? a[k] / b[k] : undefined);
    const equality = other => (dumps.library && dumps[other] ? compareDumps(dumps.library, dumps[other], other) : undefined);
    rows.push({
      n,
      library,
      peer,
      baseline,
      peerRatio: ratio(library, peer, 'totalMs'),
      ratio: ratio(library, baseline, 'totalMs'),
      peerCpuRatio: ratio(library, peer, 'cpuMs'),
      cpuRatio: ratio(library, baseline, 'cpuMs'),
      peerCpuPairedRatio: pairedCpuRatio(samples.library, samples.peer),
      // Every repetition's ratio, so that a reader sees how far one repetition is from another on this machine.
      peerCpuPairedRatios: pairedCpuRatios(samples.library, samples.peer)?.map(r => +r.toFixed(3)),
      cpuPairedRatio: pairedCpuRatio(samples.library, samples.baseline),
      peerRssRatio: ratio(library, peer, 'peakRssMb'),
      rssRatio: ratio(library, baseline, 'peakRssMb'),
      libraryDump: dumps.library,
      peerEquality: equality('peer'),
      equality: equality('baseline'),
    });
    process.stderr.write(`  ${layout.unit}=${n}: library ${msCell(library, true)}, peer ${msCell(peer, true)}, baseline ${msCell(baseline, true)}\n`);
  }
  return rows;
}

/**
 * cdk8s's per-chart pass over the whole app (scenario.perChartPass) at the largest K of the chart-per-service layout,
 * for each mode: `PASS_PROCESSES` fresh processes each, alternating modes, and the fastest batch over them. It is what
 * the K = 1,000 synthesis repeats K + 1 times, measured apart from the rest, so that a change to it can be seen through
 * the machine's noise, which the cold samples above cannot filter out (a report: it has no goal of its own).
 */
function benchPass(layout, env) {
  const k = layout.sizes[layout.sizes.length - 1];
  if (k === undefined) return { skipped: 'no chart-per-service sizes' };
  const runs = Object.fromEntries(MODES.map(m => [m, []]));
  for (let i = 0; i < PASS_PROCESSES; i++) {
    for (const mode of modesInTurn(i)) {
      const r = worker(['pass', layout.name, mode, String(k)], env);
      if (r.timeout) return { k, skipped: `timed out (> ${TIMEOUT_SEC} s)` };
      runs[mode].push(r);
    }
  }
  const side = m => ({ minMs: Math.min(...runs[m].map(r => r.minMs)), medianMs: median(runs[m].map(r => r.medianMs)), nodes: runs[m][0].nodes });
  const [library, peer, baseline] = MODES.map(side);
  return { k, processes: PASS_PROCESSES, library, peer, baseline, peerRatio: library.minMs / peer.minMs, ratio: library.minMs / baseline.minMs };
}

/** The app command of cdk8s.yaml (`node lib/src/main.js`), so the cold job follows the file wherever the app moves. */
function appCommand() {
  const m = /^app:\s*(.+)$/m.exec(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
  const words = m ? m[1].trim().split(/\s+/) : [];
  if (words[0] !== 'node' || words.length < 2) {
    throw new Error(`cdk8s.yaml: expected "app: node <file>", got ${JSON.stringify(m?.[1])}`);
  }
  return words;
}

function benchCold() {
  // The empty app: the floor of `cdk8s synth` (CLI start, spawning the app, loading cdk8s, writing nothing).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-bench-empty-'));
  fs.writeFileSync(path.join(dir, 'main.js'),
    `const { App } = require(${JSON.stringify(path.join(ROOT, 'node_modules/cdk8s'))});\nnew App().synth();\n`);
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'language: typescript\napp: node main.js\n');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-bench-out-'));
  const cli = path.join(ROOT, 'node_modules/.bin/cdk8s');
  const app = appCommand();
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
    nodeMain.push(...timeCommand(process.execPath, app.slice(1), { cwd: ROOT, env }, 1));
    nodeEmpty.push(...timeCommand(process.execPath, ['main.js'], { cwd: dir, env }, 1));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(out, { recursive: true, force: true });
  const m = xs => ({ medianSec: median(xs), samplesSec: xs.map(x => +x.toFixed(3)) });
  return {
    appCommand: app.join(' '),
    cdk8sSynthMain: m(main),
    cdk8sSynthEmpty: m(empty),
    npxCdk8sSynthMain: m(npx),
    nodeMain: m(nodeMain),
    nodeEmpty: m(nodeEmpty),
    overFloorSec: median(main) - median(empty),
  };
}

/**
 * analyzer-large-input: `cdk8s-traffic-mirror analyze -o json` over a generated file of LARGE_MB megabytes of `shape`
 * (written to the scratch dir, removed with it), as a user runs it (a fresh process: wall clock and peak RSS), and
 * once more with each phase timed in-process (module load, reading and parsing, analysis, output), to say where the
 * time goes.
 */
function benchLargeInput(env, shape) {
  if (!(LARGE_MB > 0)) return { shape, skipped: 'BENCH_LARGE_MB is 0' };
  const { text, objects, gateways } = largeInput(LARGE_MB, shape);
  const file = path.join(env.BENCH_SCRATCH, `large-input-${shape}.yaml`);
  fs.writeFileSync(file, text);
  const cli = [];
  let last;
  for (let i = 0; i < Math.min(REPS, 3); i++) {
    const s = performance.now();
    last = worker(['large', file, 'cli'], env);
    if (last.timeout) return { shape, skipped: `timed out (> ${TIMEOUT_SEC} s)` };
    cli.push({ wallSec: (performance.now() - s) / 1000, peakRssMb: last.peakRssMb });
  }
  const phases = worker(['large', file, 'phases'], env);
  fs.rmSync(file);
  return {
    shape, mb: Buffer.byteLength(text) / 1e6, objects, gateways, status: last.status,
    wallSec: median(cli.map(c => c.wallSec)), peakRssMb: Math.max(...cli.map(c => c.peakRssMb)), phases,
  };
}

function benchAnalyzer(libDump, env) {
  if (!libDump) {
    return { skipped: 'no library output of the one-chart layout at its largest N (layout skipped or timed out)' };
  }
  const r = worker(['analyze', libDump, '5'], env);
  if (r.timeout || r.skipped) {
    return r.timeout ? { skipped: `timed out (> ${TIMEOUT_SEC} s)` } : r;
  }
  return { ...r, warmMedianMs: median(r.warmMs) };
}

/**
 * The synthesis goals of a layout: library / peer at its largest size (and at `peerGoalAt`), per-service growth. A side
 * that timed out took at least BENCH_TIMEOUT_SEC, so its figure is a lower bound: a goal it already misses with that
 * bound is a MISS, otherwise undetermined (SKIP). The ratio to plain ApiObjects is reported beside the peer's.
 */
function layoutGoals({ label, unit, rows, peerGoalAt }) {
  const ratioGoal = `${label}: synth time library/peer (hand-written cdk8s-plus + imports) <= ${GOALS.ratioToPeer}`;
  const driftGoal = `${label}: per-service time does not grow from ${unit}=100`;
  if (rows.length === 0) {
    return [ratioGoal, driftGoal].map(goal => ({ goal, value: undefined, pass: undefined, note: 'skipped: no sizes' }));
  }
  const big = rows.reduce((a, r) => (r.n > a.n ? r : a));
  const mid = rows.find(r => r.n === 100);
  const at = `${unit}=${big.n}`;
  const exact = big.library.totalMs !== undefined;
  const libMs = big.library.totalMs ?? TIMEOUT_SEC * 1000; // a lower bound when the library timed out
  const verdict = (value, limit) => (exact || value > limit ? value <= limit : undefined);
  const timedOut = `library timed out at ${at} (> ${TIMEOUT_SEC} s)`;

  // The verdict is on CPU time (see worker.js: cpuMs), the wall clock beside it; when the library timed out, only the
  // wall clock's lower bound is known.
  const goals = [...new Set([...peerGoalAt, big.n])].sort((a, b) => a - b).map(n => {
    const row = rows.find(r => r.n === n);
    const goal = `${ratioGoal} at ${unit}=${n} (CPU time)`;
    if (!row) {
      return { goal, value: undefined, pass: undefined, note: `skipped: ${unit}=${n} not run` };
    }
    if (row.peer.totalMs === undefined) {
      return { goal, value: undefined, pass: undefined, note: `peer did not complete at ${unit}=${n}` };
    }
    if (row.library.totalMs === undefined) {
      const bound = (TIMEOUT_SEC * 1000) / row.peer.totalMs;
      return {
        goal, value: bound, pass: bound > GOALS.ratioToPeer ? false : undefined,
        note: `library timed out at ${unit}=${n} (> ${TIMEOUT_SEC} s): wall clock > ${fmt(bound, 2)} x the peer`,
      };
    }
    const plain = row.baseline.totalMs === undefined ? 'plain ApiObjects did not complete'
      : `library/plain ApiObjects ${fmt(row.cpuPairedRatio ?? row.cpuRatio, 2)} CPU, ${fmt(row.ratio, 2)} wall clock`;
    // Per repetition when every pair is there (see the method above), else the ratio of the medians.
    const value = row.peerCpuPairedRatio ?? row.peerCpuRatio;
    const how = row.peerCpuPairedRatio === undefined ? 'ratio of medians: not every repetition has both samples'
      : `median of ${REPS} per-repetition ratios, which range ${fmt(Math.min(...row.peerCpuPairedRatios), 2)}-`
        + `${fmt(Math.max(...row.peerCpuPairedRatios), 2)}; ratio of medians ${fmt(row.peerCpuRatio, 2)}`;
    return {
      goal,
      value,
      pass: value <= GOALS.ratioToPeer,
      note: `${fmt(value, 2)} (${how}; wall clock ${fmt(row.peerRatio, 2)}; ${plain})`,
    };
  });

  // One-sided: per-service time falls from 100 to 1000 (fixed costs and JIT warm-up are amortised), which is fine;
  // what the goal guards against is growth, the sign of a superlinear step (a scan per object, a quadratic
  // dependency pass, a whole-app pass per chart). The marginal cost between the two sizes is reported too.
  const drift = { goal: `${driftGoal} to ${at} by more than ${GOALS.perServiceDrift * 100}%`, value: undefined, pass: undefined };
  if (!mid || big.n <= 100) {
    goals.push({ ...drift, note: `needs ${unit}=100 and a larger ${unit}` });
  } else if (mid.library.totalMs === undefined) {
    goals.push({ ...drift, note: `library did not complete at ${unit}=100` });
  } else {
    const value = (libMs / big.n) / mid.library.perServiceMs - 1;
    const gt = exact ? '' : '> ';
    // The others' own growth, for context: what the same objects cost per service without the library in this layout.
    const growth = mode => (mid[mode].perServiceMs !== undefined && big[mode].perServiceMs !== undefined
      ? `; ${mode} ${fmt((big[mode].perServiceMs / mid[mode].perServiceMs - 1) * 100)}%: ${fmt(mid[mode].perServiceMs, 2)} -> ${fmt(big[mode].perServiceMs, 2)}`
      : '');
    const base = `${growth('peer')}${growth('baseline')}`;
    goals.push({
      ...drift,
      value,
      pass: verdict(value, GOALS.perServiceDrift),
      note: `${exact ? '' : `${timedOut}: `}${gt}${fmt(value * 100)}% (${fmt(mid.library.perServiceMs, 2)} -> ${gt}${fmt(libMs / big.n, 2)} ms/service; `
        + `marginal ${gt}${fmt((libMs - mid.library.totalMs) / (big.n - 100), 2)} ms/service${base})`,
    });
  }
  return goals;
}

/** The folder the workers load the peer dependencies from (BENCH_PEERS), or '' for the repo's node_modules. */
function peersDir() {
  const want = process.env.BENCH_PEERS ?? '';
  if (want === '') {
    return '';
  }
  if (want !== 'newest') {
    const dir = path.resolve(want);
    if (!['cdk8s', 'constructs', 'cdk8s-plus-27'].every(p => fs.existsSync(path.join(dir, 'node_modules', p, 'package.json')))) {
      throw new Error(`BENCH_PEERS must be "newest" or a folder whose node_modules holds cdk8s, constructs and cdk8s-plus-27; got ${JSON.stringify(want)}`);
    }
    return dir;
  }
  // As scripts/floor-test.sh --newest: the newest published versions the peer ranges of package.json allow.
  const dir = path.join(OUT, 'peers-newest');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  const ranges = Object.entries(require(path.join(ROOT, 'package.json')).peerDependencies).map(([name, range]) => `${name}@${range}`);
  process.stderr.write(`bench: npm install ${ranges.join(' ')} into ${path.relative(ROOT, dir)}\n`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...ranges], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`npm install ${ranges.join(' ')} failed (${r.status ?? r.error?.message}) in ${dir}:\n${r.stderr}`);
  }
  return dir;
}

function main() {
  if (!fs.existsSync(path.join(ROOT, 'lib/src/index.js'))) {
    throw new Error('lib/ is not built: run `npm run build` (npm run bench does)');
  }
  fs.mkdirSync(OUT, { recursive: true });
  // The workers' synth outdirs go under one scratch dir, removed at the end even if a worker was killed.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-bench-'));
  const env = { ...process.env, BENCH_SCRATCH: scratch, BENCH_PEERS_DIR: peersDir() };
  try {
    run(env);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function run(env) {
  const started = performance.now();
  const loadStart = os.loadavg()[0]; // the machine may be shared: a high load inflates every figure
  process.stderr.write(`bench: ${REPS} repetitions each, one fresh process per sample, timeout ${TIMEOUT_SEC} s per sample\n`);
  const layouts = LAYOUTS.map(layout => {
    process.stderr.write(`${layout.title} (${methodOf(layout)}), ${layout.unit} = ${layout.sizes.join(', ') || 'none (skipped)'}:\n`);
    return { ...layout, method: methodOf(layout), rows: benchLayout(layout, env) };
  });

  const perService = layouts.find(l => l.name === 'chart-per-service');
  process.stderr.write(`cdk8s's per-chart pass over the whole app, in-process (K = ${perService.sizes.at(-1) ?? 'none'})...\n`);
  const perChartPass = benchPass(perService, env);

  process.stderr.write('cold main job (cdk8s synth)...\n');
  const cold = benchCold();

  process.stderr.write('analyzer...\n');
  const oneChart = layouts.find(l => l.name === 'one-chart').rows;
  const biggest = oneChart.reduce((a, r) => (a && a.n > r.n ? a : r), undefined);
  const analyzer = benchAnalyzer(biggest?.libraryDump, env);

  const large = LARGE_SHAPES.map(shape => {
    process.stderr.write(`analyzer-large-input (${LARGE_MB} MB, ${shape})...\n`);
    return benchLargeInput(env, shape);
  });

  const goals = [
    ...layouts.flatMap(layoutGoals),
    {
      goal: `cold \`cdk8s synth\` of the main job within ${GOALS.coldOverFloorSec} s of the empty app`,
      value: cold.overFloorSec,
      pass: cold.overFloorSec <= GOALS.coldOverFloorSec,
    },
    ...large.flatMap(l => (l.skipped
      ? [{ goal: `analyze of a ${LARGE_MB} MB file (${l.shape})`, value: undefined, pass: l.skipped.startsWith('timed out') ? false : undefined,
        note: `skipped: ${l.skipped}` }]
      : [
        { goal: `analyze of a ${fmt(l.mb, 0)} MB file (${l.shape}) under ${GOALS.largeInputSec} s`, value: l.wallSec, pass: l.wallSec < GOALS.largeInputSec },
        { goal: `analyze of a ${fmt(l.mb, 0)} MB file (${l.shape}) under ${GOALS.largeInputRssMb} MB peak RSS`, value: l.peakRssMb,
          pass: l.peakRssMb < GOALS.largeInputRssMb },
      ])),
    analyzer.skipped
      ? { goal: `analysis of the one-chart output under ${GOALS.analyzeSec} s`, value: undefined, pass: undefined, note: `skipped: ${analyzer.skipped}` }
      : { goal: `analysis of ${analyzer.objects} objects under ${GOALS.analyzeSec} s (cold call)`, value: analyzer.coldMs / 1000, pass: analyzer.coldMs / 1000 < GOALS.analyzeSec },
  ];

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGb: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.platform()} ${os.release()}`,
      loadAverage: { start: loadStart, end: os.loadavg()[0] } },
    method: {
      repetitions: REPS,
      timeoutSec: TIMEOUT_SEC,
      sample: 'fresh node process per sample, library, peer and baseline interleaved; medians; the library/peer CPU goal on the median of per-repetition ratios',
      synth: 'per layout (layouts[].method); module load excluded, reported as loadMs; totalMs wall clock, cpuMs CPU time of the process',
      memory: 'process.resourceUsage().maxRSS of the sample process (module load included)',
      equality: 'first sample of every mode and size; the peer\'s and the baseline\'s manifests per output file compared with the library\'s field by field',
      peers: env.BENCH_PEERS_DIR ? `BENCH_PEERS=${process.env.BENCH_PEERS}: ${env.BENCH_PEERS_DIR}` : 'the repo\'s node_modules',
      perChartPass: `scenario.perChartPass: ${PASS_PROCESSES} fresh processes per mode, in each 30 batches of 10 calls after 30 warm-up calls; the fastest batch over them`,
      cold: 'wall clock of `cdk8s synth --no-check-upgrade -o <tmp>` (CLI from node_modules/.bin) in the repo vs. in a dir with an empty compiled app',
    },
    peers: layouts.flatMap(l => l.rows).flatMap(row => MODES.map(m => row[m].peers)).find(p => p !== undefined),
    layouts: layouts.map(({ name, label, unit, title, method, sizes: s, rows }) => ({ name, label, unit, title, method, sizes: s, rows })),
    perChartPass,
    cold,
    analyzer,
    largeInput: large,
    goals,
    wallSec: (performance.now() - started) / 1000,
  };
  fs.writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  report(results);
  const unequal = results.layouts.flatMap(l => l.rows.flatMap(row => [['peer', row.peerEquality], ['baseline', row.equality]]
    .filter(([, e]) => e && !e.identical).map(([mode]) => `${l.label} ${l.unit}=${row.n}: ${mode}`)));
  if (unequal.length > 0) {
    console.error(`bench: output differs from the library's (${unequal.join('; ')}): the ratios compare different work; `
      + 'make bench/scenario.js build the same objects');
    process.exitCode = 2;
  }
}

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => String(r[i]).length)));
  const line = r => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A side's median time, or why there is none (in full for the progress lines, in a word for the table). */
function msCell(s, full = false) {
  if (s.totalMs !== undefined) {
    return full ? `${fmt(s.totalMs)} ms` : fmt(s.totalMs);
  }
  return s.timeout ? `timeout${full ? ` (> ${TIMEOUT_SEC} s)` : ''}` : `not run${full ? ` (${s.notRun})` : ''}`;
}

function layoutReport({ title, method, unit, rows }) {
  const out = [`\n${title} (${method}, fresh process per sample)`];
  if (rows.length === 0) {
    return [...out, '  skipped (no sizes)'];
  }
  const same = e => (e ? (e.identical ? 'yes' : `NO (${e.diffCount})`) : '-');
  out.push(table(
    [unit, 'files', 'objects', 'lib ms', 'peer ms', 'base ms', 'lib/peer', 'lib/base', 'lib CPU ms', 'peer CPU ms', 'base CPU ms',
      'CPU lib/peer', 'CPU lib/peer paired', 'CPU lib/base', 'lib ms/svc', 'lib construct', 'lib synth',
      'lib RSS MB', 'peer RSS MB', 'base RSS MB', 'lib load ms', 'peer load ms', 'base load ms', 'same as peer', 'same as base'],
    rows.map(({ n, library: l, peer: p, baseline: b, peerRatio, ratio, peerCpuRatio, peerCpuPairedRatio, cpuRatio, peerEquality, equality }) => [
      n, l.files ?? p.files ?? b.files ?? '-', l.objects ?? p.objects ?? b.objects ?? '-', msCell(l), msCell(p), msCell(b),
      fmt(peerRatio, 2), fmt(ratio, 2), fmt(l.cpuMs), fmt(p.cpuMs), fmt(b.cpuMs), fmt(peerCpuRatio, 2), fmt(peerCpuPairedRatio, 2), fmt(cpuRatio, 2),
      fmt(l.perServiceMs, 2), fmt(l.constructMs), fmt(l.synthMs),
      fmt(l.peakRssMb), fmt(p.peakRssMb), fmt(b.peakRssMb), fmt(l.loadMs), fmt(p.loadMs), fmt(b.loadMs), same(peerEquality), same(equality)]),
  ));
  out.push('  peer: the same objects by hand with cdk8s-plus-27 and the generated classes; base: plain ApiObjects (bench/scenario.js)');
  out.push('  CPU lib/peer: ratio of the medians; paired: median of the per-repetition ratios (the goal\'s figure, see the method)');
  if (rows.some(r => MODES.some(m => r[m].timeout))) {
    out.push(`  timeout: a sample ran longer than BENCH_TIMEOUT_SEC = ${TIMEOUT_SEC} s and was killed; not run: a smaller ${unit} timed out`);
  }
  for (const [key, other] of [['peerEquality', 'peer'], ['equality', 'baseline']]) {
    const checked = rows.filter(r => r[key]);
    out.push(checked.length === 0
      ? `  Output equality, library vs ${other}: not checked (no size where both completed)`
      : `  Output equality, library vs ${other} (per file, field by field): ${checked.map(r => `${unit}=${r.n} `
        + `${r[key].identical ? 'identical' : `${r[key].diffCount} differences`} (${r[key].objects} objects)`).join(', ')}`);
    for (const r of checked.filter(c => !c[key].identical)) {
      out.push(`  ${unit}=${r.n}, e.g.\n    ${r[key].diffs.join('\n    ')}`);
    }
  }
  return out;
}

function report(r) {
  const out = [];
  out.push(`\nMachine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memGb} GB, node ${r.machine.node}; ${r.method.repetitions} reps, medians, `
    + `fresh process per sample, ${r.method.timeoutSec} s timeout per sample; load average ${fmt(r.machine.loadAverage.start, 2)} at start, `
    + `${fmt(r.machine.loadAverage.end, 2)} at end`);
  out.push(`Peer dependencies loaded by the samples: ${Object.entries(r.peers ?? {}).map(([n, v]) => `${n} ${v}`).join(', ') || 'unknown (no sample completed)'}`
    + ` (${r.method.peers})`);
  out.push(...r.layouts.flatMap(layoutReport));
  const p = r.perChartPass;
  out.push(`\nPer-chart pass of cdk8s over the whole app (what app.synth() repeats for every chart; ${r.method.perChartPass})`);
  if (p.skipped) {
    out.push(`  skipped: ${p.skipped}`);
  } else {
    out.push(`  K=${p.k}: library ${fmt(p.library.minMs, 3)} ms (${p.library.nodes} constructs), peer ${fmt(p.peer.minMs, 3)} ms (${p.peer.nodes}), `
      + `baseline ${fmt(p.baseline.minMs, 3)} ms (${p.baseline.nodes}); library/peer ${fmt(p.peerRatio, 2)}, library/baseline ${fmt(p.ratio, 2)}; `
      + `medians of the batches ${fmt(p.library.medianMs, 3)}, ${fmt(p.peer.medianMs, 3)}, ${fmt(p.baseline.medianMs, 3)} ms`);
    out.push(`  x ${p.k + 1} charts: library ${fmt(p.library.minMs * (p.k + 1))} ms, peer ${fmt(p.peer.minMs * (p.k + 1))} ms of their synthesis at K=${p.k}`);
  }
  out.push('\nCold main job (wall clock, medians)');
  out.push(table(['command', 'median s'], [
    [`cdk8s synth (repo: ${r.cold.appCommand})`, fmt(r.cold.cdk8sSynthMain.medianSec, 3)],
    ['cdk8s synth (empty compiled app: floor)', fmt(r.cold.cdk8sSynthEmpty.medianSec, 3)],
    ['npx cdk8s synth (repo, as a user types it)', fmt(r.cold.npxCdk8sSynthMain.medianSec, 3)],
    [r.cold.appCommand, fmt(r.cold.nodeMain.medianSec, 3)],
    ['node <empty app>', fmt(r.cold.nodeEmpty.medianSec, 3)],
    ['main job over floor', fmt(r.cold.overFloorSec, 3)],
  ]));
  out.push('\nAnalyzer (MeshAnalyzer.analyze over the library output, one chart, largest N)');
  if (r.analyzer.skipped) {
    out.push(`  skipped: ${r.analyzer.skipped}`);
  } else {
    out.push(`  ${r.analyzer.objects} objects: cold call ${fmt(r.analyzer.coldMs)} ms, warm median ${fmt(r.analyzer.warmMedianMs)} ms, `
      + `module load ${fmt(r.analyzer.loadMs)} ms, peak RSS ${fmt(r.analyzer.peakRssMb)} MB, ${r.analyzer.findings} findings `
      + `${JSON.stringify(r.analyzer.codes)}`);
  }
  out.push('\nAnalyzer, large input (`cdk8s-traffic-mirror analyze -o json` over a generated file per shape, fresh process; phases timed in-process)');
  for (const large of r.largeInput) {
    if (large.skipped) {
      out.push(`  ${large.shape}: skipped: ${large.skipped}`);
      continue;
    }
    const p = large.phases;
    out.push(`  ${large.shape}: ${fmt(large.mb)} MB, ${large.objects} objects (${large.gateways} Gateways): ${fmt(large.wallSec, 2)} s wall clock `
      + `(median), peak RSS ${fmt(large.peakRssMb)} MB, exit status ${large.status}`);
    out.push(`    where the time goes: module load ${fmt(p.loadMs)} ms, read + parse (kubectl-compatible YAML) ${fmt(p.readMs)} ms, `
      + `analysis ${fmt(p.analyzeMs)} ms, output ${fmt(p.formatMs)} ms`);
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
