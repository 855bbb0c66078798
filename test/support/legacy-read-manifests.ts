/**
 * Reads Kubernetes manifest files the way `kubectl apply -f` reads them.
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
 * This module does the same, with these go-yaml v2 / sigs.k8s.io/yaml behaviours (file references are to go-yaml
 * v2.4.2 `resolve.go` / `decode.go` and sigs.k8s.io/yaml `yaml.go`):
 *
 * - Plain scalars are resolved by go-yaml's `resolve()`, not by a YAML 1.1 or 1.2 schema: booleans are exactly
 *   `y Y yes Yes YES true True TRUE on On ON` and `n N no No NO false False FALSE off Off OFF`; nulls `~ null Null NULL`
 *   and empty; integers are what Go's `strconv.ParseInt(s, 0, 64)` accepts after removing every `_` (so `010` is 8,
 *   `0o10` is 8, `0x1F` is 31, `0b101` is 5, `1_000` is 1000), then `ParseUint` up to 2^64-1, then decimal floats
 *   matching `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (so `08` is the float 8 and `1e3` is 1000);
 *   `.inf`/`.nan` are floats, which `json.Marshal` then rejects. Sexagesimal numbers (`1:20`) are *not* numbers
 *   ("Base 60 floats are a bad idea ... purposefully unsupported here"), and timestamps stay the strings written
 *   (decode.go: "for backward compatibility reasons we set it as a string").
 * - Merge keys `<<` are applied as go-yaml v2 does: in document order into the same map, so a key written *before*
 *   `<<` is overwritten by the merged value and a key written after it wins; in `<<: [*a, *b]` the earlier map wins.
 * - Duplicate keys: the last value wins, silently, as with `yaml.Unmarshal` (sigs.k8s.io/yaml: "Duplicate fields are
 *   ... ignored in an undefined order"). kubectl reads files with the non-strict `Unmarshal`; only
 *   `UnmarshalStrict`/`YAMLToJSONStrict` reject them, and kubectl sends the server the already-converted JSON, so
 *   `kubectl apply` applies the last value. The analyzer therefore sees what kubectl applies.
 * - Keys: `on:`/`yes:` become `"true"`, `010:` becomes `"8"`, float keys are printed with Go's
 *   `strconv.FormatFloat(f, 'g', -1, 32)`; a null key, an integer key above 2^63-1 and a collection key are errors.
 * - Aliases are expanded (each use is a copy), with go-yaml's own alias-bomb guard ("document contains excessive
 *   aliasing": more than 99% of the decoded nodes from aliases, down to 10% for large documents).
 * - Nesting: go-yaml stops at 10000 levels ("exceeded max depth of 10000"). The parser used here (the `yaml` package)
 *   composes recursively and would run out of stack long before that, so documents nested deeper than
 *   {@link MAX_NESTING_DEPTH} levels are rejected up front with a clear error instead.
 * - Only the first document of each `---` chunk is read (go-yaml `Unmarshal` stops after it), `%` directives are not
 *   usable (the chunk loses its `---`), and go-yaml's "control characters are not allowed" is reproduced.
 *
 * Most documents take a fast path: a line-oriented reader for the block-style subset that manifests use (block maps
 * and sequences, single-line plain and quoted scalars, single-line flow collections, literal block scalars). Anything
 * else (anchors, tags, folded or multi-line scalars, complex keys, errors, ...) makes it give up on that document,
 * which is then composed by the `yaml` package and converted by the go-yaml rules above; errors always come from
 * that second path.
 *
 * This file must not import cdk8s, constructs or other sources of this library: the CLI and the analyzer share it.
 */
import { Composer, isAlias, isMap, isScalar, isSeq, Parser } from 'yaml';

/**
 * Deepest nesting of collections accepted in one document.
 *
 * kubectl (go-yaml) accepts 10000; the `yaml` package's composer recurses about 1 KiB of stack per level and the
 * default V8 stack of ~984 KiB is exhausted at 850-950 levels, so the limit stays well below that.
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
  return readManifests(text, true);
}

/**
 * {@link parseManifests} without the fast path: every document is composed by the `yaml` package. For differential
 * tests of the fast path.
 *
 * @internal
 */
export function parseManifestsWithoutFastPath(text: string): any[] {
  return readManifests(text, false);
}

function readManifests(text: string, fast: boolean): any[] {
  const reader = new ManifestReader(text, fast);
  try {
    return reader.read();
  } catch (e) {
    if (e instanceof ManifestSyntaxError) throw e;
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      const at = reader.position(reader.chunkStart);
      throw new ManifestSyntaxError(at.line, at.column,
        `document nested too deeply (more than ${MAX_NESTING_DEPTH} levels, or too little stack left to parse it)`);
    }
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------------------------
// go-yaml v2 scalar resolution (resolve.go)

const TAG_PREFIX = 'tag:yaml.org,2002:';
const STR_TAG = TAG_PREFIX + 'str';
const INT_TAG = TAG_PREFIX + 'int';
const FLOAT_TAG = TAG_PREFIX + 'float';
const BOOL_TAG = TAG_PREFIX + 'bool';
const NULL_TAG = TAG_PREFIX + 'null';
const TIMESTAMP_TAG = TAG_PREFIX + 'timestamp';
const BINARY_TAG = TAG_PREFIX + 'binary';
const MERGE_TAG = TAG_PREFIX + 'merge';

/** Kinds of resolved scalars. */
const enum Kind { STR, INT, FLOAT, BOOL, NULL, TIMESTAMP, MERGE, BINARY }

/** resolveMap of resolve.go: exact spellings only (`yes` but not `yEs`). */
const RESOLVE_MAP = new Map<string, [Kind, any]>();
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) RESOLVE_MAP.set(s, [Kind.BOOL, true]);
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) RESOLVE_MAP.set(s, [Kind.BOOL, false]);
for (const s of ['', '~', 'null', 'Null', 'NULL']) RESOLVE_MAP.set(s, [Kind.NULL, null]);
for (const s of ['.nan', '.NaN', '.NAN']) RESOLVE_MAP.set(s, [Kind.FLOAT, NaN]);
for (const s of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']) RESOLVE_MAP.set(s, [Kind.FLOAT, Infinity]);
for (const s of ['-.inf', '-.Inf', '-.INF']) RESOLVE_MAP.set(s, [Kind.FLOAT, -Infinity]);
RESOLVE_MAP.set('<<', [Kind.MERGE, '<<']);

/** resolveTable of resolve.go: the first character decides what a plain scalar may be. */
const HINT = new Uint8Array(128);
const H_SIGN = 1, H_DIGIT = 2, H_MAP = 3, H_DOT = 4;
HINT[43] = H_SIGN; HINT[45] = H_SIGN;
for (let c = 48; c <= 57; c++) HINT[c] = H_DIGIT;
for (const c of 'yYnNtTfFoO~') HINT[c.charCodeAt(0)] = H_MAP;
HINT[46] = H_DOT;

const GO_INT = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))$/;
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;
const SMALL_DECIMAL = /^-?[1-9][0-9]{0,14}$/;
const INT64_MIN = -(BigInt(1) << BigInt(63));
const INT64_MAX = (BigInt(1) << BigInt(63)) - BigInt(1);
const UINT64_MAX = (BigInt(1) << BigInt(64)) - BigInt(1);

