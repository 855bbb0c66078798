import { HostRegistry } from '../../src/analysis/hosts';
import { hostMatches, resourceKeyFromHost, toFqdn } from '../../src/istio/rules/hosts';

test('toFqdn expands only short names, with the referring namespace', () => {
  expect(toFqdn('web', 'httpbin')).toBe('httpbin.web.svc.cluster.local');
  expect(toFqdn('web', 'httpbin.default')).toBe('httpbin.default');
  expect(toFqdn('web', '*.example.com')).toBe('*.example.com');
});

test('resourceKeyFromHost parses service FQDNs and keeps other hosts in the namespace', () => {
  expect(resourceKeyFromHost('web', 'httpbin.default.svc.cluster.local')).toBe('default/httpbin');
  expect(resourceKeyFromHost('web', 'httpbin')).toBe('web/httpbin');
  expect(resourceKeyFromHost('web', 'api.example.com')).toBe('web/api.example.com');
});

test('hostMatches follows Istio wildcard semantics', () => {
  expect(hostMatches('*', 'anything.example.com')).toBe(true);
  expect(hostMatches('*.example.com', 'a.example.com')).toBe(true);
  expect(hostMatches('a.example.com', '*.example.com')).toBe(true);
  expect(hostMatches('*.example.com', '*.a.example.com')).toBe(true);
  expect(hostMatches('*.example.com', 'example.com')).toBe(false);
  expect(hostMatches('a.example.com', 'b.example.com')).toBe(false);
});

describe('HostRegistry', () => {
  const registry = new HostRegistry();
  registry.addService('default', 'httpbin', { ports: [{ port: 8000 }], selector: { app: 'httpbin' } }, undefined);
  registry.addService('team', 'private', { ports: [{ port: 80 }] }, { 'networking.istio.io/exportTo': '.' });
  registry.addServiceEntry('default', 'ext', { hosts: ['*.example.com', 'api.partner.io'], ports: [{ number: 443 }], exportTo: ['*'] });

  test('services are found by short name in their namespace and by FQDN anywhere', () => {
    expect(registry.lookup('default', [], 'httpbin')).toMatchObject({ kind: 'Service', namespace: 'default', ports: [8000], selector: { app: 'httpbin' } });
    expect(registry.lookup('web', [], 'httpbin')).toBeUndefined();
    expect(registry.lookup('web', [], 'httpbin.default.svc.cluster.local')).toMatchObject({ name: 'httpbin' });
  });

  test('the exportTo annotation limits where a Service is visible', () => {
    expect(registry.lookup('team', [], 'private')).toMatchObject({ name: 'private' });
    expect(registry.lookup('web', [], 'private.team.svc.cluster.local')).toBeUndefined();
  });

  test('ServiceEntry hosts, exact and wildcard', () => {
    expect(registry.lookup('web', [], 'api.partner.io')).toMatchObject({ kind: 'ServiceEntry', ports: [443] });
    expect(registry.lookup('web', [], 'a.b.example.com')).toMatchObject({ kind: 'ServiceEntry', name: 'ext' });
    expect(registry.lookup('web', [], 'example.org')).toBeUndefined();
  });

  test('suggest names the FQDN for cross-namespace short names and Kubernetes DNS forms', () => {
    expect(registry.suggest('web', 'httpbin')).toContain('"httpbin.default.svc.cluster.local"');
    expect(registry.suggest('web', 'httpbin.default')).toContain('Istio does not expand "httpbin.default"');
    expect(registry.suggest('web', 'nothing')).toBeUndefined();
  });
});

test('a service declared as defined elsewhere is found only when no Service or ServiceEntry provides the host', () => {
  const registry = new HostRegistry();
  registry.addDeclaredService('team-b', 'reviews', [9080]);
  registry.addDeclaredService('team-b', 'ratings', undefined);
  expect(registry.lookup('team-a', [], 'reviews.team-b.svc.cluster.local')).toEqual({ kind: 'Service', namespace: 'team-b', name: 'reviews', ports: [9080], anyPort: false });
  expect(registry.lookup('team-b', [], 'reviews')?.ports).toEqual([9080]);
  expect(registry.lookup('team-a', [], 'ratings.team-b.svc.cluster.local')).toMatchObject({ ports: [], anyPort: true });
  expect(registry.lookup('team-a', [], 'reviews')).toBeUndefined();
  expect(registry.suggest('team-a', 'reviews')).toContain('use the FQDN "reviews.team-b.svc.cluster.local"');

  registry.addServiceEntry('team-b', 'reviews-entry', { hosts: ['reviews.team-b.svc.cluster.local'], ports: [{ number: 443 }] });
  expect(registry.lookup('team-a', [], 'reviews.team-b.svc.cluster.local')).toMatchObject({ kind: 'ServiceEntry', ports: [443] });
});
