/**
 * The analyzer's index of the hosts a destination can resolve to, and helpers for untrusted manifest values.
 * Internal: not exported from index.ts.
 */
import { SERVICE_DOMAIN, toFqdn } from '../istio/rules/hosts';

/** A service known to the mesh: a Kubernetes Service or one host of a ServiceEntry. */
export interface MeshHost {
  /** `Service` or `ServiceEntry`. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Service port numbers (what a destination `port.number` must be one of). */
  readonly ports: number[];
  /** Labels that select the service's pods; undefined when the service has no pods we can see (external hosts). */
  readonly selector?: Record<string, string>;
  /** True for a service declared as defined elsewhere without its ports: every port is taken to exist. */
  readonly anyPort?: boolean;
}

/**
 * Index of the hosts a destination can resolve to, keyed the way istioctl keys them (`<scope>/<fqdn>`, where the
 * scope is `*` or the namespace the host is exported to), so each lookup is a few map reads.
 */
export class HostRegistry {
  private readonly exact = new Map<string, MeshHost>();
  private readonly wildcards: Array<{ scope: string; suffix: string; host: MeshHost }> = [];
  /** FQDN -> service declared as defined elsewhere, found only when no Service or ServiceEntry provides the host. */
  private readonly declared = new Map<string, MeshHost>();
  /** Service name -> namespaces that define it, for "did you mean" hints. */
  private readonly serviceNamespaces = new Map<string, string[]>();

  /** Registers a Kubernetes Service, visible where its `networking.istio.io/exportTo` annotation says. */
  public addService(namespace: string, name: string, spec: any, annotations: any): void {
    const ports = asArray(spec?.ports).map((p: any) => Number(p?.port)).filter((n: number) => !Number.isNaN(n));
    const selector = isObject(spec?.selector) ? stringMap(spec.selector) : undefined;
    const host: MeshHost = { kind: 'Service', namespace, name, ports, selector };
    const fqdn = toFqdn(namespace, name);
    const exportTo = typeof annotations?.['networking.istio.io/exportTo'] === 'string'
      ? annotations['networking.istio.io/exportTo'].split(',').map((s: string) => s.trim()) : [];
    for (const scope of scopes(exportTo, namespace)) {
      this.exact.set(`${scope}/${fqdn}`, host);
    }
    const known = this.serviceNamespaces.get(name) ?? [];
    known.push(namespace);
    this.serviceNamespaces.set(name, known);
  }

  /** Registers every host of a ServiceEntry, visible where its `exportTo` says. */
  public addServiceEntry(namespace: string, name: string, spec: any): void {
    const ports = asArray(spec?.ports).map((p: any) => Number(p?.number)).filter((n: number) => !Number.isNaN(n));
    const labels = spec?.workloadSelector?.labels;
    const selector = isObject(labels) ? stringMap(labels) : undefined;
    const entry: MeshHost = { kind: 'ServiceEntry', namespace, name, ports, selector };
    for (const h of asArray(spec?.hosts)) {
      if (typeof h !== 'string') continue;
      const fqdn = toFqdn(namespace, h);
      for (const scope of scopes(asArray(spec?.exportTo), namespace)) {
        if (fqdn.startsWith('*')) {
          this.wildcards.push({ scope, suffix: fqdn.slice(1), host: entry });
        } else {
          this.exact.set(`${scope}/${fqdn}`, entry);
        }
      }
    }
  }

  /**
   * Registers a service that is defined outside the input (declared with the `cdk8s-traffic-mirror/defined-elsewhere`
   * annotation), visible from every namespace, with `ports` or, when undefined, any port. It has no selector: its pods
   * are not in the input. The caller only declares a service the input does not define.
   */
  public addDeclaredService(namespace: string, name: string, ports: number[] | undefined): void {
    this.declared.set(toFqdn(namespace, name), { kind: 'Service', namespace, name, ports: ports ?? [], anyPort: ports === undefined });
    const known = this.serviceNamespaces.get(name) ?? [];
    known.push(namespace);
    this.serviceNamespaces.set(name, known);
  }

