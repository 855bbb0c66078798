/**
 * Test support: checks synthesized manifests the way a Kubernetes API server with Istio 1.30 CRDs would.
 *
 * - Istio networking.istio.io/v1 VirtualService, DestinationRule, Gateway and ServiceEntry are checked against the
 *   CRDs' own openAPIV3Schema (test/support/schemas/istio-networking-v1.json, extracted from the Istio 1.30.3 bundle by
 *   scripts/extract-crd-schemas.js), including their CEL `x-kubernetes-validations` rules, evaluated with @bufbuild/cel.
 * - Istio telemetry.istio.io/v1 Telemetry likewise (test/support/schemas/istio-telemetry-v1.json, same bundle), CEL rules
 *   included (e.g. only one of selector, targetRef and targetRefs; no wildcard in selector labels).
 * - Gateway API gateway.networking.k8s.io/v1 Gateway, HTTPRoute and GRPCRoute, and ReferenceGrant v1beta1 and v1, against the
 *   v1.6.1 standard-channel CRDs' openAPIV3Schema (test/support/schemas/gateway-api-v1.json), CEL rules included (e.g. a
 *   RequestMirror filter sets percent or fraction, not both; fraction numerator <= denominator).
 * - Argo Rollouts v1.9.1 argoproj.io/v1alpha1 Rollout and AnalysisTemplate, and Flagger v1.44.0 flagger.app/v1beta1 Canary and
 *   MetricTemplate, against the controllers' own CRDs' openAPIV3Schema (test/support/schemas/argo-rollouts-v1alpha1.json and
 *   flagger-v1beta1.json, extracted by `scripts/extract-crd-schemas.js --controllers`). The Rollout CRD leaves the pod
 *   template open (x-kubernetes-preserve-unknown-fields); tests check it as a Deployment's template.
 * - apps/v1 Deployment and v1 Service are checked against the Kubernetes 1.33 object schemas
 *   (test/support/schemas/kubernetes-v1.json), plus the rules that the API server's Go validation enforces and the schema
 *   does not express (name syntax, label syntax, selector matching the template, port ranges and names, enums).
 *
 * Unknown fields are errors everywhere, as with `kubectl apply --server-side --validate=strict`, except below a
 * schema marked `x-kubernetes-preserve-unknown-fields`.
 *
 * @example
 * import { expectValidManifests } from './schema';
 * expectValidManifests(Testing.synth(chart));
 */
import * as fs from 'fs';
import * as path from 'path';
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

type Schema = { readonly [key: string]: any };

/** One CEL rule of a CRD that applies to a field present in a manifest. */
export interface AppliedRule {
  /** JSON path of the field the rule is attached to, e.g. `spec.servers[0].tls`. */
  readonly path: string;
  /** The CEL expression, as published in the CRD. */
  readonly rule: string;
  /** The CRD's message for the rule. */
  readonly message: string;
  /** Whether the rule held for this manifest. */
  readonly passed: boolean;
}

interface KindEntry {
  readonly schema: Schema;
  /** Document that `$ref`s resolve against. */
  readonly root: Schema;
  readonly crd: boolean;
}

const SCHEMA_DIR = path.join(__dirname, 'schemas');

interface Loaded {
  readonly kinds: Map<string, KindEntry>;
  readonly kubernetes: Schema;
}

let loaded: Loaded | undefined;

/** Reads the committed schemas once per module instance (jest loads the module once per test file). */
function schemas(): Loaded {
  if (loaded) return loaded;
  const read = (file: string): Schema => JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8'));
  const kubernetes = read('kubernetes-v1.json');
  const istio = read('istio-networking-v1.json');
  const telemetry = read('istio-telemetry-v1.json');
  const gatewayApi = read('gateway-api-v1.json');
  const controllers = [read('argo-rollouts-v1alpha1.json'), read('flagger-v1beta1.json')];
  const kinds = new Map<string, KindEntry>();
  for (const [key, ref] of Object.entries<string>(kubernetes.kinds)) {
    kinds.set(key, { schema: { $ref: ref }, root: kubernetes, crd: false });
  }
  for (const [kind, entry] of [...Object.entries<any>(istio.kinds), ...Object.entries<any>(telemetry.kinds)]) {
    kinds.set(`${entry.apiVersion}/${kind}`, { schema: entry.openAPIV3Schema, root: kubernetes, crd: true });
  }
  for (const [key, entry] of [gatewayApi, ...controllers].flatMap(file => Object.entries<any>(file.kinds))) {
    kinds.set(key, { schema: entry.openAPIV3Schema, root: kubernetes, crd: true });
  }
  loaded = { kinds, kubernetes };
  return loaded;
}

