/**
 * The analyzer on configurations nobody here wrote (issue #15, section 3): a representative subset of the upstream corpus
 * that scripts/upstream-corpus.js runs, vendored under test/fixtures/upstream/ (provenance in its README.md). Each test
 * names the upstream file and what Istio (its conversion goldens, its integration test) or the Gateway API (its
 * conformance test) says about it, and asserts the exact findings: none on a valid configuration, the expected codes on
 * an invalid one, and, where a finding on a valid one remains, why.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MeshAnalyzer } from '../../src/analysis/mesh-analyzer';

const UPSTREAM = path.join(__dirname, '..', 'fixtures', 'upstream');
const read = (file: string) => fs.readFileSync(path.join(UPSTREAM, file), 'utf8');
const TESTDATA = 'istio/pilot/pkg/config/kube/gateway/testdata';

/** Warnings and errors as `code Kind namespace/name` (IST0118 advice on port names is not what these files are about). */
// Infos, and the implementation profiles' warnings for the istio class (TM02xx, tested in implementation.test.ts), aside.
const shown = (findings: ReturnType<typeof MeshAnalyzer.analyze>) => findings.filter(f => f.level !== 'Info' && !/^TM02\d\d$/.test(f.code)).map(f => `${f.code} ${f.kind} ${f.namespace}/${f.name}`);

/**
 * An Istio conversion testdata file as conversion_test.go's readConfig gives it to the controller: with the Services of
 * its `services` list (conversion-test-services.yaml) and a Namespace per namespace of the file, labelled
 * `istio.io/test-name-part: <namespace up to its first dash>`.
 */
function istioTestdata(file: string) {
  const objects = MeshAnalyzer.parseYaml(read(`${TESTDATA}/${file}`));
  const namespaces = [...new Set(objects.map(o => o.metadata?.namespace ?? 'default'))];
  const defined = new Set(objects.map(o => `${o.kind}|${o.metadata?.namespace ?? ''}|${o.metadata?.name}`));
  const harness = [
    ...MeshAnalyzer.parseYaml(read('istio/conversion-test-services.yaml')),
    ...namespaces.map(name => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'istio.io/test-name-part': name.split('-')[0] } } })),
  ].filter(o => !defined.has(`${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`));
  return MeshAnalyzer.analyze([...objects, ...harness]);
}

/** A Gateway API conformance test file with the base manifests it runs on; findings on the base alone are left out. */
function conformance(file: string, base = 'gateway-api/conformance/base/manifests.yaml') {
  const baseFindings = new Set(MeshAnalyzer.analyzeYaml(read(base)).map(f => MeshAnalyzer.formatFinding(f)));
  return MeshAnalyzer.analyzeYaml(`${read(base)}\n---\n${read(`gateway-api/conformance/tests/${file}`)}`)
    .filter(f => !baseFindings.has(MeshAnalyzer.formatFinding(f)));
}

