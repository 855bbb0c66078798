import { IConstruct } from 'constructs';

/**
 * Input checks shared by the constructs. Every message names the construct path, the bad value and what is allowed,
 * so a user can fix the input without reading this library's source.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * What an input error names: a construct, or the construct about to be created (`subjectOf(scope, id)`), for the checks
 * a construct that is itself a Kubernetes object (a subclass of `ApiObject` or of a cdk8s-plus workload) runs on its
 * props before `super()`, when the object's name must already be known.
 */
export interface Subject {
  readonly node: { readonly path: string };
}

/**
 * The subject of the construct `id` that is about to be created in `scope`: its path, as constructs will compute it.
 * The path is computed only when a message needs it (constructs builds it from every scope up to the root).
 */
export function subjectOf(scope: IConstruct, id: string): Subject {
  return new FutureSubject(scope, id);
}

class FutureSubject implements Subject {
  constructor(private readonly scope: IConstruct, private readonly id: string) {
  }

  public get node(): { readonly path: string } {
    // constructs replaces the path separator in ids (Node.PATH_SEP) with `--`.
    const own = this.id.includes('/') ? this.id.replace(/\//g, '--') : this.id;
    const parent = this.scope.node.path;
    return { path: parent ? `${parent}/${own}` : own };
  }
}

/**
 * Whether `o` is an instance of `cls` by its prototype chain (JavaScript's ordinary `instanceof`), for the library's
 * subclasses of cdk8s's `ApiObject`, whose own `instanceof` is true for every API object.
 */
export function isInstance(cls: object, o: unknown): boolean {
  return Function.prototype[Symbol.hasInstance].call(cls, o);
}

/** Throws an error whose message starts with the construct path. */
export function fail(scope: Subject, message: string): never {
  throw new Error(`${scope.node.path}: ${message}`);
}

/**
 * A value as a message shows it, with its type when that is the mistake: `"50" (a string)` where a number was
 * expected, `null`, `[1,2] (an array)`; long values are cut, so a huge input is not echoed whole.
 */
export function describe(value: unknown): string {
  const construct = value !== null && typeof value === 'object' && typeof (value as any).node?.path === 'string' ? (value as any).node.path : undefined;
  if (construct !== undefined) return `the construct ${construct === '' ? '(the app)' : construct} (an object)`;
  let shown: string;
  try {
    shown = value === undefined || typeof value === 'number' || typeof value === 'bigint' ? String(value) : JSON.stringify(value) ?? String(value);
  } catch {
    shown = `{ ${Object.keys(value as object).join(', ')} }`;
  }
  const cut = shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
  if (typeof value === 'string') return `${cut} (a string)`;
  if (Array.isArray(value)) return `${cut} (an array)`;
  if (value !== null && typeof value === 'object') return `${cut} (an object)`;
  if (typeof value === 'boolean') return `${cut} (a boolean)`;
  return cut;
}

/** A list prop: an array (a single value where a list is expected is the usual mistake), returned as is. */
export function checkArray<T>(scope: Subject, what: string, value: T[]): T[] {
  if (!Array.isArray(value)) {
    const hint = typeof value === 'string' ? `: write [${JSON.stringify(value)}]` : value !== null && typeof value === 'object' ? ': put it in a list, [ ... ]' : '';
    fail(scope, `${what} must be a list, got ${describe(value)}${hint}`);
  }
  return value;
}

/** True for an RFC 1123 DNS label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit. */
export function isDnsLabel(value: string): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= 63 && DNS_LABEL.test(value);
}

/** A Kubernetes object or port name: an RFC 1123 DNS label (at most 63 characters). */
export function checkDnsLabel(scope: Subject, what: string, value: string): string {
  if (!isDnsLabel(value)) {
    fail(scope, `${what} must be a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit, `
      + `at most 63 characters), got ${JSON.stringify(value)}`);
  }
  return value;
}

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A Service name: an RFC 1035 label (at most 63 lowercase letters, digits and '-', starting with a letter and ending
 * with a letter or digit), as the API server's `ValidateServiceName` requires; `1api` is a DNS-1123 label but no
 * Service name.
 */
