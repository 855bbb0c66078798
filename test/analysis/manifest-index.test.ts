/**
 * Tests of src/analysis/manifest-index.ts: one definition per object (TM0006).
 */
import { analyze, docs, messages, SERVICE, SUBSETS, vs } from '../support/analysis';

describe('TM0006: the same object more than once', () => {
  const base = docs(SERVICE, SUBSETS);
  const mirrorRoute = (percent: number) => vs(`route: [{destination: {host: httpbin, subset: v1}}]\nmirror: {host: httpbin, subset: v2}\nmirrorPercentage: {value: ${percent}}`);

  test('analyzes the last definition only, and says so', () => {
    // Two copies of one Gateway would otherwise conflict with each other (IST0145), and the first copy's 0% mirror would be TM0005.
    const yaml = docs(base, mirrorRoute(0), mirrorRoute(50));
    expect(analyze(yaml)).toEqual(['TM0006 Warning VirtualService default/httpbin']);
    expect(messages(yaml, 'TM0006')[0]).toMatch(/^Defined 2 times in the input; only the last definition is analyzed/);
  });

  test('the fix: one definition per object', () => {
    expect(analyze(docs(base, mirrorRoute(50)))).toEqual([]);
  });

  test('another API version of the same group is the same object', () => {
    const v1beta1 = mirrorRoute(0).replace('apiVersion: networking.istio.io/v1', 'apiVersion: networking.istio.io/v1beta1');
    expect(analyze(docs(base, v1beta1, mirrorRoute(50)))).toEqual(['TM0006 Warning VirtualService default/httpbin']);
  });

  test('objects without a name (generateName) are each an object of their own', () => {
    const unnamed = mirrorRoute(50).replace('metadata: {name: httpbin}', 'metadata: {generateName: httpbin-}');
    expect(analyze(docs(base, unnamed, unnamed)).filter(id => id.startsWith('TM0006'))).toEqual([]);
  });

  test('objects of the same name in other namespaces or of other kinds are different objects', () => {
    const other = mirrorRoute(50).replace('metadata: {name: httpbin}', 'metadata: {name: httpbin, namespace: other}');
    expect(analyze(docs(base, mirrorRoute(50), other)).filter(id => id.startsWith('TM0006'))).toEqual([]);
  });
});
