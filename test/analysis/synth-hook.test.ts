import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import { FindingLevel, MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { MeshAnalysis } from '../../src/analysis/synth-hook';
import { IServiceVersion } from '../../src/core/references';
import { IstioGateway } from '../../src/istio/istio-gateway';
import { ServiceSubsets } from '../../src/istio/service-subsets';
import { MeshService } from '../../src/services/mesh-service';
import { MirrorRoute } from '../../src/istio/mirror-route';
import { HttpbinMirrorChart } from '../../src/scenario/httpbin-mirror-chart';
import { ServiceVersion } from '../../src/workloads/service-version';

// MeshAnalysis is the explicit, in-process full analysis: every object of the app, rendered once. Synthesis itself
// only runs the constructs' checks on their model (tested with each construct); these tests also show what that
// leaves to the full analysis (raw ApiObjects, patches, workloads the app does not deploy).

/** A version whose pods this app does not deploy. */
const versionOf = (app: string, version: string, namespace?: string): IServiceVersion => ({
  app, version, namespace, podLabels: { app, version }, definedElsewhere: false,
});

/** A gateway for `host` with the defaults of `IstioGateway` (selector istio=ingressgateway, HTTP on 80). */
const rawGateway = (chart: Chart, name: string, host: string) => new ApiObject(chart, name, {
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [host] }] },
});

afterEach(() => jest.restoreAllMocks());

test('the reference chart analyzes without error', () => {
  const chart = new HttpbinMirrorChart(Testing.app(), 'httpbin-mirror');

  expect(MeshAnalysis.analyze(chart).filter(f => f.level === FindingLevel.ERROR)).toEqual([]);
  expect(() => MeshAnalysis.assertNoErrors(chart)).not.toThrow();
});

test('reports a conflict between a construct and a raw ApiObject, with the construct path of each writer (IST0145)', () => {
  const chart = Testing.chart();
  new IstioGateway(chart, 'gateway', { name: 'httpbin-gateway', hosts: ['httpbin.example.com'], https: false });
  rawGateway(chart, 'other-gateway', 'httpbin.example.com');

  const findings = MeshAnalysis.analyze(chart).filter(f => f.code === 'IST0145');
  expect(findings.map(f => [f.path, f.name])).toEqual([['test/gateway', 'httpbin-gateway'], ['test/other-gateway', 'other-gateway']]);
  expect(findings[0].message).toMatch(/^Conflict with gateways default\/other-gateway .*Merge the servers/);
  // Synthesis does not render the app to look for such conflicts: it is left to this analysis and the validation plugin.
  expect(() => Testing.synth(chart)).not.toThrow();
});

test('assertNoErrors throws one line per error: [construct path] code message', () => {
  const chart = Testing.chart();
  new IstioGateway(chart, 'gateway', { name: 'gw', hosts: ['a.example.com'], https: false });
  rawGateway(chart, 'other', 'a.example.com');

  expect(() => MeshAnalysis.assertNoErrors(chart)).toThrow(/^Mesh analysis found 2 error\(s\):\n {2}\[test\/gateway\] IST0145 Conflict with gateways default\/other /);
  expect(() => MeshAnalysis.assertNoErrors(chart)).toThrow(/\n {2}\[test\/other\] IST0145 Conflict with gateways default\/gw .*distinct hosts or ports\.$/);
});

test('reports a subset that selects no pods, on the DestinationRule the service writes (IST0173)', () => {
  const chart = Testing.chart();
  const v1 = new ServiceVersion(chart, 'echo-v1', { app: 'echo', version: 'v1', image: 'echo:1' });
  // The subsets a MirrorRoute adds when it addresses a version (ServiceSubsets).
  ServiceSubsets.forService(new MeshService(chart, 'echo', { versions: [v1, versionOf('echo', 'v2')] }));

  expect(MeshAnalysis.analyze(chart).map(f => [f.code, f.path])).toEqual([['IST0173', 'test/echo/DestinationRule']]);
});

