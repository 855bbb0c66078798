/**
 * Tests of src/analysis/catalogue.ts: one entry per code the analyzer reports, matching istioctl and the README.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CATALOGUE, codeInfo } from '../../src/analysis/catalogue';
import { FindingLevel } from '../../src/analysis/mesh-analyzer';

const ROOT = path.resolve(__dirname, '..', '..');
const codes = Object.keys(CATALOGUE);

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

test('lists every code the analyzer reports, and no other', () => {
  const reported = new Set<string>();
  for (const file of sources(path.join(ROOT, 'src', 'analysis'))) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/\.add\('([A-Z]+\d{4})'/g)) reported.add(m[1]);
  }
  expect([...reported].sort()).toEqual([...codes].sort());
  expect(codes).toEqual([
    'IST0101', 'IST0106', 'IST0109', 'IST0112', 'IST0118', 'IST0130', 'IST0131', 'IST0132', 'IST0140', 'IST0145', 'IST0150', 'IST0162', 'IST0165', 'IST0173', 'IST0174',
    'TM0001', 'TM0002', 'TM0003', 'TM0004', 'TM0005', 'TM0006', 'TM0007', 'TM0008',
    'TM0101', 'TM0102', 'TM0103', 'TM0104', 'TM0105', 'TM0106', 'TM0108', 'TM0109', 'TM0110', 'TM0111', 'TM0112', 'TM0113', 'TM0121', 'TM0122',
    'TM0200', 'TM0201', 'TM0202', 'TM0203', 'TM0204',
    'TM0300', 'TM0301', 'TM0302', 'TM0303', 'TM0304', 'TM0305', 'TM0306', 'TM0310', 'TM0311', 'TM0312', 'TM0313',
  ]);
});

test('istio.io pages for IST codes, none for TM codes', () => {
  for (const code of codes) {
    expect(codeInfo(code)?.url).toBe(code.startsWith('IST') ? `https://istio.io/latest/docs/reference/config/analysis/${code.toLowerCase()}/` : undefined);
  }
});

test('each entry has a name, a level and a one-line fix', () => {
  for (const code of codes) {
    const info = codeInfo(code)!;
    expect(info.name).toMatch(/^[A-Z][A-Za-z0-9]+$/);
    expect(Object.values(FindingLevel)).toContain(info.level);
    expect(info.fix).toMatch(/^[A-Z].*\.$/);
    expect(info.fix).not.toContain('\n');
  }
  expect(codeInfo('IST0102')).toBeUndefined();
  expect(codeInfo('toString')).toBeUndefined();
});

test('the README\'s table of findings shows the same codes, names, levels and pages', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| (?:\[((?:IST|TM)\d{4})\]\(([^)]+)\)|((?:IST|TM)\d{4})) (\w+) \| (\w+) \|/gm)]
    .map(m => ({ code: m[1] ?? m[3], url: m[2], name: m[4], level: m[5] }));
  expect(rows.map(r => r.code)).toEqual(codes);
  for (const row of rows) {
    const info = codeInfo(row.code)!;
    expect(row).toEqual({ code: row.code, url: info.url, name: info.name, level: info.level });
  }
});
