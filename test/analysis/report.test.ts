/**
 * Tests of src/analysis/report.ts.
 */
import { FindingLevel } from '../../src/analysis/mesh-analyzer';
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
