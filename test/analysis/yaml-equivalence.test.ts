import * as fs from 'fs';
import * as path from 'path';
import { parseManifests } from '../../src/analysis/read-manifests';

// The js-yaml reader (src/analysis/read-manifests.ts) on the edge-case corpus test/fixtures/yaml-edge-cases
// (hand-written YAML 1.1 edge cases). expected.json holds what the hand-written reader it replaced returned for each
// file; while both readers existed this test also checked old == new on the corpus and on every YAML fixture (see the
// history of test/support/legacy-read-manifests.ts). scripts/yaml-equivalence.js still runs that comparison, taking
// the old reader from git, on larger trees.

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const EDGE = path.join(FIXTURES, 'yaml-edge-cases');
const expected: Record<string, any[]> = JSON.parse(fs.readFileSync(path.join(EDGE, 'expected.json'), 'utf8'));
const edgeFiles = fs.readdirSync(EDGE).filter(f => f.endsWith('.yaml')).sort();

function read(file: string): string {
  return fs.readFileSync(path.join(EDGE, file), 'utf8');
}

/** JSON has no -0 and no undefined: compare what kubectl would send. */
function asJson(v: any): any {
  return JSON.parse(JSON.stringify(v));
}

test('the edge-case corpus is complete: every file has expected values', () => {
  expect(edgeFiles.length).toBeGreaterThanOrEqual(9);
  expect(Object.keys(expected).sort()).toEqual(edgeFiles);
});

test.each(edgeFiles)('%s: the reader returns the expected values', (file) => {
  expect(asJson(parseManifests(read(file)))).toEqual(expected[file]);
});

describe('targeted values of the corpus (go-yaml v2 / sigs.k8s.io/yaml rules)', () => {
  test('merge keys: a key before << is overwritten, after it wins, a second << overwrites the first, in a list the first wins', () => {
    const [m, d] = parseManifests(read('merge-keys.yaml'));
    expect(m.before).toEqual({ x: 1, z: 1, w: 'base' });
    expect(m.after.x).toBe(9);
    expect(m.twice.x).toBe(2);
    expect(m.list.x).toBe(1);
    expect(m.list.true).toBe(2); // `y:` is the boolean key "true"
    expect(m.tagged).toEqual({ x: 2, true: 2 });
    expect(m.quoted).toEqual({ '<<': { not: 'merged' } });
    expect(m.nested.copy).toEqual(m.nested.inner);
    expect(m.nested.copy).not.toBe(m.nested.inner);
    expect(d.svc).toEqual({ replicas: 3, labels: { app: 'web' } });
  });

  test('YAML 1.1 numbers and keys', () => {
    const [n] = parseManifests(read('numbers.yaml'));
    expect(n.octal).toEqual([511, 8, 15, -8, 0]);
    expect(n.strings[0]).toBe('1:30');
    expect(Object.is(n.floats[6], -0)).toBe(true);
    expect(n['8']).toBe('octal-key');
    expect(n['1e+06']).toBe('float-key-exp');
    expect(n['3.1415927']).toBe('float32-key');
    expect(n['-0']).toBe('negative-zero-key');
    expect(n['9007199254740993']).toBe('big-int-key');
  });

  test('anchors are copies and a redefined anchor is used from then on', () => {
    const [a] = parseManifests(read('anchors.yaml'));
    expect(a.b).toEqual({ k: [1, 2] });
    expect(a.b).not.toBe(a.a);
    expect(a.d).toEqual([3]);
    expect(a.seq[1]).toEqual({ name: 'one' });
  });

  test('tabs inside values and block scalars are content', () => {
    expect(parseManifests(read('tabs.yaml'))[0].c).toBe('key:\tvalue in a block scalar\n- \tlist-like line\n');
  });
});
