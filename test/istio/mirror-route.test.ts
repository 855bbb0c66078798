import { ApiObject, App, Chart, Duration, Testing } from 'cdk8s';
import { GatewayApiGateway } from '../../src/gateway-api/gateway-api-gateway';
import { ServiceSubsets } from '../../src/istio/service-subsets';
import { IstioGateway } from '../../src/istio/istio-gateway';
import { MeshService } from '../../src/services/mesh-service';
import { MirrorRoute, MirrorRouteProps } from '../../src/istio/mirror-route';
import { StringMatch } from '../../src/core/request-match';
import { RetryOn } from '../../src/core/route-policy';
import { DEFINED_ELSEWHERE_ANNOTATION } from '../../src/core/defined-elsewhere';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';

interface Fixture {
  readonly chart: Chart;
  readonly service: MeshService;
  readonly gateway: IstioGateway;
}

/** httpbin with versions v1, v2 and v3 behind one service (port http 8000) and an HTTPS gateway. */
function fixture(namespace = 'default'): Fixture {
  const chart = Testing.chart();
  // Testing.chart() has no namespace; a nested chart gives the constructs one.
  const scoped = new Chart(chart, 'ns', { namespace });
  const versions = ['v1', 'v2', 'v3'].map(v => new ServiceVersion(scoped, `httpbin-${v}`, {
    app: 'httpbin', version: v, image: 'docker.io/kennethreitz/httpbin', containerPort: 80,
  }));
  const service = new MeshService(scoped, 'httpbin', { port: 8000, versions });
  const gateway = new IstioGateway(scoped, 'gateway', { name: 'httpbin-gateway', hosts: ['httpbin.example.com'], credentialName: 'httpbin-credential' });
  return { chart: scoped, service, gateway };
}

function virtualService(chart: Chart): any {
  const vs = Testing.synth(chart).filter(m => m.kind === 'VirtualService');
  expect(vs).toHaveLength(1);
  return vs[0];
}

function route(f: Fixture, props: Partial<MirrorRouteProps> = {}, id = 'route'): MirrorRoute {
  return new MirrorRoute(f.chart, id, {
    destination: { service: f.service, version: 'v1' },
    mirror: { service: f.service, version: 'v2' },
    gateways: [f.gateway],
    ...props,
  });
}

