#!/usr/bin/env node
/**
 * `cdk8s-traffic-mirror analyze <file-or-dir>... [--json]`: runs `MeshAnalyzer` over manifest files.
 *
 * Exit status: 0 without error-level findings, 1 with at least one, 2 for bad usage or unreadable input.
 * Not part of the jsii API (not exported from index.ts): it is the package's `bin` entry.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FindingLevel, MeshAnalyzer } from '../analysis/mesh-analyzer';

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const USAGE = `Usage: cdk8s-traffic-mirror analyze <file-or-dir>... [--json]

Analyzes Kubernetes and Istio manifests for traffic mirroring that would fail silently,
with istioctl analyze codes (IST0101, ...) and this library's TM codes.

  <file-or-dir>   YAML or JSON manifest files (multi-document); directories are searched
                  recursively for *.yaml, *.yml and *.json files, in sorted order
  --json          print the findings as a JSON array of {code, level, kind, namespace, name, message}
  -h, --help      print this help

Output: one finding per line, "<code> <level> <Kind> <namespace>/<name>: <message>".
Exit status: 0 no error-level finding, 1 at least one error, 2 bad usage or unreadable input.
`;

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** Thrown for input problems that end the run with status 2. */
class InputError extends Error {}

/**
 * Runs the CLI with `argv` (the arguments after the program name) and returns the exit status.
 */
export function runCli(argv: string[], io: CliIo = { out: s => process.stdout.write(s), err: s => process.stderr.write(s) }): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    io.out(USAGE);
    return 0;
  }
  const [command, ...rest] = argv;
  if (command !== 'analyze') {
    io.err(command === undefined ? USAGE : `error: unknown command "${command}" (expected "analyze")\n\n${USAGE}`);
    return 2;
  }
  const json = rest.includes('--json');
  const unknown = rest.filter(a => a.startsWith('-') && a !== '--json');
  if (unknown.length > 0) {
    io.err(`error: unknown option ${unknown.map(a => `"${a}"`).join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const inputs = rest.filter(a => !a.startsWith('-'));
  if (inputs.length === 0) {
    io.err(`error: no file or directory to analyze\n\n${USAGE}`);
    return 2;
  }

  const manifests: any[] = [];
  let files: string[];
  try {
    files = inputs.flatMap(expand);
    for (const file of files) {
      manifests.push(...readManifests(file));
    }
  } catch (e) {
    io.err(`error: ${e instanceof InputError ? e.message : String(e)}\n`);
    return 2;
  }

  const findings = MeshAnalyzer.analyze(manifests);
  if (json) {
    io.out(`${JSON.stringify(findings.map(f => ({ code: f.code, level: f.level, kind: f.kind, namespace: f.namespace, name: f.name, message: f.message })), undefined, 2)}\n`);
  } else {
    for (const f of findings) {
      io.out(`${MeshAnalyzer.formatFinding(f)}\n`);
    }
    if (findings.length === 0) {
      // Files such as cdk8s's construct-metadata.json hold no Kubernetes object: count only what has a kind.
      const objects = manifests.filter(m => typeof m?.kind === 'string').length;
      io.err(`No findings in ${objects} objects from ${files.length} file(s).\n`);
    }
  }
  return findings.some(f => f.level === FindingLevel.ERROR) ? 1 : 0;
}

/** A file as itself; a directory as its manifest files, recursively, in sorted order. */
function expand(input: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch (e) {
    throw new InputError(`cannot read "${input}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(e)}`);
  }
  if (!stat.isDirectory()) return [input];
  const out: string[] = [];
  for (const entry of fs.readdirSync(input, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(input, entry.name);
    if (entry.isDirectory()) out.push(...expand(full));
    else if (MANIFEST_FILE.test(entry.name)) out.push(full);
  }
  return out;
}

function readManifests(file: string): any[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read "${file}": ${String((e as Error).message)}`);
  }
  try {
    return MeshAnalyzer.parseYaml(text);
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message}`);
  }
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2));
}
