import { IConstruct } from 'constructs';

/**
 * What the library's constructs of one app claim, by key: the identity of each Kubernetes object they write, the
 * mesh hosts of their routes, the host/port pairs of their gateway servers. Each construct claims its keys once, at
 * construction (the names, hosts and ports it claims are fixed then), and a check looks up only its own keys, so the
 * checks that compare constructs with each other (two routes for one mesh host) cost O(1) per key, however large the
 * app. Objects claimed twice are known from the index itself (`claimObjects`): nothing is looked up for the others.
 *
 * The index also holds the app's checks (`addCheck`) and runs them for the whole app at once.
 *
 * Not public API: not exported from index.ts.
 */
export class AppIndex {
  /** The index of the app (construct tree) that `scope` belongs to. */
  public static of(scope: IConstruct): AppIndex {
    const root = rootOf(scope);
    let index = INDEXES.get(root);
    if (index === undefined) {
      index = new AppIndex(root);
      INDEXES.set(root, index);
    }
    return index;
  }

  /**
   * The first construct that claimed each key. Almost every key has one owner, so an array is made only for a key
   * claimed twice (`duplicated`): at 1,000 services that is thousands of arrays fewer for the garbage collector.
   */
  private readonly claims = new Map<string, IConstruct>();
  /** The keys that two or more constructs claimed, with every owner in the order they claimed: the duplicates. */
  private readonly duplicated = new Map<string, IConstruct[]>();
  /**
   * The first `claimObjects` claimer of each object key. The object's kind, namespace and name are read back from the
   * key for a message, so nothing else of the claim is kept: almost every object has one writer and no message.
   */
  private readonly objects = new Map<string, IConstruct>();
  /** The rename prop of the first claimer of an object key, when it is not the default (`name`). */
  private readonly renames = new Map<string, Rename>();
  /** The further `claimObjects` claims of the object keys claimed twice, in order. */
  private readonly moreObjects = new Map<string, ObjectClaim[]>();
  private validated = false;
  /** The owners of the app's checks, and (at the same index) the checks: two arrays rather than a pair object per check. */
  private readonly checkOwners: IConstruct[] = [];
  private readonly checks: Array<Check<IConstruct>> = [];
  /**
   * The checks that read state the library does not own (a user's own `IMeshService`, which changes without
   * `changed()`), with a fingerprint of what they read: all checks are computed again when one of them changes too.
   */
  private readonly volatile: Array<{ readonly readKey: () => string; key?: string }> = [];
  /** The `volatile` entries whose fingerprint was not empty at the last change (see `addCheck`). */
  private polled: Array<{ readonly readKey: () => string; key?: string }> = [];
  /** The owners that have a validation of their own, which reports their problems (see `addCheck`). */
  private readonly reporting = new Set<IConstruct>();
  private problems = new Map<IConstruct, string[]>();
  /** The `generation` that `problems` was computed at; -1: never. */
  private at = -1;

  private constructor(private readonly root: IConstruct) {
  }

  /** See the function `addCheck`. */
  public addCheck<T extends IConstruct>(owner: T, check: Check<T>, readKey?: () => string): void {
    if (readKey !== undefined) this.addFingerprint(readKey);
    this.validate();
    this.checkOwners.push(owner);
    this.checks.push(check as Check<IConstruct>);
    changed();
  }

  /** See the function `addFingerprint`. */
  public addFingerprint(readKey: () => string): void {
    this.validate();
    this.volatile.push({ readKey });
    changed();
  }

  /** See the function `claimObjects`. */
  public claimObject(key: string, owner: IConstruct, rename: Rename | undefined): void {
    this.validate();
    this.claim(key, owner);
    const first = this.objects.get(key);
    if (first === undefined) {
      this.objects.set(key, owner);
      if (rename !== undefined && rename !== 'name') this.renames.set(key, rename);
    } else if (first !== owner) {
      addOnce(this.moreObjects, key, { owner, rename }, c => c.owner === owner);
    }
  }

  /** The app's one validation, added to the root on the first check or claim, which runs every check of the app. */
  private validate(): void {
    if (this.validated) return;
    this.validated = true;
    this.root.node.addValidation({
      validate: () => {
        this.findProblems();
        return [];
      },
    });
  }

