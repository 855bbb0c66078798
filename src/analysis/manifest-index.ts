/**
 * The input of an analysis: `List` objects expanded (`flatten`), one definition per object (`lastDefinitions`, which
 * reports TM0006), and the objects indexed once for every analyzer (`ManifestIndex`). Internal: not exported from
 * index.ts.
 *
 * Every analyzer reads the `ManifestIndex` built once per analysis (objects grouped by kind and keyed by
 * namespace/name, workloads keyed by label), so analysis is linear in the number of objects apart from small per-key
 * groups.
 *
 * Objects that VirtualServices declare as defined elsewhere (`cdk8s-traffic-mirror/defined-elsewhere`, see
 * `src/istio/rules/defined-elsewhere.ts`) are taken to exist where the input lacks them: they resolve references, but
 * are in none of the lists the analyzers report on, so no finding is ever about them.
 */
import { DeclaredObject, DEFINED_ELSEWHERE_ANNOTATION, parseDefinedElsewhere } from '../core/defined-elsewhere';
import { resourceKeyFromHost, toFqdn } from '../istio/rules/hosts';
import { append, asArray, HostRegistry, isObject, objectIdentity, stringMap } from './hosts';
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
  /** `Pod`, `Deployment`, ... */
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** `spec.replicas` of a Deployment, StatefulSet or ReplicaSet (1 when unset); undefined for other kinds. */
  readonly replicas?: number;
}

/** A workload read from the input, before the topology labels of its Node are added. */
interface PendingWorkload {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: any;
  readonly nodeName?: string;
  readonly replicas?: number;
}

/** Node labels that Istio adds to a Pod's labels (`AugmentLabels`, from the Node's locality), in order region, zone, subzone. */
const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];
// An Argo Rollouts Rollout is a Deployment's replacement: its pod template is what its ReplicaSets run.
const REPLICATED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'Rollout']);

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet', 'Job', 'Rollout']);
const ISTIO_KINDS = new Set(['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry']);

/** Objects of the input indexed for the analyzers. */
export class ManifestIndex {
  public readonly services: Obj[] = [];
  public readonly virtualServices: Obj[] = [];
  public readonly destinationRules: Obj[] = [];
  /** The Gateways of the input: what the Gateway analyzers check. */
  public readonly gateways: Obj[] = [];
  /** `namespace/name` -> Gateway, including Gateways declared as defined elsewhere (which are not in `gateways`). */
  public readonly gatewaysByName = new Map<string, Obj>();
  /**
   * `namespace/name` -> Kubernetes Gateway API Gateway (`gateway.networking.k8s.io`), which a VirtualService may be bound
   * to as well (`GatewayAnalyzer` looks up `gvk.KubernetesGateway` when no Istio Gateway has the name).
   */
  public readonly kubernetesGatewaysByName = new Map<string, Obj>();
  public readonly hosts = new HostRegistry();
  /** `namespace/name|subset` for every subset a DestinationRule defines (`initDestHostsAndSubsets`). */
  private readonly subsets = new Set<string>();
  /** `namespace/name|subset` -> the subset's labels, for the subsets of the input's DestinationRules. */
  private readonly subsetLabels = new Map<string, Record<string, string>>();
  /** `namespace/name` of every host a DestinationRule of the input is for. */
  private readonly ruleHosts = new Set<string>();
  /** `namespace/name` of services declared as defined elsewhere without their subsets: every subset is taken to exist. */
  private readonly anySubset = new Set<string>();
  /** The error in the `cdk8s-traffic-mirror/defined-elsewhere` annotation of a VirtualService, which is then ignored. */
  public readonly malformedDeclarations = new Map<Obj, string>();
  /** `k=v` -> workloads carrying that label; `''` -> all workloads. */
  public readonly workloadsByLabel = new Map<string, Workload[]>();
  public readonly namespacesWithWorkloads = new Set<string>();
  /** Every workload of the input (Pods and pod templates), with the labels Istio gives its pods. */
  public readonly workloads: Workload[] = [];
  /** Labels of the Pods themselves (not pod templates): what istioctl's IST0145 check looks at. */
  public readonly pods: Workload[] = [];

