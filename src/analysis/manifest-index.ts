/**
 * The input of an analysis: `List` objects expanded (`flatten`), one definition per object (`lastDefinitions`, which
 * reports TM0006), and the objects indexed once for every analyzer (`ManifestIndex`). Internal: not exported from
 * index.ts.
 *
 * Every analyzer reads the `ManifestIndex` built once per analysis (objects grouped by kind and keyed by
 * namespace/name, workloads keyed by label), so analysis is linear in the number of objects apart from small per-key
 * groups.
 */
import { resourceKeyFromHost, toFqdn } from '../istio/rules/hosts';
import { asArray, HostRegistry, isObject, objectIdentity, stringMap } from './hosts';
import { Report } from './report';

/** A namespaced object taken from the input. */
export interface Obj {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly spec: any;
  readonly metadata: any;
}

/** Pod labels of a workload (a Pod, or the pod template of a Deployment, StatefulSet, ReplicaSet or DaemonSet). */
export interface Workload {
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet', 'Job']);
const ISTIO_KINDS = new Set(['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry']);

/** Objects of the input indexed for the analyzers. */
export class ManifestIndex {
  public readonly services: Obj[] = [];
  public readonly virtualServices: Obj[] = [];
  public readonly destinationRules: Obj[] = [];
  public readonly gateways: Obj[] = [];
  public readonly gatewaysByName = new Map<string, Obj>();
  public readonly hosts = new HostRegistry();
  /** `namespace/name|subset` for every subset a DestinationRule defines (`initDestHostsAndSubsets`). */
  public readonly subsets = new Set<string>();
  /** `k=v` -> workloads carrying that label; `''` -> all workloads. */
  public readonly workloadsByLabel = new Map<string, Workload[]>();
  public readonly namespacesWithWorkloads = new Set<string>();
  /** Labels of the Pods themselves (not pod templates): what istioctl's IST0145 check looks at. */
  public readonly pods: Workload[] = [];

  constructor(manifests: any[], defaultNamespace: string) {
    for (const m of manifests) {
      const kind = m.kind;
      const metadata = isObject(m.metadata) ? m.metadata : {};
      const apiVersion = typeof m.apiVersion === 'string' ? m.apiVersion : '';
      const o: Obj = {
        kind,
        namespace: typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace,
        name: typeof metadata.name === 'string' ? metadata.name : '',
        spec: isObject(m.spec) ? m.spec : {},
        metadata,
      };
      if (ISTIO_KINDS.has(kind) && !apiVersion.startsWith('networking.istio.io/')) {
        continue; // e.g. the Kubernetes Gateway API's Gateway, which has other semantics
      }
      switch (kind) {
        case 'Service':
          if (apiVersion !== 'v1') break; // e.g. a Knative Service
          this.services.push(o);
          this.hosts.addService(o.namespace, o.name, o.spec, metadata.annotations);
          break;
        case 'ServiceEntry':
          this.hosts.addServiceEntry(o.namespace, o.name, o.spec);
          break;
        case 'VirtualService':
          this.virtualServices.push(o);
          break;
        case 'DestinationRule':
          this.destinationRules.push(o);
          this.addSubsets(o);
          break;
        case 'Gateway':
          this.gateways.push(o);
          this.gatewaysByName.set(`${o.namespace}/${o.name}`, o);
          break;
        case 'Pod':
          this.addWorkload(o.namespace, metadata.labels);
          this.pods.push({ namespace: o.namespace, labels: isObject(metadata.labels) ? stringMap(metadata.labels) : {} });
          break;
        default:
          if (WORKLOAD_KINDS.has(kind)) {
            this.addWorkload(o.namespace, o.spec.template?.metadata?.labels);
          }
      }
    }
  }

  /** Workloads in `namespace` (or any namespace when undefined) whose labels include every `selector` label. */
  public selects(selector: Record<string, string>, namespace?: string): boolean {
    const entries = Object.entries(selector);
    const candidates = this.workloadsByLabel.get(entries.length > 0 ? `${entries[0][0]}=${entries[0][1]}` : '') ?? [];
    return candidates.some(w => (namespace === undefined || w.namespace === namespace) && entries.every(([k, v]) => w.labels[k] === v));
  }

  /** Workloads selected by `selector` in any namespace. */
  public selected(selector: Record<string, string>): Workload[] {
    const entries = Object.entries(selector);
    const candidates = this.workloadsByLabel.get(entries.length > 0 ? `${entries[0][0]}=${entries[0][1]}` : '') ?? [];
    return candidates.filter(w => entries.every(([k, v]) => w.labels[k] === v));
  }

  private addSubsets(dr: Obj): void {
    if (typeof dr.spec.host !== 'string') return;
    const key = resourceKeyFromHost(dr.namespace, toFqdn(dr.namespace, dr.spec.host));
    for (const s of asArray(dr.spec.subsets)) {
      if (typeof s?.name === 'string') this.subsets.add(`${key}|${s.name}`);
    }
  }

  private addWorkload(namespace: string, labels: any): void {
    const w: Workload = { namespace, labels: isObject(labels) ? stringMap(labels) : {} };
    this.namespacesWithWorkloads.add(namespace);
    for (const key of ['', ...Object.entries(w.labels).map(([k, v]) => `${k}=${v}`)]) {
      const list = this.workloadsByLabel.get(key) ?? [];
      list.push(w);
      this.workloadsByLabel.set(key, list);
    }
  }
}

/** Objects of the input, with `List` objects (as `kubectl get -o yaml` writes them) expanded into their items. */
export function flatten(manifests: any[]): any[] {
  const out: any[] = [];
  const visit = (m: any) => {
    if (!isObject(m)) return;
    if (typeof m.kind === 'string' && m.kind.endsWith('List') && Array.isArray(m.items)) {
      m.items.forEach(visit);
    } else if (typeof m.kind === 'string') {
      out.push(m);
    }
  };
  asArray(manifests).forEach(visit);
  return out;
}

/**
 * One manifest per object: the same object (API group, kind, namespace and name) given more than once is one object
 * in a cluster, where the last `kubectl apply` wins. Analyzing every copy would make it conflict with itself (IST0145,
 * IST0109), so the last copy is analyzed and the repetition is reported (TM0006).
 */
export function lastDefinitions(manifests: any[], defaultNamespace: string, report: Report): any[] {
  const byIdentity = new Map<string | symbol, { manifest: any; count: number }>();
  for (const m of manifests) {
    const key = objectIdentity(m, defaultNamespace);
    if (key === undefined) {
      byIdentity.set(Symbol('unnamed'), { manifest: m, count: 1 });
      continue;
    }
    const seen = byIdentity.get(key);
    // Re-inserting moves the object to the position of its last definition, as the last apply would.
    byIdentity.delete(key);
    byIdentity.set(key, { manifest: m, count: (seen?.count ?? 0) + 1 });
  }
  for (const { manifest, count } of byIdentity.values()) {
    if (count > 1) {
      const o = { kind: manifest.kind, namespace: manifest.metadata?.namespace || defaultNamespace, name: manifest.metadata?.name ?? '' };
      report.add('TM0006', o, `Defined ${count} times in the input; only the last definition is analyzed, as the `
        + 'last kubectl apply wins. Remove the copies, or analyze alternative sets (such as the stage folders of a rollout plan) '
        + 'one at a time.');
    }
  }
  return [...byIdentity.values()].map(v => v.manifest);
}