/** Result of the last {@link resolvePlain}: its kind and, for integers, the exact value. */
let lastKind: Kind = Kind.STR;
let lastBig: bigint | undefined;
/** Whether the last integer was out of int64 range (a uint64 in Go). */
let lastUnsigned = false;

/** Go's strconv.ParseInt(s, 0, 64) then ParseUint(s, 0, 64), on a string without underscores. */
function goParseInt(s: string): bigint | undefined {
  const m = GO_INT.exec(s);
  if (!m) return undefined;
  let v: bigint;
  if (m[2] !== undefined) v = BigInt('0x' + m[2]);
  else if (m[3] !== undefined) v = BigInt('0o' + m[3]);
  else if (m[4] !== undefined) v = BigInt('0b' + m[4]);
  else if (m[5] !== undefined) v = m[5].length > 1 ? BigInt('0o' + m[5].slice(1)) : BigInt(0);
  else v = BigInt(m[6]);
  if (m[1] === '-') v = -v;
  return intInRange(v, m[1] === '');
}

function intInRange(v: bigint, unsignedAllowed: boolean): bigint | undefined {
  lastUnsigned = false;
  if (v >= INT64_MIN && v <= INT64_MAX) return v;
  if (unsignedAllowed && v >= BigInt(0) && v <= UINT64_MAX) {
    lastUnsigned = true;
    return v;
  }
  return undefined;
}

/** Go's strconv.ParseInt(s, 2, 64) (sign allowed) then ParseUint(s, 2, 64). */
function goParseBinary(s: string): bigint | undefined {
  const m = /^([+-]?)([01]+)$/.exec(s);
  if (!m) return undefined;
  let v = BigInt('0b' + m[2]);
  if (m[1] === '-') v = -v;
  return intInRange(v, m[1] === '');
}

/**
 * go-yaml v2 `resolve("", s)` for a plain scalar: sets {@link lastKind} and returns the JSON value (numbers as JS
 * numbers; NaN and infinities are returned as such and rejected by the caller where JSON needs it).
 */
function resolvePlain(s: string): any {
  lastBig = undefined;
  if (s.length === 0) {
    lastKind = Kind.NULL;
    return null;
  }
  const c = s.charCodeAt(0);
  const hint = c < 128 ? HINT[c] : 0;
  if (hint === 0) {
    lastKind = Kind.STR;
    return s;
  }
  if (hint === H_DIGIT && s.length <= 15 && SMALL_DECIMAL.test(s)) {
    lastKind = Kind.INT;
    return parseInt(s, 10);
  }
  const fixed = RESOLVE_MAP.get(s);
  if (fixed !== undefined) {
    lastKind = fixed[0];
    return fixed[1];
  }
  if (hint === H_DOT) {
    if (DOT_FLOAT.test(s)) {
      const f = parseFloat(s);
      if (isFinite(f)) {
        lastKind = Kind.FLOAT;
        return f;
      }
    }
  } else if (hint === H_DIGIT || hint === H_SIGN) {
    if (hint === H_DIGIT && isTimestamp(s)) {
      lastKind = Kind.TIMESTAMP;
      return s;
    }
    const plain = s.indexOf('_') < 0 ? s : s.replace(/_/g, '');
    let big = goParseInt(plain);
    if (big === undefined && YAML_STYLE_FLOAT.test(plain)) {
      const f = parseFloat(plain);
      if (isFinite(f)) { // Go's ParseFloat fails with ErrRange on overflow; the scalar then stays a string
        lastKind = Kind.FLOAT;
        return f;
      }
    }
    if (big === undefined && plain.startsWith('0b')) big = goParseBinary(plain.slice(2));
    else if (big === undefined && plain.startsWith('-0b')) big = goParseBinary('-' + plain.slice(3));
    if (big !== undefined) {
      lastKind = Kind.INT;
      lastBig = big;
      const n = Number(big);
      return n === 0 ? 0 : n;
    }
  }
  lastKind = Kind.STR;
  return s;
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const TIMESTAMP = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?$/;

/** go-yaml's parseTimestamp: the four time.Parse layouts of allowedTimestampFormats, with their range checks. */
function isTimestamp(s: string): boolean {
  if (s.length < 8 || s.charCodeAt(4) !== 45) return false;
  const m = TIMESTAMP.exec(s);
  if (!m) return false;
  const year = +m[1], month = +m[2], day = +m[3];
  if (month < 1 || month > 12 || day < 1 || day > DAYS[month - 1]) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  const h = m[4] ?? m[7], min = m[5] ?? m[8], sec = m[6] ?? m[9];
  return h === undefined || (+h < 24 && +min < 60 && +sec < 60);
}

/** sigs.k8s.io/yaml convertToJSONableObject: the JSON key for a resolved YAML key, or an error reason. */
function keyToString(kind: Kind, value: any, big: bigint | undefined, unsigned: boolean): string | { error: string } {
  switch (kind) {
    case Kind.STR:
    case Kind.TIMESTAMP:
    case Kind.MERGE:
    case Kind.BINARY:
      return value;
    case Kind.INT:
      if (unsigned) return { error: `unsupported map key of type: uint64, key: 0x${big!.toString(16)}` };
      return big !== undefined ? big.toString() : String(value);
    case Kind.FLOAT:
      return formatFloat32G(value);
    case Kind.BOOL:
      return value ? 'true' : 'false';
    default:
      return { error: 'unsupported map key of type: %!s(<nil>), key: <nil> (a null key such as "~:" or an empty key cannot be converted to JSON)' };
  }
}

/** Go's strconv.FormatFloat(f, 'g', -1, 32) as sigs.k8s.io/yaml uses it for float keys, with its .inf/.nan names. */
export function formatFloat32G(f: number): string {
  if (Number.isNaN(f)) return '.nan';
  const x = Math.fround(f);
  if (x === Infinity) return '.inf';
  if (x === -Infinity) return '-.inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  let p = 1;
  for (; p < 9; p++) if (Math.fround(Number(x.toPrecision(p))) === x) break;
  const [mant, expStr] = x.toExponential(p - 1).split('e');
  const neg = mant.startsWith('-');
  const digits = mant.replace(/^-/, '').replace('.', '').replace(/0+$/, '') || '0';
  const exp = parseInt(expStr, 10);
  let out: string;
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    out = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' + (exp < 0 ? '-' : '+') + (e < 10 ? '0' + e : String(e));
  } else if (exp < 0) {
    out = '0.' + '0'.repeat(-exp - 1) + digits;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  }
  return neg ? '-' + out : out;
}