  /**
   * `GetDestinationHost`: the service a host refers to from `sourceNamespace`, honouring the referring resource's
   * `exportTo` the way istioctl does, else a service declared as defined elsewhere, or undefined when none provides it.
   */
  public lookup(sourceNamespace: string, exportTo: string[], host: string): MeshHost | undefined {
    const fqdn = toFqdn(sourceNamespace, host);
    const all = this.exact.get(`*/${fqdn}`);
    if (all) return all;
    const visible = exportTo.length === 0 ? [sourceNamespace] : exportTo.map(e => (e === '.' ? sourceNamespace : e));
    for (const scope of visible) {
      const found = this.exact.get(`${scope}/${fqdn}`);
      if (found) return found;
    }
    const bare = host.startsWith('*') ? host.slice(1) : host;
    for (const w of this.wildcards) {
      if ((w.scope === '*' || w.scope === sourceNamespace) && bare.endsWith(w.suffix)) {
        return w.host;
      }
    }
    return this.declared.get(fqdn);
  }

  /**
   * A hint for a host that did not resolve: the FQDN the user most likely meant, or undefined.
   * Covers a short name whose Service lives in another namespace, and Kubernetes-DNS forms (`name.ns`,
   * `name.ns.svc`) that Istio does not expand.
   */
  public suggest(sourceNamespace: string, host: string): string | undefined {
    const partial = /^([^.]+)\.([^.]+)(\.svc)?$/.exec(host);
    if (partial && (this.serviceNamespaces.get(partial[1]) ?? []).includes(partial[2])) {
      return `Istio does not expand "${host}" like Kubernetes DNS does; use the FQDN "${partial[1]}.${partial[2]}.${SERVICE_DOMAIN}"`;
    }
    if (!host.includes('.') && !host.startsWith('*')) {
      const others = (this.serviceNamespaces.get(host) ?? []).filter(ns => ns !== sourceNamespace).sort();
      if (others.length > 0) {
        return `short names resolve in the referring namespace "${sourceNamespace}", but Service "${host}" is in `
          + `${others.map(ns => `"${ns}"`).join(', ')}; use the FQDN "${host}.${others[0]}.${SERVICE_DOMAIN}"`;
      }
    }
    return undefined;
  }
}

/** The scopes a resource is visible in: `*` by default, else its exportTo entries with `.` meaning its own namespace. */
function scopes(exportTo: any[], namespace: string): string[] {
  const values = exportTo.filter(e => typeof e === 'string');
  if (values.length === 0 || values.includes('*')) return ['*'];
  return values.map(e => (e === '.' ? namespace : e));
}

/** The value as an array, or empty when it is missing or not a list (manifests are untrusted input). */
export function asArray(value: any): any[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Appends `items` to `target` one by one: `target.push(...items)` passes every item as an argument and overflows the
 * stack for large lists (a 263,000-object input did).
 */
export function append<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The strings of a list value, skipping other entries; empty when it is missing or not a list. */
export function strings(value: any): string[] {
  return asArray(value).filter(v => typeof v === 'string');
}

/** True for a plain (non-array) object. */
export function isObject(value: any): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A label map with every value as a string. */
export function stringMap(value: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value ?? {})) {
    out[k] = String(v);
  }
  return out;
}

/**
 * What identifies an object in a cluster: API group (not version: `networking.istio.io/v1` and `/v1beta1` are the
 * same object), kind, namespace (`defaultNamespace` when unset) and name; undefined for an object without a name
 * (e.g. `generateName`), which is an object of its own every time.
 */
export function objectIdentity(manifest: any, defaultNamespace: string): string | undefined {
  const metadata = isObject(manifest?.metadata) ? manifest.metadata : {};
  if (typeof metadata.name !== 'string' || metadata.name === '') return undefined;
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace;
  const apiVersion = typeof manifest.apiVersion === 'string' ? manifest.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return [group, manifest.kind, namespace, metadata.name].join('|');
}
