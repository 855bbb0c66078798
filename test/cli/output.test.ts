/**
 * The CLI's istioctl options and output formats: -o json|yaml|sarif, --suppress, --failure-threshold, --output-threshold
 * (istioctl/pkg/analyze/analyze.go; pkg/config/analysis/diag/message.go Unstructured; istiod_analyze.go filterMessages).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { EXIT, runCli } from '../../src/cli/cli';
import { MAX_WORD, shorten } from '../../src/cli/output';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'analysis');
const BROKEN = path.join(FIXTURES, 'broken-mirror.yaml');
const WARNING = path.join(FIXTURES, 'ist0174-doc.yaml');

function run(...argv: string[]) {
  let out = '';
  let err = '';
  const status = runCli(argv, { out: s => { out += s; }, err: s => { err += s; } });
  return { status, out, err };
}

test('-o yaml prints the same list as -o json', () => {
  const yaml = run('analyze', '-o', 'yaml', BROKEN);
  expect(yaml.status).toBe(EXIT.FINDINGS);
  expect(parse(yaml.out)).toEqual(JSON.parse(run('analyze', '-o', 'json', BROKEN).out));
  expect(parse(yaml.out)[0]).toMatchObject({ code: 'IST0101', level: 'Error', origin: 'VirtualService default/httpbin' });
  expect(run('analyze', '--output=yaml', path.join(FIXTURES, 'mirroring-ok.yaml')).out).toBe('[]\n');
});

test('-o sarif: SARIF 2.1.0 with one rule per code and the file and line of each finding', () => {
  const r = run('analyze', '-o', 'sarif', BROKEN);
  const log = JSON.parse(r.out);
  expect(log.version).toBe('2.1.0');
  const [runLog] = log.runs;
  expect(runLog.tool.driver.rules).toEqual([expect.objectContaining({
    id: 'IST0101', name: 'ReferencedResourceNotFound', helpUri: 'https://istio.io/latest/docs/reference/config/analysis/ist0101/',
    defaultConfiguration: { level: 'error' },
  })]);
  expect(runLog.results).toHaveLength(2);
  const vsLine = fs.readFileSync(BROKEN, 'utf8').split('\n').findIndex(l => l === 'kind: VirtualService');
  expect(runLog.results[0]).toMatchObject({
    ruleId: 'IST0101', level: 'error', message: { text: expect.stringMatching(/^Referenced host\+subset/) },
    locations: [{
      physicalLocation: { artifactLocation: { uri: expect.stringMatching(/broken-mirror\.yaml$/) }, region: { startLine: vsLine } },
      logicalLocations: [{ fullyQualifiedName: 'VirtualService default/httpbin', kind: 'resource' }],
    }],
  });
});

test('--suppress CODE=Kind namespace/name, with * wildcards and istioctl\'s Kind name.namespace form', () => {
  expect(run('analyze', '--suppress', 'IST0101=VirtualService default/httpbin', BROKEN)).toMatchObject({ status: EXIT.OK, out: '' });
  expect(run('analyze', '-S', 'IST0101=VirtualService *', BROKEN)).toMatchObject({ status: EXIT.OK, out: '' });
  expect(run('analyze', '-S', 'IST0101=VirtualService httpbin.default', BROKEN)).toMatchObject({ status: EXIT.OK, out: '' });
  // Another code, object or namespace is not suppressed.
  expect(run('analyze', '-S', 'IST0132=VirtualService *', BROKEN).status).toBe(EXIT.FINDINGS);
  expect(run('analyze', '-S', 'IST0101=VirtualService prod/*', BROKEN).status).toBe(EXIT.FINDINGS);
  expect(run('analyze', '-S', 'IST0101=Service *', BROKEN).status).toBe(EXIT.FINDINGS);
  // istioctl: an unknown code is a warning, a value without exactly one "=" an error.
  expect(run('analyze', '-S', 'IST9999=Service *', BROKEN)).toMatchObject({
    status: EXIT.FINDINGS, err: expect.stringMatching(/^warning: Supplied message code 'IST9999' is an unknown message code/),
  });
  expect(run('analyze', '-S', 'IST0101', BROKEN)).toMatchObject({ status: EXIT.USAGE, err: expect.stringMatching(/^error: "IST0101" is not a valid suppression value/) });
});

test('--failure-threshold sets the lowest level that fails; --output-threshold the lowest printed', () => {
  expect(run('analyze', WARNING).status).toBe(EXIT.OK);
  expect(run('analyze', '--failure-threshold', 'Warning', WARNING).status).toBe(EXIT.FINDINGS);
  expect(run('analyze', '--failure-threshold=info', WARNING).status).toBe(EXIT.FINDINGS);
  const quiet = run('analyze', '--output-threshold', 'Error', '--failure-threshold', 'Warning', WARNING);
  expect(quiet).toMatchObject({ status: EXIT.FINDINGS, out: '' });
  expect(run('analyze', '--failure-threshold', 'fatal', WARNING)).toMatchObject({ status: EXIT.USAGE, err: expect.stringMatching(/must be Info, Warning or Error, got "fatal"/) });
  expect(run('analyze', '-o', 'xml', WARNING)).toMatchObject({ status: EXIT.USAGE, err: expect.stringMatching(/unknown output format "xml"/) });
  expect(run('analyze', WARNING, '-o')).toMatchObject({ status: EXIT.USAGE, err: expect.stringMatching(/option -o needs a value/) });
});

test('shorten cuts only runs of more than MAX_WORD non-space characters, keeping their start and counting the rest', () => {
  const short = `host "${'a'.repeat(MAX_WORD - 2)}" (http[0])`;
  expect(shorten(short)).toBe(short);
  const long = `Referenced host not found: "${'b'.repeat(1_000)}" (http[0].route[0]). Fix it.`;
  expect(shorten(long)).toBe(`Referenced host not found: "${'b'.repeat(99)}… [902 more characters] (http[0].route[0]). Fix it.`);
  // Two long runs, the second at the very end; and one of 20 million characters (a regular expression overflows here).
  expect(shorten(`${'c'.repeat(300)} and ${'d'.repeat(250)}`)).toBe(`${'c'.repeat(100)}… [200 more characters] and ${'d'.repeat(100)}… [150 more characters]`);
  expect(shorten(`x ${'e'.repeat(20_000_000)}`)).toBe(`x ${'e'.repeat(100)}… [19999900 more characters]`);
});
