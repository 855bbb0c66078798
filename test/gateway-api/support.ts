import { Chart, Testing } from 'cdk8s';
import { GatewayApiGateway } from '../../src/gateway-api/gateway-api-gateway';
import { MeshService } from '../../src/services/mesh-service';
import { ServiceVersion } from '../../src/workloads/service-version';

export interface GatewayApiFixture {
  readonly chart: Chart;
  readonly service: MeshService;
  readonly gateway: GatewayApiGateway;
}

/** httpbin v1, v2 and v3 behind one service with version Services (port http 8000), and a Gateway API gateway. */
export function gatewayApiFixture(namespace = 'default'): GatewayApiFixture {
  const root = Testing.chart();
  const chart = new Chart(root, 'ns', { namespace });
  const versions = ['v1', 'v2', 'v3'].map(v => new ServiceVersion(chart, `httpbin-${v}`, {
    app: 'httpbin', version: v, image: 'docker.io/kennethreitz/httpbin', containerPort: 80,
  }));
  const service = new MeshService(chart, 'httpbin', { port: 8000, versions, versionServices: true });
  const gateway = new GatewayApiGateway(chart, 'gateway', { name: 'httpbin-gateway', hostname: 'httpbin.example.com', credentialName: 'httpbin-credential' });
  return { chart, service, gateway };
}

/** The only object of `kind` (and `name`, if given) in the chart's output. */
export function only(chart: Chart, kind: string, name?: string): any {
  const found = Testing.synth(chart).filter(m => m.kind === kind && (name === undefined || m.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0];
}