/** Go `string(bytes)` then `json.Marshal`: every byte that is not part of valid UTF-8 becomes U+FFFD. */
function goBytesToString(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length;) {
    const c = b[i];
    let cp = -1, n = 1;
    if (c < 0x80) { cp = c; } else if (c >= 0xc2 && c <= 0xdf && i + 1 < b.length && (b[i + 1] & 0xc0) === 0x80) {
      cp = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f); n = 2;
    } else if (c >= 0xe0 && c <= 0xef && i + 2 < b.length && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80) {
      const v = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
      if (v >= 0x800 && (v < 0xd800 || v > 0xdfff)) { cp = v; n = 3; }
    } else if (c >= 0xf0 && c <= 0xf4 && i + 3 < b.length && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80 && (b[i + 3] & 0xc0) === 0x80) {
      const v = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f);
      if (v >= 0x10000 && v <= 0x10ffff) { cp = v; n = 4; }
    }
    out += cp < 0 ? '\ufffd' : String.fromCodePoint(cp);
    i += cp < 0 ? 1 : n;
  }
  return out;
}

function shortTag(tag: string): string {
  return tag.startsWith(TAG_PREFIX) ? '!!' + tag.slice(TAG_PREFIX.length) : tag;
}

const KIND_TAG = [STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG, TIMESTAMP_TAG, MERGE_TAG, BINARY_TAG];

// ------------------------------------------------------------------------------------------------------------------
// the reader

/** Thrown inside the fast path when a document is outside its subset; the document is then read by `yaml`. */
const BAIL = { bail: true };

const enum Frame { ROOT, MAP, SEQ }

interface BlockFrame {
  kind: Frame;
  /** Column of the keys (maps) or of the `-` (sequences); -1 for the root. */
  indent: number;
  container: any;
  /** Key whose value is still to come (maps). */
  key: string;
  /** A value is still to come: `key:` or `-` at the end of a line, or the root. */
  pending: boolean;
}