  /** Records that `owner` writes (or uses) what `key` names. Claiming the same key twice for one owner counts once. */
  public claim(key: string, owner: IConstruct): void {
    changed();
    const first = this.claims.get(key);
    if (first === undefined) {
      this.claims.set(key, owner);
    } else if (first !== owner) {
      if (!this.duplicated.has(key)) this.duplicated.set(key, [first]);
      addOnce(this.duplicated, key, owner, o => o === owner);
    }
  }

  /** The constructs that claimed `key`, in the order they did. */
  public owners(key: string): readonly IConstruct[] {
    const first = this.claims.get(key);
    return first === undefined ? NONE : this.duplicated.get(key) ?? [first];
  }

  /**
   * The problems of every check of the app, by owner, computed again only after a change of the library's state
   * (`changed()`). An owner with a problem gets a validation of its own the first time, which returns the owner's
   * current problems: cdk8s prefixes them with the owner's path. The validation stays (constructs has no way to remove
   * one) and returns nothing once the problem is fixed.
   */
  private findProblems(): Map<IConstruct, string[]> {
    let stale = this.at !== generation;
    // After a change every fingerprint is read; until the next one, only those that read something (not empty).
    for (const v of stale ? this.volatile : this.polled) {
      const key = v.readKey();
      if (key !== v.key) {
        v.key = key;
        stale = true;
      }
    }
    if (stale) {
      const problems = new Map<IConstruct, string[]>();
      const report = (owner: IConstruct, found: string[]) => {
        if (found.length > 0) problems.set(owner, [...problems.get(owner) ?? [], ...found]);
      };
      for (let i = 0; i < this.checks.length; i++) {
        report(this.checkOwners[i], this.checks[i](this.checkOwners[i]));
      }
      // Only the keys claimed twice are looked at: nothing is done for the objects of the app that have one writer.
      for (const [key, owners] of this.duplicated) {
        const first = this.objects.get(key);
        if (first === undefined) continue;
        const claims = [{ owner: first, rename: this.renames.get(key) }, ...this.moreObjects.get(key) ?? []];
        const writers = owners.map(o => `${o.node.path} (its ${renameOf(claims.find(c => c.owner === o)?.rename, o)} prop)`).join(', ');
        const { kind, namespace, name } = objectOfKey(key);
        for (const { owner } of claims) {
          report(owner, [`${kind} ${namespace}/${name} is defined ${owners.length} times, by ${writers}: `
            + 'kubectl keeps only the last one applied; give each its own name with that prop']);
        }
      }
      this.problems = problems;
      this.at = generation;
      this.polled = this.volatile.filter(v => v.key !== '');
      for (const owner of problems.keys()) {
        if (!this.reporting.has(owner)) {
          this.reporting.add(owner);
          owner.node.addValidation({ validate: () => this.findProblems().get(owner) ?? [] });
        }
      }
    }
    return this.problems;
  }
}

const INDEXES = new WeakMap<IConstruct, AppIndex>();

/** Appends `value` to the list of `key` in `lists` (creating it) unless an entry of the list is `same` as it. */
function addOnce<T>(lists: Map<string, T[]>, key: string, value: T, same: (entry: T) => boolean): void {
  const list = lists.get(key);
  if (list === undefined) {
    lists.set(key, [value]);
  } else if (!list.some(same)) {
    list.push(value);
  }
}

/**
 * The root of `scope`'s construct tree (its app): `scope.node.root` without the array of every scope that constructs
 * builds for it, as this runs for every construct and check of the library.
 */
export function rootOf(scope: IConstruct): IConstruct {
  let root = scope;
  while (root.node.scope !== undefined) root = root.node.scope;
  return root;
}
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

/** The current count of changes (see `generation`), for caches of what only changes with it. */
export function currentGeneration(): number {
  return generation;
}

