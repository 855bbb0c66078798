/**
 * Durations as Istio writes them. Pure (no cdk8s import). Internal: not exported from index.ts.
 */

/**
 * An Istio duration (a protobuf Duration in its JSON form): seconds with up to millisecond precision, e.g. `5s` or
 * `0.25s`. Takes the whole milliseconds that the route model's `checkTimeout` returns.
 */
export function istioDuration(millis: number): string {
  return `${millis / 1000}s`;
}
