/**
 * A js-yaml schema that types scalars as go-yaml v2 does (kubectl reads YAML through sigs.k8s.io/yaml = go-yaml v2).
 *
 * js-yaml (https://github.com/nodeca/js-yaml, 4.x, `lib/loader.js` `composeNode`) resolves a plain scalar by trying
 * the schema's implicit types in order; an explicitly tagged scalar goes to the type of that tag. This schema has:
 *
 * - one implicit type that asks go-yaml's `resolve()` ({@link resolvePlain}) what the scalar is, so YAML 1.1 booleans
 *   (`on`, `yes`), Go integer syntax (`010` is 8, `0b101`), go-yaml's floats and nulls come out as kubectl reads them;
 * - explicit `!!int !!float !!bool !!null !!timestamp !!binary !!merge` that accept what go-yaml's decoder accepts
 *   (decode.go `scalar()`: the tag must agree with what the text resolves to, except an integer tagged `!!float`);
 * - any other tag (`!foo`, `!<tag:example.com,2000:x>`) is ignored as go-yaml does when decoding into interface{}.
 *
 * `<<` is *not* given js-yaml's merge type: js-yaml keeps a key written before `<<`, go-yaml v2 overwrites it (decode.go
 * `mapping()` merges in place, in document order). A `<<` key is read as a unique marker string
 * ({@link MERGE_MARKER}n) and the reader applies the merges itself, in go-yaml's order.
 *
 * This file must not import cdk8s, constructs or other sources of this library.
 */
import { FAILSAFE_SCHEMA, Schema, Type } from 'js-yaml';
import {
  BINARY_TAG, BOOL_TAG, FLOAT_TAG, goBytesToString, INT_TAG, Kind, KIND_TAG, MERGE_TAG, NULL_TAG, resolved,
  resolvePlain, shortTag, TIMESTAMP_TAG,
} from './go-resolve';

/** Prefix of the key a `<<` merge key is read as; a NUL cannot appear in a key kubectl reads (readerc.go). */
export const MERGE_MARKER = '\u0000<<';

/** State shared between the schema's types and the reader, reset for each document. */
export const schemaState: {
  /** Number of `<<` keys read in the document (the suffix of the next marker). */
  merges: number;
  /** Why the last explicitly tagged scalar was refused (go-yaml's message), and its text. */
  tagFailure: { reason: string; source: string } | undefined;
} = { merges: 0, tagFailure: undefined };

let pending: any = undefined;

const goImplicit = new Type('tag:yaml.org,2002:go-resolve', {
  kind: 'scalar',
  resolve: (data: any): boolean => {
    if (typeof data !== 'string') return false;
    if (data === '<<') { // decode.go isMerge: a plain, untagged `<<`
      resolved.kind = Kind.MERGE;
      return true;
    }
    pending = resolvePlain(data);
    const k = resolved.kind;
    return k !== Kind.STR && k !== Kind.TIMESTAMP;
  },
  construct: (): any => (resolved.kind === Kind.MERGE ? MERGE_MARKER + schemaState.merges++ : pending),
});

/** An explicit tag: go-yaml decode.go resolves the text and refuses a tag that disagrees with what it resolved to. */
function tagged(tag: string): Type {
  return new Type(tag, {
    kind: 'scalar',
    resolve: (data: any): boolean => {
      const source = typeof data === 'string' ? data : '';
      const v = resolvePlain(source);
      let kind = resolved.kind;
      if (kind === Kind.MERGE) kind = Kind.STR;
      const ok = tag === KIND_TAG[kind] || (tag === FLOAT_TAG && kind === Kind.INT) || (tag === TIMESTAMP_TAG && kind === Kind.TIMESTAMP);
      if (!ok) {
        schemaState.tagFailure = { reason: `cannot decode ${shortTag(KIND_TAG[kind])} \`${source}\` as a ${shortTag(tag)}`, source };
        return false;
      }
      pending = v;
      return true;
    },
    construct: (): any => pending,
  });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `!!binary`: base64-decoded, then Go's string(bytes) + json.Marshal (invalid UTF-8 becomes U+FFFD). */
const binary = new Type(BINARY_TAG, {
  kind: 'scalar',
  resolve: (data: any): boolean => {
    const b64 = (typeof data === 'string' ? data : '').replace(/[\r\n]/g, '');
    if (!BASE64.test(b64)) {
      schemaState.tagFailure = { reason: '!!binary value contains invalid base64 data', source: String(data ?? '') };
      return false;
    }
    pending = goBytesToString(Buffer.from(b64, 'base64'));
    return true;
  },
  construct: (): any => pending,
});

/** `!!merge <<` is a merge key like a plain `<<` (decode.go isMerge). */
const merge = new Type(MERGE_TAG, {
  kind: 'scalar',
  resolve: (data: any): boolean => data === '<<',
  construct: (): any => MERGE_MARKER + schemaState.merges++,
});

/** Tags go-yaml does not resolve are ignored when decoding into interface{}: the node is read as if untagged. */
function ignoredTags(prefix: string): Type[] {
  return [
    new Type(prefix, { kind: 'scalar', multi: true, construct: (data: any) => data ?? '' }),
    new Type(prefix, { kind: 'sequence', multi: true, construct: (data: any) => data ?? [] }),
    new Type(prefix, { kind: 'mapping', multi: true, construct: (data: any) => data ?? {} }),
  ];
}

/** The schema kubectl's YAML reading corresponds to (see the file comment). */
export const GO_YAML_SCHEMA: Schema = FAILSAFE_SCHEMA.extend({
  implicit: [goImplicit],
  explicit: [
    tagged(INT_TAG), tagged(FLOAT_TAG), tagged(BOOL_TAG), tagged(NULL_TAG), tagged(TIMESTAMP_TAG), binary, merge,
    ...ignoredTags('!'), ...ignoredTags('tag:'),
  ],
});
