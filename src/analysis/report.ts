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
 * Collects findings; identical findings (same object, code and message) are reported once. The level of a finding
 * is its code's level in the catalogue.
 */
export class Report {
  private readonly seen = new Set<string>();
  public readonly findings: Finding[] = [];

  public add(code: AnalysisCode, o: Subject, message: string): void {
    const key = [code, o.kind, o.namespace, o.name, message].join('\u0000');
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({ code, level: CATALOGUE[code].level, kind: o.kind, namespace: o.namespace, name: o.name, message });
  }
}