describe('MirrorRoute', () => {
  test('is the VirtualService itself: one construct, rendered with the field names of Istio\'s CRD', () => {
    const f = fixture();
    const r = route(f);
    expect(r).toBeInstanceOf(ApiObject);
    expect(r.virtualService).toBe(r);
    expect(ApiObject.of(r)).toBe(r);
    expect([r.apiVersion, r.kind, r.name, r.node.path]).toEqual(['networking.istio.io/v1', 'VirtualService', 'httpbin', 'test/ns/route']);
    expect(r.node.children).toEqual([]);
    expect(r.toJson()).toEqual(virtualService(f.chart));
    // instanceof is the class's own, not cdk8s's "any ApiObject".
    expect(new ApiObject(f.chart, 'plain', { apiVersion: 'v1', kind: 'ConfigMap' }) instanceof MirrorRoute).toBe(false);
    expect(r instanceof MirrorRoute).toBe(true);
  });

  test('errors raised before the VirtualService exists name the route\'s path all the same', () => {
    const f = fixture();
    expect(() => route(f, { mirrorPercent: 101 })).toThrow(/^test\/ns\/route: mirrorPercent must be/);
  });

  describe('single mirror (the walkthrough)', () => {
    test('routes 100% to the destination and mirrors 100% by default', () => {
      const f = fixture();
      const r = route(f);
      const vs = virtualService(f.chart);
      expect(vs.metadata.name).toBe(f.service.serviceName);
      expect(r.routeName).toBe(f.service.serviceName);
      expect(vs.spec.hosts).toEqual(f.gateway.hosts);
      expect(vs.spec.gateways).toEqual([f.gateway.gatewayName]);
      expect(vs.spec.http).toHaveLength(1);
      expect(vs.spec.http[0].route).toEqual([{ destination: { host: f.service.serviceName, subset: 'v1', port: { number: 8000 } }, weight: 100 }]);
      expect(vs.spec.http[0].mirror).toEqual({ host: f.service.serviceName, subset: 'v2', port: { number: 8000 } });
      expect(vs.spec.http[0].mirrorPercentage).toEqual({ value: 100 });
      expect(vs.spec.http[0].mirrors).toBeUndefined();
      expect(r.mirrorPercent).toBe(100);
      expectValidManifests(Testing.synth(f.chart));
      expect(vs).toMatchSnapshot();
    });

    test('mirrorPercent 0 writes no mirror fields at all', () => {
      const f = fixture();
      const r = route(f, { mirrorPercent: 0 });
      const rule = virtualService(f.chart).spec.http[0];
      expect(Object.keys(rule)).toEqual(['route']);
      expect(r.mirrorPercent).toBe(0);
      expect(r.mirrors).toEqual([]);
    });

    test('mirrorPercent 100 writes mirror and mirrorPercentage', () => {
      const f = fixture();
      route(f, { mirrorPercent: 100 });
      const rule = virtualService(f.chart).spec.http[0];
      expect(rule.mirror.subset).toBe('v2');
      expect(rule.mirrorPercentage).toEqual({ value: 100 });
    });

    test('a decimal mirrorPercent is written as is', () => {
      const f = fixture();
      route(f, { mirrorPercent: 0.5 });
      expect(virtualService(f.chart).spec.http[0].mirrorPercentage).toEqual({ value: 0.5 });
    });

    test('without a mirror the route only routes', () => {
      const f = fixture();
      route(f, { mirror: undefined });
      expect(Object.keys(virtualService(f.chart).spec.http[0])).toEqual(['route']);
    });

    test('name and namespace can be set', () => {
      const f = fixture();
      const r = route(f, { name: 'httpbin-mirror', namespace: 'default' });
      const vs = virtualService(f.chart);
      expect(vs.metadata).toEqual({ name: 'httpbin-mirror', namespace: 'default' });
      expect(r.namespace).toBe('default');
    });

    test.each([-1, 150, NaN, Infinity])('fails when mirrorPercent is %p', (mirrorPercent) => {
      const f = fixture();
      expect(() => route(f, { mirrorPercent })).toThrow(/mirrorPercent must be a number between 0 and 100/);
    });

    test('fails when mirrorPercent is set without a mirror', () => {
      const f = fixture();
      expect(() => route(f, { mirror: undefined, mirrorPercent: 10 })).toThrow(/mirrorPercent is 10 but there is no mirror/);
    });

    test('fails when the mirror is the destination', () => {
      const f = fixture();
      expect(() => route(f, { mirror: { service: f.service, version: 'v1' } }))
        .toThrow('test/ns/route: mirror is the same as the destination (httpbin version v1): every request would reach that version twice; '
          + 'mirror to another version of the service');
    });

    test('fails when the destination is missing', () => {
      const f = fixture();
      expect(() => new MirrorRoute(f.chart, 'r', {} as MirrorRouteProps)).toThrow(/destination is required/);
    });

    test('fails when a version is empty', () => {
      const f = fixture();
      expect(() => route(f, { mirror: { service: f.service, version: '' } }))
        .toThrow('test/ns/route: mirror.version must not be empty: name a version of httpbin, or leave it unset for all pods');
    });

    test('fails when the name is not a DNS name', () => {
      const f = fixture();
      expect(() => route(f, { name: 'Httpbin_Route' })).toThrow(/name must be a Kubernetes object name.*"Httpbin_Route"/);
    });

    test('fails when the namespace is not a DNS label', () => {
      const f = fixture();
      expect(() => route(f, { namespace: 'team.a' })).toThrow(/namespace must be a DNS label.*"team.a"/);
    });

    test('error messages name the construct path', () => {
      const f = fixture();
      expect(() => route(f, { mirrorPercent: 150 }, 'my-route')).toThrow(/ns\/my-route: mirrorPercent/);
    });
  });

  describe('ports', () => {
    function twoPorts(f: Fixture): MeshService {
      return new MeshService(f.chart, 'api', {
        app: 'api',
        ports: [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }],
        versions: [
          new ServiceVersion(f.chart, 'api-v1', { app: 'api', version: 'v1', image: 'example/api:1' }),
          new ServiceVersion(f.chart, 'api-v2', { app: 'api', version: 'v2', image: 'example/api:2' }),
        ],
      });
    }

    test('fails when the port is missing on a multi-port service', () => {
      const f = fixture();
      const api = twoPorts(f);
      expect(() => new MirrorRoute(f.chart, 'r', { destination: { service: api, version: 'v1' } }))
        .toThrow(/destination.port is required: service api has several ports \(8080, 9090\)/);
    });

    test('fails at construction when the port is not on the service', () => {
      const f = fixture();
      const api = twoPorts(f);
      expect(() => new MirrorRoute(f.chart, 'r', { destination: { service: api, version: 'v1', port: 8080 }, mirror: { service: api, version: 'v2', port: 7000 } }))
        .toThrow('test/ns/r: mirror.port 7000 is not a port of service api (its ports: 8080, 9090): use one of them');
      expect(() => new MirrorRoute(f.chart, 'r2', { destination: { service: api, version: 'v1', port: 7000 } }))
        .toThrow('test/ns/r2: destination.port 7000 is not a port of service api (its ports: 8080, 9090): use one of them');
    });

    test('fails when the port number is out of range', () => {
      const f = fixture();
      expect(() => route(f, { mirror: { service: f.service, version: 'v2', port: 70000 } })).toThrow(/mirror.port must be an integer port number/);
    });

    test('mirrors on the http port of a two-port service', () => {
      const f = fixture();
      const api = twoPorts(f);
      new MirrorRoute(f.chart, 'r', {
        destination: { service: api, version: 'v1', port: 8080 },
        mirror: { service: api, version: 'v2', port: 8080 },
      });
      const vs = virtualService(f.chart);
      expect(vs.spec.hosts).toEqual([api.serviceName]);
      expect(vs.spec.http[0].mirror).toEqual({ host: api.serviceName, subset: 'v2', port: { number: 8080 } });
      expectValidManifests(Testing.synth(f.chart));
    });
  });

  describe('versions', () => {
    test('fails when a version is not defined for the service (deferred)', () => {
      const f = fixture();
      route(f, { mirror: { service: f.service, version: 'v4' } });
      expect(() => Testing.synth(f.chart)).toThrow('[test/ns/route] mirror version "v4" is not defined for service httpbin (its versions: v1, v2, v3): '
        + 'add a version "v4" to the service or pick one of its versions');
    });

    test('a version added after the route is seen at synth', () => {
      const f = fixture();
      route(f, { mirror: { service: f.service, version: 'v4' } });
      f.service.addVersion(new ServiceVersion(f.chart, 'v4', { app: 'httpbin', version: 'v4', image: 'docker.io/kennethreitz/httpbin' }));
      expect(virtualService(f.chart).spec.http[0].mirror.subset).toBe('v4');
    });

    test('fails when the mirror has no version and the destination is a version of the same service', () => {
      const f = fixture();
      expect(() => route(f, { mirror: { service: f.service } })).toThrow(new RegExp('^test/ns/route: mirror \\(httpbin, no version: every pod '
        + 'of the service\\) includes the pods of destination \\(httpbin version v1\\): those pods would get real requests and copies.*'
        + 'set mirror.version to the version that receives the copies \\(a version other than v1\\)$'));
      expect(() => route(f, { mirror: undefined, mirrors: [{ service: f.service, version: 'v2' }, { service: f.service, percent: 10 }] }, 'several'))
        .toThrow(/mirrors\[1\] \(httpbin, no version: every pod of the service\) includes the pods of destination/);
      expect(() => route(f, {
        destination: undefined, destinations: [{ service: f.service, version: 'v1', weight: 90 }, { service: f.service, version: 'v3', weight: 10 }],
        mirror: { service: f.service },
      }, 'weighted')).toThrow(/mirror \(httpbin, no version: every pod of the service\) includes the pods of destinations\[0\]/);
    });

    test('fails when the mirror is a version of the service the destination routes to without version', () => {
      const f = fixture();
      expect(() => route(f, { destination: { service: f.service } })).toThrow(new RegExp('^test/ns/route: mirror \\(httpbin version v2\\) is '
        + 'among the pods of destination \\(httpbin, no version: every pod of the service\\): version v2 would get real requests.*'
        + 'set destination.version to the serving version, so that only copies reach version v2$'));
    });

    test('fails when mirror and destination are the same service without versions', () => {
      const f = fixture();
      expect(() => route(f, { destination: { service: f.service }, mirror: { service: f.service } }))
        .toThrow(/mirror is the same as the destination \(httpbin\): every request would reach that version twice/);
    });

    test('a mirror without version of another service, or a version next to a weight-0 destination without version, is fine', () => {
      const f = fixture();
      const other = MeshService.fromServiceAttributes(f.chart, 'other', { name: 'other', namespace: 'default', ports: [8000] });
      route(f, { mirror: { service: other } });
      // On the mesh: a second route bound to the same gateway for the same host would be TM0007.
      route(f, {
        name: 'httpbin-weighted',
        destinations: [{ service: f.service, version: 'v1', weight: 100 }, { service: f.service, weight: 0 }],
        destination: undefined,
        gateways: undefined,
      }, 'weighted');
      expect(Testing.synth(f.chart).filter(m => m.kind === 'VirtualService')).toHaveLength(2);
    });

    test('fails when a version of a service without versions is used (deferred)', () => {
      const chart = Testing.chart();
      const service = new MeshService(chart, 'svc', { app: 'svc' });
      new MirrorRoute(chart, 'r', { destination: { service, version: 'v3' } });
      expect(() => Testing.synth(chart)).toThrow('[test/r] destination version "v3" is not defined for service svc (its versions: none): '
        + 'add a version "v3" to the service or pick one of its versions');
    });
  });

  describe('hosts and gateways', () => {
    test('fails when a host is not served by the gateway (deferred)', () => {
      const f = fixture();
      route(f, { hosts: ['other.example.com'] });
      expect(() => Testing.synth(f.chart)).toThrow(/host other.example.com is not served by gateway httpbin-gateway/);
    });

    test('a wildcard gateway serves a matching host', () => {
      const f = fixture();
      const wildcard = new IstioGateway(f.chart, 'wild', { hosts: ['*.example.com'], credentialName: 'wildcard', selector: { istio: 'other-gateway' } });
      route(f, { gateways: [wildcard], hosts: ['api.example.com'] });
      expect(() => Testing.synth(f.chart)).not.toThrow();
    });

    test.each([['Httpbin.example.com'], ['bad_host'], ['-a.example.com'], ['a..b']])('fails when a host is %p', (host) => {
      const f = fixture();
      expect(() => route(f, { hosts: [host] })).toThrow(/hosts must be a lowercase DNS name/);
    });

    test('fails when hosts contains "*" and the route applies to the mesh', () => {
      const f = fixture();
      expect(() => route(f, { hosts: ['*'], gateways: undefined })).toThrow(new RegExp('test/ns/route: hosts contains "\\*" but the route '
        + 'applies to the mesh: Istio rejects the wildcard host \\* .*list the hosts \\(e.g. httpbin\\)'));
      expect(() => route(f, { hosts: ['*'], includeMesh: true }, 'both')).toThrow(/hosts contains "\*" but the route applies to the mesh/);
      const star = new IstioGateway(f.chart, 'star', { hosts: ['*'], credentialName: 'c', selector: { istio: 'star' } });
      expect(() => route(f, { gateways: [star], includeMesh: true }, 'default'))
        .toThrow(new RegExp(`hosts is required: gateway ${star.gatewayName} serves "\\*", which Istio rejects on a VirtualService bound to the mesh`));
      route(f, { gateways: [star], hosts: ['*'] }, 'gateway-only');
      expect(virtualService(f.chart).spec.hosts).toEqual(['*']);
    });

    test.each([
      [['api.example.com', 'api.example.com'], /hosts lists api.example.com twice/],
      [['api.example.com', '*.example.com'], /hosts \*.example.com and api.example.com overlap \(\*.example.com covers api.example.com\).*drop api.example.com/],
      [['*.example.com', '*.a.example.com'], /hosts \*.example.com and \*.a.example.com overlap/],
    ])('fails when hosts %p overlap', (hosts, message) => {
      const f = fixture();
      const wildcard = new IstioGateway(f.chart, 'wild', { hosts: ['*.example.com'], credentialName: 'c', selector: { istio: 'wild' } });
      expect(() => route(f, { gateways: [wildcard], hosts })).toThrow(message);
    });

    test('the default hosts leave out hosts covered by another gateway\'s wildcard host', () => {
      const f = fixture();
      const wildcard = new IstioGateway(f.chart, 'wild', { hosts: ['*.example.com', 'example.com'], credentialName: 'c', selector: { istio: 'wild' } });
      const r = route(f, { gateways: [f.gateway, wildcard, f.gateway], includeMesh: true });
      expect(r.hosts).toEqual(['*.example.com', 'example.com', f.service.serviceName]);
      expect(virtualService(f.chart).spec.hosts).toEqual(r.hosts);
    });

    test('fails when hosts is empty', () => {
      const f = fixture();
      expect(() => route(f, { hosts: [] })).toThrow(/hosts must not be empty/);
    });

    test('fails when includeMesh is false without gateways', () => {
      const f = fixture();
      expect(() => route(f, { gateways: [], includeMesh: false })).toThrow(/includeMesh is false and no gateways are given/);
    });

    test('without gateways the route applies to the mesh, for the service host', () => {
      const f = fixture();
      route(f, { gateways: undefined });
      const vs = virtualService(f.chart);
      expect(vs.spec.gateways).toBeUndefined();
      expect(vs.spec.hosts).toEqual([f.service.serviceName]);
    });

    test('gateway and mesh together bind to both', () => {
      const f = fixture();
      route(f, { includeMesh: true });
      const vs = virtualService(f.chart);
      expect(vs.spec.gateways).toEqual([f.gateway.gatewayName, 'mesh']);
      expect(vs.spec.hosts).toEqual([...f.gateway.hosts!, f.service.serviceName]);
      expectValidManifests(Testing.synth(f.chart));
    });

    test('a shared gateway in another namespace is referenced as namespace/name and needs hosts', () => {
      const f = fixture();
      const shared = IstioGateway.fromGatewayName(f.chart, 'shared', 'istio-system/shared-gateway');
      expect(() => route(f, { gateways: [shared] }, 'no-hosts')).toThrow(/hosts is required: the hosts of gateway shared-gateway are not known/);
      route(f, { gateways: [shared], hosts: ['httpbin.example.com'] });
      const vs = virtualService(f.chart);
      expect(vs.spec.gateways).toEqual([`${shared.namespace}/${shared.gatewayName}`]);
      expect(vs.spec.gateways).toEqual(['istio-system/shared-gateway']);
    });

    test('a gateway name without namespace is in the chart namespace', () => {
      const f = fixture();
      const local = IstioGateway.fromGatewayName(f.chart, 'local', 'my-gateway');
      route(f, { gateways: [local], hosts: ['httpbin.example.com'] });
      expect(virtualService(f.chart).spec.gateways).toEqual(['my-gateway']);
    });
  });

  describe('other namespaces', () => {
    test('a mirror target in another namespace is addressed by FQDN', () => {
      const f = fixture('shop');
      const shadow = MeshService.fromServiceAttributes(f.chart, 'shadow', { name: 'httpbin-shadow', namespace: 'shadow', ports: [8000], versions: ['v2'] });
      route(f, { mirror: { service: shadow, version: 'v2' } });
      const rule = virtualService(f.chart).spec.http[0];
      expect(rule.mirror).toEqual({ host: `${shadow.serviceName}.${shadow.namespace}.svc.cluster.local`, subset: 'v2', port: { number: 8000 } });
      expect(rule.route[0].destination.host).toBe(f.service.serviceName);
    });

    test('a route in another namespace addresses the destination by FQDN and uses it as mesh host', () => {
      const f = fixture('shop');
      new MirrorRoute(f.chart, 'r', { namespace: 'edge', destination: { service: f.service, version: 'v1' }, mirror: { service: f.service, version: 'v2' } });
      const vs = virtualService(f.chart);
      const fqdn = `${f.service.serviceName}.${f.service.namespace}.svc.cluster.local`;
      expect(vs.metadata.namespace).toBe('edge');
      expect(vs.spec.hosts).toEqual([fqdn]);
      expect(vs.spec.http[0].route[0].destination.host).toBe(fqdn);
    });

    test('imported service with unknown ports needs a port', () => {
      const f = fixture();
      const other = MeshService.fromServiceAttributes(f.chart, 'other', { name: 'other', namespace: 'team-b' });
      expect(() => route(f, { mirror: { service: other, version: 'v2' } }, 'r1')).toThrow(/mirror.port is required: service other has unknown ports/);
      route(f, { mirror: { service: other, version: 'v2', port: 8080 } }, 'r2');
      expect(() => Testing.synth(f.chart)).not.toThrow();
    });

    test('fails when a service in another namespace is used from a route without namespace', () => {
      const chart = Testing.chart();
      const other = MeshService.fromServiceAttributes(chart, 'other', { name: 'other', namespace: 'team-b', ports: [80] });
      const local = MeshService.fromServiceAttributes(chart, 'local', { name: 'local', ports: [80] });
      expect(() => new MirrorRoute(chart, 'r', { destination: { service: local }, mirror: { service: other } }))
        .not.toThrow();
      const ns = new Chart(chart, 'ns', { namespace: 'team-a' });
      const nsless = MeshService.fromServiceAttributes(chart, 'nsless', { name: 'nsless', ports: [80] });
      expect(() => new MirrorRoute(ns, 'r', { destination: { service: nsless } }))
        .toThrow(/service nsless has no namespace but the route is in namespace team-a/);
    });
  });

  describe('several mirrors', () => {
    test('mirrors writes Istio 1.20+ mirrors with a percentage each, never mirror', () => {
      const f = fixture();
      const r = route(f, { mirror: undefined, mirrors: [{ service: f.service, version: 'v2' }, { service: f.service, version: 'v3', percent: 10 }] });
      const rule = virtualService(f.chart).spec.http[0];
      expect(rule.mirror).toBeUndefined();
      expect(rule.mirrorPercentage).toBeUndefined();
      expect(rule.mirrors).toEqual([
        { destination: { host: f.service.serviceName, subset: 'v2', port: { number: 8000 } }, percentage: { value: 100 } },
        { destination: { host: f.service.serviceName, subset: 'v3', port: { number: 8000 } }, percentage: { value: 10 } },
      ]);
      expect(r.mirrorPercent).toBe(100);
      expect(r.mirrors).toEqual([
        { service: f.service, version: 'v2', port: 8000, percent: 100 },
        { service: f.service, version: 'v3', port: 8000, percent: 10 },
      ]);
      expectValidManifests(Testing.synth(f.chart));
      expect(virtualService(f.chart)).toMatchSnapshot();
    });

    test('a single entry in mirrors uses the classic form', () => {
      const f = fixture();
      route(f, { mirror: undefined, mirrors: [{ service: f.service, version: 'v3', percent: 10 }] });
      const rule = virtualService(f.chart).spec.http[0];
      expect(rule.mirror.subset).toBe('v3');
      expect(rule.mirrorPercentage).toEqual({ value: 10 });
      expect(rule.mirrors).toBeUndefined();
    });

    test('addMirror adds to the mirror prop', () => {
      const f = fixture();
      const r = route(f);
      r.addMirror({ service: f.service, version: 'v3', percent: 10 });
      const rule = virtualService(f.chart).spec.http[0];
      expect(rule.mirrors.map((m: any) => [m.destination.subset, m.percentage.value])).toEqual([['v2', 100], ['v3', 10]]);
    });

    test('mirrors at 0% are left out', () => {
      const f = fixture();
      route(f, { mirror: undefined, mirrors: [{ service: f.service, version: 'v2', percent: 0 }, { service: f.service, version: 'v3', percent: 5 }] });
      const rule = virtualService(f.chart).spec.http[0];
      expect(rule.mirror.subset).toBe('v3');
      expect(rule.mirrors).toBeUndefined();
    });

    test('fails when mirror and mirrors are combined', () => {
      const f = fixture();
      expect(() => route(f, { mirrors: [{ service: f.service, version: 'v3' }] })).toThrow(/mirrors cannot be combined with mirror or mirrorPercent/);
    });

    test('fails when a mirror is listed twice', () => {
      const f = fixture();
      const r = route(f);
      expect(() => r.addMirror({ service: f.service, version: 'v2', percent: 5 }))
        .toThrow('test/ns/route: addMirror(httpbin) mirrors to httpbin version v2 again: each version can be a mirror once; raise its percent instead');
    });

    test.each([-5, 101, NaN])('fails when a mirror percent is %p', (percent) => {
      const f = fixture();
      expect(() => route(f, { mirror: undefined, mirrors: [{ service: f.service, version: 'v2', percent }] }))
        .toThrow(/mirrors\[0\].percent must be a number between 0 and 100/);
    });

    test('fails when an added mirror is the destination', () => {
      const f = fixture();
      const r = route(f);
      expect(() => r.addMirror({ service: f.service, version: 'v1' })).toThrow(/is the same as the destination/);
    });

    test('addMirror after construction is reflected in synthesis and in mirrors', () => {
      const f = fixture();
      const r = route(f, { mirror: undefined, mirrorSafeMethodsOnly: true });
      expect(() => Testing.synth(f.chart)).toThrow('[test/ns/route] mirrorSafeMethodsOnly is set but the route has no mirror');
      r.addMirror({ service: f.service, version: 'v3', percent: 20 });
      const http = virtualService(f.chart).spec.http;
      expect(http.map((rule: any) => rule.name)).toEqual(['mirrored', 'default']);
      expect(http[0].mirror).toEqual({ host: f.service.serviceName, subset: 'v3', port: { number: 8000 } });
      expect(http[0].mirrorPercentage).toEqual({ value: 20 });
      expect(http[1].mirror).toBeUndefined();
      expect(r.mirrors).toEqual([{ service: f.service, version: 'v3', port: 8000, percent: 20 }]);
      expect(r.mirrorPercent).toBe(20);
    });

    test('a version added by addMirror is checked at every synthesis, never stale', () => {
      const f = fixture();
      const r = route(f);
      expect(() => Testing.synth(f.chart)).not.toThrow();
      r.addMirror({ service: f.service, version: 'v4', percent: 10 });
      expect(() => Testing.synth(f.chart)).toThrow('[test/ns/route] mirror version "v4" is not defined for service httpbin (its versions: v1, v2, v3): '
        + 'add a version "v4" to the service or pick one of its versions');
      f.service.addVersion(new ServiceVersion(f.chart, 'httpbin-v4', { app: 'httpbin', version: 'v4', image: 'docker.io/kennethreitz/httpbin', containerPort: 80 }));
      const rule = virtualService(f.chart).spec.http[0];
      expect(rule.mirrors.map((m: any) => [m.destination.subset, m.percentage.value])).toEqual([['v2', 100], ['v4', 10]]);
      const subsets = Testing.synth(f.chart).find(m => m.kind === 'DestinationRule').spec.subsets.map((s: any) => s.name);
      expect(subsets).toEqual(['v1', 'v2', 'v3', 'v4']);
    });

    test('fails at construction when a declared match uses what Istio rejects, before any mirror is added', () => {
      const f = fixture();
      expect(() => route(f, { mirror: undefined, mirrorMatches: [{ uri: StringMatch.prefix('/') }, { queryParams: { q: StringMatch.prefix('a') } }] }))
        .toThrow('test/ns/route: mirrorMatches[1].queryParams["q"] is a prefix match, which Istio does not support for query parameters: use exact or regex');
    });

    test('a mirror refused by addMirror is not kept', () => {
      const f = fixture();
      const r = route(f);
      expect(() => r.addMirror({ service: f.service, version: 'v1' })).toThrow(/is the same as the destination/);
      expect(r.mirrors.map(m => m.version)).toEqual(['v2']);
    });

    test('fails at construction when a declared match is not RE2, even with no mirror active yet', () => {
      const f = fixture();
      expect(() => route(f, { mirrorPercent: 0, mirrorMatches: [{ uri: StringMatch.regex('(?=a)') }] }))
        .toThrow(/^test\/ns\/route: mirrorMatches\[0\].uri: "\(\?=a\)" is not a valid RE2 regular expression/);
    });

    test('fails at addMirror when the mirror cannot be addressed from the route\'s namespace', () => {
      const f = fixture('team-a');
      const nsless = MeshService.fromServiceAttributes(new Chart(Testing.app(), 'other'), 'nsless', { name: 'nsless', ports: [80] });
      const r = route(f);
      expect(() => r.addMirror({ service: nsless })).toThrow(/^test\/ns\/route: service nsless has no namespace but the route is in namespace team-a/);
    });
  });

  describe('weighted destinations', () => {
    test('splits by weight and mirrors to a third version', () => {
      const f = fixture();
      new MirrorRoute(f.chart, 'route', {
        destinations: [{ service: f.service, version: 'v1', weight: 90 }, { service: f.service, version: 'v2', weight: 10 }],
        mirror: { service: f.service, version: 'v3' },
        mirrorPercent: 50,
        gateways: [f.gateway],
      });
      const rule = virtualService(f.chart).spec.http[0];
      expect(rule.route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['v1', 90], ['v2', 10]]);
      expect(rule.mirror.subset).toBe('v3');
      expect(rule.mirrorPercentage).toEqual({ value: 50 });
      expectValidManifests(Testing.synth(f.chart));
      expect(virtualService(f.chart)).toMatchSnapshot();
    });

    test('fails when the weights do not add up to 100', () => {
      const f = fixture();
      expect(() => route(f, {
        destination: undefined, destinations: [{ service: f.service, version: 'v1', weight: 90 }, { service: f.service, version: 'v3', weight: 20 }],
      })).toThrow(/weights of destinations add up to 110 \(90 \+ 20\), not 100/);
    });

    test.each([10.5, -10, 110])('fails when a weight is %p', (weight) => {
      const f = fixture();
      expect(() => route(f, {
        destination: undefined, destinations: [{ service: f.service, version: 'v1', weight }, { service: f.service, version: 'v3', weight: 100 - weight }],
      })).toThrow(/destinations\[0\].weight must be an integer from 0 to 100/);
    });

    test('fails when the mirror is one of the weighted destinations', () => {
      const f = fixture();
      expect(() => route(f, {
        destination: undefined, destinations: [{ service: f.service, version: 'v1', weight: 90 }, { service: f.service, version: 'v2', weight: 10 }],
      })).toThrow('test/ns/route: mirror (httpbin version v2) is one of the weighted destinations (weight 10): it would receive real requests and '
        + 'copies of them, doubling writes and skewing its metrics; mirror to a version that gets no weight');
    });

    test('a destination at weight 0 may be mirrored to', () => {
      const f = fixture();
      route(f, { destination: undefined, destinations: [{ service: f.service, version: 'v1', weight: 100 }, { service: f.service, version: 'v2', weight: 0 }] });
      expect(virtualService(f.chart).spec.http[0].mirror.subset).toBe('v2');
    });

    test('fails when destination and destinations are combined', () => {
      const f = fixture();
      expect(() => route(f, { destinations: [{ service: f.service, version: 'v1', weight: 100 }] })).toThrow(/destination and destinations cannot be combined/);
    });

    test('fails when destinations is empty', () => {
      const f = fixture();
      expect(() => route(f, { destination: undefined, destinations: [] })).toThrow(/destinations must list at least one/);
    });

    test('fails when a destination is listed twice', () => {
      const f = fixture();
      expect(() => route(f, {
        destination: undefined, mirror: undefined,
        destinations: [{ service: f.service, version: 'v1', weight: 50 }, { service: f.service, version: 'v1', weight: 50 }],
      })).toThrow(/destinations\[1\] and destinations\[0\] are the same/);
    });
  });

  describe('partial mirroring by request match', () => {
    test('mirrors matched requests in a first rule and routes the rest in a catch-all rule', () => {
      const f = fixture();
      route(f, {
        mirrorMatches: [
          { uri: StringMatch.prefix('/api/'), headers: { 'x-mirror': StringMatch.exact('yes') } },
          { method: StringMatch.exact('GET'), queryParams: { debug: StringMatch.regex('1|true') } },
        ],
      });
      const [mirrored, rest] = virtualService(f.chart).spec.http;
      expect(mirrored.name).toBe('mirrored');
      expect(mirrored.match).toEqual([
        { uri: { prefix: '/api/' }, headers: { 'x-mirror': { exact: 'yes' } } },
        { method: { exact: 'GET' }, queryParams: { debug: { regex: '1|true' } } },
      ]);
      expect(mirrored.mirror.subset).toBe('v2');
      expect(rest.name).toBe('default');
      expect(rest.match).toBeUndefined();
      expect(rest.mirror).toBeUndefined();
      expect(rest.route).toEqual(mirrored.route);
      expectValidManifests(Testing.synth(f.chart));
      expect(virtualService(f.chart)).toMatchSnapshot();
    });

    test('mirrorSafeMethodsOnly mirrors GET, HEAD and OPTIONS only', () => {
      const f = fixture();
      route(f, { mirrorSafeMethodsOnly: true });
      const [mirrored, rest] = virtualService(f.chart).spec.http;
      expect(mirrored.match).toEqual([{ method: { regex: '^(GET|HEAD|OPTIONS)$' } }]);
      expect(rest.mirror).toBeUndefined();
      expectValidManifests(Testing.synth(f.chart));
    });

    test('mirrorSafeMethodsOnly combines with every match', () => {
      const f = fixture();
      route(f, { mirrorSafeMethodsOnly: true, mirrorMatches: [{ uri: StringMatch.prefix('/a') }, { uri: StringMatch.prefix('/b') }] });
      const [mirrored] = virtualService(f.chart).spec.http;
      expect(mirrored.match.map((m: any) => [m.uri.prefix, m.method.regex])).toEqual([['/a', '^(GET|HEAD|OPTIONS)$'], ['/b', '^(GET|HEAD|OPTIONS)$']]);
    });

    test('with mirroring off (0%) the matches collapse into one rule', () => {
      const f = fixture();
      route(f, { mirrorPercent: 0, mirrorMatches: [{ uri: StringMatch.prefix('/api/') }] });
      const http = virtualService(f.chart).spec.http;
      expect(http).toHaveLength(1);
      expect(Object.keys(http[0])).toEqual(['route']);
    });

    test('fails when a match sets method and mirrorSafeMethodsOnly is on', () => {
      const f = fixture();
      expect(() => route(f, { mirrorSafeMethodsOnly: true, mirrorMatches: [{ method: StringMatch.exact('POST') }] }))
        .toThrow(/mirrorMatches\[0\] sets method exact "POST" but mirrorSafeMethodsOnly is true/);
    });

    test('fails when a match has no conditions', () => {
      const f = fixture();
      expect(() => route(f, { mirrorMatches: [{}] })).toThrow(/mirrorMatches\[0\] has no conditions/);
    });

    test('fails when mirrorMatches is empty', () => {
      const f = fixture();
      expect(() => route(f, { mirrorMatches: [] })).toThrow(/mirrorMatches must not be empty/);
    });

    test('fails when a header name is not lowercase', () => {
      const f = fixture();
      expect(() => route(f, { mirrorMatches: [{ headers: { 'X-Mirror': StringMatch.exact('1') } }] })).toThrow(/"X-Mirror" is not a lowercase HTTP header name/);
    });

    test('fails when a query parameter uses a prefix match', () => {
      const f = fixture();
      expect(() => route(f, { mirrorMatches: [{ uri: StringMatch.prefix('/') }, { queryParams: { q: StringMatch.prefix('a') } }] }))
        .toThrow('test/ns/route: mirrorMatches[1].queryParams["q"] is a prefix match, which Istio does not support for query parameters: use exact or regex');
    });

    test('fails when the method is not an uppercase method', () => {
      const f = fixture();
      expect(() => route(f, { mirrorMatches: [{ method: StringMatch.exact('get') }] })).toThrow(/method must be an uppercase HTTP method/);
    });

    test('fails when mirrorMatches is set without a mirror (deferred)', () => {
      const f = fixture();
      route(f, { mirror: undefined, mirrorMatches: [{ uri: StringMatch.prefix('/') }] });
      expect(() => Testing.synth(f.chart)).toThrow(/mirrorMatches is set but the route has no mirror/);
    });

    test('fails when mirrorSafeMethodsOnly is set without a mirror (deferred)', () => {
      const f = fixture();
      route(f, { mirror: undefined, mirrorSafeMethodsOnly: true });
      expect(() => Testing.synth(f.chart)).toThrow(/mirrorSafeMethodsOnly is set but the route has no mirror/);
    });

    test.each([
      ['the uri', [{ uri: StringMatch.regex('(?=a)') }],
        'mirrorMatches[0].uri: "(?=a)" is not a valid RE2 regular expression (Envoy and Istio use RE2): lookahead (?= is not supported by RE2'],
      ['a header', [{ uri: StringMatch.prefix('/api/') }, { headers: { 'x-mirror': StringMatch.exact('1'), 'x-user': StringMatch.regex('a{2,1}') } }],
        'mirrorMatches[1].headers["x-user"]: "a{2,1}" is not a valid RE2 regular expression (Envoy and Istio use RE2): the repeat {2,1} has its minimum above its maximum'],
      ['a query parameter', [{ queryParams: { debug: StringMatch.regex('(1)\\1') } }],
        'mirrorMatches[0].queryParams["debug"]: "(1)\\\\1" is not a valid RE2 regular expression (Envoy and Istio use RE2): backreference \\1 is not supported by RE2'],
    ])('fails at construction when a regex of %s is not valid RE2, naming the match and the field', (_what, mirrorMatches, message) => {
      const f = fixture();
      expect(() => route(f, { mirrorMatches })).toThrow(`test/ns/route: ${message}`);
    });

    test('a regex that is valid RE2 but not JavaScript is accepted', () => {
      const f = fixture();
      const namedGroup = '(?P<v>1|true)';
      expect(() => new RegExp(namedGroup)).toThrow();
      route(f, { mirrorMatches: [{ queryParams: { debug: StringMatch.regex(namedGroup) } }] });
      expect(virtualService(f.chart).spec.http[0].match).toEqual([{ queryParams: { debug: { regex: namedGroup } } }]);
    });
  });

  test('port restricts every rule to one port of the hosts', () => {
    const f = fixture();
    route(f, { port: 8000, mirrorMatches: [{ uri: StringMatch.prefix('/api/') }], gateways: undefined });
    const http = virtualService(f.chart).spec.http;
    expect(http[0].match).toEqual([{ uri: { prefix: '/api/' }, port: 8000 }]);
    expect(http[1].match).toEqual([{ port: 8000 }]);
    expectValidManifests(Testing.synth(f.chart));
  });

  test('fails when port is set on a route bound to a gateway that does not listen on it', () => {
    const f = fixture();
    expect(() => route(f, { port: 8000 })).toThrow(new RegExp('test/ns/route: port 8000 writes match.port on every rule, but gateway '
      + 'httpbin-gateway \\(ports 80, 443\\) does not listen on it: a gateway only applies a match whose port is its listener port.*'
      + 'bind this route to the mesh only'));
    expect(() => route(f, { port: 8000, includeMesh: true }, 'with-mesh')).toThrow(/port 8000 writes match.port/);
    const meshOnly = route(f, { port: 8000, gateways: undefined }, 'mesh-only');
    const gatewayRoute = route(f, { name: 'httpbin-ingress' }, 'ingress');
    const vs = Testing.synth(f.chart).filter(m => m.kind === 'VirtualService');
    expect(vs.map(m => m.metadata.name)).toEqual([meshOnly.routeName, gatewayRoute.routeName]);
    expect(vs[0].spec.http[0].match).toEqual([{ port: 8000 }]);
    expect(vs[1].spec.http[0].match).toBeUndefined();
  });

  test('port on a gateway-bound route is fine when the gateway listens on that port, or its ports are not known', () => {
    const f = fixture();
    const plainHttp = new IstioGateway(f.chart, 'plain-gateway', { name: 'plain-gateway', hosts: ['httpbin.example.com'], https: false, httpPort: 8000 });
    const shared = IstioGateway.fromGatewayName(f.chart, 'shared', 'istio-system/shared-gateway');
    route(f, { port: 8000, gateways: [plainHttp] }, 'plain');
    route(f, { name: 'httpbin-shared', port: 8000, gateways: [shared], hosts: ['httpbin.example.com'] }, 'shared-route');
    const vs = Testing.synth(f.chart).filter(m => m.kind === 'VirtualService');
    expect(vs.map(m => m.spec.http[0].match)).toEqual([[{ port: 8000 }], [{ port: 8000 }]]);
    expect(plainHttp.ports).toEqual([8000]);
    expect(shared.ports).toBeUndefined();
  });

  test('fails when port is not a port number', () => {
    const f = fixture();
    expect(() => route(f, { port: 0 })).toThrow(/port must be an integer port number between 1 and 65535, got 0/);
  });

  describe('timeout, retries and headers', () => {
    test('are written on every rule', () => {
      const f = fixture();
      route(f, {
        timeout: Duration.seconds(5),
        retries: {
          attempts: 3,
          perTryTimeout: Duration.millis(1500),
          retryOn: [RetryOn.SERVER_ERROR, RetryOn.CONNECT_FAILURE, RetryOn.statusCode(503)],
        },
        requestHeaders: { set: { 'x-env': 'prod' }, add: { 'x-trace': 'on' }, remove: ['x-debug'] },
        responseHeaders: { remove: ['server'] },
        mirrorSafeMethodsOnly: true,
      });
      const http = virtualService(f.chart).spec.http;
      for (const rule of http) {
        expect(rule.timeout).toBe('5s');
        expect(rule.retries).toEqual({ attempts: 3, perTryTimeout: '1.5s', retryOn: '5xx,connect-failure,503' });
        expect(rule.headers).toEqual({
          request: { set: { 'x-env': 'prod' }, add: { 'x-trace': 'on' }, remove: ['x-debug'] },
          response: { remove: ['server'] },
        });
      }
      expectValidManifests(Testing.synth(f.chart));
      expect(virtualService(f.chart)).toMatchSnapshot();
    });

    test('attempts 0 turns retries off', () => {
      const f = fixture();
      route(f, { retries: { attempts: 0 } });
      expect(virtualService(f.chart).spec.http[0].retries).toEqual({ attempts: 0 });
    });

    test.each([Duration.millis(0), Duration.millis(0.5)])('fails when the timeout is %p', (timeout) => {
      const f = fixture();
      expect(() => route(f, { timeout })).toThrow(/timeout must be a positive whole number of milliseconds/);
    });

    test('fails when the per-try timeout is not shorter than the timeout', () => {
      const f = fixture();
      expect(() => route(f, { timeout: Duration.seconds(2), retries: { attempts: 2, perTryTimeout: Duration.seconds(2) } }))
        .toThrow(/retries.perTryTimeout \(2000ms\) must be shorter than timeout \(2000ms\)/);
    });

    test.each([-1, 1.5])('fails when attempts is %p', (attempts) => {
      const f = fixture();
      expect(() => route(f, { retries: { attempts } })).toThrow(/retries.attempts must be a non-negative integer/);
    });

    test('fails when a retry condition is not a RetryOn (from JavaScript) or not an HTTP status', () => {
      const f = fixture();
      expect(() => route(f, { retries: { attempts: 2, retryOn: [RetryOn.SERVER_ERROR, 'sometimes' as unknown as RetryOn] } }))
        .toThrow('test/ns/route: retries.retryOn[1] must be a RetryOn (e.g. RetryOn.GATEWAY_ERROR or RetryOn.statusCode(503)), got "sometimes"');
      expect(() => RetryOn.statusCode(600)).toThrow('RetryOn.statusCode needs an HTTP status code from 100 to 599, got 600');
    });

    test('fails when retries are off but conditions are given', () => {
      const f = fixture();
      expect(() => route(f, { retries: { attempts: 0, retryOn: [RetryOn.SERVER_ERROR] } })).toThrow(/attempts is 0 \(retries off\) but perTryTimeout or retryOn is set/);
    });

    test('fails when a header name is invalid', () => {
      const f = fixture();
      expect(() => route(f, { requestHeaders: { set: { 'x env': '1' } } })).toThrow(/requestHeaders: "x env" is not an HTTP header name/);
    });

    test('fails when a pseudo-header or host is changed', () => {
      const f = fixture();
      expect(() => route(f, { requestHeaders: { set: { host: 'x' } } })).toThrow(/"host" cannot be changed with header operations/);
    });

    test('fails when a header value has a line break', () => {
      const f = fixture();
      expect(() => route(f, { responseHeaders: { add: { 'x-a': 'a\r\nb' } } })).toThrow(/responseHeaders.add\["x-a"\] must be a header value without line breaks/);
    });

    test('fails when a header is removed and set', () => {
      const f = fixture();
      expect(() => route(f, { requestHeaders: { set: { 'x-a': '1' }, remove: ['X-A'] } })).toThrow(/header "X-A" is both removed and set or added/);
    });
  });

  describe('objects defined elsewhere', () => {
    const definedElsewhere = (vs: any): any => {
      const value = vs.metadata.annotations?.[DEFINED_ELSEWHERE_ANNOTATION];
      return value === undefined ? undefined : JSON.parse(value);
    };

    test('a route whose gateways and targets are all in the app has no annotation', () => {
      const f = fixture();
      route(f, { includeMesh: true, mirror: undefined, mirrors: [{ service: f.service, version: 'v2' }, { service: f.service, version: 'v3', percent: 5 }] });
      expect(virtualService(f.chart).metadata).toEqual({ name: 'httpbin', namespace: 'default' });
    });

    test('a route to an imported gateway and imported services declares them, with what is known of them', () => {
      const f = fixture('shop');
      const shared = IstioGateway.fromGatewayName(f.chart, 'shared', 'istio-system/shared-gateway');
      const edge = IstioGateway.fromGatewayName(f.chart, 'edge', 'edge-gateway');
      const shadow = MeshService.fromServiceAttributes(f.chart, 'shadow', { name: 'httpbin-shadow', namespace: 'shadow', ports: [8000], versions: ['v2'] });
      const legacy = MeshService.fromServiceAttributes(f.chart, 'legacy', { name: 'legacy', namespace: 'team-b', ports: [8080] });
      route(f, {
        gateways: [shared, edge],
        hosts: ['httpbin.example.com'],
        mirror: undefined,
        mirrors: [{ service: shadow, version: 'v2' }, { service: legacy, percent: 5 }],
      });
      const vs = virtualService(f.chart);
      expect(vs.metadata.annotations).toEqual({ [DEFINED_ELSEWHERE_ANNOTATION]: expect.any(String) });
      // Sorted by kind, namespace and name; unknown hosts, ports and versions are left out; the in-app destination is not listed.
      expect(definedElsewhere(vs)).toEqual([
        { kind: 'Gateway', namespace: 'istio-system', name: 'shared-gateway' },
        { kind: 'Gateway', namespace: 'shop', name: 'edge-gateway' },
        { kind: 'Service', namespace: 'shadow', name: 'httpbin-shadow', ports: [8000], subsets: ['v2'] },
        { kind: 'Service', namespace: 'team-b', name: 'legacy', ports: [8080] },
      ]);
      expect(vs.spec.gateways).toEqual(['istio-system/shared-gateway', 'edge-gateway']);
      expectValidManifests(Testing.synth(f.chart));
    });

    test('constructs of another app are defined elsewhere, with their hosts, ports and versions; each is listed once', () => {
      const other = fixture('team-b');
      const f = fixture();
      route(f, {
        gateways: [other.gateway],
        mirror: undefined,
        mirrors: [{ service: other.service, version: 'v2' }, { service: other.service, version: 'v3', percent: 10 }],
      });
      const vs = virtualService(f.chart);
      expect(definedElsewhere(vs)).toEqual([
        { kind: 'Gateway', namespace: 'team-b', name: 'httpbin-gateway', hosts: ['httpbin.example.com'] },
        { kind: 'Service', namespace: 'team-b', name: 'httpbin', ports: [8000], subsets: ['v1', 'v2', 'v3'] },
      ]);
      expect(vs.spec.gateways).toEqual(['team-b/httpbin-gateway']);
    });

    test('the declaration follows a version added later to a service of another app (it is rendered with the route)', () => {
      const other = fixture('team-b');
      const f = fixture();
      route(f, { mirror: { service: other.service, version: 'v3' } });
      expect(definedElsewhere(virtualService(f.chart))[0].subsets).toEqual(['v1', 'v2', 'v3']);
      other.service.addVersion(new ServiceVersion(other.chart, 'httpbin-v4', { app: 'httpbin', version: 'v4', image: 'docker.io/kennethreitz/httpbin', containerPort: 80 }));
      expect(definedElsewhere(virtualService(f.chart))[0].subsets).toEqual(['v1', 'v2', 'v3', 'v4']);
    });

    test('a mirror to an imported service added by addMirror is declared too', () => {
      const f = fixture();
      const r = route(f);
      expect(definedElsewhere(virtualService(f.chart))).toBeUndefined();
      const shadow = MeshService.fromServiceAttributes(f.chart, 'shadow', { name: 'httpbin-shadow', namespace: 'shadow', ports: [8000] });
      r.addMirror({ service: shadow, percent: 5 });
      expect(definedElsewhere(virtualService(f.chart))).toEqual([{ kind: 'Service', namespace: 'shadow', name: 'httpbin-shadow', ports: [8000] }]);
    });
  });

  describe('checks across the constructs of an app (at synthesis)', () => {
    /** One app, two charts, each with a gateway-only route whose VirtualService is named httpbin unless `name` is set. */
    function twoCharts(b: { namespace?: string; name?: string } = {}): { a: Chart; b: Chart } {
      const app = Testing.app();
      const chart = (id: string, namespace: string, name?: string) => {
        const c = new Chart(app, id, { namespace });
        const service = MeshService.fromServiceAttributes(c, 'httpbin', { name: 'httpbin', namespace: 'default', ports: [8000], versions: ['v1'] });
        const gateway = IstioGateway.fromGatewayName(c, 'gateway', 'istio-system/shared-gateway');
        new MirrorRoute(c, 'route', { name, destination: { service, version: 'v1' }, gateways: [gateway], hosts: [`${id}.example.com`] });
        return c;
      };
      return { a: chart('a', 'default'), b: chart('b', b.namespace ?? 'default', b.name) };
    }

    test('two routes in different charts with one VirtualService name fail, naming both', () => {
      const { a, b } = twoCharts();
      // Each construct is named with the prop that renames its object: the default name comes from the destination.
      const message = 'VirtualService default/httpbin is defined 2 times, by a/route (its name (default: the destination\'s service name) prop), '
        + 'b/route (its name (default: the destination\'s service name) prop): kubectl keeps only the last one applied; give each its own name with that prop';
      expect(() => Testing.synth(a)).toThrow(`[a/route] ${message}`);
      expect(() => Testing.synth(b)).toThrow(`[b/route] ${message}`);
    });

    test('routes with their own names, or in different namespaces, are fine', () => {
      const renamed = twoCharts({ name: 'httpbin-b' });
      expect(Testing.synth(renamed.b).find(m => m.kind === 'VirtualService').metadata.name).toBe('httpbin-b');
      expect(() => Testing.synth(renamed.a)).not.toThrow();
      const elsewhere = twoCharts({ namespace: 'team-b' });
      expect(Testing.synth(elsewhere.b).find(m => m.kind === 'VirtualService').metadata).toMatchObject({ name: 'httpbin', namespace: 'team-b' });
      expect(() => Testing.synth(elsewhere.a)).not.toThrow();
    });

    test('two mesh routes for one host fail with IST0109', () => {
      const f = fixture();
      route(f, { gateways: undefined }, 'mesh1');
      route(f, { gateways: undefined, name: 'httpbin-reads' }, 'mesh2');
      const message = 'IST0109 The VirtualServices default/httpbin,default/httpbin-reads associated with mesh gateway define the same host '
        + 'httpbin.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices '
        + 'into a single resource (or scoping each with exportTo: ["."]).';
      expect(() => Testing.synth(f.chart)).toThrow(`[test/ns/mesh1] ${message}`);
      expect(() => Testing.synth(f.chart)).toThrow(`[test/ns/mesh2] ${message}`);
    });

    test('mesh hosts are compared as FQDNs, across charts and namespaces', () => {
      const f = fixture();
      route(f, { gateways: undefined });
      const edge = new Chart(f.chart.node.root as App, 'edge', { namespace: 'edge' });
      new MirrorRoute(edge, 'route', { destination: { service: f.service, version: 'v1' } });
      expect(() => Testing.synth(edge)).toThrow('[edge/route] IST0109 The VirtualServices default/httpbin,edge/httpbin associated with mesh gateway '
        + 'define the same host httpbin.default.svc.cluster.local');
    });

    test('two routes bound to one gateway for one host fail with TM0007 (Istio merges them in creation order)', () => {
      const f = fixture();
      route(f, {}, 'a');
      route(f, { name: 'httpbin-reads' }, 'b');
      const message = 'TM0007 The VirtualServices default/httpbin,default/httpbin-reads are bound to gateway default/httpbin-gateway and define the '
        + 'same host httpbin.example.com: Istio merges their rules in creation order';
      expect(() => Testing.synth(f.chart)).toThrow(`[test/ns/a] ${message}`);
      expect(() => Testing.synth(f.chart)).toThrow(`[test/ns/b] ${message}`);
    });

    test('reports a route\'s own problems in order: the shared rules, the Istio API\'s, then IST0109, TM0007 and subset visibility', () => {
      const f = fixture();
      route(f, { includeMesh: true }, 'a');
      route(f, { includeMesh: true, name: 'httpbin-reads' }, 'b');
      const errors = (() => {
        try {
          Testing.synth(f.chart);
        } catch (e) {
          return (e as Error).message.split('\n').filter(line => line.includes('[test/ns/a]'));
        }
        return [];
      })();
      // Both routes apply to both hosts (the gateway's and the service's): each conflict is reported per host, grouped by rule.
      expect(errors.map(line => line.replace(/^\s*\[test\/ns\/a\] (\S+).*$/, '$1'))).toEqual(['IST0109', 'IST0109', 'TM0007', 'TM0007']);
    });

    test('routes for one host on different gateways, or different hosts on one gateway, do not conflict', () => {
      const f = fixture();
      route(f, {}, 'a');
      const other = new IstioGateway(f.chart, 'other', {
        name: 'other-gateway', hosts: ['httpbin.example.com'], credentialName: 'c', selector: { istio: 'internal-gateway' },
      });
      route(f, { name: 'httpbin-other', gateways: [other] }, 'b');
      expect(() => Testing.synth(f.chart)).not.toThrow();
    });

    test('a gateway-only route and a mesh route for one service do not conflict', () => {
      const f = fixture();
      route(f, { gateways: undefined });
      route(f, { name: 'httpbin-ingress' }, 'ingress');
      expect(Testing.synth(f.chart).filter(m => m.kind === 'VirtualService').map(m => [m.metadata.name, m.spec.gateways])).toEqual([
        ['httpbin', undefined],
        ['httpbin-ingress', ['httpbin-gateway']],
      ]);
    });
  });

  test('README example: a two-port service (http 8080, grpc 9090) mirrored on its http port', () => {
    const chart = Testing.chart();
    const app = new Chart(chart, 'orders', { namespace: 'shop' });
    const v1 = new ServiceVersion(app, 'orders-v1', { app: 'orders', version: 'v1', image: 'ghcr.io/example/orders:1.4.2' });
    const v2 = new ServiceVersion(app, 'orders-v2', { app: 'orders', version: 'v2', image: 'ghcr.io/example/orders:2.0.0-rc.1' });
    const orders = new MeshService(app, 'orders', {
      ports: [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }],
      versions: [v1, v2],
    });
    new MirrorRoute(app, 'orders-route', {
      port: 8080,
      destination: { service: orders, version: v1.version, port: 8080 },
      mirror: { service: orders, version: v2.version, port: 8080 },
      mirrorPercent: 25,
      mirrorSafeMethodsOnly: true,
      timeout: Duration.seconds(3),
    });
    const manifests = Testing.synth(app);
    const vs = manifests.find(m => m.kind === 'VirtualService');
    expect(vs.spec.hosts).toEqual([orders.serviceName]);
    expect(vs.spec.http[0].mirror).toEqual({ host: orders.serviceName, subset: v2.version, port: { number: 8080 } });
    expect(vs.spec.http[0].mirrorPercentage).toEqual({ value: 25 });
    expect(vs.spec.http[0].match).toEqual([{ method: { regex: '^(GET|HEAD|OPTIONS)$' }, port: 8080 }]);
    expect(vs.spec.http[1].match).toEqual([{ port: 8080 }]);
    const svc = manifests.find(m => m.kind === 'Service');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([['http', 8080], ['grpc', 9090]]);
    expectValidManifests(manifests);
    expect(vs).toMatchSnapshot('VirtualService');
    expect(svc).toMatchSnapshot('Service');
  });
});

