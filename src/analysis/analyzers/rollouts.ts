/**
 * The analyzers of progressive-delivery controllers' objects: Argo Rollouts' Rollout (argoproj.io) and Flagger's Canary
 * (flagger.app), which run a mirror rollout. Internal: not exported from index.ts.
 *
 * A Rollout or Canary whose references do not resolve is an error, as the controller would reject it or do nothing with
 * it. The checks follow the controllers' own Go code, cited per check: Argo Rollouts v1.9.1
 * (pkg/apis/rollouts/validation/validation.go, rollout/trafficrouting/istio/istio.go) and Flagger v1.44.0
 * (pkg/router/istio.go, kubernetes_default.go, gateway_api.go; pkg/controller/scheduler_metrics.go). As everywhere in
 * this analyzer, only the input is known: references to kinds the input has none of in that namespace are not checked.
 */
import { asArray, isObject } from '../hosts';
import { ManifestIndex, Obj } from '../manifest-index';
import { Report } from '../report';

/** Flagger's built-in metric names (pkg/metrics/observers): no MetricTemplate needed. */
const FLAGGER_BUILTIN_METRICS = new Set(['request-success-rate', 'request-duration']);
/** The step types of an Argo Rollouts canary step (CanaryStep, pkg/apis/rollouts/v1alpha1/types.go). */
const STEP_TYPES = ['setWeight', 'pause', 'experiment', 'analysis', 'setCanaryScale', 'setHeaderRoute', 'setMirrorRoute', 'plugin'];

/** The objects of a kind in the input, by `namespace/name`. */
function byName(objects: Obj[]): Map<string, Obj> {
  return new Map(objects.map(o => [`${o.namespace}/${o.name}`, o]));
}

/** Runs the Rollout and Canary analyzers. */
export function analyzeRollouts(objects: any[], index: ManifestIndex, defaultNamespace: string, report: Report): void {
  const of = (kind: string, group: string) => objects.filter(m => m?.kind === kind && typeof m.apiVersion === 'string' && m.apiVersion.startsWith(`${group}/`))
    .map(m => toObj(m, defaultNamespace));
  const rollouts = of('Rollout', 'argoproj.io');
  const canaries = of('Canary', 'flagger.app');
  if (rollouts.length === 0 && canaries.length === 0) return;
  const templates = byName(of('AnalysisTemplate', 'argoproj.io'));
  const metricTemplates = byName(of('MetricTemplate', 'flagger.app'));
  const services = byName(index.services);
  const virtualServices = byName(index.virtualServices);
  const destinationRules = byName(index.destinationRules);
  for (const r of rollouts) checkRollout(r, { templates, services, virtualServices, destinationRules }, report);
  const owned = ownedByFlagger(objects, defaultNamespace);
  for (const c of canaries) checkCanary(c, index, { metricTemplates, owned }, report);
}

function toObj(m: any, defaultNamespace: string): Obj {
  const metadata = isObject(m.metadata) ? m.metadata : {};
  return {
    kind: m.kind,
    namespace: typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace,
    name: typeof metadata.name === 'string' ? metadata.name : '',
    spec: isObject(m.spec) ? m.spec : {},
    metadata,
  };
}

interface RolloutRefs {
  readonly templates: Map<string, Obj>;
  readonly services: Map<string, Obj>;
  readonly virtualServices: Map<string, Obj>;
  readonly destinationRules: Map<string, Obj>;
}

