/**
 * The DestinationRule analyzers, as istioctl's `pkg/config/analysis/analyzers/destinationrule/`. Internal: not
 * exported from index.ts.
 *
 * - `SubsetSelectPodAnalyzer` (subset.go): IST0174 for a host no service provides, IST0173 for a subset that selects no pods.
 */
import { validateWildcardDomain } from '../../istio/rules/hosts';
import { asArray, isObject, stringMap, strings } from '../hosts';
import { ManifestIndex, Obj } from '../manifest-index';
import { Report } from '../report';

/** Runs every DestinationRule analyzer. */
export function analyzeDestinationRules(index: ManifestIndex, report: Report): void {
  for (const dr of index.destinationRules) {
    checkDestinationRuleSchema(report, dr);
    checkDestinationRule(index, report, dr);
  }
}

/** IST0106 for Istio's DestinationRule validation (`ValidateDestinationRule`): the host's syntax and unique subset names. */
function checkDestinationRuleSchema(report: Report, dr: Obj): void {
  if (typeof dr.spec.host === 'string') {
    const err = validateWildcardDomain(dr.spec.host);
    if (err) report.add('IST0106', dr, `Schema validation error: ${err} (host). Use the Service name, its FQDN or a ServiceEntry host.`);
  }
  const names = new Set<string>();
  asArray(dr.spec.subsets).forEach((s: any, i: number) => {
    if (typeof s?.name !== 'string') return;
    if (names.has(s.name)) {
      report.add('IST0106', dr, `Schema validation error: duplicate subset names: ${s.name} (subsets[${i}]). Give each subset its own name; `
        + 'Istio rejects the whole DestinationRule.');
    }
    names.add(s.name);
  });
}

/** IST0174 and IST0173 (`destinationrule.SubsetSelectPodAnalyzer`). */
function checkDestinationRule(index: ManifestIndex, report: Report, dr: Obj): void {
  const host = typeof dr.spec.host === 'string' ? dr.spec.host : '';
  const target = index.hosts.lookup(dr.namespace, strings(dr.spec.exportTo), host);
  if (!target) {
    const hint = index.hosts.suggest(dr.namespace, host);
    report.add('IST0174', dr, `The host ${host} defined in the DestinationRule does not match any services in the mesh. `
      + (hint ? `${hint[0].toUpperCase()}${hint.slice(1)}.`
        : 'Check the spelling, use the FQDN for a service in another namespace, or create a ServiceEntry for an external host.'));
    return;
  }
  // Pods are only visible when the input contains workloads of the service's namespace; otherwise we cannot tell.
  if (!target.selector || !index.namespacesWithWorkloads.has(target.namespace)) return;
  for (const subset of asArray(dr.spec.subsets)) {
    const labels = isObject(subset?.labels) ? stringMap(subset.labels) : {};
    const selector = { ...target.selector, ...labels };
    if (!index.selects(selector, target.namespace)) {
      const shown = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
      report.add('IST0173', dr, `The Subset ${subset?.name} defined in the DestinationRule does not select any pods. `
        + `Which may lead to 503 UH (NoHealthyUpstream). No workload in namespace "${target.namespace}" has labels ${shown}; `
        + 'fix the subset labels, deploy the version they select, or remove the subset.');
    }
  }
}