describe('MirrorRoute: mistakes caught where they are made (issue 14)', () => {
  test('a Gateway API gateway is refused at compile time (branded interfaces) and at run time, naming both APIs', () => {
    const f = fixture();
    const gatewayApi = new GatewayApiGateway(f.chart, 'k8s-gw', { name: 'k8s-gw', hostname: 'httpbin.example.com', credentialName: 'c' });
    expect(() => new MirrorRoute(f.chart, 'mixed', {
      destination: { service: f.service, version: 'v1' },
      // @ts-expect-error an IGatewayApiGateway is no IIstioGateway: it lacks istioApiVersion (the brand)
      gateways: [gatewayApi],
    })).toThrow('test/ns/mixed: gateways[0] (test/ns/k8s-gw) is a gateway of the Kubernetes Gateway API (gateway.networking.k8s.io), but MirrorRoute '
      + 'writes a route of the Istio API (networking.istio.io), which binds only to gateways of the Istio API (networking.istio.io): use '
      + 'HttpMirrorRoute to route through it');
  });

  test('the route adds the service\'s subsets (ServiceSubsets) when it addresses a version, and none for a shadow service without versions', () => {
    const f = fixture();
    const shadowVersion = new ServiceVersion(f.chart, 'shadow-v1', { app: 'httpbin-shadow', version: 'v1', image: 'docker.io/kennethreitz/httpbin', containerPort: 80 });
    const shadow = new MeshService(f.chart, 'shadow', { port: 8000, versions: [shadowVersion] });
    expect(Testing.synth(f.chart).filter(m => m.kind === 'DestinationRule')).toEqual([]);
    route(f, { mirror: { service: shadow } });
    const manifests = Testing.synth(f.chart);
    // One DestinationRule, for httpbin (whose v1 is addressed); the shadow service is mirrored to as a whole.
    expect(manifests.filter(m => m.kind === 'DestinationRule').map(m => m.metadata.name)).toEqual(['httpbin']);
    expect(virtualService(f.chart).spec.http[0].mirror).toEqual({ host: 'httpbin-shadow', port: { number: 8000 } });
    expectValidManifests(manifests);
  });

  test('a subset whose DestinationRule is not exported to the route\'s namespace is an error (Istio would find no subset)', () => {
    const f = fixture('shop');
    new ServiceSubsets(f.service, 'DestinationRule', { exportTo: ['.'] });
    const other = new Chart(f.chart.node.scope!, 'edge', { namespace: 'edge' });
    new MirrorRoute(other, 'route', { destination: { service: f.service, version: 'v1' }, mirror: { service: f.service, version: 'v2' } });
    expect(() => Testing.synth(other)).toThrow('[test/edge/route] targets subset v1 of httpbin.shop.svc.cluster.local, but its DestinationRule '
      + '(test/ns/httpbin/DestinationRule) is not exported to the route\'s namespace edge');
    // exportTo '*' alone, or with others, as Istio validates it.
    expect(() => new ServiceSubsets(new MeshService(f.chart, 'x', { app: 'x' }), 'DestinationRule', { exportTo: ['*', 'edge'] }))
      .toThrow(/combines '\*' with other entries, which Istio rejects/);
  });

  test('a destination without pods is an error at synth (503 for every request); a weight-0 destination is not judged', () => {
    const f = fixture();
    f.service.addVersion(new ServiceVersion(f.chart, 'httpbin-v4', { app: 'httpbin', version: 'v4', image: 'docker.io/kennethreitz/httpbin', containerPort: 80, replicas: 0 }));
    new MirrorRoute(f.chart, 'route', { destination: { service: f.service, version: 'v4' }, gateways: [f.gateway] });
    expect(() => Testing.synth(f.chart)).toThrow('[test/ns/route] destination httpbin version v4 has no pods (0 replicas): every request to it would fail with 503');
    const g = fixture();
    g.service.addVersion(new ServiceVersion(g.chart, 'httpbin-v4', { app: 'httpbin', version: 'v4', image: 'docker.io/kennethreitz/httpbin', containerPort: 80, replicas: 0 }));
    new MirrorRoute(g.chart, 'route', {
      destinations: [{ service: g.service, version: 'v1', weight: 100 }, { service: g.service, version: 'v4', weight: 0 }], gateways: [g.gateway],
    });
    expect(() => Testing.synth(g.chart)).not.toThrow();
  });
});

