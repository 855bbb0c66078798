/**
 * Reading the CLI's input: files and directories into manifests, each with the file and line it starts at (for istioctl's
 * `reference` and SARIF), and every problem of the input as one line instead of an exception. Not part of the jsii API.
 *
 * Documents are read with `read-manifests.ts` (as `kubectl apply -f` reads them). What is not a Kubernetes object is an
 * input problem, as in istioctl (which counts such files as "couldn't be parsed" and fails unless `--ignore-unknown`):
 * a file that is binary (has a NUL byte) or not UTF-8, a YAML syntax error, a document nested too deeply or with
 * excessive aliasing, a document that is a scalar or a list, a mapping without `apiVersion` or `kind`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ManifestSyntaxError, MAX_NESTING_DEPTH, parseManifests } from '../analysis/read-manifests';

/** A manifest of the input and where it starts. */
export interface Located {
  readonly manifest: any;
  readonly file: string;
  /** 1-based line of the document's first content line. */
  readonly line: number;
}

/** One problem of the input, as one line: `<file>[:<line>[:<column>]]: <what>`. */
export interface InputProblem {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** The input of a run. */
export interface Input {
  readonly files: string[];
  readonly manifests: Located[];
  /** Documents or files that are not Kubernetes objects (exit status 4 unless `--ignore-unknown`). */
  readonly problems: InputProblem[];
}

/** A path that cannot be read at all (exit status 3). */
export class UnreadableInput extends Error {}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;
/** cdk8s writes this next to the manifests; it holds no Kubernetes object. */
const CDK8S_METADATA = 'construct-metadata.json';

/** `<file>:<line>:<column>: <message>` */
export function formatProblem(p: InputProblem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}${p.column !== undefined ? `:${p.column}` : ''}: ${p.message}`;
}

/** Reads every input path: files as themselves, directories recursively (*.yaml, *.yml, *.json, sorted). */
export function readInput(inputs: string[]): Input {
  const files: string[] = [];
  for (const input of inputs) {
    const found = expand(input);
    if (found.length === 0) {
      throw new UnreadableInput(`no *.yaml, *.yml or *.json files in directory "${input}"`);
    }
    for (const f of found) files.push(f);
  }
  const manifests: Located[] = [];
  const problems: InputProblem[] = [];
  for (const file of files) {
    readFile(file, manifests, problems);
  }
  return { files, manifests, problems };
}

function expand(input: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UnreadableInput(`cannot read "${input}": ${code === 'ENOENT' ? 'no such file or directory' : code ?? String(e)}`);
  }
  if (!stat.isDirectory()) return [input];
  const out: string[] = [];
  const entries = fs.readdirSync(input, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(input, entry.name);
    if (entry.isDirectory()) {
      for (const f of expand(full)) out.push(f);
    } else if (MANIFEST_FILE.test(entry.name) && entry.name !== CDK8S_METADATA) {
      out.push(full);
    }
  }
  return out;
}

function readFile(file: string, out: Located[], problems: InputProblem[]): void {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UnreadableInput(`cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    problems.push({ file, message: `binary file (NUL byte at offset ${nul}), not YAML or JSON` });
    return;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    problems.push({ file, message: `not UTF-8 text (invalid byte sequence at offset ${firstInvalidUtf8(bytes)}); save the file as UTF-8` });
    return;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  for (const [offsetLine, chunk] of chunks(text)) {
    let docs: any[];
    try {
      docs = parseManifests(chunk);
    } catch (e) {
      problems.push(syntaxProblem(file, offsetLine, e));
      continue;
    }
    const line = offsetLine + firstContentLine(chunk);
    for (const doc of docs) {
      const problem = notAnObject(doc);
      if (problem) problems.push({ file, line, message: problem });
      else out.push({ manifest: doc, file, line });
    }
  }
}

/**
 * The documents of a text with the number of lines before each: cut at lines starting with `---` as kubectl's
 * YAMLReader does (read-manifests.ts reads each chunk the same way it reads a whole file). A JSON stream (text starting
 * with `{`) is one chunk.
 */
function* chunks(text: string): Generator<[number, string]> {
  const first = text.search(/\S/);
  if (first < 0) return;
  if (text.charCodeAt(first) === 123) {
    yield [0, text];
    return;
  }
  let start = 0;
  let lines = 0;
  let startLines = 0;
  for (let p = 0; p < text.length;) {
    const nl = text.indexOf('\n', p);
    const next = nl < 0 ? text.length : nl + 1;
    if (p > start && text.startsWith('---', p)) {
      yield [startLines, text.slice(start, p)];
      start = p;
      startLines = lines;
    }
    lines++;
    p = next;
  }
  yield [startLines, text.slice(start)];
}

/** 1-based line of the first line that is not the separator, blank or a comment (1 when there is none). */
function firstContentLine(chunk: string): number {
  let line = 1;
  for (let p = 0; p < chunk.length; line++) {
    const nl = chunk.indexOf('\n', p);
    const text = chunk.slice(p, nl < 0 ? chunk.length : nl).trim();
    if (text !== '' && !text.startsWith('#') && !(p === 0 && text.startsWith('---'))) return line;
    if (nl < 0) break;
    p = nl + 1;
  }
  return 1;
}

function syntaxProblem(file: string, offsetLine: number, e: unknown): InputProblem {
  if (e instanceof ManifestSyntaxError) {
    const deep = /nested too deeply/.test(e.reason);
    return {
      file, line: offsetLine + e.line, column: e.column,
      message: deep ? `document too deeply nested (more than ${MAX_NESTING_DEPTH} levels of maps and lists)` : `YAML syntax error: ${e.reason}`,
    };
  }
  const message = e instanceof RangeError ? 'document too deeply nested or too large to read' : `cannot read: ${oneLine(e)}`;
  return { file, line: offsetLine + 1, message };
}

/** Why a parsed document is not a Kubernetes object, or undefined when it is one. */
function notAnObject(doc: any): string | undefined {
  if (Array.isArray(doc)) return 'document is a list, not a Kubernetes object (a mapping with apiVersion and kind)';
  if (typeof doc !== 'object') {
    return `document is a ${typeof doc === 'string' ? 'string' : typeof doc} (${oneLine(JSON.stringify(doc)).slice(0, 40)}), not a Kubernetes `
      + 'object (a mapping with apiVersion and kind)';
  }
  const missing = ['apiVersion', 'kind'].filter(k => typeof doc[k] !== 'string' || doc[k] === '');
  return missing.length > 0 ? `not a Kubernetes object: ${missing.join(' and ')} missing` : undefined;
}

function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0];
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (approximate: enough to find it in an editor). */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    for (let k = 1; k < len; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += len;
  }
  return bytes.length;
}