function checkRollout(r: Obj, refs: RolloutRefs, report: Report): void {
  const canary = isObject(r.spec.strategy?.canary) ? r.spec.strategy.canary : undefined;
  if (canary === undefined) return;
  const steps = asArray(canary.steps);
  checkSteps(r, steps, report);
  checkAnalysisTemplates(r, canary, steps, refs, report);
  for (const role of ['stableService', 'canaryService']) {
    const name = canary[role];
    if (typeof name === 'string' && name !== '' && refs.services.size > 0 && !refs.services.has(`${r.namespace}/${name}`)) {
      report.add('TM0305', r, `The Rollout's ${role} ${name} is not a Service of namespace ${r.namespace}: Argo Rollouts rejects the Rollout `
        + '(validation_references.go, ValidateRolloutReferencedResources). Create the Service or correct the name.');
    }
  }
  if (typeof canary.stableService === 'string' && canary.stableService !== '' && canary.stableService === canary.canaryService) {
    report.add('TM0304', r, 'The Rollout\'s stableService and canaryService are the same Service (validation.go, '
      + 'ValidateRolloutStrategyCanary: DuplicatedServicesCanaryMessage). Give the canary its own Service, or use DestinationRule subsets.');
  }
  const routing = isObject(canary.trafficRouting) ? canary.trafficRouting : {};
  const managed = asArray(routing.managedRoutes).map((m: any) => m?.name).filter((n: any): n is string => typeof n === 'string');
  checkManagedRouteSteps(r, steps, routing, managed, report);
  const istio = isObject(routing.istio) ? routing.istio : undefined;
  if (istio === undefined) return;
  const dr = isObject(istio.destinationRule) ? istio.destinationRule : undefined;
  checkDestinationRule(r, dr, refs, report);
  const vsRefs = [...(isObject(istio.virtualService) ? [istio.virtualService] : []), ...asArray(istio.virtualServices)];
  for (const ref of vsRefs) {
    checkVirtualService(r, ref, dr, canary, managed, steps, refs, report);
  }
}

/** validation.go: hasMultipleStepsType, the "one of" check of ValidateRolloutStrategyCanary, setWeight's range, hasMultipleMatchValues. */
function checkSteps(r: Obj, steps: any[], report: Report): void {
  steps.forEach((step: any, i: number) => {
    const types = STEP_TYPES.filter(t => isObject(step) && step[t] !== undefined);
    if (types.length !== 1) {
      report.add('TM0304', r, `The Rollout's steps[${i}] has ${types.length === 0 ? 'no step type' : `${types.length} step types (${types.join(', ')})`}: `
        + `a step must set exactly one of ${STEP_TYPES.join(', ')} (validation.go, ValidateRolloutStrategyCanary and hasMultipleStepsType).`);
    }
    if (step?.setWeight !== undefined && !(typeof step.setWeight === 'number' && step.setWeight >= 0 && step.setWeight <= 100)) {
      report.add('TM0304', r, `The Rollout's steps[${i}].setWeight is ${JSON.stringify(step.setWeight)}: it must be from 0 to 100 `
        + '(validation.go, InvalidSetWeightMessage).');
    }
    asArray(step?.setMirrorRoute?.match).forEach((m: any, j: number) => {
      for (const field of ['method', 'path']) {
        const value = m?.[field];
        if (value === undefined) continue;
        const set = ['exact', 'regex', 'prefix'].filter(k => isObject(value) && typeof value[k] === 'string' && value[k] !== '');
        if (set.length !== 1) {
          report.add('TM0304', r, `The Rollout's steps[${i}].setMirrorRoute.match[${j}].${field} sets ${set.length === 0 ? 'none' : set.join(' and ')} `
            + 'of exact, regex and prefix: exactly one is required (validation.go, hasMultipleMatchValues).');
        }
      }
    });
  });
}

function checkAnalysisTemplates(r: Obj, canary: any, steps: any[], refs: RolloutRefs, report: Report): void {
  const uses: Array<[string, any]> = [
    ...asArray(canary.analysis?.templates).map((t: any, j: number): [string, any] => [`strategy.canary.analysis.templates[${j}]`, t]),
    ...steps.flatMap((s: any, i: number) => asArray(s?.analysis?.templates)
      .map((t: any, j: number): [string, any] => [`steps[${i}].analysis.templates[${j}]`, t])),
  ];
  for (const [where, t] of uses) {
    if (t?.clusterScope === true || typeof t?.templateName !== 'string') continue;
    if (!refs.templates.has(`${r.namespace}/${t.templateName}`)) {
      report.add('TM0302', r, `The Rollout's ${where} names the AnalysisTemplate ${t.templateName}, which is not in namespace ${r.namespace}: `
        + 'Argo Rollouts fails the analysis run and aborts the rollout. Add the AnalysisTemplate or correct templateName.');
    }
  }
}

/**
 * validation.go: managedRoutes is required by setHeaderRoute/setMirrorRoute, and each step's route must be listed
 * (ValidateStepRouteFoundInManagedRoute).
 */
