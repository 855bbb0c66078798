import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { destinations } from './analyzers/virtualservice';
import { toFqdn } from '../istio/rules/hosts';
import { isObject, objectIdentity } from './hosts';
import { Finding, FindingLevel, MeshAnalyzer } from './mesh-analyzer';

/** Namespace of objects without one, as `kubectl apply` and the analyzer place them. */
const DEFAULT_NAMESPACE = 'default';

/** Label of the selector of stub Gateways: unique per stub, so a stub never conflicts with a real Gateway (IST0145). */
const STUB_SELECTOR_LABEL = 'cdk8s-traffic-mirror.stub/gateway';

/** What the analysis of one validation pass found, per registered construct. */
interface AnalysisState {
  /** Constructs that called `MeshAnalysis.register`. */
  readonly registered: Set<IConstruct>;
  /** Error messages per registered construct, from the latest validation pass of the app. */
  errors?: Map<IConstruct, string[]>;
}

const STATES = new WeakMap<IConstruct, AnalysisState>();

/**
 * Runs `MeshAnalyzer` over the whole app when it is synthesized, so `app.synth()` and `Testing.synth(chart)` fail on
 * error-level findings about this library's objects, with the construct path, the analysis code and the fix.
 *
 * Every construct of this library (`MirrorRoute`, `MeshService`, `IstioGateway`, `ServiceVersion`) registers itself;
 * constructs of your own that wrap Istio objects can do the same. The analysis runs once per validation pass, over
 * every `ApiObject` of the app (so a raw `ApiObject` or an `Include` that conflicts with a construct is taken into
 * account), and is linear in the number of objects. Gateways and services defined elsewhere
 * (`IstioGateway.fromGatewayName()`, `MeshService.fromServiceAttributes()`) are assumed to exist, with the ports and
 * subsets given to them or, when those are unknown, the ones the app's routes use.
 *
 * Only error-level findings fail synthesis; warnings and advice are left to `MeshAnalyzer.analyze()`, the
 * `cdk8s-traffic-mirror analyze` CLI and the cdk8s validation plugin. An error reads
 * `[<construct path>] <code> <message>`, e.g.
 * `[chart/gateway] IST0145 Conflict with gateways default/other (workload selector istio=ingressgateway, port 80, ...`.
 *
 * @see https://istio.io/latest/docs/reference/config/analysis/
 */
export class MeshAnalysis {
  /**
   * Makes synthesis fail on error-level findings about the Kubernetes objects of `construct`.
   *
   * The objects are the ApiObjects in the construct's subtree that are not under another registered construct; each
   * finding becomes a validation error of `construct`. Calling it again for the same construct has no effect.
   *
   * @param construct the construct whose Kubernetes objects are checked
   *
   * @example
   * // at the end of the constructor of a construct that wraps Istio objects
   * MeshAnalysis.register(this);
   */
  public static register(construct: IConstruct): void {
    const root = construct.node.root;
    let state = STATES.get(root);
    if (state === undefined) {
      const created: AnalysisState = { registered: new Set() };
      state = created;
      STATES.set(root, created);
      // cdk8s validates constructs in preorder, so the root's validation runs first in every validation pass
      // (`app.synth()`, `Testing.synth(chart)`): one analysis per pass, whatever the number of constructs.
      root.node.addValidation({
        validate: () => {
          analyze(root, created);
          return [];
        },
      });
    }
    if (state.registered.has(construct)) return;
    state.registered.add(construct);
    const registeredState = state;
    construct.node.addValidation({
      validate: () => {
        // Only when the construct is validated on its own (`construct.node.validate()`) has the root not run yet.
        if (registeredState.errors === undefined) analyze(root, registeredState);
        return registeredState.errors?.get(construct) ?? [];
      },
    });
  }

  private constructor() {
  }
}

/**
 * Analyzes the app. cdk8s validates the whole app once in `app.synth()` and again for every chart it writes, so an
 * app with K charts is analyzed K+1 times. Reusing a result across passes would need to know that nothing changed in
 * between, which only rendering every object can tell (any cdk8s mutator, e.g. `addJsonPatch` or `metadata.addLabel`,
 * may change them) and rendering is most of the cost of an analysis: measured at 1,000 services, a digest of the
 * rendered objects saved nothing, so every pass analyzes.
 */
function analyze(root: IConstruct, state: AnalysisState): void {
  state.errors = evaluate(collect(root, state.registered), state.registered);
}

/** The app's objects, who owns them, and the analyzer input (the objects plus stubs for external references). */
interface Collected {
  readonly input: any[];
  readonly owners: Map<string, IConstruct>;
  readonly identities: Map<string, Array<{ object: ApiObject; json: any }>>;
}