describe('valid upstream configurations', () => {
  test('istio testdata mesh.yaml: mesh (GAMMA) routes, one to another namespace without a grant, give no finding', () => {
    // mesh.status.yaml.golden: every route Accepted and ResolvedRefs True; consumer-override (namespace default) routes to
    // apple/httpbin-apple without a ReferenceGrant, which Istio does not ask for mesh routes (route_collections.go:
    // convertHTTPRoute(ctx, r, obj, n, !mesh)). Before issue #15 this was TM0105.
    expect(shown(istioTestdata('mesh.yaml'))).toEqual([]);
  });

  test('gateway-api conformance mesh-consumer-route.yaml: a consumer route to a Service of another namespace gives no finding', () => {
    // conformance/tests/mesh/mesh-consumer-route.go (MeshConsumerRoute) expects the route to work: no grant is needed.
    expect(shown(conformance('mesh/mesh-consumer-route.yaml', 'gateway-api/conformance/mesh/manifests.yaml'))).toEqual([]);
  });

  test('gateway-api conformance mirror tests give no finding', () => {
    // HTTPRouteRequestMirror, HTTPRouteRequestMultipleMirrors, HTTPRouteRequestPercentageMirror expect the routes Accepted
    // with every reference resolved, and the copies to arrive.
    for (const file of ['httproute-request-mirror.yaml', 'httproute-request-multiple-mirrors.yaml', 'httproute-request-percentage-mirror.yaml']) {
      expect(shown(conformance(file))).toEqual([]);
    }
  });

  test('istio testdata foreign-waypoint.yaml: a route another implementation\'s waypoint serves is left to it', () => {
    // foreign-waypoint.status.yaml.golden: Istio writes no status for route mcp (its ServiceEntry parent uses waypoint
    // example-waypoint of class example, controller example.com/waypoint-controller; waypointManagedByAnotherController).
    // Its backend kind example.com/Backend, which Istio does not route to, gave TM0110 before issue #15.
    expect(shown(istioTestdata('foreign-waypoint.yaml'))).toEqual([]);
  });

  test('istio testdata http.yaml: only the route the golden does not attach is reported', () => {
    // http.status.yaml.golden: http-not-selected is NoMatchingListenerHostname (no listener hostname matches
    // should.not.select); every other route, the mirror route included, is Accepted with its references resolved.
    const findings = istioTestdata('http.yaml');
    expect(shown(findings)).toEqual(['TM0104 HTTPRoute default/http-not-selected']);
    expect(findings.find(f => f.code === 'TM0104')!.message).toContain('accepts the hostnames [should.not.select]');
  });

  test('istio mirror integration test: a mesh route without ports gets IST0112 from istioctl, so from the analyzer too', () => {
    // tests/integration/pilot/testdata/traffic-mirroring-template.yaml, rendered as mirror_test.go renders it (case
    // mirror-50, MirrorHost c), for the echo Services b and c, which have several ports (http 80, grpc 7070, tcp 9090;
    // pkg/test/framework/components/echo/common/ports). The test passes at run time because a sidecar takes the port
    // from the listener the request came in on; istioctl's DestinationHostAnalyzer (destinationhosts.go,
    // checkServiceEntryPorts) reports VirtualServiceDestinationPortSelectorRequired for every destination and mirror
    // without port on a multi-port service, mesh or not. The analyzer follows istioctl.
    const rendered = read('istio/tests/integration/pilot/testdata/traffic-mirroring-template.yaml')
      .replace('{{.Name}}', 'mirror-50').replace('{{.MirrorHost}}', 'c').replace('{{.Percent}}', '50')
      .replace('{{- if not .Absent }}\n', '').replace('{{- end }}\n', '');
    const echo = (name: string) => ({
      apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
      spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 7070 }, { name: 'tcp', port: 9090 }] },
    });
    const findings = MeshAnalyzer.analyze([...MeshAnalyzer.parseYaml(rendered), echo('b'), echo('c')]);
    expect(findings.map(f => `${f.code} ${f.name}: ${f.message.slice(0, f.message.indexOf(')') + 1)}`)).toEqual([
      'IST0112 mirror-50: This VirtualService routes to a service "b" that exposes multiple ports [80 7070 9090] (http[0].route[0])',
      'IST0112 mirror-50: This VirtualService routes to a service "c" that exposes multiple ports [80 7070 9090] (http[0].mirror)',
    ]);
  });
});

