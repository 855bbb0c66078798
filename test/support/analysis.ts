/**
 * Helpers for the analyzer tests (test/analysis/): the fixtures, a Service and DestinationRule for host httpbin, a
 * VirtualService template, and views of the findings that the assertions compare.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Finding, MeshAnalyzer } from '../../src/analysis/mesh-analyzer';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'analysis');
export const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

/** `<code> <level> <Kind> <namespace>/<name>` of each finding: what the assertions compare. */
export const ids = (findings: Finding[]) => findings.map(f => `${f.code} ${f.level} ${f.kind} ${f.namespace}/${f.name}`);
export const analyze = (yaml: string) => ids(MeshAnalyzer.analyzeYaml(yaml));
export const messages = (yaml: string, code: string) => MeshAnalyzer.analyzeYaml(yaml).filter(f => f.code === code).map(f => f.message);

export const SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: httpbin}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000, targetPort: 80}]
`;
export const SUBSETS = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;
/** A mesh-bound VirtualService for host httpbin whose first http rule is `rule` (indented YAML). */
export const vs = (rule: string, extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
${extra}
  http:
  - ${rule.trim().split('\n').join('\n    ')}
`;
export const docs = (...parts: string[]) => parts.join('\n---\n');
