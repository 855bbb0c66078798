/**
 * Tests of src/analysis/manifest-index.ts: one definition per object (TM0006), and objects declared as defined elsewhere.
 */
import { MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { analyze, docs, ids, messages, SERVICE, SUBSETS, vs } from '../support/analysis';

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

describe('objects defined elsewhere (annotation cdk8s-traffic-mirror/defined-elsewhere)', () => {
  const ANNOTATION = 'cdk8s-traffic-mirror/defined-elsewhere';
  const GATEWAY = { kind: 'Gateway', namespace: 'istio-system', name: 'shared-gateway' };
  const REVIEWS = { kind: 'Service', namespace: 'team-b', name: 'reviews' };
  /** A VirtualService of team-a bound to istio-system/shared-gateway that routes to `destination` in team-b. */
  const route = (declared?: unknown, destination: any = { host: 'reviews.team-b.svc.cluster.local', subset: 'v2' }, hosts = ['reviews.example.com']) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'team-a', ...(declared === undefined ? {} : { annotations: { [ANNOTATION]: typeof declared === 'string' ? declared : JSON.stringify(declared) } }) },
    spec: { hosts, gateways: ['istio-system/shared-gateway'], http: [{ route: [{ destination }] }] },
  });
  /** `vs` renamed to `name`, serving host `<name>.example.com`, so that several routes do not collide (TM0006, IST0109). */
  const named = (name: string, vs: any) => ({ ...vs, metadata: { ...vs.metadata, name }, spec: { ...vs.spec, hosts: [`${name}.example.com`] } });
  const run = (...objects: any[]) => ids(MeshAnalyzer.analyze(objects));
  const messagesOf = (code: string, ...objects: any[]) => MeshAnalyzer.analyze(objects).filter(f => f.code === code).map(f => f.message);
  const service = (ports: number[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'team-b' }, spec: { ports: ports.map(port => ({ name: `http-${port}`, port })) } });
  const rule = (subsets: string[]) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'team-b' },
    spec: { host: 'reviews', subsets: subsets.map(name => ({ name })) },
  });
  const gateway = (hosts: string[], selector: any = { istio: 'ingressgateway' }) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'shared-gateway', namespace: 'istio-system' },
    spec: { selector, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }] },
  });

  test('a route to an imported gateway and service analyzes clean; without the annotation, each reference is IST0101', () => {
    expect(run(route([GATEWAY, REVIEWS]))).toEqual([]);
    expect(run(route())).toEqual(['IST0101 Error VirtualService team-a/reviews', 'IST0101 Error VirtualService team-a/reviews', 'IST0101 Error VirtualService team-a/reviews']);
    expect(messagesOf('IST0101', route()).map(m => m.slice(0, m.indexOf(':')))).toEqual([
      'Referenced gateway not found', 'Referenced host not found', 'Referenced host+subset in destinationrule not found']);
  });

  test('declared subsets: a subset that is not one of them is still IST0101', () => {
    const declared = [GATEWAY, { ...REVIEWS, subsets: ['v1'] }];
    expect(messagesOf('IST0101', route(declared))).toEqual([expect.stringMatching(/^Referenced host\+subset in destinationrule not found: "reviews\.team-b\.svc\.cluster\.local\+v2"/)]);
    expect(run(route([GATEWAY, { ...REVIEWS, subsets: ['v1', 'v2'] }]))).toEqual([]);
  });

  test('declared ports: a port that is not one of them is IST0101, no port on several is IST0112; unknown ports allow any', () => {
    const to = (port?: number) => ({ host: 'reviews.team-b.svc.cluster.local', ...(port === undefined ? {} : { port: { number: port } }) });
    expect(messagesOf('IST0101', route([GATEWAY, { ...REVIEWS, ports: [9080] }], to(8000)))).toEqual([
      expect.stringMatching(/^Referenced host:port not found: "reviews\.team-b\.svc\.cluster\.local:8000" .*Service team-b\/reviews exposes port\(s\) 9080/)]);
    expect(run(route([GATEWAY, { ...REVIEWS, ports: [9080] }], to(9080)))).toEqual([]);
    expect(run(route([GATEWAY, { ...REVIEWS, ports: [9080] }], to()))).toEqual([]);
    expect(run(route([GATEWAY, { ...REVIEWS, ports: [9080, 9090] }], to()))).toEqual(['IST0112 Error VirtualService team-a/reviews']);
    expect(run(named('a', route([GATEWAY, REVIEWS], to(8000))), named('b', route([GATEWAY, REVIEWS], to())))).toEqual([]);
  });

  test('declared gateway hosts: a VirtualService host the gateway does not serve is IST0132; unknown hosts serve every host', () => {
    expect(run(route([{ ...GATEWAY, hosts: ['*.example.org'] }, REVIEWS]))).toEqual(['IST0132 Warning VirtualService team-a/reviews']);
    expect(run(route([{ ...GATEWAY, hosts: ['*.example.com'] }, REVIEWS]))).toEqual([]);
    expect(run(route([GATEWAY, REVIEWS], undefined, ['anything.example.net']))).toEqual([]);
  });

  test('a real object wins over the declaration', () => {
    // The input's Gateway does not serve the host, the input's Service has another port, the input's DestinationRule lacks v2.
    expect(run(gateway(['other.example.com']), route([GATEWAY, REVIEWS]))).toEqual(['IST0132 Warning VirtualService team-a/reviews']);
    expect(messagesOf('IST0101', service([8000]), rule(['v1']), route([GATEWAY, { ...REVIEWS, ports: [9080], subsets: ['v2'] }],
      { host: 'reviews.team-b.svc.cluster.local', subset: 'v2', port: { number: 9080 } }))).toEqual([
      expect.stringMatching(/^Referenced host\+subset in destinationrule not found: /),
      expect.stringMatching(/^Referenced host:port not found: .*Service team-b\/reviews exposes port\(s\) 8000;/)]);
    // A Service in the input without a DestinationRule: the declared subsets stand for the rule the input lacks.
    expect(run(service([8000]), route([GATEWAY, { ...REVIEWS, subsets: ['v2'] }]))).toEqual([]);
  });

  test('declared objects are never reported on, and serve references from other objects too', () => {
    // No selector: the declared Gateway conflicts with no Gateway (IST0145) and has no Service ports to match (IST0162).
    const other = { ...gateway(['reviews.example.com'], {}), metadata: { name: 'other', namespace: 'istio-system' } };
    expect(run(other, route([GATEWAY, REVIEWS]))).toEqual([]);
    // A DestinationRule of the input for the declared service: its host is known (no IST0174), its pods are not (no IST0173).
    const pods = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'team-b' }, spec: { template: { metadata: { labels: { app: 'x' } } } } };
    expect(run(rule(['v2']), pods, route([GATEWAY, REVIEWS]))).toEqual([]);
    // Another VirtualService without the annotation resolves to the declared objects as well.
    expect(run(named('a', route([GATEWAY, REVIEWS])), named('b', route()))).toEqual([]);
  });

  test('several declarations of one object add up, and one with a field unknown makes it unknown', () => {
    const to = (subset: string, port?: number) => ({ host: 'reviews.team-b.svc.cluster.local', subset, ...(port === undefined ? {} : { port: { number: port } }) });
    expect(run(named('a', route([GATEWAY, { ...REVIEWS, subsets: ['v1'] }], to('v2'))), named('b', route([GATEWAY, { ...REVIEWS, subsets: ['v2'] }], to('v1')))))
      .toEqual([]);
    expect(run(named('a', route([GATEWAY, { ...REVIEWS, ports: [9080] }], to('v1', 8000))), named('b', route([GATEWAY, REVIEWS], to('v2')))))
      .toEqual([]);
    expect(run(named('a', route([GATEWAY, { ...REVIEWS, ports: [9080] }], to('v1', 8000))), named('b', route([GATEWAY, { ...REVIEWS, ports: [9090] }], to('v2')))))
      .toEqual(['IST0101 Error VirtualService team-a/a', 'IST0112 Error VirtualService team-a/b']);
  });

  test('a malformed annotation is IST0106 on the VirtualService and is otherwise ignored', () => {
    expect(run(route('[{"kind": "Gateway", "namespace": "istio-system"}]'))).toEqual([
      'IST0101 Error VirtualService team-a/reviews', 'IST0101 Error VirtualService team-a/reviews', 'IST0101 Error VirtualService team-a/reviews',
      'IST0106 Error VirtualService team-a/reviews']);
  });
});