function checkManagedRouteSteps(r: Obj, steps: any[], routing: any, managed: string[], report: Report): void {
  steps.forEach((step: any, i: number) => {
    for (const type of ['setMirrorRoute', 'setHeaderRoute']) {
      const name = step?.[type]?.name;
      if (typeof name !== 'string') continue;
      if (routing.managedRoutes === undefined) {
        report.add('TM0303', r, `The Rollout's steps[${i}].${type} needs spec.strategy.canary.trafficRouting.managedRoutes (validation.go, `
          + `ValidateRolloutStrategyCanary). List the route: managedRoutes: [{ name: ${name} }].`);
      } else if (!managed.includes(name)) {
        report.add('TM0303', r, `The Rollout's steps[${i}].${type} names the route ${name}, which is not in trafficRouting.managedRoutes `
          + `(${managed.join(', ') || 'none'}): Argo Rollouts rejects the Rollout (validation.go, ValidateStepRouteFoundInManagedRoute). Add it to managedRoutes.`);
      }
    }
  });
}

function checkDestinationRule(r: Obj, dr: any, refs: RolloutRefs, report: Report): void {
  if (dr === undefined || typeof dr.name !== 'string') return;
  const found = refs.destinationRules.get(`${r.namespace}/${dr.name}`);
  if (found === undefined) {
    if (refs.destinationRules.size > 0 || refs.virtualServices.size > 0) {
      report.add('TM0301', r, `The Rollout's trafficRouting.istio.destinationRule ${dr.name} is not a DestinationRule of namespace ${r.namespace}: `
        + 'Argo Rollouts cannot set the subsets\' labels (UpdateHash, rollout/trafficrouting/istio/istio.go). Add the DestinationRule or correct the name.');
    }
    return;
  }
  const subsets = new Set(asArray(found.spec.subsets).map((s: any) => s?.name));
  for (const role of ['stableSubsetName', 'canarySubsetName']) {
    if (typeof dr[role] === 'string' && !subsets.has(dr[role])) {
      report.add('TM0301', r, `The Rollout's destinationRule.${role} ${dr[role]} is not a subset of the DestinationRule ${found.namespace}/${found.name} `
        + `(its subsets: ${[...subsets].join(', ') || 'none'}): Argo Rollouts fails to update it (UpdateHash). Add the subset or correct the name.`);
    }
  }
}

/**
 * istio.go v1.9.1: ValidateHTTPRoutes (the weighted routes exist, with the stable and canary destinations; without
 * `routes`, exactly one unmanaged route), the managed routes' order (orderRoutes, getOrderedVirtualServiceRoutes: managed
 * routes are moved above the others in managedRoutes order) and setMirrorRoute's removal of a route of the managed
 * name (reconcileVirtualServiceMirrorRoutes), and createMirrorRoute's port (argo-rollouts#4481).
 */
