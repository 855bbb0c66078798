'use strict';
// One measurement in a fresh node process (run.js starts one per repetition, so every sample is a cold,
// JIT-unwarmed, GC-fresh run, as a user's `cdk8s synth` is). Prints one JSON line on stdout.
//
//   node bench/worker.js synth <library|baseline> <N> [--dump <file>]
//   node bench/worker.js analyze <manifests.json> <warm repetitions>

const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..');

function memory() {
  // maxRSS is in kilobytes: the peak resident set of this process, module loading included.
  return { peakRssMb: process.resourceUsage().maxRSS / 1024, heapUsedMb: process.memoryUsage().heapUsed / 1048576 };
}

function synth(mode, n, dumpFile) {
  const t0 = performance.now();
  const cdk8s = require(path.join(ROOT, 'node_modules/cdk8s'));
  const scenario = require('./scenario');
  const lib = mode === 'library' ? require(path.join(ROOT, 'lib/src')) : undefined;
  const t1 = performance.now();
  const app = mode === 'library' ? scenario.buildLibrary(cdk8s, lib, n) : scenario.buildBaseline(cdk8s, n);
  const t2 = performance.now();
  // What `cdk8s synth` does minus writing the file: resolve dependencies, run validations, resolve tokens and
  // Lazy values, apply JSON patches, sort keys, render YAML.
  const yaml = app.synthYaml();
  const t3 = performance.now();
  const result = {
    mode,
    n,
    loadMs: t1 - t0,
    constructMs: t2 - t1,
    synthMs: t3 - t2,
    totalMs: t3 - t1,
    yamlBytes: Buffer.byteLength(yaml),
    objects: (yaml.match(/^kind: /gm) || []).length,
    ...memory(),
  };
  if (dumpFile) {
    // Untimed: the plain manifests, for the equality check and the analyzer run.
    fs.writeFileSync(dumpFile, JSON.stringify(app.charts.flatMap(c => c.toJson())));
  }
  return result;
}

function loadAnalyzer() {
  // The analyzer may not be exported from index.ts yet: fall back to its own module.
  for (const mod of ['lib/src/index.js', 'lib/src/analysis/mesh-analyzer.js']) {
    const file = path.join(ROOT, mod);
    if (fs.existsSync(file)) {
      const m = require(file);
      if (m.MeshAnalyzer && typeof m.MeshAnalyzer.analyze === 'function') {
        return m.MeshAnalyzer;
      }
    }
  }
  return undefined;
}

function analyze(file, warmReps) {
  const manifests = JSON.parse(fs.readFileSync(file, 'utf8'));
  const t0 = performance.now();
  const analyzer = loadAnalyzer();
  const t1 = performance.now();
  if (!analyzer) {
    return { skipped: 'analyzer not built' };
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

const [cmd, ...args] = process.argv.slice(2);
let out;
if (cmd === 'synth') {
  const dumpAt = args.indexOf('--dump');
  out = synth(args[0], Number(args[1]), dumpAt >= 0 ? args[dumpAt + 1] : undefined);
} else if (cmd === 'analyze') {
  out = analyze(args[0], Number(args[1] ?? 5));
} else {
  throw new Error(`usage: worker.js synth <library|baseline> <N> [--dump file] | analyze <file> [reps]; got ${cmd}`);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