describe('MirrorRoute hosts on the mesh (issue 14)', () => {
  test('a host in Kubernetes short form <service>.<namespace> is refused: Istio does not match it', () => {
    const f = fixture('shop');
    expect(() => new MirrorRoute(f.chart, 'r', { destination: { service: f.service, version: 'v1' }, hosts: ['httpbin.shop'] }))
      .toThrow('test/ns/r: hosts: "httpbin.shop" is the Kubernetes short form <service>.<namespace>, which Istio does not match against '
        + 'service httpbin (it reads a dotted host as a full name), so the sidecars would never apply the route; write '
        + '"httpbin.shop.svc.cluster.local" or "httpbin"');
    // An external host with one dot is no short form of a targeted service.
    expect(() => new MirrorRoute(f.chart, 'ext', { name: 'ext', destination: { service: f.service, version: 'v1' }, hosts: ['httpbin', 'example.com'] })).not.toThrow();
  });

  test('a short host and its FQDN in one route are no conflict with itself', () => {
    const f = fixture();
    new MirrorRoute(f.chart, 'r', { destination: { service: f.service, version: 'v1' }, hosts: ['httpbin', 'httpbin.default.svc.cluster.local'] });
    expect(() => Testing.synth(f.chart)).not.toThrow();
    expect(virtualService(f.chart).spec.hosts).toEqual(['httpbin', 'httpbin.default.svc.cluster.local']);
  });

  test('wrong types name the prop and the type given, never "x.map is not a function"', () => {
    const f = fixture();
    expect(() => new MirrorRoute(f.chart, 'a', { destination: { service: f.service, version: 'v1' }, hosts: 'httpbin' as any }))
      .toThrow('test/ns/a: hosts must be a list, got "httpbin" (a string): write ["httpbin"]');
    expect(() => new MirrorRoute(f.chart, 'b', { destination: { service: f.service, version: 'v1' }, mirrors: { service: f.service, version: 'v2' } as any }))
      .toThrow('test/ns/b: mirrors must be a list, got { service, version } (an object): put it in a list, [ ... ]');
    expect(() => new MirrorRoute(f.chart, 'c', { destination: { service: f.service, version: 'v1' }, mirror: { service: f.service, version: 'v2' }, mirrorPercent: '50' as any }))
      .toThrow('test/ns/c: mirrorPercent must be a number between 0 and 100 (a percentage of requests), got "50" (a string)');
    expect(() => new MirrorRoute(f.chart, 'd', { destinations: [{ service: f.service, version: 'v1', weight: '100' as any }] }))
      .toThrow('test/ns/d: destinations[0].weight must be an integer from 0 to 100 (weights are integers), got "100" (a string)');
  });
});
