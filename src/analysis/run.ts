/**
 * Runs the analyzers over the manifests: what `MeshAnalyzer.analyze` calls. Internal: not exported from index.ts.
 *
 * Codes, levels and message wording follow istioctl (`pkg/config/analysis/msg/messages.yaml`), each message then says
 * how to fix the problem; `catalogue.ts` lists every code. The analyzers are split by the kind of object they check,
 * like istioctl's `pkg/config/analysis/analyzers/<kind>/`. The order of the analyzers does not matter: the caller
 * sorts the findings.
 */
import { analyzeDestinationRules } from './analyzers/destinationrule';
import { analyzeGateways } from './analyzers/gateway';
import { analyzeGrpcRoutes } from './analyzers/grpcroute';
import { analyzeGatewayApi } from './analyzers/httproute';
import { analyzeRollouts } from './analyzers/rollouts';
import { analyzeImplementations } from './analyzers/implementation';
import { analyzeServices } from './analyzers/service';
import { analyzeVirtualServices } from './analyzers/virtualservice';
import { Finding } from './finding';
import { flatten, lastDefinitions, ManifestIndex } from './manifest-index';
import { Report, Subject } from './report';
import { typeErrors } from './schema-types';
import { ImplementationChoice } from '../gateway-api/rules/implementations';

function subjectOf(m: any, defaultNamespace: string): Subject {
  const metadata = m.metadata !== null && typeof m.metadata === 'object' ? m.metadata : {};
  return {
    kind: m.kind,
    namespace: typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace,
    name: typeof metadata.name === 'string' ? metadata.name : '',
  };
}

/** The namespace `SetNamespacesFilter` looks at: a Namespace object's name, else the object's namespace. */
function namespaceOf(m: any, defaultNamespace: string): string {
  const metadata = m.metadata !== null && typeof m.metadata === 'object' ? m.metadata : {};
  if (m.kind === 'Namespace') return typeof metadata.name === 'string' ? metadata.name : '';
  return typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace;
}

/** An analyzer: reads the index, reports findings. */
type Analyzer = (index: ManifestIndex, report: Report) => void;

const ANALYZERS: readonly Analyzer[] = [
  analyzeVirtualServices,
  analyzeDestinationRules,
  analyzeGateways,
  analyzeServices,
];

/**
 * The system namespaces istioctl leaves out of a file-based analysis (`inject.IgnoredNamespaces`, applied by
 * `SetNamespacesFilter` in istiod_analyze.go): objects in them, and Namespace objects of that name, are not analyzed.
 */
export const IGNORED_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

/**
 * Runs every analyzer over the manifests; the findings are in no particular order. `implementation` is the Gateway API
 * implementation every HTTPRoute is judged against (otherwise each Gateway's class says).
 */
export function runAnalyzers(manifests: any[], defaultNamespace: string, implementation?: ImplementationChoice): Finding[] {
  const report = new Report();
  const analyzed = flatten(manifests).filter(m => !IGNORED_NAMESPACES.has(namespaceOf(m, defaultNamespace)));
  const objects = lastDefinitions(analyzed, defaultNamespace, report);
  const invalid = new Set<any>();
  for (const m of objects) {
    const errors = typeErrors(m);
    if (errors.length === 0) continue;
    invalid.add(m);
    const o = subjectOf(m, defaultNamespace);
    for (const [where, err] of errors) {
      report.add('IST0106', o, `Schema validation error: ${where} ${err}. The API server rejects the object, so it is not `
        + 'analyzed further; write the value with the type the field has.');
    }
  }
  const index = new ManifestIndex(objects, defaultNamespace, invalid);
  for (const analyze of ANALYZERS) {
    analyze(index, report);
  }
  const valid = objects.filter(m => !invalid.has(m));
  analyzeGatewayApi(valid, defaultNamespace, report);
  analyzeGrpcRoutes(valid, defaultNamespace, report);
  analyzeRollouts(valid, index, defaultNamespace, report);
  analyzeImplementations(valid, defaultNamespace, report, implementation);
  return withoutSuppressed(report.findings, objects, defaultNamespace);
}

/** The annotation with which an object suppresses codes on itself (`annotation.GalleyAnalyzeSuppress`). */
export const SUPPRESS_ANNOTATION = 'galley.istio.io/analyze-suppress';

/**
 * istioctl's `filterMessages` (istiod_analyze.go): a finding is dropped when its object carries the annotation
 * `galley.istio.io/analyze-suppress` listing its code (comma-separated) or `*`.
 */
function withoutSuppressed(findings: Finding[], objects: any[], defaultNamespace: string): Finding[] {
  const suppressed = new Map<string, string[]>();
  for (const m of objects) {
    const value = m.metadata?.annotations?.[SUPPRESS_ANNOTATION];
    if (typeof value !== 'string' || value === '') continue;
    const o = subjectOf(m, defaultNamespace);
    suppressed.set(`${o.kind}|${o.namespace}|${o.name}`, value.split(','));
  }
  if (suppressed.size === 0) return findings;
  return findings.filter(f => {
    const codes = suppressed.get(`${f.kind}|${f.namespace}|${f.name}`);
    return codes === undefined || !codes.some(c => c === '*' || c === f.code);
  });
}