export function checkServiceName(scope: Subject, what: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_1035_LABEL.test(value)) {
    fail(scope, `${what} must be a Service name: an RFC 1035 label (lowercase letters, digits and '-', starting with a letter, ending with a `
      + `letter or digit, at most 63 characters), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A Kubernetes namespace, Service or Deployment name used in DNS: an RFC 1123 DNS label. */
export function checkOptionalDnsLabel(scope: Subject, what: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : checkDnsLabel(scope, what, value);
}

/** A label value: at most 63 characters of alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric. */
export function checkLabelValue(scope: Subject, what: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 63 || !LABEL_VALUE.test(value)) {
    fail(scope, `${what} must be a non-empty Kubernetes label value (at most 63 characters: letters, digits, '-', '_' and '.', `
      + `starting and ending with a letter or digit), got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A host as Istio accepts it in Gateway servers and VirtualService hosts: a DNS name (RFC 1123 subdomain,
 * at most 253 characters), optionally with a leading `*.` wildcard, or `*` alone when `allowWildcard`.
 */
export function checkHost(scope: Subject, what: string, value: string, allowWildcard: boolean): string {
  const name = allowWildcard && typeof value === 'string' && value.startsWith('*.') ? value.slice(2) : value;
  const ok = typeof value === 'string' && ((allowWildcard && value === '*')
    || (value.length <= 253 && DNS_SUBDOMAIN.test(name) && name.split('.').every(label => label.length <= 63)));
  if (!ok) {
    fail(scope, `${what} must be a lowercase DNS name such as "httpbin.example.com"`
      + `${allowWildcard ? ' (a leading "*." wildcard is allowed)' : ''}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A TCP/UDP port number. */
export function checkPort(scope: Subject, what: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    fail(scope, `${what} must be an integer port number between 1 and 65535, got ${describe(value)}`);
  }
  return value;
}

/** A percentage of requests: a finite decimal between 0 and 100 inclusive. */
export function checkPercent(scope: Subject, what: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    fail(scope, `${what} must be a number between 0 and 100 (a percentage of requests), got ${describe(value)}`);
  }
  return value;
}

/** A count such as a replica number: a non-negative integer. */
export function checkCount(scope: Subject, what: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    fail(scope, `${what} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/** The largest value of a protobuf int32 field, such as most of Istio's counts. */
export const INT32_MAX = 2147483647;
/** The largest value of a protobuf uint32 field. */
export const UINT32_MAX = 4294967295;

/**
 * An integer between `min` and `max` inclusive, such as a protobuf int32 field (which the API server rejects when it
 * gets a fraction or a value out of range).
 */
export function checkInteger(scope: Subject, what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = min === 0 ? `a non-negative integer (at most ${max})` : `an integer between ${min} and ${max}`;
    fail(scope, `${what} must be ${range}, got ${describe(value)}`);
  }
  return value;
}

/** A Kubernetes object name that may contain dots, such as a Secret name: an RFC 1123 DNS subdomain. */
export function checkDnsSubdomain(scope: Subject, what: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    fail(scope, `${what} must be a Kubernetes object name (lowercase letters, digits, '-' and '.', at most 253 characters), `
      + `got ${JSON.stringify(value)}`);
  }
  return value;
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 alphanumerics, '-', '_' and '.'. */
export function checkLabelKey(scope: Subject, what: string, key: string): string {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    fail(scope, `${what} has an invalid label key ${JSON.stringify(key)}: use [prefix/]name, where the optional prefix is a DNS `
      + 'subdomain and the name has at most 63 letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit');
  }
  return key;
}

/** How a flavor's gateways are told apart from the other flavor's, for `checkGatewayFlavor`. */
export interface GatewayFlavor {
  /** The property only this flavor's gateways have (its compile-time brand). */
  readonly brand: string;
  /** The API, as messages name it. */
  readonly api: string;
  /** The route construct of the flavor. */
  readonly route: string;
}

/**
 * The two flavors' gateways for `checkGatewayFlavor`: `own` is the API of the route that checks (`ownRoute`), the
 * other is the API that may be mixed up with it, with the route construct (`otherRoute`) that takes its gateways.
 */
export function gatewayFlavors(own: 'istio' | 'gateway-api', ownRoute: string, otherRoute: string): [GatewayFlavor, GatewayFlavor] {
  const istio = { brand: 'istioApiVersion', api: 'the Istio API (networking.istio.io)' };
  const gatewayApi = { brand: 'gatewayApiVersion', api: 'the Kubernetes Gateway API (gateway.networking.k8s.io)' };
  return own === 'istio'
    ? [{ ...istio, route: ownRoute }, { ...gatewayApi, route: otherRoute }]
    : [{ ...gatewayApi, route: ownRoute }, { ...istio, route: otherRoute }];
}

/**
 * The gateways of a route of one flavor: a list of that flavor's gateways. The interfaces are branded, so TypeScript
 * refuses the other flavor's at compile time; this says the same at run time (jsii languages, plain JavaScript),
 * naming the API that was mixed up and the route construct to use instead.
 */
export function checkGatewayFlavor<T>(subject: Subject, gateways: T[] | undefined, own: GatewayFlavor, other: GatewayFlavor): T[] {
  if (gateways === undefined) return [];
  if (!Array.isArray(gateways)) {
    fail(subject, `gateways must be a list of gateways, got ${describe(gateways)}`);
  }
  gateways.forEach((g: any, i) => {
    if (g === null || typeof g !== 'object' || typeof g.gatewayName !== 'string') {
      fail(subject, `gateways[${i}] must be a gateway (${own.api}), got ${describe(g)}`);
    }
    if (g[own.brand] === undefined) {
      const where = g.node?.path ? ` (${g.node.path})` : '';
      fail(subject, g[other.brand] !== undefined
        ? `gateways[${i}]${where} is a gateway of ${other.api}, but ${own.route} writes a route of ${own.api}, which binds only to `
          + `gateways of ${own.api}: use ${other.route} to route through it, or give a gateway of ${own.api}`
        : `gateways[${i}]${where} (${g.gatewayName}) is not a gateway of ${own.api} (it has no ${own.brand}): give one of ${own.api}`);
    }
  });
  return gateways;
}
