/**
 * Tests of src/analysis/report.ts.
 */
import { FindingLevel, MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { Report } from '../../src/analysis/report';

const vs = { kind: 'VirtualService', namespace: 'default', name: 'httpbin' };

test('a finding takes its level from the catalogue', () => {
  const report = new Report();
  report.add('IST0118', vs, 'a');
  report.add('IST0132', vs, 'b');
  report.add('IST0101', vs, 'c');
  expect(report.findings.map(f => f.level)).toEqual([FindingLevel.INFO, FindingLevel.WARNING, FindingLevel.ERROR]);
  expect(report.findings[0]).toEqual({ code: 'IST0118', level: FindingLevel.INFO, kind: 'VirtualService', namespace: 'default', name: 'httpbin', message: 'a' });
});

test('identical findings are reported once', () => {
  const report = new Report();
  report.add('IST0101', vs, 'm');
  report.add('IST0101', vs, 'm');
  report.add('IST0101', { ...vs, namespace: 'other' }, 'm');
  report.add('IST0101', vs, 'other message');
  expect(report.findings.length).toBe(3);
});

describe('one finding per mistake', () => {
  // istioctl reports identical messages once (diag.Messages.SortedDedupedCopy); its IST0101 message names the host only,
  // so a host missing in several routes of one VirtualService is one message.
  test('a missing host named by several routes is reported once, at its first place', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - {match: [{uri: {prefix: /a}}], route: [{destination: {host: missing}}]}
  - {route: [{destination: {host: missing}}]}
`;
    const findings = MeshAnalyzer.analyzeYaml(yaml);
    expect(findings.map(f => f.code)).toEqual(['IST0101']);
    expect(findings[0].message).toMatch(/^Referenced host not found: "missing" \(http\[0\]\.route\[0\]\)/);
    // Another host is another mistake.
    expect(MeshAnalyzer.analyzeYaml(yaml.replace('host: missing}}]}\n', 'host: other}}]}\n')).map(f => f.code)).toEqual(['IST0101', 'IST0101']);
  });
});

test('a mirror without port in several rules of a gateway-bound VirtualService is one TM0003', () => {
  const yaml = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http:
  - {match: [{uri: {prefix: /a}}], route: [{destination: {host: web}}], mirror: {host: web}}
  - {route: [{destination: {host: web}}], mirror: {host: web}}
`;
  const tm0003 = MeshAnalyzer.analyzeYaml(yaml).filter(f => f.code === 'TM0003');
  expect(tm0003.map(f => f.message)).toEqual([expect.stringMatching(/^Mirror destination "web" has no port on a gateway-bound route \(http\[0\]\.mirror\)/)]);
});