/* eslint-disable no-control-regex -- matching control characters is the point: go-yaml rejects them. */
/** Characters go-yaml refuses anywhere in a stream (readerc.go: "control characters are not allowed"). */
const CONTROL_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;
/** Characters that stop the fast path on a line: tabs, lone carriage returns and the control characters above. */
const ODD_CHARS = /[\t\r\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;
/** The same inside literal block scalars, where tabs are content. */
const ODD_LITERAL_CHARS = /[\r\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;
/* eslint-enable no-control-regex */
/** Go's unicode.IsSpace, as used by `IsJSONBuffer` (not the BOM, unlike JavaScript's \s). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;

class ManifestReader {
  /** Start of the chunk being read, for positions of errors that have no better one. */
  public chunkStart = 0;
  private readonly text: string;
  private readonly len: number;
  private readonly out: any[] = [];
  /** Whether some line has a tab or a control character: lines are then checked one by one. */
  private readonly checkLines: boolean;
  // fast-path state
  private frames: BlockFrame[] = [];
  private rootValue: any = undefined;
  private nextLine = 0;

  private readonly fast: boolean;

  constructor(text: string, fast: boolean) {
    this.text = text;
    this.fast = fast;
    this.len = text.length;
    this.checkLines = ODD_CHARS.test(text);
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
  // YAML (YAMLReader + yaml.Unmarshal per chunk)

  private readYaml(start: number): void {
    let pos = start;
    while (pos < this.len) {
      // go-yaml drops a byte order mark at the start of its input (yaml_parser_determine_encoding, readerc.go), and
      // kubectl unmarshals each `---` chunk on its own: a mark at the start of any document is not part of it.
      if (this.text.charCodeAt(pos) === 0xfeff && pos > 0) pos++;
      this.chunkStart = pos;
      let end: number;
      let value: any;
      try {
        if (!this.fast) throw BAIL;
        value = this.fastChunk(pos);
        end = this.nextLine;
      } catch (e) {
        if (e !== BAIL) throw e;
        const chunkEnd = this.findSeparator(pos);
        value = this.slowChunk(pos, chunkEnd);
        end = chunkEnd;
      }
      if (value !== undefined && value !== null) this.out.push(value);
      if (end >= this.len) break;
      pos = this.afterSeparator(end);
    }
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

  // ---------------------------------------------------------------------------------------------------------------
  // fast path

  /**
   * Reads one chunk from `pos` up to the next `---` line or the end of the text, for the block-style subset; sets
   * {@link nextLine} to the offset of the separator line (or the end of the text). Throws {@link BAIL} outside the
   * subset.
   */
  private fastChunk(pos: number): any {
    const text = this.text;
    const len = this.len;
    const root: BlockFrame = { kind: Frame.ROOT, indent: -1, container: undefined, key: '', pending: true };
    this.frames = [root];
    this.rootValue = undefined;
    if (pos === 0 && text.charCodeAt(0) === 0xfeff) pos = 1;
    while (pos < len) {
      let le = text.indexOf('\n', pos);
      if (le < 0) le = len;
      let lineEnd = le;
      if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      const c0 = text.charCodeAt(pos);
      if (c0 === 45 && text.startsWith('---', pos)) {
        this.nextLine = pos;
        return this.finishChunk();
      }
      let p = pos;
      while (p < lineEnd && text.charCodeAt(p) === 32) p++;
      if (p === lineEnd) { // blank line (a lone \r in the middle of a line is not handled here)
        if (this.checkLines && ODD_CHARS.test(text.slice(pos, lineEnd))) throw BAIL;
        pos = le + 1;
        continue;
      }
      if (this.checkLines && ODD_CHARS.test(text.slice(pos, lineEnd))) throw BAIL;
      const c = text.charCodeAt(p);
      if (c === 35 /* # */) {
        pos = le + 1;
        continue;
      }
      if (p === pos && (c === 37 /* % */ || (c === 46 && text.startsWith('...', p)))) throw BAIL;
      this.nextLine = le + 1;
      this.line(p, p - pos, lineEnd);
      pos = this.nextLine;
    }
    this.nextLine = len;
    return this.finishChunk();
  }

  private finishChunk(): any {
    const frames = this.frames;
    const top = frames[frames.length - 1];
    if (top.pending && top.kind !== Frame.ROOT) this.setSlot(top, null);
    return this.rootValue;
  }

  /** One content line: `p` is its first non-space character, `ind` its indentation. */
  private line(p: number, ind: number, lineEnd: number): void {
    const frames = this.frames;
    for (;;) {
      const top = frames[frames.length - 1];
      if (top.pending) {
        if (ind > top.indent) {
          this.startNode(p, ind, lineEnd, top);
          return;
        }
        if (top.kind === Frame.MAP && ind === top.indent && this.isSeqIndicator(p, lineEnd)) {
          const arr: any[] = [];
          this.setSlot(top, arr);
          this.push(Frame.SEQ, ind, arr);
          this.seqEntry(p, lineEnd);
          return;
        }
        if (top.kind === Frame.ROOT) throw BAIL;
        this.setSlot(top, null);
      }
      if (ind < top.indent) {
        frames.pop();
        continue;
      }
      if (ind > top.indent) throw BAIL; // continuation of a multi-line scalar, or bad indentation
      if (top.kind === Frame.SEQ) {
        if (this.isSeqIndicator(p, lineEnd)) {
          this.seqEntry(p, lineEnd);
          return;
        }
        frames.pop(); // a sequence at the indentation of its parent key ends at the next key
        continue;
      }
      if (top.kind !== Frame.MAP) throw BAIL;
      this.mapEntry(p, lineEnd, top);
      return;
    }
  }

  private push(kind: Frame, indent: number, container: any): BlockFrame {
    const f: BlockFrame = { kind, indent, container, key: '', pending: false };
    this.frames.push(f);
    if (this.frames.length > MAX_NESTING_DEPTH) throw BAIL;
    return f;
  }

  private setSlot(f: BlockFrame, value: any): void {
    f.pending = false;
    if (f.kind === Frame.MAP) setKey(f.container, f.key, value);
    else if (f.kind === Frame.SEQ) f.container.push(value);
    else this.rootValue = value;
  }

  private isSeqIndicator(p: number, lineEnd: number): boolean {
    return this.text.charCodeAt(p) === 45 && (p + 1 === lineEnd || this.text.charCodeAt(p + 1) === 32);
  }

  /** A node that starts at column `col` of the current line, the value of `slot`'s pending key or item. */
  private startNode(p: number, col: number, lineEnd: number, slot: BlockFrame): void {
    if (this.isSeqIndicator(p, lineEnd)) {
      const arr: any[] = [];
      this.setSlot(slot, arr);
      this.push(Frame.SEQ, col, arr);
      this.seqEntry(p, lineEnd);
      return;
    }
    const keyEnd = this.keyEnd(p, lineEnd);
    if (keyEnd >= 0) {
      const obj = {};
      this.setSlot(slot, obj);
      const f = this.push(Frame.MAP, col, obj);
      this.mapEntry(p, lineEnd, f);
      return;
    }
    if (slot.kind === Frame.ROOT && this.text.charCodeAt(p) === 124 /* | */) throw BAIL;
    this.setSlot(slot, this.inlineValue(p, lineEnd, slot.indent));
  }

  private seqEntry(p: number, lineEnd: number): void {
    const text = this.text;
    const seq = this.frames[this.frames.length - 1];
    let q = p + 1;
    while (q < lineEnd && text.charCodeAt(q) === 32) q++;
    if (q === lineEnd || text.charCodeAt(q) === 35) {
      seq.pending = true;
      return;
    }
    seq.pending = true;
    this.startNode(q, q - (p - seq.indent), lineEnd, seq);
  }

  /**
   * If a block-map key starts at `p`: the offset of its `:`; otherwise -1 (then the line holds a value, or is outside
   * the subset).
   */
  private keyEnd(p: number, lineEnd: number): number {
    const text = this.text;
    const c = text.charCodeAt(p);
    if (c === 34 || c === 39) {
      const e = c === 34 ? this.doubleQuoted(p, lineEnd) : this.singleQuoted(p, lineEnd);
      let q = e;
      while (q < lineEnd && text.charCodeAt(q) === 32) q++;
      if (q < lineEnd && text.charCodeAt(q) === 58 && (q + 1 === lineEnd || text.charCodeAt(q + 1) === 32)) return q;
      return -1;
    }
    if (!canStartPlain(text, p, lineEnd)) return -1;
    for (let i = p; i < lineEnd; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 58 && (i + 1 === lineEnd || text.charCodeAt(i + 1) === 32)) {
        if (i - p > 1000) throw BAIL; // simple keys are limited to 1024 characters
        return i;
      }
      if (ch === 35 && text.charCodeAt(i - 1) === 32) return -1; // a comment before any ': '
    }
    return -1;
  }

  /** A `key: value` line of the map `f`, whose key starts at `p`. */
  private mapEntry(p: number, lineEnd: number, f: BlockFrame): void {
    const text = this.text;
    const colon = this.keyEnd(p, lineEnd);
    if (colon < 0) throw BAIL;
    const c = text.charCodeAt(p);
    let key: string;
    if (c === 34 || c === 39) {
      key = this.quotedValue;
    } else {
      let e = colon;
      while (text.charCodeAt(e - 1) === 32) e--;
      const raw = text.slice(p, e);
      if (raw === '<<') throw BAIL;
      const v = resolvePlain(raw);
      if (lastKind === Kind.STR) key = v;
      else {
        const k = keyToString(lastKind, v, lastBig, lastUnsigned);
        if (typeof k !== 'string') throw BAIL;
        key = k;
      }
    }
    f.key = key;
    let q = colon + 1;
    while (q < lineEnd && text.charCodeAt(q) === 32) q++;
    if (q === lineEnd || text.charCodeAt(q) === 35) {
      f.pending = true;
      return;
    }
    f.pending = true;
    this.setSlot(f, this.inlineValue(q, lineEnd, f.indent));
  }

  /** The value that starts at `q` and ends the line (after optional spaces and a comment). */
  private inlineValue(q: number, lineEnd: number, blockIndent: number): any {
    const text = this.text;
    const c = text.charCodeAt(q);
    switch (c) {
      case 34: // "
        return this.endOfLine(this.doubleQuoted(q, lineEnd), lineEnd, this.quotedValue);
      case 39: // '
        return this.endOfLine(this.singleQuoted(q, lineEnd), lineEnd, this.quotedValue);
      case 91: // [
      case 123: // {
        return this.flow(q, lineEnd);
      case 124: // |
        return this.literal(q, lineEnd, blockIndent);
      default:
        break;
    }
    if (!canStartPlain(text, q, lineEnd)) throw BAIL;
    let end = lineEnd;
    for (let i = q; i < lineEnd; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 58) {
        if (i + 1 === lineEnd || text.charCodeAt(i + 1) === 32) throw BAIL; // `a: b: c` or a key
      } else if (ch === 35 && text.charCodeAt(i - 1) === 32) {
        end = i - 1;
        break;
      }
    }
    while (end > q && text.charCodeAt(end - 1) === 32) end--;
    const v = resolvePlain(text.slice(q, end));
    if (lastKind === Kind.FLOAT && !isFinite(v)) throw BAIL;
    return v;
  }

  private endOfLine(e: number, lineEnd: number, value: any): any {
    const text = this.text;
    let q = e;
    while (q < lineEnd && text.charCodeAt(q) === 32) q++;
    if (q === lineEnd || (q > e && text.charCodeAt(q) === 35)) return value;
    throw BAIL;
  }

  /** Value of the last quoted scalar read by {@link doubleQuoted} / {@link singleQuoted}. */
  private quotedValue = '';

  /** A double-quoted scalar on one line starting at `q`; returns the offset after the closing quote. */
  private doubleQuoted(q: number, lineEnd: number): number {
    const text = this.text;
    let out = '';
    let i = q + 1;
    for (;;) {
      let j = i;
      while (j < lineEnd) {
        const ch = text.charCodeAt(j);
        if (ch === 34 || ch === 92) break;
        j++;
      }
      if (j >= lineEnd) throw BAIL; // multi-line
      out += text.slice(i, j);
      if (text.charCodeAt(j) === 34) {
        this.quotedValue = out;
        return j + 1;
      }
      // escape (scannerc.go yaml_parser_scan_flow_scalar)
      if (j + 1 >= lineEnd) throw BAIL;
      const e = text[j + 1];
      let width = 0;
      switch (e) {
        case '0': out += '\0'; break;
        case 'a': out += '\x07'; break;
        case 'b': out += '\b'; break;
        case 't': case '\t': out += '\t'; break;
        case 'n': out += '\n'; break;
        case 'v': out += '\v'; break;
        case 'f': out += '\f'; break;
        case 'r': out += '\r'; break;
        case 'e': out += '\x1b'; break;
        case ' ': out += ' '; break;
        case '"': out += '"'; break;
        case '\'': out += '\''; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'N': out += '\x85'; break;
        case '_': out += '\xa0'; break;
        case 'L': out += '\u2028'; break;
        case 'P': out += '\u2029'; break;
        case 'x': width = 2; break;
        case 'u': width = 4; break;
        case 'U': width = 8; break;
        default: throw BAIL;
      }
      i = j + 2;
      if (width > 0) {
        const hex = text.slice(i, i + width);
        if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) throw BAIL;
        const cp = parseInt(hex, 16);
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) throw BAIL;
        out += String.fromCodePoint(cp);
        i += width;
      }
    }
  }

  /** A single-quoted scalar on one line starting at `q`; returns the offset after the closing quote. */
  private singleQuoted(q: number, lineEnd: number): number {
    const text = this.text;
    let out = '';
    let i = q + 1;
    for (;;) {
      let j = i;
      while (j < lineEnd && text.charCodeAt(j) !== 39) j++;
      if (j >= lineEnd) throw BAIL; // multi-line
      out += text.slice(i, j);
      if (text.charCodeAt(j + 1) === 39 && j + 1 < lineEnd) {
        out += '\'';
        i = j + 2;
        continue;
      }
      this.quotedValue = out;
      return j + 1;
    }
  }

  /** A flow collection that opens at `q` and closes on the same line. */
  private flow(q: number, lineEnd: number): any {
    const text = this.text;
    type F = { map: boolean; c: any; key: string | undefined; after: boolean };
    const stack: F[] = [];
    let result: any;
    let i = q;
    const add = (v: any): void => {
      const top = stack[stack.length - 1];
      if (top.map) {
        setKey(top.c, top.key!, v);
        top.key = undefined;
      } else {
        top.c.push(v);
      }
      top.after = true;
    };
    for (;;) {
      while (i < lineEnd && text.charCodeAt(i) === 32) i++;
      if (i >= lineEnd) throw BAIL; // multi-line flow collection
      const ch = text.charCodeAt(i);
      const top = stack[stack.length - 1];
      if (top && top.after) {
        // after an item: `,` or the closing bracket
        if (ch === 44) {
          top.after = false;
          i++;
          while (i < lineEnd && text.charCodeAt(i) === 32) i++;
          const n = text.charCodeAt(i);
          if (n === 93 || n === 125) throw BAIL; // trailing comma
          continue;
        }
        if ((ch === 93 && !top.map) || (ch === 125 && top.map)) {
          stack.pop();
          i++;
          if (stack.length === 0) {
            result = top.c;
            break;
          }
          add(top.c);
          continue;
        }
        throw BAIL;
      }
      if (top && top.map && top.key === undefined) {
        // a key, then `:`
        let key: string;
        if (ch === 34 || ch === 39) {
          i = ch === 34 ? this.doubleQuoted(i, lineEnd) : this.singleQuoted(i, lineEnd);
          key = this.quotedValue;
          while (i < lineEnd && text.charCodeAt(i) === 32) i++;
          if (text.charCodeAt(i) !== 58) throw BAIL;
        } else if (ch === 125 && top.c && Object.keys(top.c).length === 0) {
          stack.pop();
          i++;
          if (stack.length === 0) {
            result = top.c;
            break;
          }
          add(top.c);
          continue;
        } else {
          const e = this.flowPlainEnd(i, lineEnd);
          if (text.charCodeAt(e) !== 58) throw BAIL;
          let ke = e;
          while (text.charCodeAt(ke - 1) === 32) ke--;
          const raw = text.slice(i, ke);
          if (raw === '<<') throw BAIL;
          const v = resolvePlain(raw);
          const k = lastKind === Kind.STR ? v : keyToString(lastKind, v, lastBig, lastUnsigned);
          if (typeof k !== 'string') throw BAIL;
          key = k;
          i = e;
        }
        i++; // the ':'
        top.key = key;
        while (i < lineEnd && text.charCodeAt(i) === 32) i++;
        const n = text.charCodeAt(i);
        if (i >= lineEnd || n === 44 || n === 125) throw BAIL; // empty value
        continue;
      }
      // a value
      if (ch === 91 || ch === 123) {
        if (stack.length >= 64) throw BAIL;
        stack.push({ map: ch === 123, c: ch === 123 ? {} : [], key: undefined, after: false });
        i++;
        continue;
      }
      if (!top) throw BAIL;
      if (ch === 93 && !top.map && top.c.length === 0) {
        stack.pop();
        i++;
        if (stack.length === 0) {
          result = top.c;
          break;
        }
        add(top.c);
        continue;
      }
      let v: any;
      if (ch === 34 || ch === 39) {
        i = ch === 34 ? this.doubleQuoted(i, lineEnd) : this.singleQuoted(i, lineEnd);
        v = this.quotedValue;
      } else {
        const e = this.flowPlainEnd(i, lineEnd);
        if (text.charCodeAt(e) === 58) throw BAIL; // implicit single-pair mapping in a sequence
        let ve = e;
        while (text.charCodeAt(ve - 1) === 32) ve--;
        v = resolvePlain(text.slice(i, ve));
        if (lastKind === Kind.FLOAT && !isFinite(v)) throw BAIL;
        if (lastKind === Kind.MERGE) v = '<<';
        i = e;
      }
      while (i < lineEnd && text.charCodeAt(i) === 32) i++;
      if (!top.map && text.charCodeAt(i) === 58) throw BAIL;
      add(v);
    }
    if (this.frames.length + 64 > MAX_NESTING_DEPTH) throw BAIL;
    return this.endOfLine(i, lineEnd, result);
  }

  /** End of a plain scalar in a flow collection starting at `i`: the offset of `,`, `]`, `}` or `: `. */
  private flowPlainEnd(i: number, lineEnd: number): number {
    const text = this.text;
    if (!canStartPlain(text, i, lineEnd)) throw BAIL;
    let j = i;
    for (; j < lineEnd; j++) {
      const ch = text.charCodeAt(j);
      if (ch === 44 || ch === 93 || ch === 125) break;
      if (ch === 91 || ch === 123 || ch === 63) throw BAIL;
      if (ch === 58) {
        const n = text.charCodeAt(j + 1);
        if (j + 1 < lineEnd && n !== 32 && n !== 44 && n !== 93 && n !== 125) throw BAIL;
        break;
      }
      if (ch === 35 && text.charCodeAt(j - 1) === 32) throw BAIL;
    }
    if (j >= lineEnd) throw BAIL;
    return j;
  }

  /**
   * A literal block scalar (`|`, `|-`, `|+`) whose header is at `q`; its content lines follow. `n` is the
   * indentation of the collection it is a value in: content lines are indented more.
   */
  private literal(q: number, lineEnd: number, n: number): string {
    const text = this.text;
    let h = q + 1;
    let chomp = 0; // 0 clip, -1 strip, 1 keep
    const hc = text.charCodeAt(h);
    if (hc === 45) { chomp = -1; h++; } else if (hc === 43) { chomp = 1; h++; }
    this.endOfLine(h, lineEnd, undefined);
    let pos = this.nextLine;
    let indent = -1;
    let maxLeading = 0;
    let leadingBlanks = 0;
    let pendingBreaks = 0;
    let out = '';
    let lines = 0;
    while (pos < this.len) {
      let le = text.indexOf('\n', pos);
      if (le < 0) le = this.len;
      let end = le;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--;
      let sp = pos;
      while (sp < end && text.charCodeAt(sp) === 32) sp++;
      const spaces = sp - pos;
      if (this.checkLines && ODD_LITERAL_CHARS.test(text.slice(pos, end))) throw BAIL;
      if (sp === end) { // only spaces
        if (indent < 0) {
          if (spaces > maxLeading) maxLeading = spaces;
          leadingBlanks++;
        } else if (spaces > indent) {
          out += '\n'.repeat(pendingBreaks) + text.slice(pos + indent, end) + '\n';
          pendingBreaks = 0;
          lines++;
        } else {
          pendingBreaks++;
        }
        pos = le + 1;
        continue;
      }
      if (indent < 0) {
        if (spaces <= n) break;
        if (maxLeading > spaces) throw BAIL;
        indent = spaces;
        pendingBreaks = leadingBlanks;
      }
      if (spaces < indent) break;
      out += '\n'.repeat(pendingBreaks) + text.slice(pos + indent, end) + '\n';
      pendingBreaks = 0;
      lines++;
      pos = le + 1;
    }
    if (indent < 0 && leadingBlanks > 0 && chomp === 1) throw BAIL;
    this.nextLine = pos;
    if (lines === 0) return '';
    if (chomp === -1) return out.slice(0, -1);
    if (chomp === 1) return out + '\n'.repeat(pendingBreaks);
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // slow path: the `yaml` package composes, go-yaml's rules convert

  private slowChunk(start: number, end: number): any {
    const src = this.text.slice(start, end);
    const bad = CONTROL_CHARS.exec(src);
    if (bad) this.fail(start + bad.index, 'control characters are not allowed');
    const parser = new Parser();
    const composer = new Composer({ version: '1.1', schema: 'failsafe', uniqueKeys: false, keepSourceTokens: false });
    // go-yaml's Unmarshal reads the first document of the chunk and ignores the rest (after a `...` line)
    const docs: any[] = [];
    let seen = false;
    for (const token of parser.parse(src)) {
      if (token.type === 'directive' && !seen) {
        // the `---` that would end the directives is the chunk separator, which YAMLReader removed
        this.fail(start + token.offset, 'did not find expected <document start> (kubectl cuts documents at "---" lines, '
          + 'so %YAML and %TAG directives cannot be used)');
      }
      if (token.type === 'document') {
        if (seen) break;
        seen = true;
        this.checkCst(token, start);
      }
      for (const d of composer.next(token)) docs.push(d);
      if (token.type === 'doc-end') break;
    }
    for (const d of composer.end()) docs.push(d);
    const doc = docs[0];
    if (!doc) return undefined;
    const err = doc.errors[0];
    if (err) {
      const reason = String(err.message).split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      if (/call stack/i.test(reason)) this.fail(start + err.pos[0], `document nested too deeply (more than ${MAX_NESTING_DEPTH} levels)`);
      this.fail(start + err.pos[0], reason);
    }
    if (doc.contents === null || doc.contents === undefined) return undefined;
    return new GoDecoder(this, start).decode(doc.contents);
  }

  /**
   * Checks a CST document before the (recursive) composer sees it: nesting deeper than MAX_NESTING_DEPTH, and tabs
   * right after a block indicator, which libyaml refuses but the `yaml` package accepts.
   */
  private checkCst(doc: any, start: number): void {
    const stack: any[] = [doc.value, 0];
    while (stack.length > 0) {
      const depth = stack.pop() as number;
      const tok = stack.pop();
      if (!tok) continue;
      const block = tok.type === 'block-map' || tok.type === 'block-seq';
      if (block || tok.type === 'flow-collection') {
        if (depth + 1 > MAX_NESTING_DEPTH) {
          this.fail(start + tok.offset, `document nested too deeply: more than ${MAX_NESTING_DEPTH} levels `
            + `(kubectl's own limit is 10000; this parser stops earlier to stay within the JavaScript stack)`);
        }
        for (const it of tok.items) {
          if (block) {
            this.checkTabs(it.start, start);
            this.checkTabs(it.sep, start);
          }
          if (it.value) stack.push(it.value, depth + 1);
          if (it.key) stack.push(it.key, depth + 1);
        }
      }
    }
  }

  /**
   * libyaml (scannerc.go yaml_parser_scan_to_next_token) skips tabs in block context only where no simple key may
   * start, so a tab after `-`, `?` or `:` is "found character that cannot start any token".
   */
  private checkTabs(tokens: any[] | undefined, start: number): void {
    if (!tokens) return;
    let indicator = '';
    for (const t of tokens) {
      if (t.type === 'map-value-ind' || t.type === 'seq-item-ind' || t.type === 'explicit-key-ind') {
        indicator = t.source;
      } else if (t.type === 'space' && indicator && t.source.indexOf('\t') >= 0) {
        this.fail(start + t.offset + t.source.indexOf('\t'),
          `found character that cannot start any token (kubectl's YAML parser allows no tab after '${indicator}')`);
      } else {
        indicator = '';
      }
    }
  }

  /** Error at an offset, for the decoder. */
  public error(offset: number, reason: string): never {
    return this.fail(offset, reason);
  }
}

