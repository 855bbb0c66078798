/**
 * The findings of one analysis. Internal: not exported from index.ts.
 */
import { AnalysisCode, CATALOGUE } from './catalogue';
import { Finding } from './finding';

/** The object a finding is about. */
export interface Subject {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * Collects findings; identical findings (same object, code and message) are reported once, as istioctl reports a message
 * once (`SortedDedupedCopy`). The level of a finding is its code's level in the catalogue.
 *
 * Messages of this library say where in the spec the problem is (`(http[1].route[0])`), where istioctl's say only what
 * is wrong, so that one missing host named by five routes is one istioctl message but five different ones here. An
 * analyzer passes `sameAs`, what istioctl's message would say, to report such a mistake once, at its first place.
 */
export class Report {
  private readonly seen = new Set<string>();
  public readonly findings: Finding[] = [];

  public add(code: AnalysisCode, o: Subject, message: string, sameAs: string = message): void {
    const key = [code, o.kind, o.namespace, o.name, sameAs].join('\u0000');
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({ code, level: CATALOGUE[code].level, kind: o.kind, namespace: o.namespace, name: o.name, message });
  }
}