test('reports a route that shares its mesh host with a raw VirtualService (IST0109)', () => {
  const chart = Testing.chart();
  const service = new MeshService(chart, 'httpbin', { port: 8000, versions: [versionOf('httpbin', 'v1'), versionOf('httpbin', 'v2')] });
  new MirrorRoute(chart, 'route', { destination: { service, version: 'v1' }, mirror: { service, version: 'v2' } });
  new ApiObject(chart, 'legacy', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'legacy' },
    spec: { hosts: ['httpbin'], http: [{ route: [{ destination: { host: 'httpbin' } }] }] },
  });

  const findings = MeshAnalysis.analyze(chart).filter(f => f.code === 'IST0109');
  expect(findings.map(f => f.path)).toEqual(['test/route', 'test/legacy']);
  expect(findings[0].message).toMatch(/^The VirtualServices default\/httpbin,default\/legacy associated with mesh gateway/);
});

test('an object written twice is reported with every writer, the API group compared rather than the version (TM0006)', () => {
  const chart = Testing.chart();
  const service = new MeshService(chart, 'httpbin', { port: 8000, versions: [versionOf('httpbin', 'v1'), versionOf('httpbin', 'v2')] });
  const route = new MirrorRoute(chart, 'route', { destination: { service, version: 'v1' }, mirror: { service, version: 'v2' } });
  const raw = (id: string, apiVersion: string) => new ApiObject(chart, id, {
    apiVersion, kind: 'VirtualService', metadata: { name: route.routeName }, spec: { hosts: ['other'], http: [] },
  });
  raw('other-group', 'example.com/v1');
  expect(MeshAnalysis.analyze(chart).filter(f => f.code === 'TM0006')).toEqual([]);

  raw('old-version', 'networking.istio.io/v1beta1');
  const duplicate = MeshAnalysis.analyze(chart).filter(f => f.code === 'TM0006');
  expect(duplicate).toHaveLength(1);
  expect(duplicate[0].message).toMatch(/Defined 2 times in the input; .* Written by test\/route, test\/old-version\.$/);
});

test('the findings are those about the objects under the scope; the whole app is analyzed', () => {
  const app = Testing.app();
  const infra = new Chart(app, 'infra');
  new IstioGateway(infra, 'gateway', { name: 'shared', hosts: ['a.example.com'], https: false });
  const web = new Chart(app, 'web');
  rawGateway(web, 'dup', 'a.example.com');

  expect(MeshAnalysis.analyze(web).map(f => [f.code, f.path])).toEqual([['IST0145', 'web/dup']]);
  expect(MeshAnalysis.analyze(infra).map(f => [f.code, f.path])).toEqual([['IST0145', 'infra/gateway']]);
  expect(MeshAnalysis.analyze(app)).toHaveLength(2);
});

test('objects declared as defined elsewhere are taken as existing; a wrong known version of them is still an error', () => {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'web' });
  const gateway = IstioGateway.fromGatewayName(chart, 'shared', 'istio-system/shared-gateway');
  const known = MeshService.fromServiceAttributes(chart, 'known', { name: 'known', namespace: 'team', ports: [80], versions: ['v1', 'v2'] });
  const unknown = MeshService.fromServiceAttributes(chart, 'unknown', { name: 'unknown', namespace: 'team' });
  new MirrorRoute(chart, 'known-route', {
    destination: { service: known, version: 'v1' }, mirror: { service: known, version: 'v2' }, gateways: [gateway], hosts: ['known.example.com'],
  });
  new MirrorRoute(chart, 'unknown-route', {
    destination: { service: unknown, version: 'v1', port: 8080 }, mirror: { service: unknown, version: 'canary', port: 8080 },
    gateways: [gateway], hosts: ['unknown.example.com'],
  });
  expect(MeshAnalysis.analyze(chart).filter(f => f.level === FindingLevel.ERROR)).toEqual([]);
  // The analyzer alone, without the declarations, would report the gateway, the hosts and the subsets as missing.
  const stripped = Testing.synth(chart).map(m => ({ ...m, metadata: { ...m.metadata, annotations: undefined } }));
  expect(MeshAnalyzer.analyze(stripped).filter(f => f.code === 'IST0101').length).toBeGreaterThan(0);

  new MirrorRoute(chart, 'v3-route', {
    name: 'known-v3', destination: { service: known, version: 'v1' }, mirror: { service: known, version: 'v3' }, gateways: [gateway], hosts: ['v3.example.com'],
  });
  // The route's own check says so at synthesis; the analysis of the written objects says so too.
  expect(() => Testing.synth(chart)).toThrow(/mirror version "v3" is not defined for service known \(its versions: v1, v2\)/);
  expect(MeshAnalysis.analyze(chart).filter(f => f.level === FindingLevel.ERROR).map(f => [f.code, f.path])).toEqual([['IST0101', 'test/v3-route']]);
});

