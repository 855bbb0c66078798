/**
 * Whether the mirrors of each HTTPRoute work on the Gateway API implementation that runs it (TM0200-TM0204): the
 * profiles and the judgement are `src/gateway-api/rules/implementations.ts`, shared with `HttpMirrorRoute`'s synth-time
 * check. Internal: not exported from index.ts.
 *
 * The implementation of a route is the one given to the analysis (`--implementation NAME[@VERSION]`, the validation
 * plugin's `implementation`, `AnalyzeOptions.implementation`), which applies to every route; otherwise the route's
 * annotation `cdk8s-traffic-mirror/implementation` (written by `HttpMirrorRoute` when given one), else, per parent
 * Gateway of the input, its annotation (written by `GatewayApiGateway`) or the one its `gatewayClassName` means, when
 * that is a well-known class (`istio`, `eg`, `nginx`, `kgateway`, `contour`, `cilium`, `gke-l7-*`, `kong`, `traefik`).
 * A route whose implementation is not known this way (a mesh route, a Gateway of another class or not in the input)
 * gets the advice TM0204 when it uses a mirror feature some implementation lacks.
 */
import {
  BODYLESS_METHODS, choiceTitle, IMPLEMENTATION_ANNOTATION, ImplementationChoice, judgeMirrors, MirrorUse, notPortable, parseImplementation,
  profileOfGatewayClass,
} from '../../gateway-api/rules/implementations';
import { asArray, isObject } from '../hosts';
import { Report, Subject } from '../report';

const GROUP = 'gateway.networking.k8s.io';

/** What the RequestMirror filters of a route's rules use. */
function mirrorUse(spec: any): MirrorUse {
  let maxMirrorsPerRule = 0;
  let partial = false;
  let fraction = false;
  let withBodies = false;
  for (const rule of asArray(spec?.rules).filter(isObject)) {
    const mirrors = asArray(rule.filters).filter((f: any) => isObject(f) && f.type === 'RequestMirror' && isObject(f.requestMirror)).map((f: any) => f.requestMirror);
    if (mirrors.length === 0) continue;
    maxMirrorsPerRule = Math.max(maxMirrorsPerRule, mirrors.length);
    for (const m of mirrors) {
      if (isObject(m.fraction) && typeof m.fraction.numerator === 'number') {
        const denominator = typeof m.fraction.denominator === 'number' ? m.fraction.denominator : 100;
        if (m.fraction.numerator < denominator) {
          partial = true;
          fraction = true;
        }
      } else if (typeof m.percent === 'number' && m.percent < 100) {
        partial = true;
      }
    }
    // A rule whose every match names a safe method (GET, HEAD, OPTIONS) carries no request bodies.
    const matches = asArray(rule.matches).filter(isObject);
    if (matches.length === 0 || matches.some((m: any) => typeof m.method !== 'string' || !BODYLESS_METHODS.includes(m.method))) withBodies = true;
  }
  return { maxMirrorsPerRule, partial, fraction, withBodies };
}

/** Where an implementation comes from, for the message. */
interface Runner {
  readonly choice: ImplementationChoice;
  readonly from: string;
}

/**
 * Reports, for each HTTPRoute with RequestMirror filters, what its implementation does with them (TM0200 to TM0203),
 * or what is not portable when the implementation is not known (TM0204).
 */
