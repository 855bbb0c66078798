'use strict';
// One measurement in a fresh node process (run.js starts one per repetition, so every sample is a cold,
// JIT-unwarmed, GC-fresh run, as a user's `cdk8s synth` is). Prints one JSON line on stdout.
//
//   node bench/worker.js synth <layout> <library|peer|baseline> <N> [--dump <file>]
//   node bench/worker.js pass <layout> <library|peer|baseline> <N>   (cdk8s's per-chart pass, scenario.perChartPass)
//   node bench/worker.js analyze <dump file> <warm repetitions>
//   node bench/worker.js large <yaml file> phases|cli
//
// <layout> is a key of scenario.LAYOUTS (one-chart, chart-per-service); the modes are scenario.js's builders. The
// library is loaded only through its package entry, lib/src/index.js.
//
// BENCH_PEERS_DIR (set by run.js from BENCH_PEERS): a folder whose node_modules holds other versions of the peer
// dependencies (cdk8s, constructs, cdk8s-plus-27). Every require of them, by the library, the generated classes and
// this worker, then resolves there, so one copy of each is loaded (two copies of constructs would break Chart.of()).

const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..');
const LIBRARY = path.join(ROOT, 'lib/src/index.js');
const ISTIO = path.join(ROOT, 'lib/imports/networking.istio.io.js');
const PEERS = ['cdk8s', 'constructs', 'cdk8s-plus-27'];

if (process.env.BENCH_PEERS_DIR) {
  const Module = require('module');
  const dir = process.env.BENCH_PEERS_DIR;
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    const peer = PEERS.some(p => request === p || request.startsWith(`${p}/`));
    return resolve.call(this, request, parent, isMain, peer ? { ...options, paths: [dir] } : options);
  };
}

/** The versions of the peer dependencies this worker loaded; throws when a peer was loaded from two folders. */
function peerVersions() {
  for (const p of PEERS) {
    const dirs = new Set(Object.keys(require.cache).map(f => f.split(path.sep))
      .map(parts => parts.lastIndexOf(p) > 0 && parts[parts.lastIndexOf(p) - 1] === 'node_modules' ? parts.slice(0, parts.lastIndexOf(p) + 1).join(path.sep) : undefined)
      .filter(d => d !== undefined));
    if (dirs.size > 1) {
      throw new Error(`${p} was loaded from ${[...dirs].join(' and ')}: the library and the scenario must share one copy (BENCH_PEERS_DIR)`);
    }
  }
  return Object.fromEntries(PEERS.map(p => [p, require(`${p}/package.json`).version]));
}

function memory() {
  // maxRSS is in kilobytes: the peak resident set of this process, module loading included.
  return { peakRssMb: process.resourceUsage().maxRSS / 1024, heapUsedMb: process.memoryUsage().heapUsed / 1048576 };
}

/**
 * The ways to synthesize an app (scenario.LAYOUTS[layout].synth). Each does the timed work and returns an untimed
 * reader of the output: YAML text per output file name.
 */
const SYNTH = {
  // What App.synth() does minus writing the file: resolve dependencies, validate the app, then per chart
  // chart.toJson() (which resolves and validates the whole app again), resolve tokens and Lazy values, apply JSON
  // patches, render YAML. The one string stands for the one chart's file.
  synthYaml(app) {
    const yaml = app.synthYaml();
    return () => ({ 'app.synthYaml()': yaml });
  },
  // App.synth() itself, as `cdk8s synth` runs it, into a temporary outdir: one file per chart, each chart's
  // chart.toJson() validating the whole app again.
  synth(app) {
    app.synth();
    return () => Object.fromEntries(fs.readdirSync(app.outdir).sort()
      .map(file => [file, fs.readFileSync(path.join(app.outdir, file), 'utf8')]));
  },
};

function parseYaml(text) {
  // cdk8s's own YAML library and schema version, so the documents read back as cdk8s wrote them.
  const YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));
  return YAML.parseAllDocuments(text, { version: '1.1' }).map(d => d.toJSON()).filter(d => d !== null && d !== undefined);
}

/** Loads what `mode` builds with (module loading, untimed by the callers) and returns its builder of the app. */
function builder(layoutName, mode, n, outdir) {
  const cdk8s = require('cdk8s');
  const scenario = require('./scenario');
  const build = {
    library: () => {
      const lib = require(LIBRARY);
      return () => scenario.buildLibrary(cdk8s, lib, layoutName, n, outdir);
    },
    peer: () => {
      const kplus = require('cdk8s-plus-27');
      const istio = require(ISTIO);
      return () => scenario.buildPeer(cdk8s, kplus, istio, layoutName, n, outdir);
    },
    baseline: () => () => scenario.buildBaseline(cdk8s, layoutName, n, outdir),
  }[mode];
  if (!build) {
    throw new Error(`unknown mode ${JSON.stringify(mode)}: library, peer or baseline`);
  }
  return build();
}

/** The per-chart pass of cdk8s over the whole app (scenario.perChartPass), on an app of `n` services built by `mode`. */
function pass(layoutName, mode, n) {
  return inScratchDir('pass-', outdir => {
    const app = builder(layoutName, mode, n, outdir)();
    return { layout: layoutName, mode, n, ...require('./scenario').perChartPass(require('cdk8s'), app), peers: peerVersions() };
  });
}

