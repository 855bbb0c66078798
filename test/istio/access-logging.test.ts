import { App, Chart, Testing } from 'cdk8s';
import { AccessLogging } from '../../src/istio/access-logging';
import { IServiceVersion } from '../../src/core/references';
import { MeshService } from '../../src/services/mesh-service';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';

function version(chart: Chart, v: string, props: { app?: string; namespace?: string; podLabels?: { [key: string]: string } } = {}): ServiceVersion {
  const app = props.app ?? 'httpbin';
  return new ServiceVersion(chart, `${app}-${v}${props.namespace ? `-${props.namespace}` : ''}`, {
    app, version: v, image: 'docker.io/kennethreitz/httpbin', containerPort: 80, namespace: props.namespace, podLabels: props.podLabels,
  });
}

const telemetries = (manifests: any[]) => manifests.filter(m => m.kind === 'Telemetry');

/** Whether a WorkloadSelector's matchLabels select a pod with these labels (Istio: every label of the selector is on the pod). */
function selects(matchLabels: { [key: string]: string }, podLabels: { [key: string]: string }): boolean {
  return Object.entries(matchLabels).every(([key, value]) => podLabels[key] === value);
}

describe('AccessLogging', () => {
  test('one Telemetry that turns on the envoy access log for the version', () => {
    const chart = Testing.chart();
    const v2 = version(chart, 'v2');
    const logging = new AccessLogging(chart, 'v2-logs', { versions: [v2] });
    const manifests = Testing.synth(chart);
    const [t] = telemetries(manifests);
    expect(telemetries(manifests)).toHaveLength(1);
    expect(t).toMatchSnapshot();
    expect(t.apiVersion).toBe('telemetry.istio.io/v1');
    expect(t.kind).toBe('Telemetry');
    // Named after the version; no namespace, like the version's Deployment (the chart has none).
    expect(t.metadata).toEqual({ name: 'httpbin-v2-access-logs' });
    expect(Object.keys(t.spec).sort()).toEqual(['accessLogging', 'selector']);
    expect(t.spec.selector).toEqual({ matchLabels: { app: v2.app, version: v2.version } });
    expect(t.spec.accessLogging).toEqual([{ providers: [{ name: 'envoy' }] }]);
    expect(logging.providers).toEqual(['envoy']);
    expect(logging.telemetries.map(x => x.name)).toEqual(['httpbin-v2-access-logs']);
    expectValidManifests(manifests);
  });

  test('the selector matches exactly the pods of the version: those its Deployment selects, not those of another version', () => {
    const chart = Testing.chart();
    const v1 = version(chart, 'v1', { podLabels: { team: 'web' } });
    const v2 = version(chart, 'v2', { podLabels: { team: 'web', 'sidecar.istio.io/inject': 'true' } });
    new AccessLogging(chart, 'logs', { versions: [v2] });
    const manifests = Testing.synth(chart);
    const { matchLabels } = telemetries(manifests)[0].spec.selector;
    const deployment = manifests.find(m => m.kind === 'Deployment' && m.metadata.name === 'httpbin-v2');
    // The Deployment's own selector: the same pods, whatever extra labels they carry.
    expect(matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(selects(matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    expect(selects(matchLabels, v2.podLabels)).toBe(true);
    expect(selects(matchLabels, v1.podLabels)).toBe(false);
    // The label every version of the app shares is not enough on its own.
    expect(Object.keys(matchLabels).sort()).toEqual(['app', 'version']);
  });

  test('one Telemetry per version, each in the namespace of its version', () => {
    const chart = Testing.chart();
    const a = version(chart, 'v2', { namespace: 'team-a' });
    const b = version(chart, 'v2', { namespace: 'team-b' });
    const c = version(chart, 'v3', { namespace: 'team-a', app: 'reviews' });
    const logging = new AccessLogging(chart, 'logs', { versions: [a, b] });
    logging.addVersion(c);
    const manifests = Testing.synth(chart);
    expect(telemetries(manifests).map(t => [t.metadata.namespace, t.metadata.name, t.spec.selector.matchLabels])).toEqual([
      [a.namespace, 'httpbin-v2-access-logs', { app: 'httpbin', version: 'v2' }],
      [b.namespace, 'httpbin-v2-access-logs', { app: 'httpbin', version: 'v2' }],
      [c.namespace, 'reviews-v3-access-logs', { app: 'reviews', version: 'v3' }],
    ]);
    expect(logging.telemetries).toHaveLength(3);
    expectValidManifests(manifests);
  });

  test('in a chart with a namespace, the Telemetry goes where the version is', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    const v2 = version(chart, 'v2');
    const elsewhere = version(chart, 'v3', { namespace: 'canary' });
    new AccessLogging(chart, 'logs', { versions: [v2, elsewhere] });
    const manifests = Testing.synth(chart);
    expect(telemetries(manifests).map(t => t.metadata.namespace)).toEqual(['shop', 'canary']);
    expect(v2.namespace).toBe('shop');
    expectValidManifests(manifests);
  });

  test('versions of a service in another chart', () => {
    const app = new App();
    const workloads = new Chart(app, 'workloads', { namespace: 'shop' });
    const v2 = version(workloads, 'v2');
    new MeshService(workloads, 'httpbin', { port: 8000, versions: [version(workloads, 'v1'), v2] });
    const observability = new Chart(app, 'observability');
    new AccessLogging(observability, 'logs', { versions: [v2] });
    const [t] = Testing.synth(observability);
    expect(t.metadata).toEqual({ name: 'httpbin-v2-access-logs', namespace: 'shop' });
  });

  test('other providers', () => {
    const chart = Testing.chart();
    const logging = new AccessLogging(chart, 'logs', { versions: [version(chart, 'v2')], providers: ['envoy', 'otel'] });
    expect(telemetries(Testing.synth(chart))[0].spec.accessLogging).toEqual([{ providers: [{ name: 'envoy' }, { name: 'otel' }] }]);
    expect(logging.providers).toEqual(['envoy', 'otel']);
  });

  test('telemetries is a copy', () => {
    const chart = Testing.chart();
    const logging = new AccessLogging(chart, 'logs', { versions: [version(chart, 'v2')] });
    logging.telemetries.pop();
    expect(logging.telemetries).toHaveLength(1);
  });

  test('fails when no version is given by synthesis', () => {
    const chart = Testing.chart();
    new AccessLogging(chart, 'logs');
    expect(() => Testing.synth(chart)).toThrow(/\[test\/logs\] AccessLogging lists no versions: pass versions or call addVersion\(\)/);
  });

  test('fails when providers is empty, blank or lists a provider twice', () => {
    const chart = Testing.chart();
    const versions = [version(chart, 'v2')];
    expect(() => new AccessLogging(chart, 'a', { versions, providers: [] })).toThrow(/a: providers must name at least one access log provider, e.g. "envoy"/);
    expect(() => new AccessLogging(chart, 'b', { versions, providers: [''] })).toThrow(/b: providers must be names of .* got ""/);
    expect(() => new AccessLogging(chart, 'c', { versions, providers: [' envoy'] })).toThrow(/got " envoy"/);
    expect(() => new AccessLogging(chart, 'd', { versions, providers: ['envoy', 'envoy'] })).toThrow(/providers lists a provider twice \(envoy, envoy\)/);
  });

  test('fails when a version is listed twice', () => {
    const chart = Testing.chart();
    const v2 = version(chart, 'v2');
    const logging = new AccessLogging(chart, 'logs', { versions: [v2] });
    expect(() => logging.addVersion(v2)).toThrow(/logs: version httpbin\/v2 is listed twice: each version gets one Telemetry/);
  });

  test('fails when one version is given twice, its namespace once unset and once "default" (the same namespace)', () => {
    const chart = Testing.chart();
    const versionIn = (namespace?: string) => ({ app: 'a', version: 'v1', namespace, podLabels: { app: 'a', version: 'v1' }, definedElsewhere: false });
    expect(() => new AccessLogging(chart, 'logs', { versions: [versionIn(undefined), versionIn('default')] })).toThrow('test/logs: version a/v1 is listed twice: each version gets one Telemetry');
  });

  test('fails when two AccessLoggings select one version', () => {
    const chart = Testing.chart();
    const v2 = version(chart, 'v2');
    new AccessLogging(chart, 'logs', { versions: [v2] });
    new AccessLogging(chart, 'more-logs', { versions: [v2] });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/more-logs\] version httpbin\/v2 gets access logging here and from test\/logs: both write the Telemetry default\/httpbin-v2-access-logs, and Istio applies only one workload Telemetry per pod/);
  });

  test('fails when the version has no namespace but the chart would write its own on the Telemetry', () => {
    const app = Testing.app();
    const v2 = version(new Chart(app, 'workloads'), 'v2');
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    expect(() => new AccessLogging(chart, 'logs', { versions: [v2] }))
      .toThrow(/shop\/logs: version httpbin\/v2 has no namespace, but this chart's namespace "shop" would be written on its Telemetry, which then selects no pod/);
  });

  test('fails when the Telemetry name would not be a Kubernetes object name', () => {
    const chart = Testing.chart();
    // A valid label value, but no DNS subdomain.
    const v2 = new ServiceVersion(chart, 'beta', { app: 'httpbin', version: 'V2_beta', name: 'httpbin-beta', image: 'docker.io/kennethreitz/httpbin' });
    expect(() => new AccessLogging(chart, 'logs', { versions: [v2] }))
      .toThrow(/the Telemetry of version httpbin\/V2_beta is named <app>-<version>-access-logs, but that name must be a Kubernetes object name .* got "httpbin-V2_beta-access-logs"/);
  });

  test('fails when a version\'s labels are no label values (a wildcard would select every pod of the app)', () => {
    const chart = Testing.chart();
    const wildcard: IServiceVersion = { app: 'httpbin', version: 'v*', podLabels: { app: 'httpbin', version: 'v*' }, definedElsewhere: false };
    expect(() => new AccessLogging(chart, 'logs', { versions: [wildcard] })).toThrow(/logs: the version's version label must be a non-empty Kubernetes label value .* got "v\*"/);
  });
});

describe('AccessLogging: a version without pods (issue 14)', () => {
  test('is an error at synth: its Telemetry would select nothing', () => {
    const chart = Testing.chart();
    const idle = new ServiceVersion(chart, 'v3', { app: 'httpbin', version: 'v3', image: 'docker.io/kennethreitz/httpbin', replicas: 0 });
    new AccessLogging(chart, 'logs', { versions: [idle] });
    expect(() => Testing.synth(chart)).toThrow('[test/logs] version httpbin/v3 has no pods (0 replicas), so its Telemetry httpbin-v3-access-logs '
      + 'selects nothing');
  });
});
