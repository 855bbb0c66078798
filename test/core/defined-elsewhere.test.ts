import { DEFINED_ELSEWHERE_ANNOTATION, parseDefinedElsewhere } from '../../src/core/defined-elsewhere';

test('the annotation key', () => {
  expect(DEFINED_ELSEWHERE_ANNOTATION).toBe('cdk8s-traffic-mirror/defined-elsewhere');
});

test('reads Gateways and Services, with or without their hosts, ports and subsets', () => {
  const objects = [
    { kind: 'Gateway', namespace: 'istio-system', name: 'shared-gateway' },
    { kind: 'Gateway', namespace: 'istio-system', name: 'public', hosts: ['*.example.com', 'team-a/api.example.org'] },
    { kind: 'Service', namespace: 'team-b', name: 'reviews', ports: [9080], subsets: ['v1', 'v2'] },
    { kind: 'Service', namespace: 'team-b', name: 'ratings' },
  ];
  expect(parseDefinedElsewhere(JSON.stringify(objects))).toEqual({ objects });
  expect(parseDefinedElsewhere('[]')).toEqual({ objects: [] });
});

test('says what is wrong with a malformed value', () => {
  const error = (value: unknown) => (parseDefinedElsewhere(value) as { error: string }).error;
  expect(error(42)).toBe('the value must be a string holding a JSON array, not number');
  expect(error(null)).toBe('the value must be a string holding a JSON array, not null');
  expect(error('[{"kind": "Gateway"')).toMatch(/^the value is not valid JSON \(/);
  expect(error('{"kind": "Gateway", "namespace": "a", "name": "b"}')).toBe('the value must be a JSON array of objects');
  expect(error('["shared-gateway"]')).toBe('[0] must be an object');
  expect(error('[{"kind": "Gateway", "namespace": "a", "name": "b"}, {"kind": "Pod", "namespace": "a", "name": "b"}]'))
    .toBe('[1].kind must be "Gateway", "Service" or "Workload", not "Pod"');
  expect(error('[{"kind": "Service", "name": "b"}]')).toBe('[0].namespace must be a non-empty string');
  expect(error('[{"kind": "Service", "namespace": "a", "name": ""}]')).toBe('[0].name must be a non-empty string');
  expect(error('[{"kind": "Service", "namespace": "a", "name": "b", "hosts": ["b.example.com"]}]'))
    .toBe('[0] has an unknown field "hosts" (a Service may have "ports" and "subsets")');
  expect(error('[{"kind": "Gateway", "namespace": "a", "name": "b", "ports": [80]}]'))
    .toBe('[0] has an unknown field "ports" (a Gateway may have "hosts")');
  expect(error('[{"kind": "Gateway", "namespace": "a", "name": "b", "hosts": "*"}]')).toBe('[0].hosts must be a list of host names');
  expect(error('[{"kind": "Service", "namespace": "a", "name": "b", "subsets": [1]}]')).toBe('[0].subsets must be a list of subset names');
  for (const ports of ['[0]', '[65536]', '["80"]', '[8.5]', '8080']) {
    expect(error(`[{"kind": "Service", "namespace": "a", "name": "b", "ports": ${ports}}]`)).toBe('[0].ports must be a list of port numbers (1-65535)');
  }
});

test('a Workload entry (pods applied elsewhere) carries its pod labels, which must be a non-empty string map', () => {
  const workload = { kind: 'Workload', namespace: 'bookinfo', name: 'reviews-v3', labels: { app: 'reviews', version: 'v3' } };
  expect(parseDefinedElsewhere(JSON.stringify([workload]))).toEqual({ objects: [workload] });
  expect(parseDefinedElsewhere(JSON.stringify([{ ...workload, labels: {} }])))
    .toEqual({ error: '[0].labels must be a non-empty map of label names to string values (the pod labels of the workload)' });
  expect(parseDefinedElsewhere(JSON.stringify([{ ...workload, labels: { app: 5 } }])))
    .toEqual({ error: '[0].labels must be a non-empty map of label names to string values (the pod labels of the workload)' });
  expect(parseDefinedElsewhere(JSON.stringify([{ ...workload, ports: [80] }])))
    .toEqual({ error: '[0] has an unknown field "ports" (a Workload may have "labels")' });
});
