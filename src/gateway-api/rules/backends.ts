/**
 * Gateway API rules on backends and mirrors, shared by the constructs and (later) the analyzer: pure functions, no
 * cdk8s.
 */

/** A fraction of requests (`HTTPRequestMirrorFilter.fraction`). */
export interface MirrorFraction {
  readonly numerator: number;
  readonly denominator: number;
}

/** The largest denominator written: 10^9 is within int32 (the field's type), 10^10 is not. */
const MAX_DECIMALS = 7;

/**
 * The mirror share of `percent` in the Gateway API's form: `{ percent }` for a whole percentage, otherwise
 * `{ fraction }` with the smallest power-of-ten denominator (12.5 -> 125/1000, 0.01 -> 1/10000). Undefined when the
 * percentage has more decimals than an int32 denominator can carry.
 */
export function mirrorShare(percent: number): { percent?: number; fraction?: MirrorFraction } | undefined {
  if (Number.isInteger(percent)) {
    return { percent };
  }
  for (let decimals = 1; decimals <= MAX_DECIMALS; decimals++) {
    const scale = 10 ** decimals;
    const numerator = Math.round(percent * scale);
    // 12.3 * 10 is 123.00000000000001 in binary, but 123 / 10 is the number 12.3 again: compare after dividing back.
    if (numerator > 0 && numerator / scale === percent) {
      return { fraction: { numerator, denominator: 100 * scale } };
    }
  }
  return undefined;
}

/** The maximum number of decimals `mirrorShare` writes. */
export const MIRROR_PERCENT_MAX_DECIMALS = MAX_DECIMALS;
