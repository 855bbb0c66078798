/**
 * The annotation by which a route declares the objects it refers to that the app does not define (a shared gateway,
 * another team's service), so that an analysis of the written manifests (the validation plugin, the CLI) takes them
 * as existing instead of reporting them missing. Pure (no cdk8s import). Internal: not exported from index.ts.
 */

/** The annotation key; its value is a JSON array of `DefinedElsewhere`. */
export const DEFINED_ELSEWHERE_ANNOTATION = 'cdk8s-traffic-mirror/defined-elsewhere';

/** An object a route refers to that is defined outside the app, with what the app knows of it. */
export interface DefinedElsewhere {
  readonly kind: 'Gateway' | 'Service';
  readonly namespace: string;
  readonly name: string;
  /** A Gateway's hosts, if known. */
  readonly hosts?: string[];
  /** A Service's ports, if known. */
  readonly ports?: number[];
  /** The DestinationRule subsets of a Service, if known. */
  readonly subsets?: string[];
}

/** The annotation value for `objects`, sorted and without repetitions so that the output is stable; undefined when empty. */
export function encodeDefinedElsewhere(objects: DefinedElsewhere[]): string | undefined {
  const unique = new Map(objects.map(o => [`${o.kind}|${o.namespace}|${o.name}`, o]));
  if (unique.size === 0) return undefined;
  return JSON.stringify([...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o));
}