/** Renders every ApiObject under `root` and adds stubs for the gateways and services the app refers to but does not define. */
function collect(root: IConstruct, registered: Set<IConstruct>): Collected {
  const manifests: any[] = [];
  const owners = new Map<string, IConstruct>();
  /** The ApiObjects per identity (`objectIdentity`), to find objects that overwrite each other when applied. */
  const identities = new Map<string, Array<{ readonly object: ApiObject; readonly json: any }>>();
  const gatewayRefs: IConstruct[] = [];
  const serviceRefs: IConstruct[] = [];
  for (const c of root.node.findAll()) {
    if (ApiObject.isApiObject(c)) {
      let json: any;
      try {
        json = c.toJson();
      } catch {
        // The same error surfaces when the object is synthesized, with its own message; analysis skips the object.
        continue;
      }
      manifests.push(json);
      const identity = objectIdentity(json, DEFAULT_NAMESPACE);
      if (identity !== undefined) identities.set(identity, [...(identities.get(identity) ?? []), { object: c, json }]);
      const owner = registeredOwner(c, registered);
      if (owner !== undefined) owners.set(objectKey(json?.kind, json?.metadata?.namespace, json?.metadata?.name), owner);
    } else if (isGatewayReference(c)) {
      gatewayRefs.push(c);
    } else if (isServiceReference(c)) {
      serviceRefs.push(c);
    }
  }

  // Constructs of another app that registered constructs refer to (e.g. a route built in an app of its own, like the
  // stages of a rollout plan, towards the services of the main app) are external references too.
  const seen = new Set<unknown>();
  for (const c of registered) {
    for (const value of Object.values(c)) collectReferences(value, root, REFERENCE_DEPTH, seen, gatewayRefs, serviceRefs);
  }

  return { input: [...manifests, ...stubs(manifests, gatewayRefs, serviceRefs)], owners, identities };
}

/** Analyzes the collected input; returns the errors per registered construct. */
function evaluate(collected: Collected, registered: Set<IConstruct>): Map<IConstruct, string[]> {
  const { input, owners, identities } = collected;
  const findings = MeshAnalyzer.analyze(input, { defaultNamespace: DEFAULT_NAMESPACE });
  const errors = new Map<IConstruct, string[]>();
  const report = (owner: IConstruct, message: string) => errors.set(owner, [...(errors.get(owner) ?? []), message]);
  // Objects with the same identity overwrite each other when applied. Reported on every registered construct that owns
  // one of them; a conflict among objects no registered construct owns is left to their authors.
  for (const objects of identities.values()) {
    if (objects.length < 2) continue;
    const objectOwners = objects.map(o => registeredOwner(o.object, registered));
    const ownerPaths = objects.map((o, i) => (objectOwners[i] ?? o.object).node.path);
    // Name the objects themselves when one construct owns several of them.
    const paths = new Set(ownerPaths).size === ownerPaths.length ? ownerPaths : objects.map(o => o.object.node.path);
    const { json } = objects[0];
    const message = `${json.kind} ${namespaceOf(json)}/${json.metadata?.name} is defined ${objects.length} times, by ${paths.join(', ')}: `
      + 'kubectl keeps only the last one applied; give each its own name (e.g. the name prop of a MirrorRoute)';
    new Set(objectOwners).forEach(owner => owner !== undefined && report(owner, message));
  }
  for (const f of findings) {
    if (f.level !== FindingLevel.ERROR) continue;
    // Stubs have no owner, so findings about them are never reported.
    const owner = owners.get(objectKey(f.kind, f.namespace, f.name));
    if (owner === undefined) continue;
    const list = errors.get(owner) ?? [];
    list.push(formatError(f));
    errors.set(owner, list);
  }
  return errors;
}

/** How deep `collectReferences` looks into a construct's fields: props -> targets -> target -> service. */
const REFERENCE_DEPTH = 4;

/** An `IIstioGateway`: a construct with a `gatewayName`. */
function isGatewayReference(c: IConstruct): boolean {
  return typeof (c as any).gatewayName === 'string';
}

/** An `IMeshService`: a construct with a `serviceName`, `portNumbers` and `subsetNames`. */
function isServiceReference(c: IConstruct): boolean {
  return typeof (c as any).serviceName === 'string' && 'portNumbers' in c && 'subsetNames' in c;
}

/**
 * Adds the gateways and services of other apps found in `value` (a field of a registered construct), looking into
 * arrays and plain objects (props, route targets) but not into constructs.
 */