describe('invalid upstream configurations', () => {
  test('istio testdata invalid.yaml: the references Istio refuses', () => {
    // invalid.status.yaml.golden, route by route: InvalidKind for invalid-backendRef-kind, invalid-backendRef-mixed and
    // invalid-mirror (conversion.go buildDestination "referencing unsupported backendRef"); BackendNotFound for the
    // missing Service, Hostname (unknown.example.com) and ServiceImport; NoMatchingParent for the port and sectionName no
    // listener has and the missing ServiceEntry parent; directResponse 500 for no-backend
    // (a mirror without backendRefs); InvalidCertificateRef / InvalidCACertificateKind for the certificate kinds
    // (buildSecretReference, buildCaCertificateReference); RefNotPermitted for the CA ConfigMap of another namespace.
    // Not reported (misses): the Secrets and ConfigMaps that do not exist or are malformed (invalid-cert-notfound,
    // invalid-cert-malformed, invalid-frontendvalidation-nonexistent, -malformed): the analyzer does not look at them.
    // Not an error here: the mesh routes whose parent Service httpbin comes from conversion_test.go's Services.
    expect(shown(istioTestdata('invalid.yaml'))).toEqual([
      'TM0101 HTTPRoute default/invalid-backendRef-hostname',
      'TM0110 HTTPRoute default/invalid-backendRef-kind',
      'TM0101 HTTPRoute default/invalid-backendRef-mirror',
      'TM0101 HTTPRoute default/invalid-backendRef-mixed',
      'TM0110 HTTPRoute default/invalid-backendRef-mixed',
      'TM0101 HTTPRoute default/invalid-backendRef-notfound',
      'TM0101 HTTPRoute default/invalid-backendRef-serviceimport',
      'TM0110 HTTPRoute default/invalid-mirror',
      'TM0103 HTTPRoute default/invalid-parentRef-port',
      'TM0103 HTTPRoute default/invalid-parentRef-service-entry',
      'TM0103 HTTPRoute default/invalid-sectionname-port',
      'TM0109 HTTPRoute default/no-backend',
      'TM0112 Gateway istio-system/invalid-cert-kind',
      'TM0106 Gateway istio-system/invalid-frontendvalidation-missing-refgrant',
      'TM0112 Gateway istio-system/invalid-frontendvalidation-unknown',
    ]);
  });

  test('istio testdata frontend-tls-refgrant.yaml: all four listeners refer to namespace certs without a grant', () => {
    // frontend-tls-refgrant.status.yaml.golden: ResolvedRefs False, RefNotPermitted on all four, certificate Secrets and
    // client-CA ConfigMaps alike, whether the object exists or not (buildTLS checks the grant first).
    const findings = istioTestdata('frontend-tls-refgrant.yaml');
    expect(shown(findings)).toEqual([
      'TM0106 Gateway istio-system/cacert-exists',
      'TM0106 Gateway istio-system/cacert-missing',
      'TM0106 Gateway istio-system/cert-exists',
      'TM0106 Gateway istio-system/cert-missing',
    ]);
    expect(findings[0].message).toMatch(/^CA certificate ConfigMap "certs\/existing-ca" is in another namespace without a ReferenceGrant/);
  });

  test('istio testdata route-binding.yaml: the listeners that do not admit a route, by namespace, selector, hostname or kind', () => {
    // route-binding.status.yaml.golden: NotAllowedByListeners for same-namespace-invalid (from: Same),
    // invalid-bind-cross-namespace and the five "-no" selector listeners of group-namespace1/bind-cross-namespace
    // (matchLabels, In, NotIn, Exists, DoesNotExist; Istio's namespacesFromSelector); NoMatchingListenerHostname for
    // host-mismatch; InvalidRouteKinds for listener scope-route (TCPRoute on an HTTP listener).
    const findings = istioTestdata('route-binding.yaml');
    expect(shown(findings).filter(f => !f.startsWith('TM0101'))).toEqual([
      'TM0104 HTTPRoute default/host-mismatch',
      'TM0104 HTTPRoute default/invalid-bind-cross-namespace',
      'TM0104 HTTPRoute default/same-namespace-invalid',
      ...Array(5).fill('TM0104 HTTPRoute group-namespace1/bind-cross-namespace'),
      'TM0113 Gateway istio-system/gateway',
    ]);
    // Exactly the "-no" listeners: parentRefs 2, 4, 6, 8, 10 (slctr-expr-in-no, -notin-no, -exists-no, -dne-no, slctr-combined-no).
    expect(findings.filter(f => f.name === 'bind-cross-namespace' && f.code === 'TM0104').map(f => Number(/parentRefs\[(\d+)\]/.exec(f.message)![1]))
      .sort((a, b) => a - b)).toEqual([2, 4, 6, 8, 10]);
    // What remains on this valid-for-Istio part: the routes use ports 81 to 87, which the Services of conversion_test.go
    // (svcPorts: 80, 34000, 34001) do not have. Istio accepts that (buildDestination checks that the Service exists, not
    // its port) and the goldens only show the generated config, but Envoy has no cluster for such a port, so the
    // analyzer keeps reporting it.
    expect(findings.filter(f => f.code === 'TM0101').map(f => /Referenced port (\d+)/.exec(f.message)![1]).sort()).toEqual(['81', '84', '85', '86', '87', '87']);
  });

  test('gateway-api conformance: unknown backend kind, invalid route kinds, disallowed kind, invalid client validation', () => {
    // HTTPRouteInvalidBackendRefUnknownKind: ResolvedRefs False, InvalidKind.
    expect(shown(conformance('httproute-invalid-backendref-unknown-kind.yaml'))).toEqual(['TM0110 HTTPRoute gateway-conformance-infra/invalid-backend-ref-unknown-kind']);
    // GatewayInvalidRouteKind: both listeners ResolvedRefs False, InvalidRouteKinds.
    expect(shown(conformance('gateway-invalid-route-kind.yaml'))).toEqual([
      'TM0113 Gateway gateway-conformance-infra/gateway-only-invalid-route-kind',
      'TM0113 Gateway gateway-conformance-infra/gateway-supported-and-invalid-route-kind',
    ]);
    // HTTPRouteDisallowedKind: the listener admits only TLSRoutes, the HTTPRoute is not Accepted.
    expect(shown(conformance('httproute-disallowed-kind.yaml'))).toEqual(['TM0104 HTTPRoute gateway-conformance-infra/disallowed-kind']);
    // GatewayWithInvalidClientCertificateValidation: listener https-invalid-kind InvalidCACertificateKind (a Service),
    // https-grant-missing RefNotPermitted. The third finding is upstream's own: the HTTPRoute's parentRef names Gateway
    // client-validation-invalid, which no manifest defines (the test only checks the Gateway's listener conditions).
    // The missing ConfigMap of https-unresolved is not reported: the analyzer does not look for Secrets and ConfigMaps.
    expect(shown(conformance('gateway-with-invalid-clientcertificate-validation.yaml'))).toEqual([
      'TM0106 Gateway gateway-conformance-infra/gateway-with-invalid-client-cert-validation',
      'TM0112 Gateway gateway-conformance-infra/gateway-with-invalid-client-cert-validation',
      'TM0103 HTTPRoute gateway-conformance-infra/misconfigured-client-certificate-validation-https-test',
    ]);
  });
});
