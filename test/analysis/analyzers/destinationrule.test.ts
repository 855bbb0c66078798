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