function collectReferences(value: unknown, root: IConstruct, depth: number, seen: Set<unknown>, gateways: IConstruct[], services: IConstruct[]): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Construct.isConstruct(value)) {
    if (value.node.root === root) return; // found by the walk of the app's tree
    if (isGatewayReference(value)) gateways.push(value);
    else if (isServiceReference(value)) services.push(value);
    return;
  }
  if (depth === 0) return;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value) || proto === Object.prototype || proto === null) {
    for (const v of Object.values(value)) collectReferences(v, root, depth - 1, seen, gateways, services);
  }
}

function formatError(f: Finding): string {
  return `${f.code} ${f.message}`;
}

/** The nearest registered construct above (or at) `c`. */
function registeredOwner(c: IConstruct, registered: Set<IConstruct>): IConstruct | undefined {
  for (let scope: IConstruct | undefined = c; scope !== undefined; scope = scope.node.scope) {
    if (registered.has(scope)) return scope;
  }
  return undefined;
}

function objectKey(kind: unknown, namespace: unknown, name: unknown): string {
  const ns = typeof namespace === 'string' && namespace ? namespace : DEFAULT_NAMESPACE;
  return `${String(kind)}|${ns}|${String(name)}`;
}

/**
 * Manifests standing in for the gateways and services the app refers to but does not define, so references to
 * objects owned elsewhere do not read as missing (IST0101). A stub is only added when the app has no such object.
 */
function stubs(manifests: any[], gatewayRefs: IConstruct[], serviceRefs: IConstruct[]): any[] {
  const defined = new Set<string>();
  const ruleHosts = new Set<string>();
  const virtualServices: any[] = [];
  for (const m of manifests) {
    const ns = namespaceOf(m);
    defined.add(objectKey(m?.kind, ns, m?.metadata?.name));
    if (m?.kind === 'DestinationRule' && typeof m.spec?.host === 'string') ruleHosts.add(toFqdn(ns, m.spec.host));
    if (m?.kind === 'VirtualService') virtualServices.push(m);
  }

  const out: any[] = [];
  for (const ref of gatewayRefs) {
    const g = ref as any;
    const ns = namespaceOr(g.namespace);
    const key = objectKey('Gateway', ns, g.gatewayName);
    if (defined.has(key)) continue;
    defined.add(key);
    const hosts = Array.isArray(g.hosts) && g.hosts.length > 0 ? g.hosts : ['*'];
    out.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: g.gatewayName, namespace: ns },
      spec: {
        selector: { [STUB_SELECTOR_LABEL]: `${ns}.${g.gatewayName}` },
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }],
      },
    });
  }

  const wanted = serviceRefs
    .map(ref => ref as any)
    .map(s => ({ name: s.serviceName as string, ns: namespaceOr(s.namespace), ports: s.portNumbers as number[] | undefined, subsets: s.subsetNames as string[] | undefined }))
    .filter(s => !defined.has(objectKey('Service', s.ns, s.name)) || !ruleHosts.has(toFqdn(s.ns, s.name)));
  if (wanted.length === 0) return out;

  // Ports and subsets the app's routes use towards each host, for references whose ports or subsets are unknown.
  const used = new Map<string, { ports: Set<number>; subsets: Set<string> }>();
  for (const vs of virtualServices) {
    const ns = namespaceOf(vs);
    for (const { destination: d } of destinations(isObject(vs.spec) ? vs.spec : {})) {
      if (typeof d?.host !== 'string') continue;
      const host = toFqdn(ns, d.host);
      const entry = used.get(host) ?? { ports: new Set<number>(), subsets: new Set<string>() };
      if (d.port?.number !== undefined) entry.ports.add(Number(d.port.number));
      if (typeof d.subset === 'string' && d.subset) entry.subsets.add(d.subset);
      used.set(host, entry);
    }
  }

  for (const s of wanted) {
    const host = toFqdn(s.ns, s.name);
    const serviceKey = objectKey('Service', s.ns, s.name);
    if (!defined.has(serviceKey)) {
      defined.add(serviceKey);
      const ports = s.ports ?? [...(used.get(host)?.ports ?? [])];
      out.push({
        apiVersion: 'v1',
        kind: 'Service',
        // No selector: the analyzer then has no pods to compare (IST0173, IST0162 skip it).
        metadata: { name: s.name, namespace: s.ns },
        spec: { ports: ports.map(p => ({ name: `http-${p}`, port: p })) },
      });
    }
    if (!ruleHosts.has(host)) {
      ruleHosts.add(host);
      const subsets = s.subsets ?? [...(used.get(host)?.subsets ?? [])];
      out.push({
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: s.name, namespace: s.ns },
        spec: { host, subsets: subsets.map(name => ({ name })) },
      });
    }
  }
  return out;
}

function namespaceOf(m: any): string {
  return namespaceOr(m?.metadata?.namespace);
}

function namespaceOr(namespace: unknown): string {
  return typeof namespace === 'string' && namespace ? namespace : DEFAULT_NAMESPACE;
}
