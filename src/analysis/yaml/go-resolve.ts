/**
 * go-yaml v2 scalar resolution and sigs.k8s.io/yaml key conversion, the rules kubectl reads YAML with.
 *
 * References are to go-yaml v2.4.2 (`go.yaml.in/yaml/v2`) `resolve.go` / `decode.go` and sigs.k8s.io/yaml `yaml.go`
 * (`convertToJSONableObject`). js-yaml parses; these functions decide what a plain scalar is, as `resolve()` does:
 *
 * - booleans are exactly `y Y yes Yes YES true True TRUE on On ON` and `n N no No NO false False FALSE off Off OFF`;
 *   nulls `~ null Null NULL` and empty;
 * - integers are what Go's `strconv.ParseInt(s, 0, 64)` accepts after removing every `_` (`010` is 8, `0o10` 8,
 *   `0x1F` 31, `0b101` 5), then `ParseUint` up to 2^64-1, then decimal floats matching go-yaml's `yamlStyleFloat`
 *   (`08` is the float 8, `1e3` is 1000); `.inf`/`.nan` are floats, which `json.Marshal` then rejects;
 * - sexagesimal numbers (`1:20`) are strings ("Base 60 floats are a bad idea ... purposefully unsupported here"), and
 *   timestamps stay the strings written (decode.go: "for backward compatibility reasons we set it as a string").
 *
 * This file must not import cdk8s, constructs or other sources of this library.
 */

export const TAG_PREFIX = 'tag:yaml.org,2002:';
export const STR_TAG = TAG_PREFIX + 'str';
export const INT_TAG = TAG_PREFIX + 'int';
export const FLOAT_TAG = TAG_PREFIX + 'float';
export const BOOL_TAG = TAG_PREFIX + 'bool';
export const NULL_TAG = TAG_PREFIX + 'null';
export const TIMESTAMP_TAG = TAG_PREFIX + 'timestamp';
export const BINARY_TAG = TAG_PREFIX + 'binary';
export const MERGE_TAG = TAG_PREFIX + 'merge';

/** Kinds of resolved scalars. */
export const enum Kind { STR, INT, FLOAT, BOOL, NULL, TIMESTAMP, MERGE, BINARY }

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

/**
 * Result of the last {@link resolvePlain}: its kind, for integers the exact value, and whether an integer was out of
 * int64 range (a uint64 in Go). One shared object, so that resolving a scalar allocates nothing.
 */
export const resolved: { kind: Kind; big: bigint | undefined; unsigned: boolean } = { kind: Kind.STR, big: undefined, unsigned: false };

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
  resolved.unsigned = false;
  if (v >= INT64_MIN && v <= INT64_MAX) return v;
  if (unsignedAllowed && v >= BigInt(0) && v <= UINT64_MAX) {
    resolved.unsigned = true;
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
 * go-yaml v2 `resolve("", s)` for a plain scalar: sets {@link resolved} and returns the JSON value (numbers as JS
 * numbers; NaN and infinities are returned as such and rejected by the caller where JSON needs it).
 */
export function resolvePlain(s: string): any {
  resolved.big = undefined;
  if (s.length === 0) {
    resolved.kind = Kind.NULL;
    return null;
  }
  const c = s.charCodeAt(0);
  const hint = c < 128 ? HINT[c] : 0;
  if (hint === 0) {
    resolved.kind = Kind.STR;
    return s;
  }
  if (hint === H_DIGIT && s.length <= 15 && SMALL_DECIMAL.test(s)) {
    resolved.kind = Kind.INT;
    return parseInt(s, 10);
  }
  const fixed = RESOLVE_MAP.get(s);
  if (fixed !== undefined) {
    resolved.kind = fixed[0];
    return fixed[1];
  }
  if (hint === H_DOT) {
    if (DOT_FLOAT.test(s)) {
      const f = parseFloat(s);
      if (isFinite(f)) {
        resolved.kind = Kind.FLOAT;
        return f;
      }
    }
  } else if (hint === H_DIGIT || hint === H_SIGN) {
    if (hint === H_DIGIT && isTimestamp(s)) {
      resolved.kind = Kind.TIMESTAMP;
      return s;
    }
    const plain = s.indexOf('_') < 0 ? s : s.replace(/_/g, '');
    let big = goParseInt(plain);
    if (big === undefined && YAML_STYLE_FLOAT.test(plain)) {
      const f = parseFloat(plain);
      if (isFinite(f)) { // Go's ParseFloat fails with ErrRange on overflow; the scalar then stays a string
        resolved.kind = Kind.FLOAT;
        return f;
      }
    }
    if (big === undefined && plain.startsWith('0b')) big = goParseBinary(plain.slice(2));
    else if (big === undefined && plain.startsWith('-0b')) big = goParseBinary('-' + plain.slice(3));
    if (big !== undefined) {
      resolved.kind = Kind.INT;
      resolved.big = big;
      const n = Number(big);
      return n === 0 ? 0 : n;
    }
  }
  resolved.kind = Kind.STR;
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
export function keyToString(kind: Kind, value: any, big: bigint | undefined, unsigned: boolean): string | { error: string } {
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
export function goBytesToString(b: Uint8Array): string {
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

export function shortTag(tag: string): string {
  return tag.startsWith(TAG_PREFIX) ? '!!' + tag.slice(TAG_PREFIX.length) : tag;
}

export const KIND_TAG = [STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG, TIMESTAMP_TAG, MERGE_TAG, BINARY_TAG];