function checkVirtualService(r: Obj, ref: any, dr: any, canary: any, managed: string[], steps: any[], refs: RolloutRefs, report: Report): void {
  if (typeof ref?.name !== 'string') return;
  const [name, namespace] = ref.name.includes('.') ? [ref.name.slice(0, ref.name.indexOf('.')), ref.name.slice(ref.name.indexOf('.') + 1)] : [ref.name, r.namespace];
  const vs = refs.virtualServices.get(`${namespace}/${name}`);
  if (vs === undefined) {
    if (refs.virtualServices.size > 0 || refs.destinationRules.size > 0) {
      report.add('TM0300', r, `The Rollout's trafficRouting.istio.virtualService ${ref.name} is not a VirtualService of namespace ${namespace}: `
        + 'Argo Rollouts cannot route the canary. Add the VirtualService or correct the name (name.namespace for another namespace).');
    }
    return;
  }
  const http = asArray(vs.spec.http);
  const names = http.map((h: any) => h?.name);
  const routeNames = asArray(ref.routes).filter((n: any): n is string => typeof n === 'string');
  const weighted: any[] = [];
  if (routeNames.length === 0) {
    const unmanaged = http.filter((h: any) => !managed.includes(h?.name));
    if (unmanaged.length !== 1) {
      report.add('TM0300', r, `The Rollout names no routes of the VirtualService ${vs.namespace}/${vs.name}, which has ${unmanaged.length} unmanaged HTTP `
        + 'routes: it must have exactly one when routes is omitted (istio.go, ValidateHTTPRoutes). List the weighted route in virtualService.routes.');
    }
    weighted.push(...unmanaged.slice(0, 1));
  }
  for (const routeName of routeNames) {
    const route = http.find((h: any) => h?.name === routeName);
    if (route === undefined) {
      report.add('TM0300', r, `The Rollout's virtualService.routes names ${routeName}, which is not an HTTP route of the VirtualService `
        + `${vs.namespace}/${vs.name} (its routes: ${names.filter(Boolean).join(', ') || 'none named'}): Argo Rollouts rejects it (getHttpRouteIndexesToPatch). Name the route.`);
      continue;
    }
    if (managed.includes(routeName)) {
      report.add('TM0303', r, `The Rollout's weighted route ${routeName} is also a managed route: each setMirrorRoute step first removes the route of `
        + 'its name (reconcileVirtualServiceMirrorRoutes, istio.go), so the weighted route would be deleted. Give the managed route another name.');
    }
    weighted.push(route);
  }
  for (const route of weighted) {
    const dests = asArray(route?.route).map((d: any) => d?.destination ?? {});
    const missing = isObject(dr)
      ? [dr.stableSubsetName, dr.canarySubsetName].filter((s: any) => typeof s === 'string' && !dests.some((d: any) => d.subset === s)).map((s: string) => `subset ${s}`)
      : [canary.stableService, canary.canaryService].filter((s: any) => typeof s === 'string' && !dests.some((d: any) => hostName(d.host) === s)).map((s: string) => `host ${s}`);
    if (missing.length > 0) {
      report.add('TM0300', r, `The weighted route ${route?.name ?? '(unnamed)'} of the VirtualService ${vs.namespace}/${vs.name} has no destination to the `
        + `${missing.join(' or ')}: Argo Rollouts rejects the Rollout (istio.go, validateVirtualServiceRouteDestinations). Add a destination with weight 0.`);
    }
    const service = dests[0] === undefined ? undefined : refs.services.get(`${vs.namespace}/${hostName(dests[0].host)}`);
    const port = dests[0]?.port?.number;
    if (port === undefined && steps.some((s: any) => s?.setMirrorRoute?.match !== undefined)) {
      report.add('TM0306', r, `The weighted route ${route?.name ?? '(unnamed)'} of the VirtualService ${vs.namespace}/${vs.name} gives its first destination no `
        + 'port, so the mirror route of setMirrorRoute gets none (createMirrorRoute, argo-rollouts#4481) and Istio cannot pick one on a service with '
        + 'several ports. Set port.number on the destinations.');
    }
    const ports = asArray(service?.spec.ports).map((p: any) => p?.port);
    if (service !== undefined && port !== undefined && !ports.includes(port)) {
      report.add('TM0305', r, `The weighted route ${route?.name ?? '(unnamed)'} of the VirtualService ${vs.namespace}/${vs.name} sends to port ${port}, which the `
        + `Service ${service.namespace}/${service.name} does not have (its ports: ${ports.join(', ')}). Use a Service port.`);
    }
  }
  // Managed routes present in the VirtualService go first, in managedRoutes order (getOrderedVirtualServiceRoutes).
  const present = names.map((n: any, i: number) => ({ n, i })).filter(({ n }) => managed.includes(n));
  const firstUnmanaged = names.findIndex((n: any) => !managed.includes(n));
  const ordered = present.every(({ n, i }, k) => (firstUnmanaged < 0 || i < firstUnmanaged)
    && (k === 0 || managed.indexOf(present[k - 1].n) < managed.indexOf(n)));
  if (!ordered) {
    report.add('TM0303', r, `The VirtualService ${vs.namespace}/${vs.name} lists the managed routes ${present.map(p => p.n).join(', ')} out of place: Argo Rollouts `
      + 'moves them above every other route, in trafficRouting.managedRoutes order (orderRoutes, istio.go), and a GitOps tool sees the move as drift. '
      + 'List them first, in managedRoutes order.');
  }
}

/** `httpbin` of `httpbin`, `httpbin.ns` or `httpbin.ns.svc.cluster.local`. */
function hostName(host: any): string {
  return typeof host === 'string' ? host.split('.')[0] : '';
}

/** The objects of the input by `kind|namespace/name`. */
function ownedByFlagger(objects: any[], defaultNamespace: string): Map<string, any> {
  const out = new Map<string, any>();
  for (const m of objects) {
    if (!isObject(m) || typeof m.kind !== 'string') continue;
    const o = toObj(m, defaultNamespace);
    out.set(`${o.kind}|${o.namespace}/${o.name}`, m);
  }
  return out;
}

interface CanaryRefs {
  readonly metricTemplates: Map<string, Obj>;
  readonly owned: Map<string, any>;
}

