/**
 * The annotation by which a VirtualService declares the objects it refers to that are defined outside the manifests
 * (an imported Gateway, `IstioGateway.fromGatewayName()`; an imported service, `MeshService.fromServiceAttributes()`),
 * so the manifest analyzer takes them to exist instead of reporting the references as missing. One format for the
 * route constructs of every API, which write it, and the analyzer, which reads it. Pure (no cdk8s import; the one
 * file of src/core the analyzer may import). Internal: not exported from index.ts.
 *
 * The value is a JSON array of `{"kind": "Gateway" | "Service", "namespace": string, "name": string, ...}` with, for a
 * Gateway, the `hosts` it serves and, for a Service, its `ports` (numbers) and the `subsets` of its DestinationRule.
 * A field left out means unknown: a Gateway then serves every host, a Service has every port and every subset.
 *
 * @example
 * metadata:
 *   annotations:
 *     cdk8s-traffic-mirror/defined-elsewhere: >-
 *       [{"kind":"Gateway","namespace":"istio-system","name":"shared-gateway","hosts":["*.example.com"]},
 *        {"kind":"Service","namespace":"team-b","name":"reviews","ports":[9080],"subsets":["v1","v2"]}]
 */

/** The annotation's key. */
export const DEFINED_ELSEWHERE_ANNOTATION = 'cdk8s-traffic-mirror/defined-elsewhere';

/** One object of the annotation. */
export interface DeclaredObject {
  readonly kind: 'Gateway' | 'Service' | 'Workload';
  readonly namespace: string;
  readonly name: string;
  /** Gateway only: the hosts its servers serve, as in `servers[].hosts`; undefined means every host. */
  readonly hosts?: string[];
  /** Service only: its port numbers; undefined means any port. */
  readonly ports?: number[];
  /** Service only: the subsets its DestinationRule defines; undefined means any subset. */
  readonly subsets?: string[];
  /** A Workload's pod labels: pods with these labels run elsewhere (e.g. a Deployment applied by Helm). */
  readonly labels?: { [key: string]: string };
}

/** The fields each kind may have besides `kind`, `namespace` and `name`. */
const FIELDS: Record<DeclaredObject['kind'], readonly string[]> = {
  Gateway: ['hosts'],
  Service: ['ports', 'subsets'],
  Workload: ['labels'],
};

/**
 * Reads the annotation's value: the declared objects, or what is wrong with the value (the first problem found).
 */
export function parseDefinedElsewhere(value: unknown): { readonly objects: DeclaredObject[] } | { readonly error: string } {
  if (typeof value !== 'string') {
    return { error: `the value must be a string holding a JSON array, not ${value === null ? 'null' : typeof value}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    return { error: `the value is not valid JSON (${(e as Error).message})` };
  }
  if (!Array.isArray(parsed)) {
    return { error: 'the value must be a JSON array of objects' };
  }
  const objects: DeclaredObject[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const problem = entryProblem(parsed[i], `[${i}]`);
    if (problem !== undefined) return { error: problem };
    objects.push(parsed[i] as DeclaredObject);
  }
  return { objects };
}

/** What is wrong with the entry at `at` (e.g. `[0]`), or undefined. */
function entryProblem(entry: any, at: string): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `${at} must be an object`;
  if (!Object.prototype.hasOwnProperty.call(FIELDS, entry.kind)) {
    return `${at}.kind must be "Gateway", "Service" or "Workload", not ${JSON.stringify(entry.kind)}`;
  }
  const kind: DeclaredObject['kind'] = entry.kind;
  for (const field of ['namespace', 'name']) {
    if (typeof entry[field] !== 'string' || entry[field] === '') return `${at}.${field} must be a non-empty string`;
  }
  for (const key of Object.keys(entry)) {
    if (!['kind', 'namespace', 'name', ...FIELDS[kind]].includes(key)) {
      return `${at} has an unknown field "${key}" (a ${kind} may have ${FIELDS[kind].map(f => `"${f}"`).join(' and ')})`;
    }
  }
  const names = (v: unknown) => Array.isArray(v) && v.every(s => typeof s === 'string' && s !== '');
  if (entry.hosts !== undefined && !names(entry.hosts)) return `${at}.hosts must be a list of host names`;
  if (entry.subsets !== undefined && !names(entry.subsets)) return `${at}.subsets must be a list of subset names`;
  const ports = (v: unknown) => Array.isArray(v) && v.every(p => Number.isInteger(p) && p >= 1 && p <= 65535);
  if (entry.ports !== undefined && !ports(entry.ports)) return `${at}.ports must be a list of port numbers (1-65535)`;
  const labels = entry.labels;
  if (kind === 'Workload' && (typeof labels !== 'object' || labels === null || Array.isArray(labels) || Object.keys(labels).length === 0
    || !Object.values(labels).every(v => typeof v === 'string'))) {
    return `${at}.labels must be a non-empty map of label names to string values (the pod labels of the workload)`;
  }
  return undefined;
}

/** The annotation value for `objects`, sorted and without repetitions so that the output is stable; undefined when empty. */
export function encodeDefinedElsewhere(objects: DeclaredObject[]): string | undefined {
  const unique = new Map(objects.map(o => [`${o.kind}|${o.namespace}|${o.name}`, o]));
  if (unique.size === 0) return undefined;
  return JSON.stringify([...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o));
}