  /**
   * @param manifests the objects, one definition each
   * @param defaultNamespace namespace of objects without one
   * @param unanalyzed objects that references resolve to but that are not analyzed themselves (IST0106 type errors)
   */
  constructor(manifests: any[], defaultNamespace: string, unanalyzed: ReadonlySet<any> = new Set()) {
    const declared: DeclaredObject[] = [];
    const workloads: PendingWorkload[] = [];
    const nodeLabels = new Map<string, Record<string, string>>();
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
      if (kind === 'Gateway' && apiVersion.startsWith('gateway.networking.k8s.io/')) {
        this.kubernetesGatewaysByName.set(`${o.namespace}/${o.name}`, o);
        continue;
      }
      if (ISTIO_KINDS.has(kind) && !apiVersion.startsWith('networking.istio.io/')) {
        continue; // an object of another API group with the same kind name, which has other semantics
      }
      switch (kind) {
        case 'Service':
          if (apiVersion !== 'v1') break; // e.g. a Knative Service
          if (!unanalyzed.has(m)) this.services.push(o);
          this.hosts.addService(o.namespace, o.name, o.spec, metadata.annotations);
          break;
        case 'ServiceEntry':
          this.hosts.addServiceEntry(o.namespace, o.name, o.spec);
          break;
        case 'VirtualService':
          if (unanalyzed.has(m)) break;
          this.virtualServices.push(o);
          this.readDeclarations(o, declared);
          break;
        case 'DestinationRule':
          if (!unanalyzed.has(m)) this.destinationRules.push(o);
          this.addSubsets(o);
          // ServiceSubsets declares the workloads of versions applied elsewhere, whose pods its subsets select.
          if (!unanalyzed.has(m)) this.readDeclarations(o, declared);
          break;
        case 'Gateway':
          if (!unanalyzed.has(m)) this.gateways.push(o);
          this.gatewaysByName.set(`${o.namespace}/${o.name}`, o);
          break;
        case 'Pod':
          workloads.push({ kind, name: o.name, namespace: o.namespace, labels: metadata.labels, nodeName: o.spec.nodeName });
          break;
        case 'Node':
          if (apiVersion === 'v1') nodeLabels.set(o.name, isObject(metadata.labels) ? stringMap(metadata.labels) : {});
          break;
        default:
          if (WORKLOAD_KINDS.has(kind)) {
            const template = isObject(o.spec.template) ? o.spec.template : {};
            const replicas = !REPLICATED_KINDS.has(kind) ? undefined
              : o.spec.replicas === undefined ? 1 : typeof o.spec.replicas === 'number' ? o.spec.replicas : undefined;
            workloads.push({
              kind, name: o.name, namespace: o.namespace, labels: template.metadata?.labels, nodeName: template.spec?.nodeName, replicas,
            });
          }
      }
    }
    for (const w of workloads) {
      const labels = augmentLabels(isObject(w.labels) ? stringMap(w.labels) : {}, w.nodeName, nodeLabels);
      const workload: Workload = { kind: w.kind, name: w.name, namespace: w.namespace, labels, replicas: w.replicas };
      this.addWorkload(workload);
      if (w.kind === 'Pod') this.pods.push(workload);
    }
    // After the loop, so that a real object wins wherever it is in the input.
    this.addDeclared(declared);
  }

  /**
   * `initDestHostsAndSubsets`'s lookup: whether a DestinationRule for `key` (`namespace/name`, `resourceKeyFromHost`)
   * defines `subset`, or the host is a service declared as defined elsewhere without its subsets.
   */
  public hasSubset(key: string, subset: string): boolean {
    return this.subsets.has(`${key}|${subset}`) || this.anySubset.has(key);
  }

  /** The labels of `subset` in the input's DestinationRule for `key` (`namespace/name`), or undefined. */
  public labelsOfSubset(key: string, subset: string): Record<string, string> | undefined {
    return this.subsetLabels.get(`${key}|${subset}`);
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
    this.ruleHosts.add(key);
    for (const s of asArray(dr.spec.subsets)) {
      if (typeof s?.name !== 'string') continue;
      this.subsets.add(`${key}|${s.name}`);
      if (!this.subsetLabels.has(`${key}|${s.name}`)) this.subsetLabels.set(`${key}|${s.name}`, isObject(s.labels) ? stringMap(s.labels) : {});
    }
  }

  /** Collects the objects a VirtualService declares as defined elsewhere, or records why its annotation is ignored. */
  private readDeclarations(vs: Obj, out: DeclaredObject[]): void {
    const annotations = isObject(vs.metadata.annotations) ? vs.metadata.annotations : {};
    if (!Object.prototype.hasOwnProperty.call(annotations, DEFINED_ELSEWHERE_ANNOTATION)) return;
    const parsed = parseDefinedElsewhere(annotations[DEFINED_ELSEWHERE_ANNOTATION]);
    if ('error' in parsed) {
      this.malformedDeclarations.set(vs, parsed.error);
    } else {
      append(out, parsed.objects);
    }
  }

  /**
   * Takes the declared objects to exist where the input has no such object: a Gateway (no selector, serving its
   * `hosts` or every host) that references resolve to, and a Service (its `ports` or any port) whose DestinationRule
   * has its `subsets` (or any subset) unless the input has a DestinationRule for that host. Several declarations of
   * one object add up; one that leaves a field unknown makes it unknown.
   */
  private addDeclared(declared: DeclaredObject[]): void {
    const union = (a: string[] | number[] | undefined, b: string[] | number[] | undefined): any[] | undefined =>
      (a === undefined || b === undefined ? undefined : [...new Set<string | number>([...a, ...b])]);
    const merged = new Map<string, { kind: string; namespace: string; name: string; hosts?: string[]; ports?: number[]; subsets?: string[];
      labels?: Record<string, string> }>();
    for (const d of declared) {
      const key = `${d.kind}|${d.namespace}/${d.name}`;
      const seen = merged.get(key);
      merged.set(key, seen === undefined ? { ...d } : {
        ...seen, hosts: union(seen.hosts, d.hosts), ports: union(seen.ports, d.ports), subsets: union(seen.subsets, d.subsets),
      });
    }
    const realServices = new Set(this.services.map(s => `${s.namespace}/${s.name}`));
    for (const d of merged.values()) {
      const key = `${d.namespace}/${d.name}`;
      // A workload applied elsewhere (a version the app only names): pods with its labels exist, in unknown number.
      if (d.kind === 'Workload' && d.labels !== undefined && !this.selects(d.labels, d.namespace)) {
        this.addWorkload({ kind: 'Deployment', name: d.name, namespace: d.namespace, labels: { ...d.labels } });
      }
      if (d.kind === 'Gateway' && !this.gatewaysByName.has(key)) {
        this.gatewaysByName.set(key, {
          kind: 'Gateway', namespace: d.namespace, name: d.name, metadata: {}, spec: { servers: [{ hosts: d.hosts ?? ['*'] }] },
        });
      }
      if (d.kind === 'Service') {
        if (!realServices.has(key)) this.hosts.addDeclaredService(d.namespace, d.name, d.ports);
        if (!this.ruleHosts.has(key)) {
          if (d.subsets === undefined) this.anySubset.add(key);
          else d.subsets.forEach(s => this.subsets.add(`${key}|${s}`));
        }
      }
    }
  }

  private addWorkload(w: Workload): void {
    this.workloads.push(w);
    this.namespacesWithWorkloads.add(w.namespace);
    for (const key of ['', ...Object.entries(w.labels).map(([k, v]) => `${k}=${v}`)]) {
      const list = this.workloadsByLabel.get(key) ?? [];
      list.push(w);
      this.workloadsByLabel.set(key, list);
    }
  }
}

/**
 * Pilot's `AugmentLabels` as istioctl's `SubsetSelectPodAnalyzer` calls it: a pod scheduled on a Node (`spec.nodeName`)
 * also carries `kubernetes.io/hostname: <node>` and the Node's locality labels (region, zone, subzone, as
 * `LocalityToString` and `SplitLocalityLabel` keep them: a subzone only with a zone), so a subset may select by them.
 */
function augmentLabels(labels: Record<string, string>, nodeName: unknown, nodes: Map<string, Record<string, string>>): Record<string, string> {
  if (typeof nodeName !== 'string' || nodeName === '') return labels;
  const out = { ...labels };
  const node = nodes.get(nodeName);
  if (node) {
    const [region, zone, subzone] = TOPOLOGY_LABELS.map(k => node[k] ?? '');
    if (region) out[TOPOLOGY_LABELS[0]] = region;
    if (zone) out[TOPOLOGY_LABELS[1]] = zone;
    if (zone && subzone) out[TOPOLOGY_LABELS[2]] = subzone;
  }
  out['kubernetes.io/hostname'] = nodeName;
  return out;
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
