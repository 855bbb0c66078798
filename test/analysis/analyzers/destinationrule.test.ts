/**
 * Tests of src/analysis/analyzers/destinationrule.ts: IST0173 and IST0174.
 */
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { analyze, docs, fixture, ids } from '../../support/analysis';

describe('IST0173 DestinationRuleSubsetNotSelectPods', () => {
  test('istio.io example: no reviews pod has version v4', () => {
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0173-doc.yaml'));
    expect(ids(findings)).toEqual(['IST0173 Error DestinationRule default/reviews']);
    expect(findings[0].message).toMatch(/^The Subset v4 defined in the DestinationRule does not select any pods\. Which may lead to 503 UH \(NoHealthyUpstream\)\./);
  });

  test('fixed by deploying the version the subset selects', () => {
    const v4 = fixture('ist0173-doc.yaml').split('---')[1].replace(/v1/g, 'v4');
    expect(MeshAnalyzer.analyzeYaml(docs(fixture('ist0173-doc.yaml'), v4))).toEqual([]);
  });

  test('pods must be in the service\'s namespace and carry the service selector too', () => {
    const v4 = fixture('ist0173-doc.yaml').split('---')[1].replace(/v1/g, 'v4');
    expect(analyze(docs(fixture('ist0173-doc.yaml'), v4.replace('name: reviews-v4', 'name: reviews-v4\n  namespace: other'))))
      .toEqual(['IST0173 Error DestinationRule default/reviews']);
    expect(analyze(docs(fixture('ist0173-doc.yaml'), v4.replace(/app: reviews/g, 'app: ratings'))))
      .toEqual(['IST0173 Error DestinationRule default/reviews']);
  });

  test('not reported when the input has no workloads in that namespace (nothing to compare with)', () => {
    const withoutDeployment = fixture('ist0173-doc.yaml').split('---').filter(d => !d.includes('kind: Deployment')).join('---');
    expect(MeshAnalyzer.analyzeYaml(withoutDeployment)).toEqual([]);
  });
});

describe('IST0174 UnknownDestinationRuleHost', () => {
  test('istio.io example: host reveiws matches no service', () => {
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0174-doc.yaml'));
    expect(ids(findings)).toEqual(['IST0174 Warning DestinationRule default/reviews']);
    expect(findings[0].message).toMatch(/^The host reveiws defined in the DestinationRule does not match any services in the mesh\./);
    expect(MeshAnalyzer.analyzeYaml(fixture('ist0174-doc.yaml').replace('host: reveiws', 'host: reviews'))).toEqual([]);
  });
});

describe('IST0173 with the labels Istio adds from the Pod\'s Node', () => {
  // destinationrule.SubsetSelectPodAnalyzer.Analyze (subset.go): pod labels go through label.AugmentLabels with the Node's
  // locality (getNodeLocalityString) and node name.
  const yaml = (subsetLabels: string, node = 'worker-1') => docs(`
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
`, `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec:
  host: web
  subsets: [{name: zone-a, labels: ${subsetLabels}}]
`, `
apiVersion: v1
kind: Node
metadata: {name: worker-1, labels: {topology.kubernetes.io/region: eu, topology.kubernetes.io/zone: eu-a, topology.istio.io/subzone: rack-1}}
`, `
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec: {nodeName: ${node}, containers: [{name: web, image: web}]}
`);
  test('a subset selecting by zone, region, subzone or hostname selects the pod on that Node', () => {
    expect(analyze(yaml('{topology.kubernetes.io/zone: eu-a}'))).toEqual([]);
    expect(analyze(yaml('{topology.kubernetes.io/region: eu, topology.istio.io/subzone: rack-1}'))).toEqual([]);
    expect(analyze(yaml('{kubernetes.io/hostname: worker-1}'))).toEqual([]);
    expect(analyze(yaml('{topology.kubernetes.io/zone: eu-b}'))).toEqual(['IST0173 Error DestinationRule default/web']);
  });

  test('a pod on a Node the input lacks gets only the hostname label', () => {
    expect(analyze(yaml('{topology.kubernetes.io/zone: eu-a}', 'worker-2'))).toEqual(['IST0173 Error DestinationRule default/web']);
    expect(analyze(yaml('{kubernetes.io/hostname: worker-2}', 'worker-2'))).toEqual([]);
  });
});

describe('IST0106 for what Istio\'s DestinationRule validation rejects', () => {
  // pkg/config/validation/validation.go ValidateDestinationRule: agent.ValidateWildcardDomain(rule.Host) and "duplicate subset names".
  const dr = (host: string, subsets: string) => `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec: {host: "${host}", subsets: ${subsets}}
`;
  test('duplicate subset names', () => {
    const yaml = dr('web', '[{name: v1, labels: {version: v1}}, {name: v1, labels: {version: v2}}]');
    expect(MeshAnalyzer.analyzeYaml(yaml).filter(f => f.code === 'IST0106').map(f => f.message))
      .toEqual([expect.stringMatching(/^Schema validation error: duplicate subset names: v1 \(subsets\[1\]\)/)]);
    expect(analyze(dr('web', '[{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]'))).toEqual([]);
  });

  test('a host that is no DNS name', () => {
    expect(analyze(dr('web!', '[]'))).toEqual(['IST0106 Error DestinationRule default/web', 'IST0174 Warning DestinationRule default/web']);
  });
});
