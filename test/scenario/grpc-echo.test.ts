import { Chart, Testing } from 'cdk8s';
import { MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { GrpcMirrorRoute } from '../../src/gateway-api/grpc-mirror-route';
import { IstioGrpcMirrorRoute } from '../../src/istio/grpc-mirror-route';
import { MeshService } from '../../src/services/mesh-service';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';

// The gRPC example of issue #15, end to end in both flavors: grpc-echo v1 and v2 behind port grpc 9000, calls of
// echo.Echo/Ping mirrored 50% to v2; the output is valid against the CRDs (Gateway API v1.6.1, Istio 1.30.3) and the
// analyzer finds nothing in it.

/** grpc-echo v1 and v2 behind one Service (port `grpc` 9000); version Services for the Gateway API, subsets for Istio. */
function echo(gatewayApi: boolean): { chart: Chart; service: MeshService } {
  const chart = new Chart(Testing.app(), 'grpc-echo', { namespace: 'default' });
  const versions = ['v1', 'v2'].map(v => new ServiceVersion(chart, `grpc-echo-${v}`, {
    app: 'grpc-echo', version: v, image: 'ghcr.io/example/grpc-echo:1.0', containerPort: 9000,
  }));
  const service = new MeshService(chart, 'grpc-echo', {
    port: 9000, portName: 'grpc', versions, versionServices: gatewayApi,
  });
  return { chart, service };
}

const PING = { method: { service: 'echo.Echo', method: 'Ping' } };

describe('the grpc-echo example', () => {
  test('Gateway API: a GRPCRoute mirroring Ping 50% to v2\'s Service, then a catch-all; schema-valid, analyzes clean', () => {
    const { chart, service } = echo(true);
    const route = new GrpcMirrorRoute(chart, 'route', {
      destination: { service, version: 'v1' },
      mirror: { service, version: 'v2' },
      mirrorPercent: 50,
      mirrorGrpcMatches: [PING],
    });
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Deployment/grpc-echo-v1', 'Deployment/grpc-echo-v2', 'Service/grpc-echo', 'Service/grpc-echo-v1', 'Service/grpc-echo-v2', 'GRPCRoute/grpc-echo',
    ]);
    const grpcRoute = manifests.find(m => m.kind === 'GRPCRoute');
    const [mirrored, rest] = grpcRoute.spec.rules;
    expect(mirrored.matches).toEqual([{ method: { type: 'Exact', service: 'echo.Echo', method: 'Ping' } }]);
    expect(mirrored.filters[0].requestMirror).toEqual({ backendRef: { group: '', kind: 'Service', name: 'grpc-echo-v2', port: 9000 }, percent: 50 });
    expect(rest.filters).toBeUndefined();
    expect(rest.backendRefs).toEqual(mirrored.backendRefs);
    const v2 = manifests.find(m => m.kind === 'Service' && m.metadata.name === 'grpc-echo-v2');
    expect(v2.spec.ports).toEqual([{ name: 'grpc', port: 9000, protocol: 'TCP', targetPort: 9000 }]);
    expect(route.mirrorPercent).toBe(50);
    expectValidManifests(manifests);
    expect(MeshAnalyzer.analyze(manifests)).toEqual([]);
  });

  test('Istio API: a VirtualService mirroring the path /echo.Echo/Ping 50% to subset v2; schema-valid, analyzes clean', () => {
    const { chart, service } = echo(false);
    new IstioGrpcMirrorRoute(chart, 'route', {
      destination: { service, version: 'v1' },
      mirror: { service, version: 'v2' },
      mirrorPercent: 50,
      mirrorGrpcMatches: [PING],
    });
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Deployment/grpc-echo-v1', 'Deployment/grpc-echo-v2', 'Service/grpc-echo', 'DestinationRule/grpc-echo', 'VirtualService/grpc-echo',
    ]);
    const [mirrored, rest] = manifests.find(m => m.kind === 'VirtualService').spec.http;
    expect(mirrored.match).toEqual([{ uri: { exact: '/echo.Echo/Ping' } }]);
    expect(mirrored.mirror).toEqual({ host: 'grpc-echo', subset: 'v2', port: { number: 9000 } });
    expect(mirrored.mirrorPercentage).toEqual({ value: 50 });
    expect(rest.mirror).toBeUndefined();
    expect(rest.route).toEqual(mirrored.route);
    expectValidManifests(manifests);
    expect(MeshAnalyzer.analyze(manifests)).toEqual([]);
  });

  test('the analyzer sees what breaks it: the mirror\'s Service missing from the GRPCRoute\'s input fails the whole route (TM0121)', () => {
    const { chart, service } = echo(true);
    new GrpcMirrorRoute(chart, 'route', { destination: { service, version: 'v1' }, mirror: { service, version: 'v2' }, mirrorPercent: 50, mirrorGrpcMatches: [PING] });
    const withoutV2 = Testing.synth(chart).filter(m => !(m.kind === 'Service' && m.metadata.name === 'grpc-echo-v2'));
    expect(MeshAnalyzer.analyze(withoutV2).map(f => `${f.code} ${f.kind}/${f.name}`)).toEqual(['TM0121 GRPCRoute/grpc-echo']);
  });
});