/** Sets a key on a plain object; `__proto__` becomes an own property, as JSON.parse makes it. */
function setKey(obj: any, key: string, value: any): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function canStartPlain(text: string, p: number, lineEnd: number): boolean {
  const c = text.charCodeAt(p);
  switch (c) {
    case 45: case 63: case 58: // - ? : need a non-space after them
      return c === 45 && p + 1 < lineEnd && text.charCodeAt(p + 1) !== 32;
    case 44: case 91: case 93: case 123: case 125: case 35: case 38: case 42: case 33:
    case 124: case 62: case 39: case 34: case 37: case 64: case 96:
      return false;
    default:
      return true;
  }
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
// go-yaml v2 decoding of a composed `yaml` document (decode.go), without recursion

/** go-yaml decode.go allowedAliasRatio. */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400000) return 0.99;
  if (decodeCount >= 4000000) return 0.10;
  return 0.99 - 0.89 * ((decodeCount - 400000) / 3600000);
}

interface Task {
  /** 0 visit a node, 1 leave an alias, 2 key of a pair, 3 merge value */
  op: number;
  node: any;
  depth: number;
  /** Where a visited value goes. */
  sink?: (v: any) => void;
  /** Map to decode a mapping into (merges), instead of a new object. */
  into?: any;
  /** Map of a pair (op 2). */
  obj?: any;
  /** Whether a visited node is a key (keys need their resolved kind). */
  atKey?: boolean;
}

