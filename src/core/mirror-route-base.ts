import { Construct } from 'constructs';
import { MirrorTarget, WeightedTarget } from './route-model';

/**
 * The rendering of one stage of a rollout plan: the route's object with the stage's targets, and the problems of
 * that stage (empty when fine).
 */
export interface StageRendering {
  /** The route's object as it is in the stage. */
  readonly manifest: any;
  /** The problems of the stage, in the route's API's terms. */
  readonly problems: string[];
}

/**
 * What every mirror route construct is, whatever API it writes (`MirrorRoute` for the Istio API, `HttpMirrorRoute`
 * for the Kubernetes Gateway API): a construct that owns one route object, so that a `MirrorRolloutPlan` can vary it.
 *
 * Not meant to be extended outside this library: a rollout plan relies on the route rendering its stages through
 * its own object.
 */
export abstract class MirrorRouteBase extends Construct {
  /** The route object's name. */
  public abstract readonly routeName: string;
  /** The route object's namespace, if set. */
  public abstract readonly namespace?: string;
  /** The hosts the route applies to (a copy). */
  public abstract get hosts(): string[];
  /** The highest percentage of requests copied to any mirror (0 when nothing is mirrored). */
  public abstract get mirrorPercent(): number;
  /** The mirrors that receive copies (percent above 0), in the order they were given (copies). */
  public abstract get mirrors(): MirrorTarget[];

  /**
   * The route's object as it is in one stage of a rollout plan: the route with other destinations and mirrors,
   * checked like the route itself, rendered through the route's own object (same metadata, labels and patches).
   *
   * @internal
   */
  public abstract _renderStage(destinations: WeightedTarget[] | undefined, mirrors: MirrorTarget[]): StageRendering;
}
