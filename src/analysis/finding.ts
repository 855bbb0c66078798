/**
 * What the analyzer reports: `Finding` and its `FindingLevel`, in a file of their own so that the runner
 * (`mesh-analyzer.ts`, which re-exports them as the public API) and the analyzers import them without a cycle.
 */

/**
 * Severity of a `Finding`, with istioctl's level names as values.
 *
 * `ERROR` means traffic will fail or behave in an undefined way (the CLI exits with status 1);
 * `WARNING` means a likely mistake that fails silently; `INFO` is advice.
 *
 * @see https://istio.io/latest/docs/reference/config/analysis/message-format/
 */
export enum FindingLevel {
  /** Traffic fails or the configuration is rejected or ambiguous. */
  ERROR = 'Error',
  /** A likely mistake: the configuration is accepted but does not do what it appears to. */
  WARNING = 'Warning',
  /** Advice that does not break traffic. */
  INFO = 'Info',
}

/**
 * One problem found by `MeshAnalyzer`, attached to the object that has to change.
 *
 * `code` is istioctl's analysis code (`IST0101`, ...) where Istio has one, or this library's own `TM0001`... for
 * mirroring problems Istio does not report. See the README section "Mesh analysis" for every code.
 *
 * @see https://istio.io/latest/docs/reference/config/analysis/
 */
export interface Finding {
  /** Analysis code, e.g. `IST0101` or `TM0001`. */
  readonly code: string;
  /** Severity. */
  readonly level: FindingLevel;
  /** Kind of the object to fix, e.g. `VirtualService`. */
  readonly kind: string;
  /** Namespace of the object to fix (the default namespace when the manifest has none). */
  readonly namespace: string;
  /** Name of the object to fix. */
  readonly name: string;
  /** What is wrong, with the bad value, and how to fix it. */
  readonly message: string;
}
