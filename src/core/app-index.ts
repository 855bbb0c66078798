import { IConstruct } from 'constructs';

/**
 * What the library's constructs of one app claim, by key: the identity of each Kubernetes object they write, the
 * mesh hosts of their routes, the host/port pairs of their gateway servers. Each construct claims its keys once, at
 * construction (the names, hosts and ports it claims are fixed then), and its validation looks up only its own keys,
 * so the checks that compare constructs with each other (two objects with one name, two routes for one mesh host)
 * cost O(1) per key at every validation pass, however large the app.
 *
 * Not public API: not exported from index.ts.
 */
export class AppIndex {
  /** The index of the app (construct tree) that `scope` belongs to. */
  public static of(scope: IConstruct): AppIndex {
    const root = scope.node.root;
    let index = INDEXES.get(root);
    if (index === undefined) {
      index = new AppIndex();
      INDEXES.set(root, index);
    }
    return index;
  }

  private readonly claims = new Map<string, IConstruct[]>();

  private constructor() {
  }

  /** Records that `owner` writes (or uses) what `key` names. Claiming the same key twice for one owner counts once. */
  public claim(key: string, owner: IConstruct): void {
    changed();
    const owners = this.claims.get(key);
    if (owners === undefined) {
      this.claims.set(key, [owner]);
    } else if (!owners.includes(owner)) {
      owners.push(owner);
    }
  }

  /** The constructs that claimed `key`, in the order they did. */
  public owners(key: string): readonly IConstruct[] {
    return this.claims.get(key) ?? NONE;
  }
}

const INDEXES = new WeakMap<IConstruct, AppIndex>();
const NONE: readonly IConstruct[] = [];

/**
 * Counts the changes to the state the library's checks read: a construct of the library created (it claims its keys),
 * a version added to a service, a mirror added to a route. One counter for every app, since a route may refer to a
 * service of another app.
 */
let generation = 0;

/** Records a change to the state the library's checks read (see `generation`). */
export function changed(): void {
  generation++;
}

/**
 * A validation whose result is computed again only after a change of the library's state (`changed()`). cdk8s
 * validates the whole app once in `app.synth()` and again for every chart it writes, so an app with K charts runs
 * each validation K+1 times; with this, all but the first of those passes cost O(1) per construct, and a synthesis
 * after `addVersion()`, `addMirror()` or a new construct sees the change. The checks read only the library's own
 * constructs, which change only through their methods.
 */
export function memoized(compute: () => string[], readKey?: () => string): () => string[] {
  let at = -1;
  let key: string | undefined;
  let result: string[] = [];
  return () => {
    // State the library does not own (a user's own IMeshService) changes without `changed()`: a check that reads it
    // passes `readKey`, a fingerprint of what it reads there, and is computed again when that changes too.
    const now = readKey?.();
    if (at !== generation || now !== key) {
      result = compute();
      at = generation;
      key = now;
    }
    return result;
  };
}

/** The identity of a Kubernetes object in a cluster (API group, not version; kind; namespace; name), as an index key. */
export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `object|${group}|${kind}|${namespace || 'default'}|${name}`;
}

/** An object a construct writes, as `claimObjects` identifies it. */
export interface ClaimedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The prop of the owner that renames the object, as the message names it (e.g. `name (default: the app name)`). */
  readonly rename?: string;
}

/** The prop that renames each claimed object, by owner and key: what a duplicate's message tells each owner to change. */
const RENAMES = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Claims the identity of each object and returns a validation that reports every object another construct of the app
 * writes too (kubectl would keep only the last one applied).
 */
export function claimObjects(owner: IConstruct, objects: ClaimedObject[]): () => string[] {
  const index = AppIndex.of(owner);
  const keys = objects.map(o => ({ key: objectKey(o.apiVersion, o.kind, o.namespace, o.name), o }));
  let renames = RENAMES.get(owner);
  if (renames === undefined) RENAMES.set(owner, renames = new Map());
  for (const { key, o } of keys) {
    index.claim(key, owner);
    renames.set(key, o.rename ?? 'name');
  }
  return () => keys.flatMap(({ key, o }) => {
    const owners = index.owners(key);
    return owners.length < 2 ? [] : [`${o.kind} ${o.namespace || 'default'}/${o.name} is defined ${owners.length} times, by `
      + `${owners.map(c => `${c.node.path} (its ${RENAMES.get(c)?.get(key) ?? 'name'} prop)`).join(', ')}: kubectl keeps only the last one applied; `
      + 'give each its own name with that prop'];
  });
}