class GoDecoder {
  private readonly reader: ManifestReader;
  private readonly base: number;
  private readonly aliasTarget = new Map<any, any>();
  private readonly activeAliases = new Set<any>();
  /** go-yaml counts the document node too. */
  private decodeCount = 1;
  private aliasCount = 0;
  private aliasDepth = 0;
  private stack: Task[] = [];
  /** Kind of the last key visited. */
  private keyKind: Kind = Kind.STR;
  private keyBig: bigint | undefined;
  private keyUnsigned = false;

  constructor(reader: ManifestReader, base: number) {
    this.reader = reader;
    this.base = base;
  }

  public decode(contents: any): any {
    this.resolveAliases(contents);
    let result: any;
    this.stack.push({ op: 0, node: contents, depth: 0, sink: v => { result = v; } });
    this.run();
    return result;
  }

  private fail(node: any, reason: string): never {
    const off = node && node.range ? node.range[0] : 0;
    return this.reader.error(this.base + off, reason);
  }

  /** go-yaml resolves aliases while parsing: to the last anchor of that name before the alias, in document order. */
  private resolveAliases(contents: any): void {
    const anchors = new Map<string, any>();
    const stack: any[] = [contents];
    while (stack.length > 0) {
      const n = stack.pop();
      if (!n) continue;
      if (isAlias(n)) {
        const target = anchors.get(n.source);
        if (!target) this.fail(n, `unknown anchor '${n.source}' referenced`);
        this.aliasTarget.set(n, target);
        continue;
      }
      if (n.anchor) anchors.set(n.anchor, n);
      if (isMap(n)) {
        for (let i = n.items.length - 1; i >= 0; i--) {
          stack.push((n.items[i] as any).value, (n.items[i] as any).key);
        }
      } else if (isSeq(n)) {
        for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
      }
    }
  }

