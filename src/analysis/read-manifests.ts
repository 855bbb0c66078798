/**
 * Reads Kubernetes manifest files the way `kubectl apply -f` reads them: a small wrapper over js-yaml.
 *
 * kubectl does not parse a file as one YAML 1.2 stream. It runs (k8s.io/apimachinery `pkg/util/yaml/decoder.go`):
 *
 * 1. `YAMLOrJSONDecoder`: when the first non-space character is `{` the stream is decoded as a series of JSON values
 *    with Go's `encoding/json`; if that fails on the first or second value it switches to YAML for the rest (after
 *    two JSON values a failure is an error).
 * 2. `YAMLReader`: the YAML text is cut into documents at every line that *starts with* `---`; what follows `---` on
 *    that line may only be spaces or a comment, anything else is the error `invalid Yaml document separator`.
 * 3. Each document is converted to JSON by sigs.k8s.io/yaml `Unmarshal` = go-yaml v2 (`go.yaml.in/yaml/v2` 2.4.2,
 *    YAML 1.1 rules) `yaml.Unmarshal` into `interface{}`, then `convertToJSONableObject` (non-string keys become
 *    strings) and `json.Marshal`. Documents that are empty or `null` are skipped (cli-runtime `StreamVisitor`).
 *
 * Steps 1 and 2 are done here; each document of step 3 is parsed by js-yaml (npm `js-yaml` 4.x) with
 * {@link GO_YAML_SCHEMA} (scalars typed by go-yaml's `resolve()`, see `yaml/go-resolve.ts`), and this wrapper adds
 * what js-yaml does differently from go-yaml v2:
 *
 * - Keys (js-yaml `storeMappingPair` turns any key into `String(key)`): a float key is printed with Go's
 *   `strconv.FormatFloat(f, 'g', -1, 32)` (`1e6:` is `"1e+06"`), an integer key keeps all its digits; a null key, an
 *   integer key above 2^63-1 and a collection key are errors, as in sigs.k8s.io/yaml. Done in js-yaml's `listener`,
 *   which sees every node as it closes, before the mapping stores it.
 * - Merge keys `<<` are applied as go-yaml v2 does (decode.go `mapping()`/`merge()`): in document order into the same
 *   map, so a key written *before* `<<` is overwritten by the merged value (js-yaml would keep it) and a key written
 *   after it wins; in `<<: [*a, *b]` the earlier map wins.
 * - Aliases are copies (js-yaml shares one object), with go-yaml's alias-bomb guard ("document contains excessive
 *   aliasing": more than 99% of the decoded nodes from aliases, down to 10% for large documents) and its "anchor 'a'
 *   value contains itself" for an anchor used inside itself (js-yaml would build a cycle).
 * - Duplicate keys: the last value wins, silently, as with `yaml.Unmarshal` (kubectl uses the non-strict one).
 * - Nesting: go-yaml stops at 10000 levels; js-yaml recurses, so documents nested deeper than
 *   {@link MAX_NESTING_DEPTH} levels are rejected with a clear error (js-yaml's `maxDepth`).
 * - Tabs right after a block indicator (`key:\tvalue`, `-\tx`) are refused as libyaml refuses them
 *   (scannerc.go `yaml_parser_scan_to_next_token`); js-yaml accepts them.
 * - Only the first document of each `---` chunk is read (go-yaml `Unmarshal` stops at `...`), `%` directives are not
 *   usable (the chunk loses its `---`), and go-yaml's "control characters are not allowed" is reproduced.
 *
 * Known differences, all on input no manifest has (documented, each with a defined error or value): an alias of a
 * *scalar* is not counted by the alias-bomb guard (only aliases of maps and lists are); where an integer-like key
 * (`1:`) and a `<<` that also sets it are in one map, JavaScript's key order (integer keys first) decides which wins;
 * an implicit key longer than 1024 characters is accepted (libyaml refuses it); the reasons of syntax errors are
 * js-yaml's own words (the line and column are always given). scripts/yaml-equivalence.js measures the differences
 * from the hand-written reader this replaced on real trees.
 *
 * This file must not import cdk8s, constructs or other sources of this library: the CLI and the analyzer share it.
 */