/** `f` of a new folder under BENCH_SCRATCH (the app's outdir), removed when `f` returns or throws. */
function inScratchDir(prefix, f) {
  const dir = fs.mkdtempSync(path.join(process.env.BENCH_SCRATCH ?? os.tmpdir(), prefix));
  try {
    return f(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function synth(layoutName, mode, n, dumpFile) {
  return inScratchDir('synth-', outdir => {
    const t0 = performance.now();
    const layout = require('./scenario').layoutOf(layoutName);
    const construct = builder(layoutName, mode, n, outdir);
    const t1 = performance.now();
    const cpu1 = process.cpuUsage();
    const app = construct();
    const t2 = performance.now();
    const output = SYNTH[layout.synth](app);
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu1);
    const mem = memory();
    // Untimed from here: counting, and the dump (manifests per output file) for the equality check and the analyzer.
    const files = output();
    const texts = Object.values(files);
    if (dumpFile) {
      fs.writeFileSync(dumpFile, JSON.stringify(Object.fromEntries(Object.entries(files).map(([f, text]) => [f, parseYaml(text)]))));
    }
    return {
      layout: layoutName,
      mode,
      n,
      loadMs: t1 - t0,
      constructMs: t2 - t1,
      synthMs: t3 - t2,
      totalMs: t3 - t1,
      // CPU time of the process (every thread: the main one, the GC's, libuv's) over construct + synth: on a shared
      // machine it varies much less than the wall clock, which also counts the time other jobs hold the cores.
      cpuMs: (cpu.user + cpu.system) / 1000,
      files: texts.length,
      yamlBytes: texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0),
      objects: texts.reduce((sum, t) => sum + (t.match(/^kind: /gm) || []).length, 0),
      peers: peerVersions(),
      ...mem,
    };
  });
}

function analyze(file, warmReps) {
  const manifests = Object.values(JSON.parse(fs.readFileSync(file, 'utf8'))).flat();
  const t0 = performance.now();
  const analyzer = require(LIBRARY).MeshAnalyzer;
  const t1 = performance.now();
  if (!analyzer || typeof analyzer.analyze !== 'function') {
    return { skipped: 'MeshAnalyzer.analyze is not exported by lib/src/index.js' };
  }
  const first = analyzer.analyze(manifests);
  const t2 = performance.now();
  const warm = [];
  for (let i = 0; i < warmReps; i++) {
    const s = performance.now();
    analyzer.analyze(manifests);
    warm.push(performance.now() - s);
  }
  const codes = {};
  for (const f of first) {
    codes[f.code] = (codes[f.code] || 0) + 1;
  }
  return { objects: manifests.length, loadMs: t1 - t0, coldMs: t2 - t1, warmMs: warm, findings: first.length, codes, ...memory() };
}

/**
 * The analyzer-large-input section: `phases` times each step of `cdk8s-traffic-mirror analyze` in-process (reading and
 * parsing the file, analysis, formatting), `cli` runs the command as a user does (runCli, output discarded).
 */
function large(file, mode) {
  const t0 = performance.now();
  const { runCli } = require(path.join(ROOT, 'lib/src/cli/cli.js'));
  const { readInput } = require(path.join(ROOT, 'lib/src/cli/input.js'));
  const { formatJson } = require(path.join(ROOT, 'lib/src/cli/output.js'));
  const { MeshAnalyzer } = require(LIBRARY);
  const t1 = performance.now();
  if (mode === 'cli') {
    let err = '';
    const status = runCli(['analyze', '-o', 'json', file], { out: () => undefined, err: s => { err += s; } });
    return { status, err: err.slice(0, 300), loadMs: t1 - t0, cliMs: performance.now() - t1, ...memory() };
  }
  const input = readInput([file]);
  const t2 = performance.now();
  const findings = MeshAnalyzer.analyze(input.manifests.map(m => m.manifest));
  const t3 = performance.now();
  const json = formatJson(findings, new Map());
  const t4 = performance.now();
  return {
    objects: input.manifests.length, problems: input.problems.length, findings: findings.length, outputBytes: json.length,
    loadMs: t1 - t0, readMs: t2 - t1, analyzeMs: t3 - t2, formatMs: t4 - t3, ...memory(),
  };
}

const [cmd, ...args] = process.argv.slice(2);
let out;
if (cmd === 'synth') {
  const dumpAt = args.indexOf('--dump');
  out = synth(args[0], args[1], Number(args[2]), dumpAt >= 0 ? args[dumpAt + 1] : undefined);
} else if (cmd === 'pass') {
  out = pass(args[0], args[1], Number(args[2]));
} else if (cmd === 'analyze') {
  out = analyze(args[0], Number(args[1] ?? 5));
} else if (cmd === 'large') {
  out = large(args[0], args[1]);
} else {
  throw new Error(`usage: worker.js synth <layout> <library|peer|baseline> <N> [--dump file] | pass <layout> <mode> <N> | analyze <dump file> [reps]; got ${cmd}`);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