/** The `apiVersion/kind` pairs that {@link schemaErrors} knows, e.g. `networking.istio.io/v1/VirtualService`. */
export function supportedKinds(): string[] {
  return [...schemas().kinds.keys()];
}

/**
 * Everything the API server would reject in one manifest; empty when it is valid.
 *
 * Each error reads `Kind/name: json.path: problem`.
 */
export function schemaErrors(manifest: any): string[] {
  return validate(manifest).errors;
}

/**
 * The CRD CEL rules that applied to fields present in the manifest, and whether each held.
 *
 * Useful to see which `x-kubernetes-validations` a construct's output actually exercises.
 */
export function appliedRules(manifest: any): AppliedRule[] {
  return validate(manifest).rules;
}

/** Jest assertion: every manifest is valid; on failure the message lists every error of every manifest, one a line. */
export function expectValidManifests(manifests: any[]): void {
  // Also an assertion when there is nothing to validate: an empty synth is never what a test means to check.
  expect(manifests.length).toBeGreaterThan(0);
  const errors = manifests.flatMap(m => schemaErrors(m));
  if (errors.length > 0) {
    throw new Error(`${errors.length} schema error(s) in ${manifests.length} manifest(s):\n${errors.map(e => `  - ${e}`).join('\n')}`);
  }
}

interface Ctx {
  readonly root: Schema;
  readonly errors: string[];
  readonly rules: AppliedRule[];
  /** Inside oneOf/anyOf/allOf/not: structural schemas only constrain values there, they declare no fields. */
  readonly valueOnly: boolean;
}

function validate(manifest: any): { errors: string[]; rules: AppliedRule[] } {
  const errors: string[] = [];
  const rules: AppliedRule[] = [];
  const kind = manifest?.kind;
  const label = `${kind ?? '<no kind>'}/${manifest?.metadata?.name ?? '<no name>'}`;
  const entry = schemas().kinds.get(`${manifest?.apiVersion}/${kind}`);
  if (!entry) {
    return {
      errors: [`${label}: no schema for apiVersion "${manifest?.apiVersion}" kind "${kind}" (known: ${supportedKinds().join(', ')})`],
      rules,
    };
  }
  const ctx: Ctx = { root: entry.root, errors, rules, valueOnly: false };
  if (entry.crd) {
    // The API server validates the type meta and ObjectMeta of custom resources itself; the CRD schema covers the rest.
    const rest = { ...manifest };
    delete rest.apiVersion;
    delete rest.kind;
    delete rest.metadata;
    check(manifest.metadata, { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }, 'metadata', ctx);
    // The API server applies the CRD's defaults before it validates (structural defaulting), so CEL rules see them:
    // e.g. HTTPRoute's `matches` defaults to a PathPrefix "/" match, which its rule limiting the matches counts.
    check(withDefaults(rest, entry.schema, entry.root), entry.schema, '', ctx);
  } else {
    check(manifest, entry.schema, '', ctx);
  }
  errors.push(...apiServerErrors(manifest));
  return { errors: errors.map(e => `${label}: ${e}`), rules };
}

/** A copy of `value` with the `default`s of its schema filled in where a field is absent, as the API server does. */
function withDefaults(value: unknown, schemaIn: Schema, root: Schema): any {
  const schema = deref(schemaIn, root);
  if (Array.isArray(value)) {
    return schema.items ? value.map(item => withDefaults(item, schema.items, root)) : value;
  }
  if (!isPlainObject(value)) return value;
  const out: Record<string, any> = { ...value };
  for (const [key, sub] of Object.entries<Schema>(schema.properties ?? {})) {
    const s = deref(sub, root);
    if (out[key] === undefined && s.default !== undefined) out[key] = JSON.parse(JSON.stringify(s.default));
    if (out[key] !== undefined) out[key] = withDefaults(out[key], s, root);
  }
  return out;
}

