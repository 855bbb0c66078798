import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { AnalyzeOptions, Finding, FindingLevel, MeshAnalyzer } from './mesh-analyzer';

/**
 * A finding of `MeshAnalysis.analyze()`, with the construct that wrote the object to fix.
 */
export interface ConstructFinding extends Finding {
  /**
   * The construct path of the object's writer: the construct that owns the object (a `MirrorRoute` for its
   * VirtualService, written as its child `Resource`), or the `ApiObject` itself.
   */
  readonly path: string;
}

/**
 * The full mesh analysis of an app, in process: renders every Kubernetes object of the app once and runs
 * `MeshAnalyzer` over them, raw `ApiObject`s, `Include`s and JSON patches included.
 *
 * This is the one place where the analyzer meets cdk8s. Synthesis never runs it on its own: the constructs of this
 * library check their references to each other on their model at every synthesis (which costs nothing measurable),
 * and the full analysis of the written manifests runs once per `cdk8s synth` in the validation plugin. Call this
 * in unit tests, or before `app.synth()` in an app that is not synthesized by the cdk8s CLI.
 *
 * @example
 * const findings = MeshAnalysis.analyze(app); // each finding's `path` is the construct that wrote the object to fix
 * console.log(MeshAnalyzer.formatFindings(findings));
 * MeshAnalysis.assertNoErrors(chart); // throws with every error-level finding, each with its construct path
 *
 * @see https://istio.io/latest/docs/reference/config/analysis/
 */
export class MeshAnalysis {
  /**
   * Analyzes every Kubernetes object of the app that `scope` belongs to, and returns the findings about the objects
   * written under `scope`, each with the construct path of its writer.
   *
   * @param scope an app, a chart or any construct: its whole app is analyzed (objects of other charts count), the
   * findings are limited to the objects under it
   * @param options analysis options
   */
  public static analyze(scope: IConstruct, options: AnalyzeOptions = {}): ConstructFinding[] {
    const defaultNamespace = options.defaultNamespace ?? 'default';
    const manifests: any[] = [];
    /** kind|namespace|name -> API group -> the writers of the objects under `scope`. */
    const writers = new Map<string, Map<string, string[]>>();
    for (const c of scope.node.root.node.findAll()) {
      if (!ApiObject.isApiObject(c)) continue;
      const json = c.toJson();
      manifests.push(json);
      if (isUnder(c, scope)) {
        const key = findingKey(json?.kind, json?.metadata?.namespace || defaultNamespace, json?.metadata?.name);
        const byGroup = writers.get(key) ?? new Map<string, string[]>();
        const group = String(json?.apiVersion ?? '').split('/').slice(0, -1).join('/');
        byGroup.set(group, [...(byGroup.get(group) ?? []), writerPath(c)]);
        writers.set(key, byGroup);
      }
    }
    const out: ConstructFinding[] = [];
    for (const f of MeshAnalyzer.analyze(manifests, options)) {
      const byGroup = writers.get(findingKey(f.kind, f.namespace, f.name));
      if (byGroup === undefined) continue;
      const groups = [...byGroup.values()];
      // An object written more than once (TM0006) is reported with every writer of it (one API group), so each can be renamed.
      const repeated = groups.find(paths => paths.length > 1);
      const message = f.code === 'TM0006' && repeated ? `${f.message} Written by ${repeated.join(', ')}.` : f.message;
      const paths = repeated ?? groups[groups.length - 1];
      out.push({ ...f, message, path: paths[paths.length - 1] });
    }
    return out;
  }

  /**
   * Throws when `analyze(scope)` finds errors, with one line per error: `[<construct path>] <code> <message>`.
   *
   * @param scope an app, a chart or any construct (see `analyze`)
   * @param options analysis options
   */
  public static assertNoErrors(scope: IConstruct, options: AnalyzeOptions = {}): void {
    const errors = MeshAnalysis.analyze(scope, options).filter(f => f.level === FindingLevel.ERROR);
    if (errors.length > 0) {
      throw new Error(`Mesh analysis found ${errors.length} error(s):\n  ${errors.map(f => `[${f.path}] ${f.code} ${f.message}`).join('\n  ')}`);
    }
  }

  private constructor() {
  }
}

function isUnder(c: IConstruct, scope: IConstruct): boolean {
  for (let s: IConstruct | undefined = c; s !== undefined; s = s.node.scope) {
    if (s === scope) return true;
  }
  return false;
}

/** cdk8s's convention: a construct that wraps one object names it `Resource`; the construct is then its writer. */
function writerPath(object: ApiObject): string {
  return object.node.id === 'Resource' && object.node.scope !== undefined ? object.node.scope.node.path : object.node.path;
}

function findingKey(kind: unknown, namespace: unknown, name: unknown): string {
  return `${String(kind)}|${String(namespace)}|${String(name)}`;
}