test('renders every object once per call, and never during synthesis (1000 services)', () => {
  const app = new App({ outdir: '/tmp/cdk8s-traffic-mirror-unused' });
  const chart = new Chart(app, 'bench', { namespace: 'bench' });
  const gateway = new IstioGateway(chart, 'gateway', { name: 'mesh-gateway', hosts: ['*.example.com'], credentialName: 'wildcard' });
  for (let i = 0; i < 1000; i++) {
    const name = `svc-${i}`;
    const service = new MeshService(chart, name, { port: 8000, versions: [versionOf(name, 'v1', 'bench'), versionOf(name, 'v2', 'bench')] });
    new MirrorRoute(chart, `${name}-route`, {
      destination: { service, version: 'v1' }, mirror: { service, version: 'v2' }, mirrorPercent: 50, gateways: [gateway], hosts: [`${name}.example.com`],
    });
  }
  const analyze = jest.spyOn(MeshAnalyzer, 'analyze');
  const toJson = jest.spyOn(ApiObject.prototype, 'toJson');

  expect(app.synthYaml()).toContain('svc-999');
  // synthYaml validates the app twice (once itself, once for the chart) but renders each object once, to write it.
  expect(analyze).not.toHaveBeenCalled();
  expect(toJson).toHaveBeenCalledTimes(3 * 1000 + 1);

  toJson.mockClear();
  expect(MeshAnalysis.analyze(app)).toEqual([]);
  expect(analyze).toHaveBeenCalledTimes(1);
  expect(toJson).toHaveBeenCalledTimes(3 * 1000 + 1);
});

describe('an analysis right after a change sees it', () => {
  test('when an object was added', () => {
    const chart = Testing.chart();
    new IstioGateway(chart, 'gateway', { name: 'gw', hosts: ['a.example.com'], https: false });
    expect(MeshAnalysis.analyze(chart)).toEqual([]);
    rawGateway(chart, 'other', 'a.example.com');
    expect(MeshAnalysis.analyze(chart).map(f => f.code)).toEqual(['IST0145', 'IST0145']);
  });

  test('when an object was patched (any cdk8s mutator, not only this library\'s)', () => {
    const chart = Testing.chart();
    new IstioGateway(chart, 'gateway', { name: 'gw', hosts: ['a.example.com'], https: false });
    const other = rawGateway(chart, 'other', 'a.example.com');
    other.addJsonPatch(JsonPatch.replace('/spec/selector', { istio: 'egressgateway' }));
    expect(MeshAnalysis.analyze(chart)).toEqual([]);
    other.addJsonPatch(JsonPatch.replace('/spec/selector', { istio: 'ingressgateway' }));
    expect(MeshAnalysis.analyze(chart).map(f => [f.code, f.path])).toContainEqual(['IST0145', 'test/gateway']);
  });

  test('when a version was added to a service', () => {
    const chart = Testing.chart();
    const service = new MeshService(chart, 'httpbin', { port: 8000, versions: [versionOf('httpbin', 'v1')] });
    new ServiceVersion(chart, 'v1', { app: 'httpbin', version: 'v1', image: 'example/httpbin', containerPort: 80 });
    new MirrorRoute(chart, 'route', { destination: { service, version: 'v1' }, mirror: { service, version: 'v2' }, hosts: ['httpbin'] });
    expect(() => Testing.synth(chart)).toThrow(/mirror version "v2" is not defined for service httpbin/);
    service.addVersion(new ServiceVersion(chart, 'v2', { app: 'httpbin', version: 'v2', image: 'example/httpbin', containerPort: 80 }));
    expect(() => Testing.synth(chart)).not.toThrow();
    expect(MeshAnalysis.analyze(chart)).toEqual([]);
  });
});