export function analyzeImplementations(manifests: any[], defaultNamespace: string, report: Report, implementation?: ImplementationChoice): void {
  const gatewayClasses = new Map<string, string | undefined>();
  const gatewayChoices = new Map<string, ImplementationChoice | undefined>();
  const routes: Array<Subject & { spec: any; choice?: ImplementationChoice }> = [];
  for (const m of manifests) {
    const apiVersion = typeof m?.apiVersion === 'string' ? m.apiVersion : '';
    if (!apiVersion.startsWith(`${GROUP}/`)) continue;
    const metadata = isObject(m.metadata) ? m.metadata : {};
    const namespace = typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace;
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    const spec = isObject(m.spec) ? m.spec : {};
    const subject = { kind: m.kind, namespace, name };
    if (m.kind === 'Gateway') {
      gatewayClasses.set(`${namespace}/${name}`, typeof spec.gatewayClassName === 'string' ? spec.gatewayClassName : undefined);
      gatewayChoices.set(`${namespace}/${name}`, annotated(metadata, subject, report));
    }
    if (m.kind === 'HTTPRoute') routes.push({ ...subject, spec, choice: annotated(metadata, subject, report) });
  }
  for (const route of routes) {
    const use = mirrorUse(route.spec);
    if (use.maxMirrorsPerRule === 0) continue;
    const runners: Runner[] = [];
    const unknown: string[] = [];
    if (implementation !== undefined) {
      runners.push({ choice: implementation, from: `${choiceTitle(implementation)}, given to the analysis` });
    } else if (route.choice !== undefined) {
      runners.push({ choice: route.choice, from: `${choiceTitle(route.choice)}, from the route's annotation ${IMPLEMENTATION_ANNOTATION}` });
    } else {
      for (const ref of asArray(route.spec.parentRefs).filter(isObject)) {
        const group = typeof ref.group === 'string' ? ref.group : GROUP;
        const kind = typeof ref.kind === 'string' ? ref.kind : 'Gateway';
        const namespace = typeof ref.namespace === 'string' && ref.namespace ? ref.namespace : route.namespace;
        const where = `${kind} ${namespace}/${String(ref.name ?? '')}`;
        if (group !== GROUP || kind !== 'Gateway') {
          unknown.push(`${where} (a mesh route: no gatewayClassName says which mesh runs it)`);
          continue;
        }
        const key = `${namespace}/${String(ref.name ?? '')}`;
        const given = gatewayChoices.get(key);
        if (given !== undefined) {
          if (!runners.some(r => r.choice.profile === given.profile && r.choice.version === given.version)) {
            runners.push({ choice: given, from: `${choiceTitle(given)}, from the annotation ${IMPLEMENTATION_ANNOTATION} of ${where}` });
          }
          continue;
        }
        const className = gatewayClasses.get(key);
        const profile = className === undefined ? undefined : profileOfGatewayClass(className);
        if (profile === undefined) {
          unknown.push(gatewayClasses.has(key) ? `${where} (gatewayClassName ${JSON.stringify(className ?? '')} is not a well-known class)` : `${where} (not in the input)`);
        } else if (!runners.some(r => r.choice.profile === profile)) {
          runners.push({ choice: { profile }, from: `from gatewayClassName ${JSON.stringify(className)} of ${where}` });
        }
      }
    }
    for (const runner of runners) {
      for (const v of judgeMirrors(use, runner.choice)) {
        const message = `Implementation ${runner.from}: ${v.message}.`;
        switch (v.about) {
          case 'feature': report.add('TM0200', route, message); break;
          case 'unknown': report.add('TM0201', route, message); break;
          case 'host': report.add('TM0202', route, message); break;
          case 'body': report.add('TM0203', route, message); break;
        }
      }
    }
    const lacking = notPortable(use);
    if (unknown.length > 0 && lacking.length > 0) {
      report.add('TM0204', route, `The Gateway API implementation that runs the route is not known for ${unknown.join(', ')}, and the route uses what `
        + `not every implementation supports: ${lacking.join('; ')}. Give the implementation (the CLI's --implementation NAME[@VERSION], the `
        + 'validation plugin\'s implementation property) to check it.');
    }
  }
}

/**
 * The implementation an object's `cdk8s-traffic-mirror/implementation` annotation names, or undefined without one; a
 * value that is no `NAME[@VERSION]` is a schema error (IST0106), as a malformed defined-elsewhere annotation is.
 */
function annotated(metadata: any, o: Subject, report: Report): ImplementationChoice | undefined {
  const value = isObject(metadata.annotations) ? metadata.annotations[IMPLEMENTATION_ANNOTATION] : undefined;
  if (value === undefined) return undefined;
  const choice = typeof value === 'string' ? parseImplementation(value) : `it must be a string, got ${JSON.stringify(value)}`;
  if (typeof choice === 'string') {
    report.add('IST0106', o, `Schema validation error: annotation ${IMPLEMENTATION_ANNOTATION}: ${choice}. Write NAME or NAME@VERSION, as `
      + 'GatewayImplementation.toString() does, or remove the annotation.');
    return undefined;
  }
  return choice;
}
