import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import * as istio from '../../imports/networking.istio.io';
import { ClientTlsMode, ServiceSubsets, ServiceSubsetsProps } from '../../src/istio/service-subsets';
import { MeshService } from '../../src/services/mesh-service';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';

/** A service of two httpbin versions, and its subsets with `props` (the construct id of the subsets is `s`'s child). */
function subsets(chart: Chart, props: ServiceSubsetsProps = {}): ServiceSubsets {
  const versions = ['v1', 'v2'].map(v => new ServiceVersion(chart, `httpbin-${v}`, { app: 'httpbin', version: v, image: 'docker.io/kennethreitz/httpbin', containerPort: 80 }));
  const service = new MeshService(chart, 's', { versions });
  return new ServiceSubsets(service, 'DestinationRule', props);
}

describe('ServiceSubsets', () => {
  test('is the DestinationRule itself, the service\'s child `DestinationRule`, made once per service by forService()', () => {
    const chart = Testing.chart();
    const service = new MeshService(chart, 'reviews', { port: 9080, versions: [new ServiceVersion(chart, 'reviews-v1', {
      app: 'reviews', version: 'v1', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2', containerPort: 9080,
    })] });
    const made = ServiceSubsets.forService(service);
    expect(made).toBeInstanceOf(istio.DestinationRule);
    expect(made.destinationRule).toBe(made);
    expect(ApiObject.of(made)).toBe(made);
    expect(made.node.path).toBe('test/reviews/DestinationRule');
    expect(ServiceSubsets.forService(service)).toBe(made);
    expect(made.toJson()).toEqual(Testing.synth(chart).find(m => m.kind === 'DestinationRule'));
    expect(new istio.DestinationRule(chart, 'other', {}) instanceof ServiceSubsets).toBe(false);
  });

  test('names the service\'s name as what renames a DestinationRule that two services\' subsets write', () => {
    const app = Testing.app();
    const [a, b] = ['a', 'b'].map(id => subsets(new Chart(app, id)));
    expect(a.toJson().metadata.name).toBe(b.toJson().metadata.name);
    expect(() => app.synthYaml()).toThrow(/\[a\/s\/DestinationRule\] DestinationRule default\/httpbin is defined 2 times, by a\/s\/DestinationRule \(its service's name \(a\/s\) prop\), b\/s\/DestinationRule \(its service's name \(b\/s\) prop\)/);
  });

  test('refuses a scope that is an ApiObject but not a MeshService', () => {
    const chart = Testing.chart();
    const plain = new ApiObject(chart, 'plain', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'plain' } });
    expect(() => new ServiceSubsets(plain as any, 'DestinationRule')).toThrow(/^test\/plain\/DestinationRule: the scope of ServiceSubsets must be the MeshService/);
  });

  test('traffic policy with defaults for outlier detection', () => {
    const chart = Testing.chart();
    subsets(chart, {
      trafficPolicy: {
        tlsMode: ClientTlsMode.ISTIO_MUTUAL,
        connectionPool: { maxConnections: 100, connectTimeout: Duration.seconds(2), http2MaxRequests: 1000 },
        outlierDetection: {},
      },
    });
    const dr = Testing.synth(chart).find(m => m.kind === 'DestinationRule');
    expect(dr.spec.trafficPolicy).toEqual({
      tls: { mode: 'ISTIO_MUTUAL' },
      connectionPool: { tcp: { maxConnections: 100, connectTimeout: '2s' }, http: { http2MaxRequests: 1000 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 },
    });
    expectValidManifests(Testing.synth(chart));
  });

  test('fails when a traffic policy count is negative', () => {
    const chart = Testing.chart();
    // Checked eagerly now (it was a deferred check at synth), so the error is thrown where the prop is given.
    expect(() => subsets(chart, { trafficPolicy: { connectionPool: { maxConnections: -1 } } }))
      .toThrow(/connectionPool.maxConnections must be a non-negative integer/);
  });

  test('a sub-second connect timeout renders as an Istio duration', () => {
    const chart = Testing.chart();
    subsets(chart, {
      trafficPolicy: {
        connectionPool: { connectTimeout: Duration.millis(250) },
        outlierDetection: { interval: Duration.millis(1500), baseEjectionTime: Duration.minutes(1) },
      },
    });
    const manifests = Testing.synth(chart);
    const policy = manifests.find(m => m.kind === 'DestinationRule').spec.trafficPolicy;
    expect(policy.connectionPool.tcp.connectTimeout).toBe('0.25s');
    expect(policy.outlierDetection.interval).toBe('1.5s');
    expect(policy.outlierDetection.baseEjectionTime).toBe('60s');
    expectValidManifests(manifests);
  });

  test.each([
    [{ connectionPool: { connectTimeout: Duration.millis(0.5) } }, /test\/s\/DestinationRule: connectionPool.connectTimeout must be a positive whole number of milliseconds.*got 0.5ms/],
    [{ connectionPool: { connectTimeout: Duration.millis(0) } }, /connectionPool.connectTimeout must be a positive whole number of milliseconds.*got 0ms/],
    [{ outlierDetection: { interval: Duration.seconds(0) } }, /outlierDetection.interval must be a positive whole number of milliseconds.*got 0ms/],
    [{ outlierDetection: { baseEjectionTime: Duration.millis(0) } }, /outlierDetection.baseEjectionTime must be a positive whole number of milliseconds/],
  ])('fails when a traffic policy duration is not whole positive milliseconds (%#)', (trafficPolicy, error) => {
    const chart = Testing.chart();
    expect(() => subsets(chart, { trafficPolicy })).toThrow(error);
  });

  test.each([
    [{ outlierDetection: { maxEjectionPercent: 12.5 } }, /test\/s\/DestinationRule: outlierDetection.maxEjectionPercent must be a non-negative integer \(at most 100\), got 12.5/],
    [{ outlierDetection: { maxEjectionPercent: 101 } }, /outlierDetection.maxEjectionPercent must be a non-negative integer \(at most 100\), got 101/],
    [{ outlierDetection: { consecutive5xxErrors: 2.5 } }, /outlierDetection.consecutive5xxErrors must be a non-negative integer/],
    [{ connectionPool: { maxConnections: 2 ** 31 } }, /connectionPool.maxConnections must be a non-negative integer \(at most 2147483647\), got 2147483648/],
    [{ connectionPool: { http1MaxPendingRequests: 1.5 } }, /connectionPool.http1MaxPendingRequests must be a non-negative integer/],
    [{ connectionPool: { http2MaxRequests: 2 ** 31 } }, /connectionPool.http2MaxRequests must be a non-negative integer \(at most 2147483647\)/],
    [{ connectionPool: { maxRequestsPerConnection: 0.5 } }, /connectionPool.maxRequestsPerConnection must be a non-negative integer/],
  ])('fails when a traffic policy number is not an int32 in range (%#)', (trafficPolicy, error) => {
    const chart = Testing.chart();
    expect(() => subsets(chart, { trafficPolicy })).toThrow(error);
  });

  test('int32 limits themselves are accepted', () => {
    const chart = Testing.chart();
    subsets(chart, {
      trafficPolicy: { connectionPool: { maxConnections: 2147483647 }, outlierDetection: { maxEjectionPercent: 100, consecutive5xxErrors: 0 } },
    });
    const policy = Testing.synth(chart).find(m => m.kind === 'DestinationRule').spec.trafficPolicy;
    expect(policy.connectionPool.tcp.maxConnections).toBe(2147483647);
    expect(policy.outlierDetection.maxEjectionPercent).toBe(100);
  });

});