function deref(schema: Schema, root: Schema): Schema {
  let s = schema;
  while (s && typeof s.$ref === 'string') {
    const target = root.definitions?.[s.$ref.replace('#/definitions/', '')];
    if (!target) throw new Error(`unresolved schema reference ${s.$ref}`);
    s = target;
  }
  return s;
}

const join = (p: string, key: string) => (p ? `${p}.${key}` : key);
const at = (p: string) => p || '<root>';

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  const shown = text !== undefined && text.length > 60 ? `${text.slice(0, 57)}...` : text;
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `${type} ${shown}`;
}

function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeMatches(value: unknown, type: string): boolean {
  switch (type) {
    case 'object': return isPlainObject(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'boolean': return typeof value === 'boolean';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    default: return false;
  }
}

const FORMAT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether `value` satisfies a value-validation sub-schema (a oneOf/anyOf/allOf/not branch). */
function matches(value: unknown, schema: Schema, ctx: Ctx): boolean {
  const sub: Ctx = { root: ctx.root, errors: [], rules: [], valueOnly: true };
  check(value, schema, '', sub);
  return sub.errors.length === 0;
}

/** Istio encodes "at most one of these fields" as oneOf/anyOf over `required` branches; name the fields. */
function branchFields(branches: Schema[]): string[] {
  const fields = new Set<string>();
  const visit = (s: any) => {
    if (!isPlainObject(s)) return;
    for (const f of (s.required as string[] | undefined) ?? []) fields.add(f);
    for (const k of ['oneOf', 'anyOf', 'allOf']) for (const b of (s[k] as Schema[] | undefined) ?? []) visit(b);
    visit(s.not);
  };
  branches.forEach(visit);
  return [...fields];
}

function check(value: unknown, schemaIn: Schema, p: string, ctx: Ctx): void {
  const schema = deref(schemaIn, ctx.root);
  const err = (msg: string) => ctx.errors.push(`${at(p)}: ${msg}`);
  if (value === undefined) return;
  if (value === null) {
    // A null for a non-nullable field is dropped by the API server: the field the construct meant to set is lost.
    if (!schema.nullable && !ctx.valueOnly) err('must not be null (the API server drops nulls for non-nullable fields)');
    return;
  }

  if (schema['x-kubernetes-int-or-string']) {
    if (!(Number.isInteger(value) || typeof value === 'string')) {
      err(`must be an integer or a string, got ${describe(value)}`);
      return;
    }
  } else if (schema.type && !typeMatches(value, schema.type)) {
    err(`must be of type ${schema.type}, got ${describe(value)}`);
    return;
  }

  if (typeof value === 'number') {
    const range = FORMAT_RANGES[schema.format];
    if (range && (value < range[0] || value > range[1])) err(`must fit format ${schema.format} [${range[0]}, ${range[1]}], got ${value}`);
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      err(`must be ${schema.exclusiveMinimum ? '>' : '>='} ${schema.minimum}, got ${value}`);
    }
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      err(`must be ${schema.exclusiveMaximum ? '<' : '<='} ${schema.maximum}, got ${value}`);
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) err(`must be at least ${schema.minLength} characters, got ${length}`);
    if (schema.maxLength !== undefined && length > schema.maxLength) err(`must be at most ${schema.maxLength} characters, got ${length}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) err(`must match /${schema.pattern}/, got ${JSON.stringify(value)}`);
    if (schema.format === 'date-time' && !RFC3339.test(value)) err(`must be an RFC 3339 date-time, got ${JSON.stringify(value)}`);
  }
  if (schema.enum && !schema.enum.some((e: unknown) => deepEqual(e, value))) {
    err(`must be one of ${schema.enum.map((e: unknown) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`);
  }

  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) err(`must have at least ${schema.minItems} items, got ${value.length}`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) err(`must have at most ${schema.maxItems} items, got ${value.length}`);
    if (schema.items) value.forEach((item, i) => check(item, schema.items, `${p}[${i}]`, ctx));
    checkListType(value, schema, err);
  }

  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    for (const r of (schema.required as string[] | undefined) ?? []) {
      if (value[r] === undefined) err(`missing required field "${r}"`);
    }
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
      err(`must have at most ${schema.maxProperties} entries, got ${keys.length}`);
    }
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
      err(`must have at least ${schema.minProperties} entries, got ${keys.length}`);
    }
    const props: Schema = schema.properties ?? {};
    const additional = schema.additionalProperties;
    for (const key of keys) {
      if (props[key]) {
        check(value[key], props[key], join(p, key), ctx);
      } else if (isPlainObject(additional)) {
        check(value[key], additional, join(p, key), ctx);
      } else if (!ctx.valueOnly && additional !== true && !schema['x-kubernetes-preserve-unknown-fields']) {
        err(`unknown field "${key}"${Object.keys(props).length ? ` (known: ${Object.keys(props).join(', ')})` : ''}`);
      }
    }
  }

  if (schema.allOf) {
    for (const s of schema.allOf as Schema[]) check(value, s, p, ctx);
  }
  if (schema.anyOf && !(schema.anyOf as Schema[]).some(s => matches(value, s, ctx))) {
    const fields = branchFields(schema.anyOf);
    err(`must match at least one of the anyOf branches${fields.length ? ` over fields ${fields.join(', ')}` : ''}`);
  }
  if (schema.oneOf) {
    const n = (schema.oneOf as Schema[]).filter(s => matches(value, s, ctx)).length;
    if (n !== 1) {
      const fields = branchFields(schema.oneOf);
      const set = isPlainObject(value) ? fields.filter(f => value[f] !== undefined) : [];
      err(`must match exactly one oneOf branch, matched ${n}`
        + (fields.length ? ` (at most one of ${fields.join(', ')} may be set; set: ${set.join(', ') || 'none'})` : ''));
    }
  }
  if (schema.not && matches(value, schema.not, ctx)) err(`must not match ${JSON.stringify(schema.not)}`);

  if (!ctx.valueOnly) {
    for (const rule of (schema['x-kubernetes-validations'] as any[] | undefined) ?? []) {
      evaluateRule(rule, value, schema, p, ctx);
    }
  }
}

function checkListType(value: unknown[], schema: Schema, err: (msg: string) => void) {
  const listType = schema['x-kubernetes-list-type'];
  let keyOf: ((item: any) => string) | undefined;
  if (listType === 'set') keyOf = item => JSON.stringify(item);
  if (listType === 'map') keyOf = item => JSON.stringify((schema['x-kubernetes-list-map-keys'] as string[]).map(k => item?.[k]));
  if (!keyOf) return;
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const key = keyOf!(item);
    if (seen.has(key)) err(`[${i}] duplicates ${key} in a list of type ${listType}`);
    seen.add(key);
  });
}

const celEnvironment = celEnv({ funcs: strings });
const celPrograms = new Map<string, ReturnType<typeof plan>>();

/** Converts JSON to the CEL values the API server binds `self` to: schema integers are CEL ints, objects are maps. */
function toCel(value: unknown, schemaIn: Schema | undefined, root: Schema): any {
  const schema = schemaIn ? deref(schemaIn, root) : undefined;
  if (Array.isArray(value)) return value.map(v => toCel(v, schema?.items, root));
  if (isPlainObject(value)) {
    const additional = isPlainObject(schema?.additionalProperties) ? schema!.additionalProperties : undefined;
    return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v, schema?.properties?.[k] ?? additional, root)]));
  }
  if (typeof value === 'number' && Number.isInteger(value) && schema?.type !== 'number') return BigInt(value);
  return value;
}

function evaluateRule(rule: { rule: string; message?: string; messageExpression?: string }, value: unknown, schema: Schema, p: string, ctx: Ctx) {
  const message = rule.message ?? `failed rule: ${rule.rule}`;
  if (/\boldSelf\b/.test(rule.rule)) return; // transition rules compare with a stored object; a fresh apply has none
  let program = celPrograms.get(rule.rule);
  if (!program) {
    program = plan(celEnvironment, parse(rule.rule));
    celPrograms.set(rule.rule, program);
  }
  const result = program({ self: toCel(value, schema, ctx.root) });
  const passed = result === true;
  ctx.rules.push({ path: at(p), rule: rule.rule, message, passed });
  if (!passed) {
    const why = isCelError(result) ? ` (evaluation error: ${result.message})` : '';
    ctx.errors.push(`${at(p)}: ${message} [x-kubernetes-validations rule: ${rule.rule}]${why}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rules the API server enforces in Go (k8s.io/apimachinery/pkg/util/validation, pkg/apis/core/validation and
// pkg/apis/apps/validation) that the OpenAPI schema does not carry.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function dns1123Label(v: string): string | undefined {
  if (v.length > 63) return `must be no more than 63 characters, got ${v.length}`;
  if (!DNS1123_LABEL.test(v)) return 'must be a lowercase RFC 1123 label (a-z, 0-9 and "-", starting and ending with an alphanumeric character)';
  return undefined;
}

function dns1123Subdomain(v: string): string | undefined {
  if (v.length > 253) return `must be no more than 253 characters, got ${v.length}`;
  if (!DNS1123_SUBDOMAIN.test(v)) return 'must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-" and ".", starting and ending with an alphanumeric character)';
  return undefined;
}

function dns1035Label(v: string): string | undefined {
  if (v.length > 63) return `must be no more than 63 characters, got ${v.length}`;
  if (!DNS1035_LABEL.test(v)) return 'must be a lowercase RFC 1035 label (a-z, 0-9 and "-", starting with a letter and ending with an alphanumeric character)';
  return undefined;
}

function qualifiedName(v: string): string | undefined {
  const parts = v.split('/');
  if (parts.length > 2) return 'must be a qualified name: an optional DNS subdomain prefix and "/", then a name';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined) {
    const e = dns1123Subdomain(prefix);
    if (e) return `prefix ${JSON.stringify(prefix)} ${e}`;
  }
  if (name.length > 63) return `name part must be no more than 63 characters, got ${name.length}`;
  if (!QUALIFIED_NAME_PART.test(name)) return 'name part must consist of alphanumeric characters, "-", "_" or ".", and start and end with an alphanumeric character';
  return undefined;
}

function labelValue(v: string): string | undefined {
  if (v.length > 63) return `must be no more than 63 characters, got ${v.length}`;
  if (!LABEL_VALUE.test(v)) return 'must be empty or consist of alphanumeric characters, "-", "_" or ".", and start and end with an alphanumeric character';
  return undefined;
}

/** IsValidPortName: an IANA service name, as used for container port names and named target ports. */
function portName(v: string): string | undefined {
  if (v.length > 15) return `must be no more than 15 characters, got ${v.length}`;
  if (!IANA_SVC_NAME.test(v)) return 'must contain only lowercase alphanumeric characters and "-", starting and ending with an alphanumeric character';
  if (v.includes('--')) return 'must not contain consecutive hyphens';
  if (!/[a-z]/.test(v)) return 'must contain at least one letter';
  return undefined;
}

/** IsValidPortNum; a missing or non-integer value is already reported by the schema check. */
function portNumber(v: unknown): string | undefined {
  if (!Number.isInteger(v)) return undefined;
  return (v as number) >= 1 && (v as number) <= 65535 ? undefined : `must be between 1 and 65535, inclusive, got ${v}`;
}

function checkLabels(labels: unknown, p: string, errs: string[]) {
  if (!isPlainObject(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    const ek = qualifiedName(k);
    if (ek) errs.push(`${p}: label key ${JSON.stringify(k)} ${ek}`);
    if (typeof v === 'string') {
      const ev = labelValue(v);
      if (ev) errs.push(`${p}.${k}: label value ${JSON.stringify(v)} ${ev}`);
    }
  }
}

function checkEnum(value: unknown, allowed: string[], p: string, errs: string[]) {
  if (value !== undefined && !allowed.includes(value as string)) {
    errs.push(`${p}: unsupported value ${JSON.stringify(value)}, supported values: ${allowed.map(a => JSON.stringify(a)).join(', ')}`);
  }
}

/** Label selector semantics (metav1.LabelSelectorAsSelector) for matchLabels and matchExpressions. */
function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries<string>(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function checkSelector(selector: any, p: string, errs: string[]) {
  if (!isPlainObject(selector)) return;
  checkLabels(selector.matchLabels, `${p}.matchLabels`, errs);
  ((selector.matchExpressions as any[] | undefined) ?? []).forEach((e, i) => {
    const ep = `${p}.matchExpressions[${i}]`;
    checkEnum(e.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist'], `${ep}.operator`, errs);
    const n = (e.values ?? []).length;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) errs.push(`${ep}.values: must be specified when operator is ${e.operator}`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) {
      errs.push(`${ep}.values: may not be specified when operator is ${e.operator}`);
    }
  });
}

function checkPodSpec(spec: any, p: string, errs: string[]) {
  if (!isPlainObject(spec)) return;
  checkEnum(spec.restartPolicy, ['Always'], `${p}.restartPolicy`, errs); // only Always for a Deployment's pods
  const containers: any[] = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length === 0) errs.push(`${p}.containers: must have at least one container`);
  const names = new Set<string>();
  const all = [
    ...containers.map((c, i) => [c, `${p}.containers[${i}]`]),
    ...((spec.initContainers as any[]) ?? []).map((c, i) => [c, `${p}.initContainers[${i}]`]),
  ];
  for (const [c, cp] of all) {
    if (!isPlainObject(c)) continue;
    if (typeof c.name === 'string') {
      const e = dns1123Label(c.name);
      if (e) errs.push(`${cp}.name: ${JSON.stringify(c.name)} ${e}`);
      if (names.has(c.name)) errs.push(`${cp}.name: duplicate container name ${JSON.stringify(c.name)}`);
      names.add(c.name);
    }
    checkEnum(c.imagePullPolicy, ['Always', 'Never', 'IfNotPresent'], `${cp}.imagePullPolicy`, errs);
    const portNames = new Set<string>();
    ((c.ports as any[] | undefined) ?? []).forEach((port, i) => {
      const pp = `${cp}.ports[${i}]`;
      const e = portNumber(port.containerPort);
      if (e) errs.push(`${pp}.containerPort: ${e}`);
      if (port.hostPort !== undefined && port.hostPort !== 0 && portNumber(port.hostPort)) errs.push(`${pp}.hostPort: ${portNumber(port.hostPort)}`);
      checkEnum(port.protocol, ['TCP', 'UDP', 'SCTP'], `${pp}.protocol`, errs);
      if (typeof port.name === 'string') {
        const en = portName(port.name);
        if (en) errs.push(`${pp}.name: ${JSON.stringify(port.name)} ${en}`);
        if (portNames.has(port.name)) errs.push(`${pp}.name: duplicate port name ${JSON.stringify(port.name)}`);
        portNames.add(port.name);
      }
    });
  }
}

function checkDeployment(m: any, errs: string[]) {
  const spec: any = m.spec;
  if (!isPlainObject(spec)) return;
  for (const f of ['replicas', 'minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds']) {
    if (typeof spec[f] === 'number' && spec[f] < 0) errs.push(`spec.${f}: must be greater than or equal to 0, got ${spec[f]}`);
  }
  checkEnum(spec.strategy?.type, ['Recreate', 'RollingUpdate'], 'spec.strategy.type', errs);
  const selector = spec.selector;
  // Without a template the schema check has already failed; a selector mismatch on top would only be noise.
  if (isPlainObject(selector) && isPlainObject(spec.template)) {
    if (Object.keys(selector.matchLabels ?? {}).length === 0 && ((selector.matchExpressions as any[]) ?? []).length === 0) {
      errs.push('spec.selector: empty selector is invalid for deployment');
    }
    checkSelector(selector, 'spec.selector', errs);
    const labels = spec.template?.metadata?.labels ?? {};
    checkLabels(labels, 'spec.template.metadata.labels', errs);
    if (!selectorMatches(selector, labels)) {
      errs.push(`spec.template.metadata.labels: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``
        + ` (selector ${JSON.stringify(selector)})`);
    }
  }
  checkPodSpec(spec.template?.spec, 'spec.template.spec', errs);
}

function checkService(m: any, errs: string[]) {
  const spec: any = m.spec;
  if (!isPlainObject(spec)) return;
  const type = spec.type ?? 'ClusterIP';
  checkEnum(spec.type, ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'], 'spec.type', errs);
  checkEnum(spec.sessionAffinity, ['None', 'ClientIP'], 'spec.sessionAffinity', errs);
  checkLabels(spec.selector, 'spec.selector', errs);
  const ports: any[] = Array.isArray(spec.ports) ? spec.ports : [];
  if (ports.length === 0 && type !== 'ExternalName' && spec.clusterIP !== 'None') errs.push('spec.ports: must have at least one port');
  const names = new Set<string>();
  const portProtocols = new Set<string>();
  ports.forEach((port, i) => {
    const pp = `spec.ports[${i}]`;
    if (!isPlainObject(port)) return;
    if (typeof port.name === 'string' && port.name !== '') {
      const e = dns1123Label(port.name);
      if (e) errs.push(`${pp}.name: ${JSON.stringify(port.name)} ${e}`);
      if (names.has(port.name)) errs.push(`${pp}.name: duplicate port name ${JSON.stringify(port.name)}`);
      names.add(port.name);
    } else if (ports.length > 1) {
      errs.push(`${pp}.name: required when a service has more than one port`);
    }
    const e = portNumber(port.port);
    if (e) errs.push(`${pp}.port: ${e}`);
    checkEnum(port.protocol, ['TCP', 'UDP', 'SCTP'], `${pp}.protocol`, errs);
    const key = `${port.port}/${port.protocol ?? 'TCP'}`;
    if (portProtocols.has(key)) errs.push(`${pp}: duplicate port and protocol ${key}`);
    portProtocols.add(key);
    if (typeof port.targetPort === 'number') {
      const et = portNumber(port.targetPort);
      if (et) errs.push(`${pp}.targetPort: ${et}`);
    } else if (typeof port.targetPort === 'string') {
      const et = portName(port.targetPort);
      if (et) errs.push(`${pp}.targetPort: ${JSON.stringify(port.targetPort)} ${et}`);
    }
    if (port.nodePort !== undefined && type !== 'NodePort' && type !== 'LoadBalancer') {
      errs.push(`${pp}.nodePort: may not be used when \`type\` is '${type}'`);
    }
  });
}

function apiServerErrors(m: any): string[] {
  const errs: string[] = [];
  const meta = m?.metadata;
  if (!isPlainObject(meta)) return ['metadata: missing required field'];
  if (typeof meta.name === 'string') {
    // Services need RFC 1035 labels (their names become DNS labels of cluster DNS); everything else here takes subdomains.
    const e = m.kind === 'Service' ? dns1035Label(meta.name) : dns1123Subdomain(meta.name);
    if (e) errs.push(`metadata.name: ${JSON.stringify(meta.name)} ${e}`);
  } else if (typeof meta.generateName !== 'string') {
    errs.push('metadata.name: name or generateName is required');
  }
  if (typeof meta.namespace === 'string') {
    const e = dns1123Label(meta.namespace);
    if (e) errs.push(`metadata.namespace: ${JSON.stringify(meta.namespace)} ${e}`);
  }
  checkLabels(meta.labels, 'metadata.labels', errs);
  if (isPlainObject(meta.annotations)) {
    for (const k of Object.keys(meta.annotations)) {
      const e = qualifiedName(k.toLowerCase());
      if (e) errs.push(`metadata.annotations: key ${JSON.stringify(k)} ${e}`);
    }
    const size = Object.entries(meta.annotations).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    if (size > 256 * 1024) errs.push(`metadata.annotations: total size must be at most 262144 bytes, got ${size}`);
  }
  if (m.apiVersion === 'apps/v1' && m.kind === 'Deployment') checkDeployment(m, errs);
  if (m.apiVersion === 'v1' && m.kind === 'Service') checkService(m, errs);
  return errs;
}
