/**
 * Tests of src/analysis/schema-types.ts: IST0106 for fields of the wrong type, from the CRD schemas' types.
 */
import { MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { typeErrors } from '../../src/analysis/schema-types';
import { analyze, docs, messages, SERVICE, SUBSETS, vs } from '../support/analysis';

describe('fields of the wrong type', () => {
  // The API server's structural schema check (and istioctl's proto conversion, which cannot load such an object) reject
  // these; the types are the CRDs' (scripts/extract-type-table.js).
  test.each([
    ['hosts: 5', 'spec.hosts must be a list, got integer 5'],
    ['http: "x"', 'spec.http must be a list, got string "x"'],
  ])('%s', (field, error) => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  ${field}
`;
    expect(analyze(yaml)).toEqual(['IST0106 Error VirtualService default/web']);
    expect(messages(yaml, 'IST0106')[0]).toMatch(new RegExp(`^Schema validation error: ${error.replace(/[.[\]()]/g, '\\$&')}\\. The API server rejects the object`));
  });

  test('weight: "ten" and port number "eighty" name the field, and the VirtualService gets no reference check', () => {
    const yaml = docs(SERVICE, SUBSETS, vs('route: [{destination: {host: missing, port: {number: eighty}}, weight: ten}]'));
    const findings = MeshAnalyzer.analyzeYaml(yaml);
    expect(findings.map(f => f.code)).toEqual(['IST0106', 'IST0106']);
    expect(findings.map(f => f.message)).toEqual([
      expect.stringMatching(/^Schema validation error: spec\.http\[0\]\.route\[0\]\.destination\.port\.number must be of type integer, got string "eighty"/),
      expect.stringMatching(/^Schema validation error: spec\.http\[0\]\.route\[0\]\.weight must be of type integer, got string "ten"/),
    ]);
    // With the right types the same route is analyzed: the host is missing.
    expect(analyze(docs(SERVICE, SUBSETS, vs('route: [{destination: {host: missing, port: {number: 80}}, weight: 100}]'))))
      .toEqual(['IST0101 Error VirtualService default/httpbin']);
  });

  test('a Service port "eighty" is reported on the Service, and the Service still resolves hosts', () => {
    const yaml = docs(SERVICE.replace('port: 8000', 'port: eighty'), vs('route: [{destination: {host: httpbin}}]'));
    expect(analyze(yaml)).toEqual(['IST0106 Error Service default/httpbin']);
    expect(messages(yaml, 'IST0106')[0]).toMatch(/^Schema validation error: spec\.ports\[0\]\.port must be of type integer, got string "eighty"/);
  });

  test('null is unset, int-or-string takes both, unknown fields and other kinds are not checked', () => {
    expect(typeErrors({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', spec: { hosts: null, http: [{ route: null }] } })).toEqual([]);
    expect(typeErrors({ apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] } })).toEqual([]);
    expect(typeErrors({ apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway', spec: { unknownField: 5, servers: [{ port: { number: 1.5 } }] } }))
      .toEqual([['spec.servers[0].port.number', 'must be of type integer, got number 1.5']]);
    expect(typeErrors({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 'two' } })).toEqual([]);
  });

  test('integers out of their int32 or uint32 range are IST0106, at the range\'s edges not', () => {
    const route = (weight: number, port: number) => ({
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
      spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a', port: { number: port } }, weight }] }] },
    });
    // weight: format int32 in the CRD; destination.port.number: uint32 (minimum 0, maximum 4294967295).
    expect(typeErrors(route(2147483647, 4294967295))).toEqual([]);
    expect(typeErrors(route(2147483648, 4294967296))).toEqual([
      ['spec.http[0].route[0].destination.port.number', 'must be an integer from 0 to 4294967295 (uint32), got 4294967296'],
      ['spec.http[0].route[0].weight', 'must be an integer from -2147483648 to 2147483647 (int32), got 2147483648'],
    ]);
    expect(typeErrors(route(-2147483649, -1)).map(([where]) => where)).toEqual(['spec.http[0].route[0].destination.port.number', 'spec.http[0].route[0].weight']);
    // A core/v1 Service decodes into Go int32 fields, an int-or-string targetPort too.
    const service = (port: number, targetPort: number | string) => ({ apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port, targetPort }] } });
    expect(typeErrors(service(2147483647, 'http'))).toEqual([]);
    expect(typeErrors(service(99999999999, 2147483648))).toEqual([
      ['spec.ports[0].port', 'must be an integer from -2147483648 to 2147483647 (int32), got 99999999999'],
      ['spec.ports[0].targetPort', 'must be an integer from -2147483648 to 2147483647 (int32), got 2147483648'],
    ]);
  });

  test('an out-of-range Service port read from YAML is reported on the Service, which is then not analyzed', () => {
    const yaml = docs(SERVICE.replace('port: 8000', 'port: 4294967376'), vs('route: [{destination: {host: httpbin}}]'));
    expect(analyze(yaml)).toEqual(['IST0106 Error Service default/httpbin']);
    expect(messages(yaml, 'IST0106')[0]).toMatch(/^Schema validation error: spec\.ports\[0\]\.port must be an integer from -2147483648 to 2147483647 \(int32\), got 4294967376\./);
  });

  test('at most five wrong fields per object; a deeply nested value in a field the table does not type is not walked', () => {
    const many = { apiVersion: 'v1', kind: 'Service', spec: { ports: Array.from({ length: 50 }, () => ({ port: 'x' })) } };
    expect(typeErrors(many)).toHaveLength(5);
    let deep: any = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(typeErrors({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', spec: { hosts: ['a'], http: [{ headers: deep }] } }))
      .toEqual([]);
  });
});