/**
 * Registers a check of `owner` (what depends on other constructs or later calls): its messages are reported at
 * synthesis as a validation of `owner`, `[<owner path>] <message>`, as `owner.node.addValidation()` would.
 *
 * Why not `owner.node.addValidation()` itself: cdk8s validates the whole app once in `app.synth()` and again in
 * every `chart.toJson()` (cdk8s-team/cdk8s-core src/app.ts, read in 2.64.19 and 2.70.106: `App.synth()` and
 * `App._synthChart()` both call `validate(app)`, which calls `node.validate()` on every construct of the app), so an
 * app of K charts is validated K+1 times, and a validation on each construct is called (K+1) x constructs times: 4
 * million calls at 1,000 services in charts of their own, even when each returns a memoized result. Here the app's
 * root has the one validation that runs every check of the app, computed again only after a change of the library's
 * state (`changed()`: a new construct, a version added to a service, a mirror added to a route), so a synthesis
 * after such a call sees it; the checks read only the library's own constructs, which change only through their
 * methods. An owner gets a validation of its own only once one of its checks has found a problem, to report it under
 * its path: cdk8s validates the constructs in preorder (`node.findAll()`), the root first, so that validation is in
 * place before cdk8s reaches the owner.
 *
 * Checks run when cdk8s validates the app (`app.synth()`, `app.synthYaml()`, `chart.toJson()`, `Testing.synth()`);
 * `owner.node.validate()` alone reports an owner's problems only once a validation of the app has found them.
 *
 * `readKey`, for a check that also reads state the library is not told of (a user's own `IMeshService`, the labels of a
 * user's Deployment): see `addFingerprint`.
 */
export function addCheck<T extends IConstruct>(owner: T, check: Check<T>, readKey?: () => string): void {
  AppIndex.of(owner).addCheck(owner, check, readKey);
}

/**
 * A check of `addCheck`: the problems of its owner, which it is called with. A function of the module that serves every
 * owner of a class (`addCheck(this, problemsOf)`) costs nothing per construct; a closure (`() => ...`) keeps itself and
 * its scope alive per construct, which counts in an app of thousands.
 */
export type Check<T extends IConstruct> = (owner: T) => string[];

/**
 * Registers a fingerprint of state that checks of `scope`'s app read but the library is not told of (a user's own
 * `IMeshService`, the labels of a user's Deployment), read at every validation; when it changes, every check of the
 * app runs again. An empty fingerprint promises that nothing of the kind is read until the next `changed()`: it is
 * then not read again until then (most routes read only the library's constructs, and there are thousands of
 * validations in a large app).
 */
export function addFingerprint(scope: IConstruct, readKey: () => string): void {
  AppIndex.of(scope).addFingerprint(readKey);
}

/**
 * The identity of a Kubernetes object in a cluster (API group, not version; kind; namespace; name), as an index key:
 * `object|<group>|<kind>|<namespace>|<name>`, whose parts a message reads back (`objectOfKey`). A part is escaped when it
 * holds a `|` or `%` (a chart's namespace is not checked everywhere), so that two objects never share a key.
 */
export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  // join() makes one flat string; a template literal would keep a chain of string pieces for as long as the key lives.
  return ['object', keyPart(group), keyPart(kind), keyPart(namespace || 'default'), keyPart(name)].join('|');
}

function keyPart(part: string): string {
  return part.includes('|') || part.includes('%') ? part.replace(/%/g, '%25').replace(/\|/g, '%7C') : part;
}

/** The kind, namespace and name of an `objectKey`, as given (unescaped). */
function objectOfKey(key: string): { kind: string; namespace: string; name: string } {
  const [, , kind, namespace, name] = key.split('|').map(part => part.replace(/%7C/g, '|').replace(/%25/g, '%'));
  return { kind, namespace, name };
}

/**
 * The prop that renames an object, as a message names it, or a function of the claimer that computes it (called only for
 * a message: a construct path is costly to compute, and one function serves every claimer).
 */
type Rename = string | ((owner: IConstruct) => string);

/** An object a construct writes, as `claimObjects` identifies it. */
export interface ClaimedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /**
   * The prop of the owner that renames the object, as the message names it (e.g. `name (default: the app name)`); a
   * function of the owner when it is costly to compute (a construct path): it is called only for a message.
   */
  readonly rename?: Rename;
}

/** A further construct's claim of an object key claimed before (`claimObjects`): who, and the prop that renames it. */
interface ObjectClaim {
  readonly owner: IConstruct;
  readonly rename?: Rename;
}

/**
 * Claims the identity of each object that `owner` writes: every object another construct of the app writes too
 * (kubectl would keep only the last one applied) is reported at synthesis as a problem of each of its writers, after
 * the problems of their checks.
 */
export function claimObjects(owner: IConstruct, objects: ClaimedObject[]): void {
  const index = AppIndex.of(owner);
  for (const object of objects) {
    index.claimObject(objectKey(object.apiVersion, object.kind, object.namespace, object.name), owner, object.rename);
  }
}

function renameOf(rename: Rename | undefined, owner: IConstruct): string {
  return rename === undefined ? 'name' : typeof rename === 'string' ? rename : rename(owner);
}
