#!/usr/bin/env node
// Runs `jsii-rosetta extract` after jsii: compiles every example of the assembly (the README's ```ts blocks and the
// doc comments' @example), with the fixtures of rosetta/, and writes the translations to .jsii.tabl.json next to
// .jsii, where jsii-pacmak and jsii-docgen read them. Fails when an example does not compile or cannot be translated,
// as `jsii-rosetta extract --strict` does.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const repo = path.resolve(__dirname, '..');

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

// Diagnostics name the example's file: `<assembly>-README-L<line>.ts` or `<fqn>-example.ts` (also -<member>).
const failing = new Map();
for (const m of output.matchAll(/^(\S+?\.ts):\d+:\d+ - error (TS\d+: .*)$/gm)) {
  failing.set(m[1], [...(failing.get(m[1]) ?? []), m[2]]);
}
const errors = [];
for (const [file, messages] of failing) {
  const readme = /-README-L(\d+)\.ts$/.exec(file);
  errors.push(`${readme ? `README.md line ${readme[1]}` : file}:\n  ${messages.join('\n  ')}`);
}
if (errors.length > 0) {
  console.error(`Examples that jsii-rosetta cannot compile or translate (see rosetta/ for the fixtures):\n${errors.join('\n')}`);
  process.exit(1);
}
const tablet = JSON.parse(fs.readFileSync(path.join(repo, '.jsii.tabl.json'), 'utf8'));
console.log(`jsii-rosetta: ${Object.keys(tablet.snippets).length} examples translated into .jsii.tabl.json`);
