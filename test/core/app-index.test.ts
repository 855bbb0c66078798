import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Construct, IConstruct, Node } from 'constructs';
import { addCheck, AppIndex, changed, claimObjects, objectKey } from '../../src/core/app-index';

/** A construct with one check, whose problems are whatever `problems` holds when the check runs; counts its runs. */
class Checked extends Construct {
  public problems: string[] = [];
  public runs = 0;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    addCheck(this, () => {
      this.runs++;
      return this.problems;
    });
  }

  /** Changes the state the check reads, as the library's mutators do (they call `changed()`). */
  public setProblems(problems: string[]): void {
    this.problems = problems;
    changed();
  }
}

function appOfCharts(k: number): { app: App; checked: Checked[] } {
  const app = Testing.app();
  const checked: Checked[] = [];
  for (let i = 0; i < k; i++) {
    const chart = new Chart(app, `c${i}`);
    new ApiObject(chart, 'obj', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` } });
    checked.push(new Checked(chart, 'thing'));
  }
  return { app, checked };
}

describe('addCheck', () => {
  test('runs each check once per synthesis of an app of many charts, though cdk8s validates the app once per chart', () => {
    const { app, checked } = appOfCharts(5);
    app.synthYaml();
    // synthYaml() validates the app, then once more in each of the 5 charts' toJson(): 6 passes.
    expect(checked.map(c => c.runs)).toEqual([1, 1, 1, 1, 1]);
  });

  test('adds one validation to the app, and one to a construct only once its checks have found a problem', () => {
    const addValidation = jest.spyOn(Node.prototype, 'addValidation');
    try {
      const { app, checked } = appOfCharts(4);
      app.synthYaml();
      const paths = (): string[] => addValidation.mock.contexts.map(node => (node as Node).path);
      expect(paths()).toEqual(['']); // the app (root)
      checked[1].setProblems(['now wrong']);
      expect(() => app.synthYaml()).toThrow(/\[c1\/thing\] now wrong/);
      expect(paths()).toEqual(['', 'c1/thing']);
      // That validation returns the construct's current problems, and nothing once they are fixed.
      expect(checked[1].node.validate()).toEqual(['now wrong']);
      checked[1].setProblems([]);
      expect(checked[1].node.validate()).toEqual([]);
      expect(() => app.synthYaml()).not.toThrow();
    } finally {
      addValidation.mockRestore();
    }
  });

  test('fails with each problem under the path of the construct that has it, in tree order', () => {
    const { app, checked } = appOfCharts(3);
    checked[2].problems = ['the third is wrong'];
    checked[0].problems = ['the first is wrong', 'and again'];
    expect(() => app.synthYaml()).toThrow(
      'Validation failed with the following errors:\n  [c0/thing] the first is wrong\n  [c0/thing] and again\n  [c2/thing] the third is wrong');
  });

  test('calls a check with its owner, so that one function of a module serves every construct of a class', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const problemsOf = jest.fn((owner: Construct) => owner.node.id === 'b' ? [`${owner.node.id} is wrong`] : []);
    const a = new Construct(chart, 'a');
    const b = new Construct(chart, 'b');
    addCheck(a, problemsOf);
    addCheck(b, problemsOf);
    expect(() => app.synthYaml()).toThrow('Validation failed with the following errors:\n  [c/b] b is wrong');
    expect(problemsOf.mock.calls.map(([owner]) => owner)).toEqual([a, b]);
  });

  test('fails in Testing.synth of one chart too', () => {
    const chart = Testing.chart();
    const thing = new Checked(chart, 'thing');
    thing.problems = ['not right'];
    expect(() => Testing.synth(chart)).toThrow(/\[test\/thing\] not right/);
  });

  test('sees a change made after a synthesis (never a stale result)', () => {
    const { app, checked } = appOfCharts(2);
    expect(() => app.synthYaml()).not.toThrow();
    checked[1].setProblems(['broken after the first synth']);
    expect(() => app.synthYaml()).toThrow(/\[c1\/thing\] broken after the first synth/);
    checked[1].setProblems([]);
    expect(() => app.synthYaml()).not.toThrow();
    // Three syntheses, three changes of state before them (the construct, then two setProblems): one run each.
    expect(checked[1].runs).toBe(3);
  });

  test('runs the checks again for a construct created after a synthesis', () => {
    const { app, checked } = appOfCharts(1);
    app.synthYaml();
    const late = new Checked(Chart.of(checked[0]), 'late');
    late.problems = ['late and wrong'];
    expect(() => app.synthYaml()).toThrow(/\[c0\/late\] late and wrong/);
    expect(checked[0].runs).toBe(2);
  });

  test('reads a fingerprint (readKey) at every validation while it is not empty, and an empty one only after a change', () => {
    const app = Testing.app();
    const charts = [0, 1, 2].map(i => new Chart(app, `c${i}`));
    const state = { foreign: 'v1', problems: [] as string[] };
    let reads = 0;
    let runs = 0;
    addCheck(charts[0], () => {
      runs++;
      return state.problems;
    }, () => {
      reads++;
      return state.foreign;
    });
    app.synthYaml(); // 4 validations: the app's, then one per chart
    expect([reads, runs]).toEqual([4, 1]);
    // The state behind the fingerprint changes without changed(): the checks run again.
    state.foreign = 'v2';
    state.problems = ['foreign state changed'];
    expect(() => app.synthYaml()).toThrow(/\[c0\] foreign state changed/);
    expect(runs).toBe(2);
    // An empty fingerprint is read once more after it became empty, then not until the next change.
    state.foreign = '';
    state.problems = [];
    app.synthYaml();
    reads = 0;
    app.synthYaml();
    expect(reads).toBe(0);
    changed();
    app.synthYaml();
    expect(reads).toBe(1);
  });

  test('keeps the checks of two apps apart', () => {
    const first = appOfCharts(1);
    const second = appOfCharts(1);
    second.checked[0].problems = ['only in the second app'];
    expect(() => first.app.synthYaml()).not.toThrow();
    expect(() => second.app.synthYaml()).toThrow(/only in the second app/);
  });
});

describe('addCheck with a fingerprint (readKey) of state the library is not told of', () => {
  /** A construct whose check reads `state`, which changes without `changed()` (as a user's Deployment's labels do). */
  function watched(scope: Construct, id: string): { state: { problems: string[] }; reads: () => number } {
    const c = new Construct(scope, id);
    const state = { problems: [] as string[] };
    let reads = 0;
    addCheck(c, () => state.problems, () => {
      reads++;
      return JSON.stringify(state.problems);
    });
    return { state, reads: () => reads };
  }

  test('reads the fingerprint at every validation of the app, so a change the library is not told of is seen without changed()', () => {
    const app = Testing.app();
    const charts = [0, 1, 2].map(i => new Chart(app, `c${i}`));
    const checked = watched(charts[1], 'labels');
    app.synthYaml();
    // synthYaml() validates the app, then again in each of the 3 charts' toJson(): 4 passes, one read each.
    expect(checked.reads()).toBe(4);
    checked.state.problems = ['label changed behind the library\'s back'];
    expect(() => app.synthYaml()).toThrow(/\[c1\/labels\] label changed behind the library's back/);
    checked.state.problems = [];
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('adds no validation to its construct (only the app\'s one) while it finds nothing', () => {
    const addValidation = jest.spyOn(Node.prototype, 'addValidation');
    try {
      const app = Testing.app();
      watched(new Chart(app, 'c0'), 'a');
      watched(new Chart(app, 'c1'), 'b');
      app.synthYaml();
      expect(addValidation.mock.contexts.map(node => (node as Node).path)).toEqual(['']);
    } finally {
      addValidation.mockRestore();
    }
  });

  test('reports beside the other checks of the same app, each under its own construct', () => {
    const { app, checked } = appOfCharts(2);
    checked[0].problems = ['memoized problem'];
    const other = watched(Chart.of(checked[1]), 'live');
    other.state.problems = ['live problem'];
    expect(() => app.synthYaml()).toThrow('Validation failed with the following errors:\n  [c0/thing] memoized problem\n  [c1/live] live problem');
  });
});

describe('claimObjects', () => {
  test('fails when two constructs of an app, in different charts, write one object', () => {
    const app = Testing.app();
    const a = new Construct(new Chart(app, 'a'), 'one');
    const b = new Construct(new Chart(app, 'b'), 'two');
    claimObjects(a, [{ apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: 'web' }]);
    claimObjects(b, [{ apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: 'web' }]);
    expect(() => app.synthYaml()).toThrow(/\[a\/one\] Service ns\/web is defined 2 times, by a\/one \(its name prop\), b\/two \(its name prop\): kubectl keeps only the last one applied/);
    expect(() => app.synthYaml()).toThrow(/\[b\/two\] Service ns\/web is defined 2 times/);
  });

  test('counts an unset namespace as default and compares API groups, not versions', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const a = new Construct(chart, 'a');
    const b = new Construct(chart, 'b');
    const other = new Construct(chart, 'other');
    claimObjects(a, [{ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', name: 'gw' }]);
    claimObjects(b, [{ apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway', namespace: 'default', name: 'gw' }]);
    claimObjects(other, [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw' }]);
    expect(() => app.synthYaml()).toThrow(/\[c\/a\] Gateway default\/gw is defined 2 times, by c\/a \(its name prop\), c\/b \(its name prop\)/);
    expect(() => app.synthYaml()).not.toThrow(/\[c\/other\]/);
  });

  test('reports a duplicate claimed after a first synthesis, and counts an owner claiming one object twice once', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const a = new Construct(chart, 'a');
    claimObjects(a, [{ apiVersion: 'v1', kind: 'Service', name: 'web' }]);
    claimObjects(a, [{ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'web' }]);
    expect(() => app.synthYaml()).not.toThrow();
    const b = new Construct(chart, 'b');
    claimObjects(b, [{ apiVersion: 'v1', kind: 'Service', name: 'web' }]);
    expect(() => app.synthYaml()).toThrow(/\[c\/a\] Service default\/web is defined 2 times, by c\/a \(its name prop\), c\/b \(its name prop\)/);
  });

  test('computes a rename given as a function of the claimer only for the message', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const rename = jest.fn((owner: IConstruct) => `costly prop of ${owner.node.id}`);
    const a = new Construct(chart, 'a');
    claimObjects(a, [{ apiVersion: 'v1', kind: 'Service', name: 'web', rename }]);
    app.synthYaml();
    expect(rename).not.toHaveBeenCalled();
    claimObjects(new Construct(chart, 'b'), [{ apiVersion: 'v1', kind: 'Service', name: 'web', rename: 'other prop' }]);
    expect(() => app.synthYaml()).toThrow(/by c\/a \(its costly prop of a prop\), c\/b \(its other prop prop\)/);
    expect(rename).toHaveBeenCalledWith(a);
  });

  test('keeps a | or % in a part of the key apart from the separator, and shows it as given', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    claimObjects(new Construct(chart, 'a'), [{ apiVersion: 'v1', kind: 'Service', namespace: 'x|y', name: 'z' }]);
    claimObjects(new Construct(chart, 'b'), [{ apiVersion: 'v1', kind: 'Service', namespace: 'x', name: 'y|z' }]);
    expect(objectKey('v1', 'Service', 'x|y', 'z')).not.toBe(objectKey('v1', 'Service', 'x', 'y|z'));
    expect(() => app.synthYaml()).not.toThrow();
    claimObjects(new Construct(chart, 'c'), [{ apiVersion: 'v1', kind: 'Service', namespace: 'x|y', name: 'z' }]);
    claimObjects(new Construct(chart, 'd'), [{ apiVersion: 'v1', kind: 'Service', namespace: '50%7C', name: 'z' }]);
    claimObjects(new Construct(chart, 'e'), [{ apiVersion: 'v1', kind: 'Service', namespace: '50%7C', name: 'z' }]);
    expect(() => app.synthYaml()).toThrow(/\[c\/a\] Service x\|y\/z is defined 2 times, by c\/a \(its name prop\), c\/c \(its name prop\)/);
    expect(() => app.synthYaml()).toThrow(/\[c\/d\] Service 50%7C\/z is defined 2 times/);
  });

  test('reads the kind, namespace and name of the message back from the object key', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    claimObjects(new Construct(chart, 'a'), [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-a', name: 'web.v1' }]);
    claimObjects(new Construct(chart, 'b'), [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-a', name: 'web.v1' }]);
    expect(() => app.synthYaml()).toThrow(/\[c\/a\] Deployment team-a\/web\.v1 is defined 2 times, by c\/a \(its name prop\), c\/b \(its name prop\)/);
  });

  test('lists a construct that claimed the key without claimObjects (a derived name) among the writers, and reports only to the claimers', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const a = new Construct(chart, 'a');
    const derived = new Construct(chart, 'derived');
    claimObjects(a, [{ apiVersion: 'v1', kind: 'Service', name: 'web' }]);
    AppIndex.of(derived).claim(objectKey('v1', 'Service', undefined, 'web'), derived);
    expect(() => app.synthYaml()).toThrow(/\[c\/a\] Service default\/web is defined 2 times, by c\/a \(its name prop\), c\/derived \(its name prop\)/);
    expect(() => app.synthYaml()).not.toThrow(/\[c\/derived\]/);
  });
});
