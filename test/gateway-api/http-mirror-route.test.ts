import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import { StringMatch } from '../../src/core/request-match';
import { GatewayApiGateway } from '../../src/gateway-api/gateway-api-gateway';
import { HttpMirrorRoute, HttpMirrorRouteProps } from '../../src/gateway-api/http-mirror-route';
import { IstioGateway } from '../../src/istio/istio-gateway';
import { MeshService } from '../../src/services/mesh-service';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';
import { GatewayApiFixture, gatewayApiFixture, only } from './support';

function route(f: GatewayApiFixture, props: Partial<HttpMirrorRouteProps> = {}, id = 'route'): HttpMirrorRoute {
  return new HttpMirrorRoute(f.chart, id, {
    destination: { service: f.service, version: 'v1' },
    mirror: { service: f.service, version: 'v2' },
    gateways: [f.gateway],
    ...props,
  });
}

const httpRoute = (f: GatewayApiFixture, name = 'httpbin') => only(f.chart, 'HTTPRoute', name);

describe('HttpMirrorRoute', () => {
  test('is the HTTPRoute itself: one construct (its ReferenceGrants, when any, are its children)', () => {
    const f = gatewayApiFixture();
    const r = route(f);
    expect(r).toBeInstanceOf(ApiObject);
    expect(r.httpRoute).toBe(r);
    expect(ApiObject.of(r)).toBe(r);
    expect([r.apiVersion, r.kind, r.name]).toEqual(['gateway.networking.k8s.io/v1', 'HTTPRoute', 'httpbin']);
    expect(r.node.children).toEqual([]);
    expect(r.toJson()).toEqual(httpRoute(f));
  });

  test('routes to the version Service of v1 and mirrors 100% to that of v2, on the gateway\'s HTTPS listener', () => {
    const f = gatewayApiFixture();
    const r = route(f);
    const hr = httpRoute(f);
    expect(hr.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(hr.metadata.name).toBe(r.routeName);
    expect(hr.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: f.gateway.gatewayName, sectionName: 'https' }]);
    expect(hr.spec.hostnames).toEqual(f.gateway.hosts);
    expect(hr.spec.rules).toHaveLength(1);
    expect(hr.spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: f.service.versionServiceName('v1'), port: 8000, weight: 100 }]);
    expect(hr.spec.rules[0].filters).toEqual([{
      type: 'RequestMirror',
      requestMirror: { backendRef: { group: '', kind: 'Service', name: f.service.versionServiceName('v2'), port: 8000 }, percent: 100 },
    }]);
    expect(r.mirrorPercent).toBe(100);
    expect(r.hosts).toEqual(['httpbin.example.com']);
    expectValidManifests(Testing.synth(f.chart));
    expect(hr).toMatchSnapshot();
  });

  test('a decimal percentage is a fraction with the smallest power-of-ten denominator: 12.5 -> 125/1000', () => {
    const f = gatewayApiFixture();
    route(f, { mirrorPercent: 12.5 });
    const mirror = httpRoute(f).spec.rules[0].filters[0].requestMirror;
    expect(mirror.fraction).toEqual({ numerator: 125, denominator: 1000 });
    expect(mirror.percent).toBeUndefined();
    expectValidManifests(Testing.synth(f.chart));
  });

  test('mirrorPercent 0 writes no filter', () => {
    const f = gatewayApiFixture();
    const r = route(f, { mirrorPercent: 0 });
    expect(httpRoute(f).spec.rules[0].filters).toBeUndefined();
    expect(r.mirrors).toEqual([]);
  });

  test('several mirrors: one RequestMirror filter each, at rule level, never in backendRefs', () => {
    const f = gatewayApiFixture();
    const r = route(f, { mirror: undefined, mirrors: [{ service: f.service, version: 'v2', percent: 100 }, { service: f.service, version: 'v3', percent: 0.5 }] });
    const rule = httpRoute(f).spec.rules[0];
    expect(rule.filters.map((x: any) => [x.requestMirror.backendRef.name, x.requestMirror.percent ?? x.requestMirror.fraction])).toEqual([
      ['httpbin-v2', 100], ['httpbin-v3', { numerator: 5, denominator: 1000 }],
    ]);
    expect(rule.backendRefs.every((b: any) => b.filters === undefined)).toBe(true);
    expect(r.mirrors.map(m => m.version)).toEqual(['v2', 'v3']);
    expectValidManifests(Testing.synth(f.chart));
  });

  test('weights plus a mirror', () => {
    const f = gatewayApiFixture();
    route(f, { destination: undefined, destinations: [{ service: f.service, version: 'v1', weight: 90 }, { service: f.service, version: 'v2', weight: 10 }], mirror: { service: f.service, version: 'v3' } });
    const rule = httpRoute(f).spec.rules[0];
    expect(rule.backendRefs.map((b: any) => [b.name, b.weight])).toEqual([['httpbin-v1', 90], ['httpbin-v2', 10]]);
    expect(rule.filters[0].requestMirror.backendRef.name).toBe('httpbin-v3');
    expectValidManifests(Testing.synth(f.chart));
  });

  test('a mesh route is a GAMMA route: parentRef to the Service, with its port, and no hostnames', () => {
    const f = gatewayApiFixture();
    const r = route(f, { gateways: undefined });
    const hr = httpRoute(f);
    expect(hr.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: f.service.serviceName, port: 8000 }]);
    expect(hr.spec.hostnames).toBeUndefined();
    expect(r.hosts).toEqual([]);
    expectValidManifests(Testing.synth(f.chart));
    expect(hr).toMatchSnapshot();
  });

  test('a target without version is the mesh service itself', () => {
    const f = gatewayApiFixture();
    route(f, { destination: { service: f.service }, mirror: undefined });
    expect(httpRoute(f).spec.rules[0].backendRefs[0].name).toBe(f.service.serviceName);
  });

  test('addMirror adds a RequestMirror filter', () => {
    const f = gatewayApiFixture();
    const r = route(f);
    r.addMirror({ service: f.service, version: 'v3', percent: 1 });
    expect(httpRoute(f).spec.rules[0].filters.map((x: any) => x.requestMirror.backendRef.name)).toEqual(['httpbin-v2', 'httpbin-v3']);
    expect(r.mirrorPercent).toBe(100);
  });

  test('timeout and header operations become timeouts.request and header modifier filters', () => {
    const f = gatewayApiFixture();
    route(f, { timeout: Duration.millis(90250), requestHeaders: { set: { 'x-a': '1' }, remove: ['x-b'] }, responseHeaders: { add: { 'x-c': '2' } } });
    const rule = httpRoute(f).spec.rules[0];
    expect(rule.timeouts).toEqual({ request: '1m30s250ms' });
    expect(rule.filters.slice(0, 2)).toEqual([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], remove: ['x-b'] } },
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-c', value: '2' }] } },
    ]);
    expectValidManifests(Testing.synth(f.chart));
  });

  test('targets in another namespace get one ReferenceGrant per namespace, from HTTPRoutes of the route\'s namespace', () => {
    const f = gatewayApiFixture('web');
    const other = new Chart(f.chart.node.scope as Chart, 'other', { namespace: 'shadow' });
    const shadow = new MeshService(other, 'shadow', {
      port: 8000, versionServices: true,
      versions: [new ServiceVersion(other, 'shadow-v1', { app: 'shadow', version: 'v1', image: 'docker.io/kennethreitz/httpbin', containerPort: 80 })],
    });
    route(f, { mirror: { service: shadow, version: 'v1' } });
    const mirror = httpRoute(f).spec.rules[0].filters[0].requestMirror.backendRef;
    expect(mirror).toEqual({ group: '', kind: 'Service', name: 'shadow-v1', namespace: 'shadow', port: 8000 });
    const grant = only(f.chart, 'ReferenceGrant');
    expect(grant.apiVersion).toBe('gateway.networking.k8s.io/v1beta1');
    expect(grant.metadata).toEqual({ name: 'web-httpbin-httproute', namespace: 'shadow' });
    expect(grant.spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' }],
      to: [{ group: '', kind: 'Service', name: 'shadow' }, { group: '', kind: 'Service', name: 'shadow-v1' }],
    });
    expectValidManifests(Testing.synth(f.chart));
    expect(grant).toMatchSnapshot();
  });

  test('an imported gateway is attached on its given listener, and its hosts are left to it', () => {
    const f = gatewayApiFixture('web');
    const shared = GatewayApiGateway.fromGatewayName(f.chart, 'shared', 'infra/shared-gateway', 'https-web');
    const r = route(f, { gateways: [shared] });
    const hr = httpRoute(f);
    expect(hr.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shared-gateway', namespace: 'infra', sectionName: 'https-web' }]);
    expect(hr.spec.hostnames).toBeUndefined();
    expect(r.hosts).toEqual([]);
    expectValidManifests(Testing.synth(f.chart));
  });

  describe('failures', () => {
    test('fails when retries are set (not in the standard channel)', () => {
      const f = gatewayApiFixture();
      expect(() => route(f, { retries: { attempts: 2 } })).toThrow(/^test\/ns\/route: retries cannot be expressed.*\(the Gateway API\)$/);
    });

    test('fails when a version has no Service of its own', () => {
      const f = gatewayApiFixture();
      const plain = new MeshService(f.chart, 'plain', { app: 'httpbin', name: 'plain', port: 8000 });
      expect(() => route(f, { destination: { service: plain, version: 'v1' }, mirror: undefined, gateways: undefined }))
        .toThrow(/destination is version v1 of service plain, which has no Service per version.*versionServices: true/);
    });

    test('fails when the route applies to gateways and the mesh', () => {
      const f = gatewayApiFixture();
      expect(() => route(f, { includeMesh: true })).toThrow(/ns\/route: includeMesh is true and gateways are given.*the Gateway API/);
    });

    test('fails when hosts are given to a mesh-only route', () => {
      const f = gatewayApiFixture();
      expect(() => route(f, { gateways: undefined, hosts: ['httpbin'] })).toThrow(/hosts is set but the route applies to the mesh only/);
    });

    test('fails when a host is "*"', () => {
      const f = gatewayApiFixture();
      expect(() => route(f, { hosts: ['*'] })).toThrow(/hosts: "\*" is not an HTTPRoute hostname/);
    });

    test('fails when port is not a listener port of the gateway', () => {
      const f = gatewayApiFixture();
      expect(() => route(f, { port: 8000 })).toThrow(/port 8000 selects the listeners of that port.*httpbin-gateway \(listener https: ports 443\)/);
    });

    test('fails when port is the port of another listener than the one the route attaches to (sectionName and port select one listener)', () => {
      const f = gatewayApiFixture();
      // The gateway redirects HTTP, so routes attach to its https listener (443): port 80 would match no listener.
      expect(() => route(f, { port: 80 })).toThrow(/port 80 selects the listeners of that port .*\(listener https: ports 443\) has none/);
      expect(httpRoute(f, route(f, { port: 443, name: 'tls-only' }, 'tls').routeName).spec.parentRefs[0]).toMatchObject({ sectionName: 'https', port: 443 });
    });

    test('fails when a declared match is not expressible, even while no mirror is active', () => {
      const f = gatewayApiFixture();
      expect(() => route(f, { mirrorPercent: 0, mirrorMatches: [{ headers: { 'x-a': StringMatch.prefix('b') } }] }))
        .toThrow(/mirrorMatches\[0\]/);
    });

    test('fails at addMirror, keeping nothing, when a mirror in a namespace would need a ReferenceGrant the route cannot name', () => {
      const chart = Testing.chart();
      const v1 = new ServiceVersion(chart, 'v1', { app: 'local', version: 'v1', image: 'example/local' });
      const local = new MeshService(chart, 'local', { versions: [v1], versionServices: true });
      const r = new HttpMirrorRoute(chart, 'r', { destination: { service: local, version: 'v1' } });
      const other = MeshService.fromServiceAttributes(chart, 'other', { name: 'other', namespace: 'team-a', ports: [80] });
      expect(() => r.addMirror({ service: other, version: 'v9' })).toThrow(/service other is in namespace team-a but the route has no namespace/);
      expect(r.mirrors).toEqual([]);
      expect(Testing.synth(chart).filter(m => m.kind === 'ReferenceGrant')).toEqual([]);
    });

    test('fails at synth when the route name is taken by another HTTPRoute', () => {
      const f = gatewayApiFixture();
      route(f);
      route(f, {}, 'again');
      expect(() => Testing.synth(f.chart)).toThrow(/HTTPRoute default\/httpbin is defined 2 times/);
    });

    test('fails at synth when no route hostname matches the gateway\'s listener', () => {
      const f = gatewayApiFixture();
      route(f, { hosts: ['other.example.org'] });
      expect(() => Testing.synth(f.chart)).toThrow(/matches a listener hostname of gateway default\/httpbin-gateway.*NoMatchingListenerHostname/);
    });

    test('fails at synth when the gateway accepts routes from its own namespace only', () => {
      const f = gatewayApiFixture('web');
      const other = new Chart(f.chart.node.scope as Chart, 'other', { namespace: 'edge' });
      const edge = new GatewayApiGateway(other, 'edge', { name: 'edge', hostname: 'httpbin.example.com', credentialName: 'c' });
      route(f, { gateways: [edge] });
      expect(() => Testing.synth(f.chart.node.scope as Chart)).toThrow(/gateway edge\/edge accepts routes from its own namespace only.*NotAllowedByListeners/);
    });

    test('fails when a target version is not defined for the service', () => {
      const f = gatewayApiFixture();
      route(f, { mirror: { service: f.service, version: 'v9' } });
      expect(() => Testing.synth(f.chart)).toThrow(/mirror version "v9" is not defined for service httpbin/);
    });
  });
});

