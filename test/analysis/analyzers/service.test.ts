/**
 * Tests of src/analysis/analyzers/service.ts: IST0118.
 */
import { MeshAnalyzer } from '../../../src/analysis/mesh-analyzer';
import { analyze, fixture, ids, messages } from '../../support/analysis';

describe('IST0118 PortNameIsNotUnderNamingConvention', () => {
  const svc = (port: string, labels = '') => `
apiVersion: v1
kind: Service
metadata: {name: web${labels}}
spec:
  selector: {app: web}
  ports: [${port}]
`;
  test('port name without a protocol prefix', () => {
    const yaml = svc('{name: web, port: 8080, targetPort: 80}');
    expect(analyze(yaml)).toEqual(['IST0118 Info Service default/web']);
    expect(messages(yaml, 'IST0118')[0]).toMatch(/^Port name web \(port: 8080, targetPort: 80\) doesn't follow the naming convention of Istio port\./);
    expect(analyze(svc('{name: http-web, port: 8080, targetPort: 80}'))).toEqual([]);
  });

  test('unnamed port is reported, appProtocol and well-known ports are exempt', () => {
    expect(analyze(svc('{port: 8080}'))).toEqual(['IST0118 Info Service default/web']);
    expect(analyze(svc('{name: web, port: 8080, appProtocol: http}'))).toEqual([]);
    expect(analyze(svc('{name: web, port: 8080, appProtocol: kubernetes.io/h2c}'))).toEqual([]);
    expect(analyze(svc('{name: db, port: 3306}'))).toEqual([]);
  });

  test('http_proxy, which only appProtocol can carry, is one of Istio\'s protocols', () => {
    expect(analyze(svc('{name: proxy, port: 8080, appProtocol: HTTP_PROXY}'))).toEqual([]);
    expect(analyze(svc('{name: grpc-webui, port: 8080}'))).toEqual([]);
  });

  test('istio.io example: port foo-http of Service httpbin', () => {
    // The page prints "Port name foo-http (port: 80, targetPort: 80)", but its Service has port 8000; istioctl's
    // PortNameAnalyzer prints port.Port and port.TargetPort, i.e. "port: 8000, targetPort: 80" (a typo on the page).
    const findings = MeshAnalyzer.analyzeYaml(fixture('ist0118-doc.yaml'));
    expect(ids(findings)).toEqual(['IST0118 Info Service default/httpbin']);
    expect(findings[0].message).toMatch(/^Port name foo-http \(port: 8000, targetPort: 80\) doesn't follow the naming convention of Istio port\./);
    // The page's fix: rename the port <protocol>[-<suffix>], e.g. "http-foo".
    expect(MeshAnalyzer.analyzeYaml(fixture('ist0118-doc.yaml').replace('name: foo-http', 'name: http-foo'))).toEqual([]);
  });

  test('Istio\'s own services (label "istio") are skipped, as istioctl does', () => {
    expect(analyze(svc('{name: status, port: 15021}', ', labels: {istio: ingressgateway}'))).toEqual([]);
  });
});

describe('IST0118 follows ConvertProtocol and skips Istio-managed gateway Services', () => {
  // service.PortNameAnalyzer.analyzeService (portname.go) with kube.ConvertProtocol (pkg/config/kube/conversion.go).
  const svc = (port: string, extra = '') => `
apiVersion: v1
kind: Service
metadata: {name: web${extra}}
spec:
  selector: {app: web}
  ports: [${port}]
`;
  test('UDP comes first: a UDP port is fine whatever its name or appProtocol', () => {
    expect(analyze(svc('{name: web, port: 5000, protocol: UDP, appProtocol: nonsense}'))).toEqual([]);
    expect(analyze(svc('{name: web, port: 5000, protocol: TCP, appProtocol: nonsense}'))).toEqual(['IST0118 Info Service default/web']);
  });

  test('appProtocol is read like a port name: http-foo is HTTP, a well-known port is TCP', () => {
    expect(analyze(svc('{name: web, port: 8080, appProtocol: http-foo}'))).toEqual([]);
    expect(analyze(svc('{name: web, port: 8080, appProtocol: foo-http}'))).toEqual(['IST0118 Info Service default/web']);
    expect(analyze(svc('{name: web, port: 3306, appProtocol: foo}'))).toEqual([]);
    expect(analyze(svc('{name: web, port: 8080, appProtocol: kubernetes.io/wss}'))).toEqual([]);
  });

  test('Services of Istio-managed gateways (label gateway.istio.io/managed) are skipped', () => {
    expect(analyze(svc('{name: status, port: 15021}', ', labels: {gateway.istio.io/managed: istio.io-gateway-controller}'))).toEqual([]);
    expect(analyze(svc('{name: status, port: 15021}', ', labels: {gateway.istio.io/managed: someone-else}'))).toEqual(['IST0118 Info Service default/web']);
  });
});

describe('IST0150 ExternalNameServiceTypeInvalidPortName', () => {
  // service.PortNameAnalyzer.analyzeService (portname.go): an ExternalName Service's port that is Unsupported or named "tcp".
  const external = (port: string) => `
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  type: ExternalName
  externalName: api.example.com
  ports: [${port}]
`;
  test('a port named tcp or without protocol prefix; http is fine', () => {
    expect(analyze(external('{name: tcp, port: 443}'))).toEqual(['IST0150 Warning Service default/api']);
    expect(analyze(external('{name: web, port: 8080}'))).toEqual(['IST0150 Warning Service default/api']);
    expect(messages(external('{name: tcp, port: 443}'), 'IST0150')[0]).toMatch(/^Port name for ExternalName service is invalid\./);
    expect(analyze(external('{name: https, port: 443}'))).toEqual([]);
    expect(analyze(external('{name: tcp-db, port: 5432}'))).toEqual([]);
  });
});
