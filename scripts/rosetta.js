#!/usr/bin/env node
// Runs `jsii-rosetta extract` after jsii: compiles every example of the assembly (the README's ```ts blocks and the
// doc comments' @example), with the fixtures of rosetta/, and writes the translations to .jsii.tabl.json next to
// .jsii, where jsii-pacmak and jsii-docgen read them. Fails when an example does not compile or cannot be translated,
// as `jsii-rosetta extract --strict` does, except for the examples listed in PENDING below.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const repo = path.resolve(__dirname, '..');

// Examples that do not translate yet and belong to work in progress elsewhere: the README's "Mesh analysis" section
// and the doc comments of src/analysis/ are being rewritten in parallel (they use arrow functions, `console` and `fs`,
// which rosetta cannot translate). Remove an entry once its example translates; an entry that no longer fails is
// reported, so the list only shrinks.
const PENDING = {
  readmeSections: ['## Mesh analysis'],
  types: ['cdk8s-traffic-mirror.MeshAnalysis', 'cdk8s-traffic-mirror.MeshAnalyzer'],
};

// A fresh tablet: rosetta reuses cached translations without reporting their diagnostics again.
fs.rmSync(path.join(repo, '.jsii.tabl.json'), { force: true });
const bin = path.join(repo, 'node_modules', '.bin', 'jsii-rosetta');
const run = spawnSync(bin, ['extract', '--compile', '.jsii'], { cwd: repo, encoding: 'utf8' });
const output = `${run.stdout}\n${run.stderr}`;
if (run.status !== 0) {
  process.stderr.write(output);
  console.error('jsii-rosetta extract failed');
  process.exit(1);
}

// The README's top-level section of each line, to tell which section a README example is in.
const readmeLines = fs.readFileSync(path.join(repo, 'README.md'), 'utf8').split('\n');
function sectionOf(line) {
  for (let i = line - 1; i >= 0; i--) {
    if (/^## /.test(readmeLines[i])) return readmeLines[i].trim();
  }
  return '';
}

// Diagnostics name the example's file: `<assembly>-README-L<line>.ts` or `<fqn>-example.ts` (also -<member>).
const failing = new Map();
for (const m of output.matchAll(/^(\S+?\.ts):\d+:\d+ - error (TS\d+: .*)$/gm)) {
  failing.set(m[1], [...(failing.get(m[1]) ?? []), m[2]]);
}
const pendingSeen = new Set();
const errors = [];
for (const [file, messages] of failing) {
  const readme = /-README-L(\d+)\.ts$/.exec(file);
  const type = /^(.+?)-example\.ts$/.exec(file);
  const pending = readme
    ? PENDING.readmeSections.find(s => sectionOf(Number(readme[1])) === s)
    : PENDING.types.find(t => type !== null && type[1] === t);
  if (pending) {
    pendingSeen.add(pending);
    continue;
  }
  errors.push(`${readme ? `README.md line ${readme[1]}` : file}:\n  ${messages.join('\n  ')}`);
}
for (const p of [...PENDING.readmeSections, ...PENDING.types]) {
  if (!pendingSeen.has(p)) console.log(`scripts/rosetta.js: the examples of ${p} translate now: remove it from PENDING`);
}
if (errors.length > 0) {
  console.error(`Examples that jsii-rosetta cannot compile or translate (see rosetta/ for the fixtures):\n${errors.join('\n')}`);
  process.exit(1);
}
const tablet = JSON.parse(fs.readFileSync(path.join(repo, '.jsii.tabl.json'), 'utf8'));
console.log(`jsii-rosetta: ${Object.keys(tablet.snippets).length} examples translated into .jsii.tabl.json`
  + `${pendingSeen.size ? ` (pending rewrite: ${[...pendingSeen].join(', ')})` : ''}`);
