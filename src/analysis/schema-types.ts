/**
 * The type check of IST0106: fields of `spec` whose JSON type is not the one the CRD (or the Kubernetes API) declares,
 * such as `hosts: 5`, `http: "x"`, `weight: "ten"` or `port: {number: "eighty"}`. The API server rejects such an object
 * and istioctl cannot read it; the analyzer reports each wrong field and then takes the object for what it is in a
 * cluster, absent: it is not analyzed itself (no reference checks on values of the wrong type), but objects that refer
 * to it still find it. Internal: not exported from index.ts.
 *
 * The types come from `schema-types.generated.ts` (see scripts/extract-type-table.js): 's' string, 'i' integer,
 * 'i32' an integer in int32 range, 'u32' one in uint32 range, 'n' number, 'b' boolean, 'x' int-or-string (its integer
 * in int32 range), '*' anything, `[T]` a list, `{field: T}` an object, `{'*': T}` a map. `null` is accepted anywhere
 * (the API server treats it as unset); fields the table does not list are not checked.
 *
 * The ranges are part of the type: the API server decodes a core/v1 Service into Go int32 fields (an out-of-range
 * `port` fails to decode) and checks a CRD field's `format: int32` and `minimum`/`maximum` (kube-openapi validation),
 * while Istio reads the proto field as int32 or uint32; a weight of 4294967296 is not a large weight but an object the
 * cluster refuses.
 */
import { SPEC_TYPES } from './schema-types.generated';

/** At most this many wrong fields are reported per object: after that, the object is clearly of another shape. */
const MAX_ERRORS = 5;

const TYPE_NAMES: Record<string, string> = {
  's': 'string', 'i': 'integer', 'i32': 'integer', 'u32': 'integer', 'n': 'number', 'b': 'boolean', 'x': 'integer or string',
};

/** Integer ranges of the encodings that have one: [min, max, name]. */
const RANGES: Record<string, [number, number, string]> = {
  i32: [-2147483648, 2147483647, 'int32'],
  u32: [0, 4294967295, 'uint32'],
  x: [-2147483648, 2147483647, 'int32'],
};

/** The table entry for a manifest: Istio networking kinds of any version, and core v1 Services. */
function typesOf(manifest: any): any {
  const apiVersion = typeof manifest.apiVersion === 'string' ? manifest.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group === 'networking.istio.io') return SPEC_TYPES[`networking.istio.io/${manifest.kind}`];
  if (apiVersion === 'v1' && manifest.kind === 'Service') return SPEC_TYPES['/Service'];
  return undefined;
}

/** The JSON type of a value as the API server names it in its errors. */
function jsonType(value: any): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function show(value: any): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The wrong fields of `manifest`, each as `[path, message]` (`spec.http[0].route[0].weight`, `must be of type integer,
 * got string "ten"`); empty for a manifest of a kind the table does not cover, or whose `spec` is absent.
 */
export function typeErrors(manifest: any): Array<[string, string]> {
  const types = typesOf(manifest);
  if (types === undefined || manifest.spec === undefined || manifest.spec === null) return [];
  const errors: Array<[string, string]> = [];
  // Iterative walk (an explicit stack), so that a deeply nested value cannot overflow the call stack.
  const stack: Array<[any, any, string]> = [[manifest.spec, types, 'spec']];
  while (stack.length > 0 && errors.length < MAX_ERRORS) {
    const [value, type, where] = stack.pop()!;
    if (value === null || type === '*') continue;
    if (typeof type === 'string') {
      const ok = type === 's' ? typeof value === 'string'
        : type === 'i' || type === 'i32' || type === 'u32' ? Number.isInteger(value)
          : type === 'n' ? typeof value === 'number' && Number.isFinite(value)
            : type === 'b' ? typeof value === 'boolean'
              : Number.isInteger(value) || typeof value === 'string';
      const range = RANGES[type];
      if (!ok) {
        errors.push([where, `must be of type ${TYPE_NAMES[type]}, got ${jsonType(value)} ${show(value)}`]);
      } else if (range !== undefined && typeof value === 'number' && (value < range[0] || value > range[1])) {
        errors.push([where, `must be an integer from ${range[0]} to ${range[1]} (${range[2]}), got ${show(value)}`]);
      }
    } else if (Array.isArray(type)) {
      if (!Array.isArray(value)) {
        errors.push([where, `must be a list, got ${jsonType(value)} ${show(value)}`]);
        continue;
      }
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], type[0], `${where}[${i}]`]);
    } else {
      if (typeof value !== 'object' || Array.isArray(value)) {
        errors.push([where, `must be an object, got ${jsonType(value)} ${show(value)}`]);
        continue;
      }
      const map = Object.prototype.hasOwnProperty.call(type, '*') ? type['*'] : undefined;
      for (const key of Object.keys(value).reverse()) {
        const t = map ?? (Object.prototype.hasOwnProperty.call(type, key) ? type[key] : undefined);
        if (t !== undefined) stack.push([value[key], t, `${where}.${key}`]);
      }
    }
  }
  return errors;
}