describe('HttpMirrorRoute: mistakes caught where they are made (issue 14)', () => {
  test('an Istio gateway is refused at compile time (branded interfaces) and at run time, naming both APIs', () => {
    const f = gatewayApiFixture();
    const istioGateway = new IstioGateway(f.chart, 'istio-gw', { name: 'istio-gw', hosts: ['httpbin.example.com'], credentialName: 'c' });
    expect(() => new HttpMirrorRoute(f.chart, 'mixed', {
      destination: { service: f.service, version: 'v1' },
      // @ts-expect-error an IIstioGateway is no IGatewayApiGateway: it lacks gatewayApiVersion (the brand)
      gateways: [istioGateway],
    })).toThrow('test/ns/mixed: gateways[0] (test/ns/istio-gw) is a gateway of the Istio API (networking.istio.io), but HttpMirrorRoute writes a route '
      + 'of the Kubernetes Gateway API (gateway.networking.k8s.io), which binds only to gateways of the Kubernetes Gateway API '
      + '(gateway.networking.k8s.io): use MirrorRoute to route through it, or give a gateway of the Kubernetes Gateway API (gateway.networking.k8s.io)');
    // @ts-expect-error a single gateway where a list is expected
    expect(() => new HttpMirrorRoute(f.chart, 'single', { destination: { service: f.service, version: 'v1' }, gateways: f.gateway }))
      .toThrow('test/ns/single: gateways must be a list of gateways, got the construct test/ns/gateway (an object)');
  });

  test('two HTTPRoutes for one hostname on one Gateway are an error naming both (the Gateway API applies only the oldest rule)', () => {
    const f = gatewayApiFixture();
    new HttpMirrorRoute(f.chart, 'a', { destination: { service: f.service, version: 'v1' }, gateways: [f.gateway] });
    new HttpMirrorRoute(f.chart, 'b', { name: 'other', destination: { service: f.service, version: 'v2' }, gateways: [f.gateway] });
    expect(() => Testing.synth(f.chart)).toThrow('HTTPRoutes default/httpbin (test/ns/a) and default/other (test/ns/b) both attach to Gateway default/httpbin-gateway for '
      + 'hostname httpbin.example.com: the Gateway API merges them');
    // Different hostnames on one Gateway are fine.
    const g = gatewayApiFixture();
    const wide = new GatewayApiGateway(g.chart, 'wide', { name: 'wide', hostname: '*.example.com', credentialName: 'c' });
    new HttpMirrorRoute(g.chart, 'a', { hosts: ['a.example.com'], destination: { service: g.service, version: 'v1' }, gateways: [wide] });
    new HttpMirrorRoute(g.chart, 'b', { name: 'other', hosts: ['b.example.com'], destination: { service: g.service, version: 'v2' }, gateways: [wide] });
    expect(() => Testing.synth(g.chart)).not.toThrow();
  });

  test('Istio\'s legacy name.namespace gateway reference is refused with the namespace/name form to write', () => {
    const f = gatewayApiFixture();
    expect(() => GatewayApiGateway.fromGatewayName(f.chart, 'shared', 'shared-gw.infra'))
      .toThrow('ns/shared: gateway reference "shared-gw.infra" looks like Istio\'s legacy "<name>.<namespace>" form, which the Gateway API does not have '
        + '(it would be a Gateway named "shared-gw.infra" in the chart\'s namespace): write "infra/shared-gw"');
    // A dotted name with its namespace is a name.
    expect(GatewayApiGateway.fromGatewayName(f.chart, 'dotted', 'ns/gw.internal').gatewayName).toBe('gw.internal');
  });

  test('a shadow service without versions is a mirror target: the HTTPRoute mirrors to the Service itself', () => {
    const f = gatewayApiFixture();
    const shadowVersion = new ServiceVersion(f.chart, 'shadow-v1', { app: 'httpbin-shadow', version: 'v1', image: 'docker.io/kennethreitz/httpbin', containerPort: 80 });
    const shadow = new MeshService(f.chart, 'shadow', { port: 8000, versions: [shadowVersion] });
    new HttpMirrorRoute(f.chart, 'route', {
      destination: { service: f.service, version: 'v1' }, mirror: { service: shadow }, gateways: [f.gateway],
    });
    const hr = only(f.chart, 'HTTPRoute', 'httpbin');
    expect(hr.spec.rules[0].filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'httpbin-shadow', port: 8000 }, percent: 100 } }]);
    expectValidManifests(Testing.synth(f.chart));
  });

  test('a mirror to a version without pods is an error at synth, as with the Istio API', () => {
    const f = gatewayApiFixture();
    f.service.addVersion(new ServiceVersion(f.chart, 'httpbin-v4', { app: 'httpbin', version: 'v4', image: 'docker.io/kennethreitz/httpbin', containerPort: 80, replicas: 0 }));
    new HttpMirrorRoute(f.chart, 'route', { destination: { service: f.service, version: 'v1' }, mirror: { service: f.service, version: 'v4' }, gateways: [f.gateway] });
    expect(() => Testing.synth(f.chart)).toThrow('[test/ns/route] mirror httpbin version v4 has no pods (0 replicas): its copies would go nowhere');
  });
});

describe('HttpMirrorRoute regular expressions (issue 14: the checks of the Istio flavor the Gateway API can express)', () => {
  test('a regex that is not RE2 is refused with the prop, as with the Istio API', () => {
    const f = gatewayApiFixture();
    expect(() => new HttpMirrorRoute(f.chart, 'r', {
      destination: { service: f.service, version: 'v1' }, mirror: { service: f.service, version: 'v2' }, gateways: [f.gateway],
      mirrorMatches: [{ headers: { 'x-user': StringMatch.regex('(?=admin).*') } }],
    })).toThrow(/^test\/ns\/r: mirrorMatches\[0\]\.headers\["x-user"\]: "\(\?=admin\)\.\*" is not a valid RE2 regular expression \(the Gateway API leaves regex syntax to the implementation/);
  });
});