  private count(node: any): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
      this.fail(node, 'document contains excessive aliasing (an alias bomb: '
        + `${this.aliasCount} of ${this.decodeCount} decoded nodes come from aliases)`);
    }
  }

  private run(): void {
    const stack = this.stack;
    while (stack.length > 0) {
      const t = stack.pop()!;
      switch (t.op) {
        case 0:
          this.visit(t);
          break;
        case 1:
          this.aliasDepth--;
          this.activeAliases.delete(t.node);
          break;
        case 2:
          this.pair(t);
          break;
        case 3:
          this.merge(t);
          break;
      }
    }
  }

  private visit(t: Task): void {
    const n = t.node;
    this.count(n);
    if (isAlias(n)) {
      if (this.activeAliases.has(n)) this.fail(n, `anchor '${n.source}' value contains itself`);
      this.activeAliases.add(n);
      this.aliasDepth++;
      this.stack.push({ op: 1, node: n, depth: t.depth });
      this.stack.push({ op: 0, node: this.aliasTarget.get(n), depth: t.depth, sink: t.sink, into: t.into, atKey: t.atKey });
      return;
    }
    if (n === null || n === undefined || isScalar(n)) {
      t.sink!(this.scalar(n, t.atKey === true));
      return;
    }
    if (t.depth + 1 > MAX_NESTING_DEPTH) this.fail(n, `document nested too deeply: more than ${MAX_NESTING_DEPTH} levels`);
    if (t.atKey) this.fail(n, 'invalid map key: a mapping or sequence cannot be a key in JSON');
    if (isMap(n)) {
      const obj = t.into ?? {};
      if (!t.into) t.sink!(obj);
      const items = n.items as any[];
      for (let i = items.length - 1; i >= 0; i--) {
        const pair = items[i];
        if (isMergeKey(pair.key)) this.stack.push({ op: 3, node: pair.value, depth: t.depth, obj });
        else this.stack.push({ op: 2, node: pair, depth: t.depth + 1, obj });
      }
      return;
    }
    if (isSeq(n)) {
      const arr: any[] = [];
      t.sink!(arr);
      const items = n.items as any[];
      const add = (v: any): void => { arr.push(v); };
      for (let i = items.length - 1; i >= 0; i--) this.stack.push({ op: 0, node: items[i], depth: t.depth + 1, sink: add });
      return;
    }
    this.fail(n, 'unsupported YAML node');
  }

  /** A key/value pair: decode the key, then its value into the map. */
  private pair(t: Task): void {
    const pair = t.node;
    const obj = t.obj;
    let keyValue: any;
    this.stack.push({ op: 0, node: pair.key, depth: t.depth, atKey: true, sink: v => { keyValue = v; } });
    // run the key to completion (keys are scalars or aliases of scalars; collections fail)
    const mark = this.stack.length - 1;
    while (this.stack.length > mark) {
      const k = this.stack.pop()!;
      if (k.op === 0) this.visit(k);
      else if (k.op === 1) {
        this.aliasDepth--;
        this.activeAliases.delete(k.node);
      }
    }
    const key = keyToString(this.keyKind, keyValue, this.keyBig, this.keyUnsigned);
    if (typeof key !== 'string') this.fail(pair.key ?? pair.value, key.error);
    this.stack.push({ op: 0, node: pair.value, depth: t.depth, sink: v => setKey(obj, key, v) });
  }

  /** `<<: value`, decoded into the map in place (decode.go `merge`). */
  private merge(t: Task): void {
    const v = t.node;
    const wantMap = (): never => this.fail(v ?? t.obj, 'map merge requires map or sequence of maps as the value');
    const isMapNode = (n: any): boolean => isMap(n) || (isAlias(n) && isMap(this.aliasTarget.get(n)));
    if (isMap(v) || isAlias(v)) {
      if (!isMapNode(v)) wantMap();
      this.stack.push({ op: 0, node: v, depth: t.depth, into: t.obj });
      return;
    }
    if (isSeq(v)) {
      // earlier maps take precedence: decode them last
      const items = v.items as any[];
      for (const item of items) if (!isMapNode(item)) wantMap();
      for (let i = 0; i < items.length; i++) this.stack.push({ op: 0, node: items[i], depth: t.depth, into: t.obj });
      return;
    }
    wantMap();
  }

  /** decoder.scalar into interface{} (decode.go), with the JSON conversion of sigs.k8s.io/yaml. */
  private scalar(n: any, atKey: boolean): any {
    const source: string = n ? String(n.source ?? n.value ?? '') : '';
    const tag: string | undefined = n ? n.tag : undefined;
    const plain = !n || n.type === 'PLAIN' || n.type === undefined;
    let kind: Kind;
    let value: any;
    let big: bigint | undefined;
    let unsigned = false;
    if (!tag && !plain) {
      kind = Kind.STR;
      value = source;
    } else if (tag && tag !== STR_TAG && tag !== BOOL_TAG && tag !== INT_TAG && tag !== FLOAT_TAG && tag !== NULL_TAG && tag !== TIMESTAMP_TAG) {
      // not a resolvable tag: the text as a string (!!binary is base64-decoded)
      kind = Kind.STR;
      value = source;
      if (tag === BINARY_TAG) {
        const b64 = source.replace(/[\r\n]/g, '');
        if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
          this.fail(n, '!!binary value contains invalid base64 data');
        }
        value = goBytesToString(Buffer.from(b64, 'base64'));
        kind = Kind.BINARY;
      }
    } else if (tag === STR_TAG) {
      kind = Kind.STR;
      value = source;
    } else {
      value = resolvePlain(source);
      kind = lastKind;
      big = lastBig;
      unsigned = lastUnsigned;
      if (kind === Kind.MERGE) kind = Kind.STR;
      if (tag) {
        const ok = tag === KIND_TAG[kind] || (tag === FLOAT_TAG && kind === Kind.INT) || (tag === TIMESTAMP_TAG && kind === Kind.TIMESTAMP);
        if (!ok) this.fail(n, `cannot decode ${shortTag(KIND_TAG[kind])} \`${source}\` as a ${shortTag(tag)}`);
        if (tag === FLOAT_TAG && kind === Kind.INT) {
          kind = Kind.FLOAT;
          big = undefined;
        }
      }
    }
    if (atKey) {
      this.keyKind = kind;
      this.keyBig = big;
      this.keyUnsigned = unsigned;
    } else if (kind === Kind.FLOAT && !isFinite(value)) {
      this.fail(n, `json: unsupported value: ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'} (JSON has no ${source})`);
    }
    return value;
  }
}

/** decode.go isMerge: a plain untagged `<<`, or one tagged !!merge. */
function isMergeKey(key: any): boolean {
  return isScalar(key) && (key as any).source === '<<'
    && (((key as any).type === 'PLAIN' && !(key as any).tag) || (key as any).tag === MERGE_TAG);
}