import { load, LoadOptions, YAMLException } from 'js-yaml';
import { formatFloat32G, Kind, resolved, resolvePlain } from './yaml/go-resolve';
import { GO_YAML_SCHEMA, MERGE_MARKER, schemaState } from './yaml/go-yaml-schema';

export { formatFloat32G } from './yaml/go-resolve';

/**
 * Deepest nesting of collections accepted in one document.
 *
 * kubectl (go-yaml) accepts 10000; js-yaml composes recursively, so the limit stays well below what the default V8
 * stack allows.
 */
export const MAX_NESTING_DEPTH = 500;

/** A manifest file that kubectl could not read; the message is one line with the line and column. */
export class ManifestSyntaxError extends Error {
  /** 1-based line of the problem. */
  public readonly line: number;
  /** 1-based column (in characters) of the problem. */
  public readonly column: number;
  /** The reason, without the position. */
  public readonly reason: string;

  constructor(line: number, column: number, reason: string) {
    super(`YAML syntax error at line ${line}, column ${column}: ${reason}`);
    this.name = 'ManifestSyntaxError';
    this.line = line;
    this.column = column;
    this.reason = reason;
    Object.setPrototypeOf(this, ManifestSyntaxError.prototype);
  }
}

/**
 * Parses multi-document YAML (or a stream of JSON values) into plain objects, the way `kubectl apply -f` reads a
 * file: YAML 1.1 as go-yaml v2 reads it, converted to JSON as sigs.k8s.io/yaml does. Empty and `null` documents are
 * left out. Throws a {@link ManifestSyntaxError} where kubectl would fail to read the file.
 *
 * @param text the file content
 */
export function parseManifests(text: string): any[] {
  return new ManifestReader(text).read();
}

/* eslint-disable no-control-regex -- matching control characters is the point: go-yaml rejects them. */
/** Characters go-yaml refuses anywhere in a stream (readerc.go: "control characters are not allowed"). */
const CONTROL_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;
/* eslint-enable no-control-regex */
/** Go's unicode.IsSpace, as used by `IsJSONBuffer` (not the BOM, unlike JavaScript's \s). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;

/** Whether the file has control characters, `...` lines or tabs anywhere (if not, no document needs the checks). */
interface TextFlags {
  readonly control: boolean;
  readonly documentEnd: boolean;
  readonly tab: boolean;
}

/** Thrown inside js-yaml's listener; carries an offset in the document. */
class DocumentError {
  constructor(public readonly offset: number, public readonly reason: string) {}
}

class ManifestReader {
  private readonly text: string;
  private readonly len: number;
  private readonly out: any[] = [];

  constructor(text: string) {
    this.text = text;
    this.len = text.length;
  }

  public read(): any[] {
    let pos = 0;
    let i = 0;
    while (i < this.len && GO_SPACE.test(this.text[i])) i++;
    if (this.text.charCodeAt(i) === 123 /* { */) {
      pos = this.readJson(i);
      if (pos < 0) return this.out;
    }
    this.readYaml(pos);
    return this.out;
  }

  /** 1-based line and column of an offset. */
  public position(offset: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = this.text.indexOf('\n'); i >= 0 && i < offset; i = this.text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { line, column: offset - lineStart + 1 };
  }