function checkCanary(c: Obj, index: ManifestIndex, refs: CanaryRefs, report: Report): void {
  const target = isObject(c.spec.targetRef) ? c.spec.targetRef : {};
  const targetName = typeof target.name === 'string' ? target.name : '';
  if (targetName !== '' && index.namespacesWithWorkloads.has(c.namespace)
    && !index.workloads.some(w => w.namespace === c.namespace && w.name === targetName && w.kind === (target.kind ?? 'Deployment'))) {
    report.add('TM0310', c, `The Canary's targetRef ${target.kind ?? 'Deployment'} ${targetName} is not in namespace ${c.namespace}: Flagger has nothing to `
      + 'analyze or promote. Add the workload or correct targetRef.');
  }
  const service = isObject(c.spec.service) ? c.spec.service : {};
  const name = typeof service.name === 'string' && service.name !== '' ? service.name : targetName;
  const gatewayApi = typeof c.spec.provider === 'string' && c.spec.provider.startsWith('gatewayapi');
  // What Flagger writes and keeps as it wants it: the Services (kubernetes_default.go), the VirtualService and
  // DestinationRules (istio.go) or the HTTPRoute (gateway_api.go).
  const owned = [
    ['Service', name], ['Service', `${name}-primary`], ['Service', `${name}-canary`],
    ...(gatewayApi ? [['HTTPRoute', name]] : [['VirtualService', name], ['DestinationRule', `${name}-primary`], ['DestinationRule', `${name}-canary`]]),
  ];
  for (const [kind, objectName] of owned) {
    if (refs.owned.has(`${kind}|${c.namespace}/${objectName}`)) {
      report.add('TM0311', c, `The ${kind} ${c.namespace}/${objectName} is in the input, but the Canary makes Flagger write and reconcile it: `
        + 'Flagger overwrites it, and a GitOps tool applying it again fights Flagger. Remove it from the manifests (let Flagger own it).');
    }
  }
  asArray(c.spec.analysis?.metrics).forEach((m: any, i: number) => {
    const ref = isObject(m?.templateRef) ? m.templateRef : undefined;
    if (ref !== undefined) {
      const ns = typeof ref.namespace === 'string' && ref.namespace !== '' ? ref.namespace : c.namespace;
      if (!refs.metricTemplates.has(`${ns}/${ref.name}`)) {
        report.add('TM0312', c, `The Canary's analysis.metrics[${i}] names the MetricTemplate ${ns}/${ref.name}, which is not in the input: Flagger `
          + 'fails the check and rolls back (scheduler_metrics.go). Add the MetricTemplate or correct templateRef.');
      }
    } else if (typeof m?.name === 'string' && !FLAGGER_BUILTIN_METRICS.has(m.name) && m.query === undefined) {
      report.add('TM0312', c, `The Canary's analysis.metrics[${i}] ${m.name} is neither a built-in metric (${[...FLAGGER_BUILTIN_METRICS].join(', ')}) `
        + 'nor has a templateRef or query: Flagger cannot measure it. Add a templateRef to a MetricTemplate.');
    }
  });
  if (!gatewayApi && index.gateways.length > 0) {
    asArray(service.gateways).forEach((g: any, i: number) => {
      if (typeof g !== 'string' || g === 'mesh') return;
      const key = g.includes('/') ? g : `${c.namespace}/${g}`;
      if (!index.gatewaysByName.has(key)) {
        report.add('TM0313', c, `The Canary's service.gateways[${i}] ${g} is not a Gateway of the input: Flagger's VirtualService would be bound to a `
          + 'gateway that does not exist. Add the Gateway or correct the name (namespace/name for another namespace).');
      }
    });
  }
  if (gatewayApi && index.kubernetesGatewaysByName.size > 0) {
    asArray(service.gatewayRefs).forEach((g: any, i: number) => {
      const key = `${typeof g?.namespace === 'string' && g.namespace ? g.namespace : c.namespace}/${g?.name}`;
      if (!index.kubernetesGatewaysByName.has(key)) {
        report.add('TM0313', c, `The Canary's service.gatewayRefs[${i}] ${key} is not a Gateway of the input: Flagger's HTTPRoute would not be `
          + 'accepted. Add the Gateway or correct the reference.');
      }
    });
  }
  if (isObject(c.spec.service) && typeof service.port !== 'number') {
    report.add('TM0310', c, 'The Canary has no service.port: Flagger cannot write its Services. Set service.port to the port clients use.');
  }
}
