import { Finding } from './finding';
import { runAnalyzers } from './run';

// The public API: Finding and FindingLevel are defined in finding.ts, which the analyzers import too.
export { Finding, FindingLevel } from './finding';

/**
 * Options for `MeshAnalyzer.analyze`.
 */
export interface AnalyzeOptions {
  /**
   * Namespace of objects whose manifest has no `metadata.namespace`, as `kubectl apply` and `istioctl analyze`
   * would place them.
   *
   * @default 'default'
   */
  readonly defaultNamespace?: string;
}

/**
 * Offline analysis of Kubernetes and Istio manifests for traffic mirroring that would fail silently.
 *
 * Runs a focused subset of `istioctl analyze` (same codes, levels and message wording, on the input objects only,
 * without a cluster) plus checks specific to mirroring. Input is any list of plain manifest objects, e.g. the output
 * of `Testing.synth(chart)` or `cdk8s synth`; objects of other kinds are ignored except as workloads (Pods and pod
 * templates) and Services. Analysis indexes the objects once, so it is linear in their number.
 *
 * @see https://istio.io/latest/docs/reference/config/analysis/
 * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
 *
 * @example
 * const findings = MeshAnalyzer.analyze(Testing.synth(chart));
 * findings.forEach(f => console.log(MeshAnalyzer.formatFinding(f)));
 */
export class MeshAnalyzer {
  /**
   * Analyzes manifests and returns the findings, sorted by namespace, kind, name, code and message.
   *
   * @param manifests Kubernetes objects as plain JSON objects; `List` objects are expanded into their items.
   * @param options analysis options
   */
  public static analyze(manifests: any[], options: AnalyzeOptions = {}): Finding[] {
    const findings = runAnalyzers(manifests, options.defaultNamespace ?? 'default');
    return findings.sort(compareFindings);
  }

  /**
   * Parses multi-document YAML (or JSON) text and analyzes the objects in it.
   *
   * Throws when the text is not valid YAML; the error message gives the line and column.
   *
   * @param text the YAML text, documents separated by `---`
   * @param options analysis options
   */
  public static analyzeYaml(text: string, options: AnalyzeOptions = {}): Finding[] {
    return MeshAnalyzer.analyze(MeshAnalyzer.parseYaml(text), options);
  }

  /**
   * Parses multi-document YAML (or JSON) text into objects, skipping empty documents.
   *
   * The text is read as YAML 1.2. The `cdk8s-traffic-mirror analyze` command and the cdk8s validation plugin read files
   * as `kubectl apply -f` does (YAML 1.1, where `on` and `yes` are booleans) instead.
   *
   * Throws an error naming the line and column of the first syntax error.
   *
   * @param text the YAML text, documents separated by `---`
   */
  public static parseYaml(text: string): any[] {
    const docs = yamlLibrary().parseAllDocuments(text);
    const out: any[] = [];
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      const err = doc.errors?.[0];
      if (err) {
        const pos = err.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
        throw new Error(`YAML syntax error at ${where}: ${String(err.message).split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
      }
      const value = doc.toJSON();
      if (value !== null && value !== undefined) out.push(value);
    }
    return out;
  }

  /**
   * Formats a finding as one line: `<code> <level> <Kind> <namespace>/<name>: <message>`.
   *
   * @param finding the finding to format
   */
  public static formatFinding(finding: Finding): string {
    return `${finding.code} ${finding.level} ${finding.kind} ${finding.namespace}/${finding.name}: ${finding.message}`;
  }

  private constructor() {
  }
}

function compareFindings(a: Finding, b: Finding): number {
  for (const key of ['namespace', 'kind', 'name', 'code', 'message'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  return 0;
}

/**
 * The `yaml` package, a bundled dependency of this library (the CLI's kubectl-compatible reader,
 * `src/cli/read-manifests.ts`, is built on it as well).
 */
function yamlLibrary(): typeof import('yaml') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml');
}