  private fail(offset: number, reason: string): never {
    const p = this.position(offset);
    throw new ManifestSyntaxError(p.line, p.column, reason);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // JSON (YAMLOrJSONDecoder)

  /**
   * Decodes JSON values from `start`; returns -1 at the end of the text, or the offset where YAML takes over when a
   * value fails to decode after at most one good value.
   */
  private readJson(start: number): number {
    const text = this.text;
    // The common case, one JSON document (an object or a List): JSON.parse is iterative, so deep input is fine.
    try {
      const whole = JSON.parse(start === 0 ? text : text.slice(start));
      this.checkJsonDepth(start, this.len);
      if (whole !== null) this.out.push(whole);
      return -1;
    } catch (e) {
      if (e instanceof ManifestSyntaxError) throw e;
    }
    let pos = start;
    let count = 0;
    for (;;) {
      while (pos < this.len && isJsonSpace(text.charCodeAt(pos))) pos++;
      if (pos >= this.len) return -1;
      const end = scanJsonValue(text, pos);
      let value: any;
      let ok = false;
      let reason = 'invalid JSON';
      if (end > pos) {
        try {
          value = JSON.parse(text.slice(pos, end));
          ok = true;
        } catch (e) {
          reason = String((e as Error).message);
        }
      } else {
        reason = end === -2 ? 'unexpected end of JSON input' : `invalid character '${text[pos]}' looking for beginning of value`;
      }
      if (!ok) {
        if (count > 1) {
          const m = /at position (\d+)/.exec(reason);
          this.fail(m ? pos + parseInt(m[1], 10) : pos, 'json: ' + reason.replace(/\s*(?:in JSON )?at position \d+.*$/, ''));
        }
        // Switch to YAML: rewind to the end of the last good value and eat whitespace up to and including a newline.
        let y = pos;
        while (y > start && isJsonSpace(text.charCodeAt(y - 1))) y--;
        if (count === 0) y = 0;
        while (y < this.len && GO_SPACE.test(text[y])) {
          y++;
          if (text.charCodeAt(y - 1) === 10) break;
        }
        return y;
      }
      this.checkJsonDepth(pos, end);
      count++;
      if (value !== null) this.out.push(value);
      pos = end;
    }
  }

  private checkJsonDepth(start: number, end: number): void {
    const text = this.text;
    let depth = 0;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i = skipJsonString(text, i);
        if (i < 0) return;
      } else if (c === 123 || c === 91) {
        if (++depth > MAX_NESTING_DEPTH) this.fail(i, `document nested too deeply: more than ${MAX_NESTING_DEPTH} levels`);
      } else if (c === 125 || c === 93) {
        depth--;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // ---------------------------------------------------------------------------------------------------------------
  // YAML (YAMLReader + yaml.Unmarshal per chunk)

  private readYaml(start: number): void {
    let pos = start;
    // What only some files have is looked for once in the whole text, not in every document.
    const rest = start === 0 ? this.text : this.text.slice(start);
    const flags: TextFlags = {
      control: CONTROL_CHARS.test(rest),
      documentEnd: rest.startsWith('...') || rest.indexOf('\n...') >= 0,
      tab: rest.indexOf('\t') >= 0,
    };
    while (pos < this.len) {
      // go-yaml drops a byte order mark at the start of its input (yaml_parser_determine_encoding, readerc.go), and
      // kubectl unmarshals each `---` chunk on its own: a mark at the start of any document is not part of it.
      if (this.text.charCodeAt(pos) === 0xfeff) pos++;
      const end = this.findSeparator(pos);
      const value = new DocumentReader(this, pos, this.text.slice(pos, end), flags).read();
      if (value !== undefined && value !== null) this.out.push(value);
      if (end >= this.len) break;
      pos = this.afterSeparator(end);
    }
  }

  /** Error at an offset of the text, for the document reader. */
  public error(offset: number, reason: string): never {
    return this.fail(offset, reason);
  }

  /** Offset of the next line that starts with `---` at or after `pos`, or the end of the text. */
  private findSeparator(pos: number): number {
    const text = this.text;
    for (let p = pos; p < this.len;) {
      if (text.charCodeAt(p) === 45 && text.startsWith('---', p)) return p;
      const nl = text.indexOf('\n', p);
      if (nl < 0) break;
      p = nl + 1;
    }
    return this.len;
  }

  /** Checks the separator line at `pos` as YAMLReader does and returns the offset after it. */
  private afterSeparator(pos: number): number {
    let nl = this.text.indexOf('\n', pos);
    if (nl < 0) nl = this.len;
    const rest = this.text.slice(pos + 3, nl).trim();
    if (rest.length > 0 && rest[0] !== '#') {
      this.fail(pos + 3 + this.text.slice(pos + 3, nl).indexOf(rest[0]), `invalid Yaml document separator: ${rest}`);
    }
    return nl + 1;
  }

}

/** Sets a key on a plain object; `__proto__` becomes an own property, as JSON.parse makes it. */
function setKey(obj: any, key: string, value: any): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}


function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Offset of the closing quote of the JSON string that opens at `i`, or -1. */
function skipJsonString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 34) return j;
  }
  return -1;
}

