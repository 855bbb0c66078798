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
import { analyzeGatewayApi } from './analyzers/httproute';
import { analyzeServices } from './analyzers/service';
import { analyzeVirtualServices } from './analyzers/virtualservice';
import { Finding } from './finding';
import { flatten, lastDefinitions, ManifestIndex } from './manifest-index';
import { Report } from './report';

/** An analyzer: reads the index, reports findings. */
type Analyzer = (index: ManifestIndex, report: Report) => void;

const ANALYZERS: readonly Analyzer[] = [
  analyzeVirtualServices,
  analyzeDestinationRules,
  analyzeGateways,
  analyzeServices,
];

/** Runs every analyzer over the manifests; the findings are in no particular order. */
export function runAnalyzers(manifests: any[], defaultNamespace: string): Finding[] {
  const report = new Report();
  const definitions = lastDefinitions(flatten(manifests), defaultNamespace, report);
  const index = new ManifestIndex(definitions, defaultNamespace);
  for (const analyze of ANALYZERS) {
    analyze(index, report);
  }
  analyzeGatewayApi(definitions, defaultNamespace, report);
  return report.findings;
}
