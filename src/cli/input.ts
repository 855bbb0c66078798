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
  /** Entries of the directories searched that have a manifest file name but are not regular files, and why (warnings). */
  readonly skipped: string[];
}

/** A path that cannot be read at all (exit status 3). */
export class UnreadableInput extends Error {}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;
/**
 * Largest file read, in bytes. kubectl has no limit, but a file is held in memory several times over while it is
 * decoded and analyzed (a 50 MB file peaks at about 550 MB), so a larger one is refused up front instead of exhausting
 * memory; split it into several files.
 */
export const MAX_FILE_BYTES = 128 * 1024 * 1024;
/** cdk8s writes this next to the manifests; it holds no Kubernetes object. */
const CDK8S_METADATA = 'construct-metadata.json';

/** `<file>:<line>:<column>: <message>` */
export function formatProblem(p: InputProblem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}${p.column !== undefined ? `:${p.column}` : ''}: ${p.message}`;
}

/** Reads every input path: files as themselves, directories recursively (*.yaml, *.yml, *.json, sorted). */
export function readInput(inputs: string[]): Input {
  const files: string[] = [];
  const skipped: string[] = [];
  for (const input of inputs) {
    const found = expand(input, skipped);
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
  return { files, manifests, problems, skipped };
}

/** A system error as words: `permission denied (EACCES)`. */
function describeError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory', EACCES: 'permission denied', EPERM: 'operation not permitted', ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links', EISDIR: 'is a directory', EMFILE: 'too many open files', EIO: 'input/output error',
  };
  if (code === undefined) return oneLine(e);
  if (code === 'ENOENT') return words[code];
  return words[code] ? `${words[code]} (${code})` : code;
}

/** What a file system entry is, when it is not a regular file or a directory. */
function describeType(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isDirectory()) return 'a directory';
  return 'not a regular file';
}

function expand(input: string, skipped: string[]): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch (e) {
    throw new UnreadableInput(`cannot read "${input}": ${describeError(e)}`);
  }
  if (!stat.isDirectory()) return [input];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(input, { withFileTypes: true });
  } catch (e) {
    throw new UnreadableInput(`cannot read directory "${input}": ${describeError(e)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const full = path.join(input, entry.name);
    if (entry.isDirectory()) {
      for (const f of expand(full, skipped)) out.push(f);
    } else if (MANIFEST_FILE.test(entry.name) && entry.name !== CDK8S_METADATA) {
      // Only regular files (or links to them): a FIFO or a device would block or never end (kubectl hangs on them).
      let target: fs.Stats | undefined;
      try {
        target = entry.isFile() ? undefined : fs.statSync(full);
      } catch (e) {
        skipped.push(`skipped "${full}": ${describeError(e)}`);
        continue;
      }
      if (target === undefined || target.isFile()) out.push(full);
      else skipped.push(`skipped "${full}": ${describeType(target)}, not a regular file`);
    }
  }
  return out;
}

/**
 * The bytes of a regular file of at most {@link MAX_FILE_BYTES}. The file is opened without blocking and checked on
 * the open descriptor, so that a FIFO or a device given as input (or put in place of a file after the directory was
 * read) is refused instead of blocking forever or being read without end (`/dev/zero`).
 */
export function readRegularFile(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new UnreadableInput(`cannot read "${file}": ${describeError(e)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      throw new UnreadableInput(`cannot read "${file}": ${describeType(stat)}, not a regular file; give manifest files or directories`);
    }
    if (stat.size > MAX_FILE_BYTES) {
      throw new UnreadableInput(`cannot read "${file}": ${stat.size} bytes, more than the limit of ${MAX_FILE_BYTES} bytes (128 MiB); `
        + 'split it into several files');
    }
    const bytes = Buffer.alloc(stat.size);
    let read = 0;
    while (read < bytes.length) {
      const n = fs.readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return read < bytes.length ? bytes.subarray(0, read) : bytes;
  } catch (e) {
    if (e instanceof UnreadableInput) throw e;
    throw new UnreadableInput(`cannot read "${file}": ${describeError(e)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A file's text as kubectl decodes it (cli-runtime `pkg/resource/visitor.go` `FileVisitor.Visit`:
 * `unicode.BOMOverride(unicode.UTF8.NewDecoder())`): UTF-16LE or UTF-16BE when the file starts with that byte order
 * mark, otherwise UTF-8; the mark itself is dropped. Returns the problem instead when the bytes are not text in that
 * encoding (kubectl would replace invalid UTF-8 with U+FFFD and apply the mangled text; this tool refuses it).
 */
export function decodeText(bytes: Buffer): { text: string } | { problem: string } {
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : undefined;
  if (utf16 !== undefined) {
    try {
      return { text: new TextDecoder(utf16, { fatal: true, ignoreBOM: false }).decode(bytes) };
    } catch {
      return { problem: `not ${utf16.toUpperCase()} text (its byte order mark says so, but an invalid code unit follows); save the file as UTF-8` };
    }
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { problem: `binary file (NUL byte at offset ${nul}), not YAML or JSON` };
  try {
    // ignoreBOM false: a UTF-8 byte order mark at the start is dropped, as BOMOverride does.
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return { problem: `not UTF-8 text (invalid byte sequence at offset ${firstInvalidUtf8(bytes)}); save the file as UTF-8` };
  }
}

function readFile(file: string, out: Located[], problems: InputProblem[]): void {
  const decoded = decodeText(readRegularFile(file));
  if ('problem' in decoded) {
    problems.push({ file, message: decoded.problem });
    return;
  }
  const text = decoded.text;
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
      if (problem) {
        problems.push({ file, line, message: problem });
        continue;
      }
      out.push({ manifest: doc, file, line });
      for (const message of listItemProblems(doc)) problems.push({ file, line, message });
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

/**
 * Why items of a `List` (`kind` ending in `List` with an `items` list, as `kubectl get -o yaml` writes it) are not
 * Kubernetes objects: kubectl refuses to apply such a List (`meta.ExtractList` needs objects), while the analyzer
 * would pass over them, so each is a problem of the input (`items[2] of List: item is a string ...`). Nested Lists
 * are checked item by item as well (the reader limits nesting to MAX_NESTING_DEPTH, so the recursion is bounded).
 */
export function listItemProblems(doc: any, where = '', problems: string[] = []): string[] {
  if (typeof doc.kind !== 'string' || !doc.kind.endsWith('List') || !Array.isArray(doc.items)) return problems;
  doc.items.forEach((item: any, i: number) => {
    const problem = notAnObject(item);
    if (problem) problems.push(`${where}items[${i}] of ${doc.kind}: ${problem.replace(/^document is/, 'item is')}`);
    else listItemProblems(item, `${where}items[${i}].`, problems);
  });
  return problems;
}

/** Why a parsed document is not a Kubernetes object, or undefined when it is one. */
function notAnObject(doc: any): string | undefined {
  if (Array.isArray(doc)) return 'document is a list, not a Kubernetes object (a mapping with apiVersion and kind)';
  if (doc === null) return 'document is null, not a Kubernetes object (a mapping with apiVersion and kind)';
  if (typeof doc !== 'object') {
    // Only the start of a long scalar is shown (a 20 MB string is not echoed).
    const shown = oneLine(JSON.stringify(typeof doc === 'string' ? doc.slice(0, 40) : doc)).slice(0, 40);
    return `document is a ${typeof doc === 'string' ? 'string' : typeof doc} (${shown}), not a Kubernetes object (a mapping with apiVersion and kind)`;
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