/** End offset of the JSON value that starts at `pos` (not validated), -2 if it does not end, -1 if it cannot start. */
function scanJsonValue(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c === 34) {
    const e = skipJsonString(text, pos);
    return e < 0 ? -2 : e + 1;
  }
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let i = pos; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 34) {
        i = skipJsonString(text, i);
        if (i < 0) return -2;
      } else if (ch === 123 || ch === 91) {
        depth++;
      } else if (ch === 125 || ch === 93) {
        if (--depth === 0) return i + 1;
      }
    }
    return -2;
  }
  if (c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110) {
    let i = pos;
    while (i < text.length && /[0-9A-Za-z+\-.]/.test(text[i])) i++;
    return i;
  }
  return -1;
}


// ------------------------------------------------------------------------------------------------------------------
// one `---` chunk: js-yaml with the go-yaml schema, then what go-yaml does differently

/**
 * Whether the node that opened at `open` and closed at `close` is a mapping key: a ':' after it (implicit keys), a '?'
 * before it (explicit keys), or an entry of a flow mapping right after its '{' or a ',' (`{a, b}` has the keys a and b).
 * `parentOpen` is where the enclosing node opened (-1 for the root).
 */
function isKeyAt(text: string, open: number, close: number, parentOpen: number): boolean {
  let i = close;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (text.charCodeAt(i) === 58 /* : */) return true;
  let j = skipBlank(text, open) - 1;
  while (j >= 0 && isBlank(text.charCodeAt(j))) j--;
  const c = text.charCodeAt(j);
  if (c === 63 /* ? */) {
    const before = j > 0 ? text.charCodeAt(j - 1) : 10;
    return isBlank(before) || before === 123 || before === 91 || before === 44 || before === 45;
  }
  if (c !== 123 /* { */ && c !== 44 /* , */) return false;
  return parentOpen >= 0 && text.charCodeAt(skipBlank(text, parentOpen)) === 123;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** First offset at or after `p` that is not a space, tab or line break. */
function skipBlank(text: string, p: number): number {
  while (p < text.length) {
    const c = text.charCodeAt(p);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    p++;
  }
  return p;
}

/** A line whose last token opens a block scalar (`key: |`, `- >-`, `|2+`), optionally followed by a comment. */
const BLOCK_SCALAR_HEADER = /(?:^|[ :-])[|>][-+0-9]*[ \t]*(?:#.*)?$/;
/** A tab right after `-` or `?` as block indicators. */
const TAB_AFTER_ENTRY = /^[ ]*(?:[-?][ ]+)*[-?][ ]*\t/;
/** A tab right after the `:` of a block mapping key. */
const TAB_AFTER_COLON = /^[ ]*(?:[-?][ ]+)*(?:[^\s#'"{}[\],:?*&!|>%@`-][^#:]*|-[^\s#:][^#:]*|"[^"\n]*"|'[^'\n]*')[ ]*:[ ]*\t/;

/** go-yaml decode.go allowedAliasRatio. */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400000) return 0.99;
  if (decodeCount >= 4000000) return 0.10;
  return 0.99 - 0.89 * ((decodeCount - 400000) / 3600000);
}

class DocumentReader {
  private readonly reader: ManifestReader;
  /** Offset of the chunk in the file. */
  private readonly base: number;
  private readonly src: string;
  /** Offsets of the nodes js-yaml has opened and not closed yet. */
  private readonly opens: number[] = [];
  /** Anchored maps and lists: the anchor name and where it is, for the errors of aliases. */
  private anchors: Map<object, { name: string; offset: number }> | undefined;
  // alias expansion (post-walk)
  private readonly visited = new Set<object>();
  private readonly onPath = new Set<object>();
  private readonly flags: TextFlags;
  private decodeCount = 1;
  private aliasCount = 0;
  private aliasDepth = 0;
  private aliasOffset = 0;

  constructor(reader: ManifestReader, base: number, src: string, flags: TextFlags) {
    this.reader = reader;
    this.base = base;
    this.src = src;
    this.flags = flags;
  }

  public read(): any {
    let src = this.src;
    const bad = this.flags.control ? CONTROL_CHARS.exec(src) : null;
    if (bad) this.fail(bad.index, 'control characters are not allowed');
    // go-yaml's Unmarshal reads the first document of the chunk and ignores the rest (after a `...` line)
    const docEnd = this.flags.documentEnd ? /^\.\.\.(?=[ \t\r\n]|$)/m.exec(src) : null;
    if (docEnd) src = src.slice(0, docEnd.index);
    this.checkLines(src);
    schemaState.merges = 0;
    schemaState.tagFailure = undefined;
    let value: any;
    try {
      // maxDepth is js-yaml 4.3's (lib/loader.js State), newer than @types/js-yaml 4.0.9
      const options: LoadOptions & { maxDepth: number } = {
        schema: GO_YAML_SCHEMA,
        json: true, // duplicate keys: the last wins, as with yaml.Unmarshal
        maxDepth: MAX_NESTING_DEPTH + 1, // nodes, so a scalar inside MAX_NESTING_DEPTH collections is the last allowed
        listener: (event: string, state: any) => this.listen(event, state),
      };
      value = load(src, options);
    } catch (e) {
      throw this.translate(e);
    }
    if (value === null || value === undefined) return undefined;
    if (this.anchors === undefined && schemaState.merges === 0) return value;
    try {
      return this.walk(value);
    } catch (e) {
      throw this.translate(e);
    }
  }

  private fail(offset: number, reason: string): never {
    return this.reader.error(this.base + offset, reason);
  }

  /** A js-yaml error or one of ours, as a ManifestSyntaxError at its place in the file. */
  private translate(e: unknown): unknown {
    if (e instanceof DocumentError) return this.errorAt(e.offset, e.reason);
    if (!(e instanceof YAMLException)) return e;
    const mark = (e as any).mark;
    let offset: number = mark ? mark.position : 0;
    let reason = String(e.reason ?? e.message).split('\n')[0];
    let m: RegExpExecArray | null;
    if ((m = /^unidentified alias "(.*)"$/.exec(reason))) {
      reason = `unknown anchor '${m[1]}' referenced`;
      offset = Math.max(0, offset - m[1].length - 1);
    } else if (/^nesting exceeded maxDepth/.test(reason)) {
      // the collection too deep is the open node at depth MAX_NESTING_DEPTH + 1 (js-yaml fails on its child)
      if (this.opens.length > MAX_NESTING_DEPTH) offset = skipBlank(this.src, this.opens[MAX_NESTING_DEPTH]);
      reason = `document nested too deeply: more than ${MAX_NESTING_DEPTH} levels `
        + '(kubectl\'s own limit is 10000; this parser stops earlier to stay within the JavaScript stack)';
    } else if (/^cannot resolve a node with !<.*> explicit tag$/.test(reason) && schemaState.tagFailure) {
      const f = schemaState.tagFailure;
      reason = f.reason;
      // js-yaml reports the end of the scalar; go-yaml its start
      let end = offset;
      while (end > 0 && /\s/.test(this.src[end - 1])) end--;
      const start = this.src.lastIndexOf(f.source, end);
      if (f.source.length > 0 && start >= 0) offset = start;
    }
    return this.errorAt(offset, reason);
  }

  private errorAt(offset: number, reason: string): ManifestSyntaxError {
    try {
      this.fail(offset, reason);
    } catch (err) {
      return err as ManifestSyntaxError;
    }
  }

  /**
   * Line checks js-yaml does not make: `%` directives (the chunk has lost the `---` that would end them) and tabs
   * after block indicators (libyaml refuses them, js-yaml does not). Lines inside block scalars are content.
   */
  private checkLines(src: string): void {
    const hasTab = this.flags.tab && src.indexOf('\t') >= 0;
    let first = true;
    let blockIndent = -1;
    for (let p = 0; p < src.length;) {
      let nl = src.indexOf('\n', p);
      if (nl < 0) nl = src.length;
      const line = src.slice(p, nl);
      const content = line.replace(/^[ ]+/, '');
      const indent = line.length - content.length;
      if (blockIndent >= 0 && (content.trim() === '' || indent > blockIndent)) {
        p = nl + 1;
        continue;
      }
      blockIndent = -1;
      if (first && content !== '' && content[0] !== '#' && content.trim() !== '') {
        first = false;
        if (indent === 0 && content[0] === '%') {
          this.fail(p, 'did not find expected <document start> (kubectl cuts documents at "---" lines, '
            + 'so %YAML and %TAG directives cannot be used)');
        }
      }
      if (!hasTab && !first) return;
      if (hasTab && line.indexOf('\t') >= 0) {
        const m = TAB_AFTER_ENTRY.exec(line) ?? TAB_AFTER_COLON.exec(line);
        if (m) {
          const at = m[0].length - 1;
          const indicator = line[line.slice(0, at).replace(/[ ]+$/, '').length - 1];
          this.fail(p + at, `found character that cannot start any token (kubectl's YAML parser allows no tab after '${indicator}')`);
        }
      }
      if (BLOCK_SCALAR_HEADER.test(line.replace(/\r$/, ''))) blockIndent = indent;
      p = nl + 1;
    }
  }

  /** js-yaml's listener: every node opens and closes; a closing node that is a key is made a key as go-yaml's. */
  private listen(event: string, state: any): void {
    if (event === 'open') {
      this.opens.push(state.position);
      return;
    }
    const open = this.opens.pop()!;
    const r = state.result;
    const t = typeof r;
    if (t === 'string' || t === 'boolean') return;
    if (t === 'object' && r !== null && state.depth > MAX_NESTING_DEPTH) {
      // js-yaml's maxDepth counts scalars too: a collection at this depth is one level too many
      throw new DocumentError(skipBlank(this.src, open), `document nested too deeply: more than ${MAX_NESTING_DEPTH} levels `
        + '(kubectl\'s own limit is 10000; this parser stops earlier to stay within the JavaScript stack)');
    }
    if (t === 'object' && r !== null && state.anchor !== null) {
      this.anchors ??= new Map();
      if (!this.anchors.has(r)) this.anchors.set(r, { name: state.anchor, offset: skipBlank(this.src, open) });
    }
    const parentOpen = this.opens.length > 0 ? this.opens[this.opens.length - 1] : -1;
    const key = isKeyAt(this.src, open, state.position, parentOpen);
    if (t === 'number' && !key && isFinite(r)) return;
    const start = skipBlank(this.src, open);
    if (r === null || r === undefined) {
      if (key) {
        throw new DocumentError(start, 'unsupported map key of type: %!s(<nil>), key: <nil> '
          + '(a null key such as "~:" or an empty key cannot be converted to JSON)');
      }
      return;
    }
    if (t === 'object') {
      if (key) throw new DocumentError(start, 'invalid map key: a mapping or sequence cannot be a key in JSON');
      return;
    }
    if (t !== 'number') return;
    if (!key) {
      if (!isFinite(r)) {
        throw new DocumentError(start, `json: unsupported value: ${Number.isNaN(r) ? 'NaN' : r > 0 ? '+Inf' : '-Inf'} `
          + `(JSON has no ${this.src.slice(start, state.position).trim()})`);
      }
      return;
    }
    // sigs.k8s.io/yaml convertToJSONableObject: integer keys keep every digit, floats are printed as Go's float32 'g'
    const source = this.src.slice(start, state.position).trim().replace(/^(?:[!&]\S*\s+)*/, '');
    resolvePlain(source);
    if (resolved.kind === Kind.INT) {
      if (resolved.unsigned) throw new DocumentError(start, `unsupported map key of type: uint64, key: 0x${resolved.big!.toString(16)}`);
      state.result = resolved.big !== undefined ? resolved.big.toString() : String(r);
    } else if (resolved.kind === Kind.FLOAT || !Number.isInteger(r)) {
      state.result = formatFloat32G(r);
    } else {
      state.result = String(r);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // aliases as copies, merges in go-yaml's order (decode.go)

  private count(): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
      throw new DocumentError(this.aliasOffset, 'document contains excessive aliasing (an alias bomb: '
        + `${this.aliasCount} of ${this.decodeCount} decoded nodes come from aliases)`);
    }
  }

  /** A copy of `v` with merges applied; a list or map met again is an alias, expanded as go-yaml does. */
  private walk(v: any): any {
    this.count();
    if (v === null || typeof v !== 'object') return v;
    const anchor = this.anchors?.get(v);
    if (this.onPath.has(v)) throw new DocumentError(anchor?.offset ?? 0, `anchor '${anchor?.name ?? '?'}' value contains itself`);
    const alias = this.visited.has(v);
    const outer = this.aliasOffset;
    if (alias) {
      this.aliasDepth++;
      this.aliasOffset = anchor?.offset ?? 0;
    } else {
      this.visited.add(v);
    }
    this.onPath.add(v);
    let out: any;
    if (Array.isArray(v)) {
      out = new Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = this.walk(v[i]);
    } else {
      out = {};
      for (const k of Object.keys(v)) {
        if (k.startsWith(MERGE_MARKER)) this.merge(out, v[k], k);
        else setKey(out, k, this.walk(v[k]));
      }
    }
    this.onPath.delete(v);
    if (alias) {
      this.aliasDepth--;
      this.aliasOffset = outer;
    }
    return out;
  }

  /** `<<: value` into `out` (decode.go merge): later merges and later keys overwrite; in a list the earlier map wins. */
  private merge(out: any, value: any, marker: string): void {
    const isMap = (x: any): boolean => x !== null && typeof x === 'object' && !Array.isArray(x);
    const sources = Array.isArray(value) ? value : [value];
    if (!sources.every(isMap)) {
      // the n-th `<<` of the document
      const n = parseInt(marker.slice(MERGE_MARKER.length), 10);
      const re = /<<\s*:/g;
      let m: RegExpExecArray | null = null;
      for (let i = 0; i <= n; i++) m = re.exec(this.src);
      // go-yaml reports the value
      throw new DocumentError(m ? skipBlank(this.src, m.index + m[0].length) : 0, 'map merge requires map or sequence of maps as the value');
    }
    for (let i = sources.length - 1; i >= 0; i--) {
      const merged = this.walk(sources[i]);
      for (const k of Object.keys(merged)) setKey(out, k, merged[k]);
    }
  }
}
