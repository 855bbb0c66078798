import { parseImplementation } from '../gateway-api/rules/implementations';
import { Finding } from './finding';
import { parseManifests } from './read-manifests';
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
  /**
   * The Kubernetes Gateway API implementation that runs every HTTPRoute of the input, as `NAME` or `NAME@VERSION`
   * (`istio@1.28`, `contour@1.33`, `kgateway@v2.2.1`): the mirrors of each route are checked against its profile
   * (TM0200 to TM0203). One of istio, envoy-gateway, nginx-gateway-fabric, kgateway, contour, cilium, gke, linkerd,
   * kong, traefik; anything else throws.
   *
   * @default - each route is checked against the implementation its Gateways' well-known `gatewayClassName` means
   * (`istio`, `eg`, `nginx`, `kgateway`, `contour`, `cilium`, `gke-l7-*`, `kong`, `traefik`); other routes get the
   * advice TM0204 naming what is not portable
   */
  readonly implementation?: string;
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
 * console.log(MeshAnalyzer.formatFindings(findings)); // "IST0101 Error VirtualService default/httpbin: ..." per line
 */
export class MeshAnalyzer {
  /**
   * Analyzes manifests and returns the findings, sorted by namespace, kind, name, code and message.
   *
   * @param manifests Kubernetes objects as plain JSON objects; `List` objects are expanded into their items.
   * @param options analysis options
   */
  public static analyze(manifests: any[], options: AnalyzeOptions = {}): Finding[] {
    let implementation;
    if (options.implementation !== undefined) {
      implementation = parseImplementation(String(options.implementation));
      if (typeof implementation === 'string') throw new Error(`MeshAnalyzer: implementation: ${implementation}`);
    }
    const findings = runAnalyzers(manifests, options.defaultNamespace ?? 'default', implementation);
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
   * Parses multi-document YAML (or JSON) text into objects, skipping empty documents, as `kubectl apply -f` reads it:
   * YAML 1.1 (`on` is true, `010` is 8, `1:20` is a string), the last of duplicate keys wins.
   *
   * Throws an error naming the line and column of the first syntax error.
   *
   * @param text the YAML text, documents separated by `---`
   */
  public static parseYaml(text: string): any[] {
    return parseManifests(text);
  }

  /**
   * Formats a finding as one line: `<code> <level> <Kind> <namespace>/<name>: <message>`.
   *
   * @param finding the finding to format
   */
  public static formatFinding(finding: Finding): string {
    return `${finding.code} ${finding.level} ${finding.kind} ${finding.namespace}/${finding.name}: ${finding.message}`;
  }

  /**
   * Formats findings one per line, each as `formatFinding` does, in the order given; an empty string for none.
   *
   * One call instead of a loop over the findings, so that examples read the same in every jsii language
   * (jsii-rosetta translates neither `Array.push` nor `for...of` into C# and Go idioms).
   *
   * @param findings the findings to format, e.g. the result of `analyze()`
   */
  public static formatFindings(findings: Finding[]): string {
    return findings.map(f => MeshAnalyzer.formatFinding(f)).join('\n');
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
