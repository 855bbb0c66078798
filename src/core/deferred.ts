import { IAnyProducer } from 'cdk8s';

/**
 * The producer of a value rendered at synthesis, `Lazy.any(new Deferred(render))`: the value is `render(of)`, where `of`
 * is usually the construct itself, set right after `super()` (the props are passed to the object before the construct
 * exists).
 *
 * Why not `Lazy.any({ produce: () => ... })`: that keeps a literal, a closure and the closure's scope alive per value
 * for as long as the app; a library construct has one or two such values, and an app has thousands of them. Here
 * `render` is one function of the module for every construct, and each value is this one small object.
 *
 * Not public API: not exported from index.ts.
 */
export class Deferred<T> implements IAnyProducer {
  /** What the value is rendered from; must be set before the value is resolved. */
  public of?: T;

  constructor(private readonly render: (of: T) => any, of?: T) {
    this.of = of;
  }

  public produce(): any {
    if (this.of === undefined) {
      throw new Error('a Deferred value was resolved before the construct it renders from was set (a bug of cdk8s-traffic-mirror)');
    }
    return this.render(this.of);
  }
}
