import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshAnalyzer } from '../../src/analysis/mesh-analyzer';
import { IServiceVersion } from '../../src/core/references';
import { MeshService } from '../../src/services/mesh-service';
import { MirrorRoute } from '../../src/istio/mirror-route';
import { ServiceSubsets } from '../../src/istio/service-subsets';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';

const ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

/** A cdk8s-plus Deployment as a user writes it: cdk8s-plus's defaults, selected by its address label. */
function userDeployment(chart: Chart, id = 'reviews-shadow', labels: { [key: string]: string } = {}): kplus.Deployment {
  return new kplus.Deployment(chart, id, {
    metadata: { name: 'reviews-shadow' },
    replicas: 1,
    podMetadata: { labels },
    containers: [{ image: 'docker.io/istio/examples-bookinfo-reviews-v3:1.20.2', portNumber: 9080, securityContext: { user: 1000 } }],
  });
}

/** A Deployment written as a plain ApiObject (e.g. converted from a Helm chart's output). */
function plainDeployment(chart: Chart, templateLabels: { [key: string]: string }): ApiObject {
  return new ApiObject(chart, 'reviews-plain', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'reviews-plain' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'reviews', version: 'v3' } },
      template: {
        metadata: { labels: templateLabels },
        spec: { containers: [{ name: 'reviews', image: 'docker.io/istio/examples-bookinfo-reviews-v3:1.20.2', ports: [{ containerPort: 9080 }] }] },
      },
    },
  });
}

const deploymentOf = (manifests: any[], name: string) => manifests.find(m => m.kind === 'Deployment' && m.metadata.name === name);

describe('ServiceVersion.fromDeployment', () => {
  test('adds the app and version pod labels to the user\'s Deployment and leaves the rest of it as the user wrote it', () => {
    const chart = Testing.chart();
    const deployment = userDeployment(chart);
    const version = ServiceVersion.fromDeployment(chart, 'v3', deployment, { app: 'reviews', version: 'v3' });
    const manifests = Testing.synth(chart);
    expect(manifests).toHaveLength(1);
    const d = deploymentOf(manifests, 'reviews-shadow');
    expect(d.spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v3' });
    // The Deployment is the user's: it keeps selecting by cdk8s-plus's address label, which its pods keep carrying.
    expect(Object.keys(d.spec.selector.matchLabels)).toEqual([ADDRESS_LABEL]);
    expect(d.spec.template.metadata.labels[ADDRESS_LABEL]).toBe(d.spec.selector.matchLabels[ADDRESS_LABEL]);
    expect(version.podLabels).toEqual(d.spec.template.metadata.labels);
    expect([version.app, version.version, version.namespace, version.definedElsewhere]).toEqual(['reviews', 'v3', undefined, false]);
    expect(version.containerPorts).toEqual([9080]);
    expect(version.containerPort).toBe(9080);
    expectValidManifests(manifests);
  });

  test('accepts labels the Deployment already carries, and takes the namespace of the Deployment or its chart', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'bookinfo' });
    const deployment = userDeployment(chart, 'd', { app: 'reviews', version: 'v3', team: 'b' });
    const version = ServiceVersion.fromDeployment(chart, 'v3', deployment, { app: 'reviews', version: 'v3' });
    expect(version.namespace).toBe('bookinfo');
    expect(version.podLabels).toMatchObject({ app: 'reviews', version: 'v3', team: 'b' });
    const other = new kplus.Deployment(chart, 'other', { metadata: { namespace: 'canary' }, containers: [{ image: 'nginx:1' }] });
    expect(ServiceVersion.fromDeployment(chart, 'v4', other, { app: 'reviews', version: 'v4' }).namespace).toBe('canary');
  });

  test('containerPort is undefined when the Deployment\'s containers declare several ports (containerPorts lists them)', () => {
    const chart = Testing.chart();
    const deployment = userDeployment(chart);
    deployment.addContainer({ name: 'metrics', image: 'ghcr.io/example/exporter:1', portNumber: 9102 });
    const version = ServiceVersion.fromDeployment(chart, 'v3', deployment, { app: 'reviews', version: 'v3' });
    expect(version.containerPorts).toEqual([9080, 9102]);
    expect(version.containerPort).toBeUndefined();
  });

  test('is a version of a MeshService: its subset selects the Deployment\'s pods', () => {
    const chart = Testing.chart();
    const service = new MeshService(chart, 'reviews', { app: 'reviews', port: 9080 });
    ServiceSubsets.forService(service); // what a MirrorRoute to one of its versions adds
    service.addVersion(ServiceVersion.fromDeployment(chart, 'v3', userDeployment(chart), { app: 'reviews', version: 'v3' }));
    const manifests = Testing.synth(chart);
    const rule = manifests.find(m => m.kind === 'DestinationRule');
    expect(rule.spec.subsets).toEqual([{ name: 'v3', labels: { version: 'v3' } }]);
    const pods = deploymentOf(manifests, 'reviews-shadow').spec.template.metadata.labels;
    const svc = manifests.find(m => m.kind === 'Service');
    expect(Object.entries({ ...svc.spec.selector, ...rule.spec.subsets[0].labels }).every(([k, v]) => pods[k] === v)).toBe(true);
  });

  describe('fails', () => {
    test('when the Deployment labels its pods with another version', () => {
      const chart = Testing.chart();
      const deployment = userDeployment(chart, 'd', { version: 'v2' });
      expect(() => ServiceVersion.fromDeployment(chart, 'v3', deployment, { app: 'reviews', version: 'v3' })).toThrow(
        /^test\/v3: the Deployment test\/d labels its pods version="v2", but this version says version "v3": pass version: "v2" or change the Deployment's pod label$/);
    });

    test('when the app label is changed after, at synth', () => {
      const chart = Testing.chart();
      const deployment = userDeployment(chart);
      ServiceVersion.fromDeployment(chart, 'v3', deployment, { app: 'reviews', version: 'v3' });
      deployment.podMetadata.addLabel('app', 'ratings');
      expect(() => Testing.synth(chart)).toThrow(/\[test\/v3\] the Deployment test\/reviews-shadow's pod label app is "ratings", but it must be "reviews"/);
    });

    test('when the app label is changed after a first synthesis (the labels are the check\'s fingerprint)', () => {
      const chart = Testing.chart();
      const deployment = userDeployment(chart);
      ServiceVersion.fromDeployment(chart, 'v3', deployment, { app: 'reviews', version: 'v3' });
      expect(() => Testing.synth(chart)).not.toThrow();
      deployment.podMetadata.addLabel('app', 'ratings');
      expect(() => Testing.synth(chart)).toThrow(/\[test\/v3\] the Deployment test\/reviews-shadow's pod label app is "ratings"/);
    });

    test('when the Deployment belongs to another app', () => {
      const deployment = userDeployment(Testing.chart());
      expect(() => ServiceVersion.fromDeployment(Testing.chart(), 'v3', deployment, { app: 'reviews', version: 'v3' }))
        .toThrow(/^test\/v3: the Deployment test\/reviews-shadow belongs to another app/);
    });

    test('when the version is no label value', () => {
      const chart = Testing.chart();
      expect(() => ServiceVersion.fromDeployment(chart, 'v3', userDeployment(chart), { app: 'reviews', version: 'v 3' }))
        .toThrow(/^test\/v3: version must be a non-empty Kubernetes label value .*got "v 3"$/);
    });
  });
});

describe('ServiceVersion.fromApiObject', () => {
  test('reads the pod labels and container ports of the rendered object; nothing is added to it', () => {
    const chart = Testing.chart();
    const object = plainDeployment(chart, { app: 'reviews', version: 'v3' });
    const version = ServiceVersion.fromApiObject(chart, 'v3', object, { app: 'reviews', version: 'v3' });
    const manifests = Testing.synth(chart);
    expect(manifests).toEqual([object.toJson()]);
    expect(version.podLabels).toEqual({ app: 'reviews', version: 'v3' });
    expect(version.containerPorts).toEqual([9080]);
    expect(version.containerPort).toBe(9080);
    expect(version.definedElsewhere).toBe(false);
    expectValidManifests(manifests);
  });

  test('checks the labels at synth, so labels added after the call count', () => {
    const chart = Testing.chart();
    const object = plainDeployment(chart, { app: 'reviews' });
    ServiceVersion.fromApiObject(chart, 'v3', object, { app: 'reviews', version: 'v3' });
    object.addJsonPatch(JsonPatch.add('/spec/template/metadata/labels/version', 'v3'));
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  test('sees a label removed by a JSON patch after a first synthesis', () => {
    const chart = Testing.chart();
    const object = plainDeployment(chart, { app: 'reviews', version: 'v3' });
    ServiceVersion.fromApiObject(chart, 'v3', object, { app: 'reviews', version: 'v3' });
    expect(() => Testing.synth(chart)).not.toThrow();
    object.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/version'));
    expect(() => Testing.synth(chart)).toThrow(/must label its pods version=v3 \(spec.template.metadata.labels\), but has no such label/);
  });

  test('takes any apps/v1 workload, e.g. a StatefulSet in another namespace', () => {
    const chart = Testing.chart();
    const set = new kplus.StatefulSet(chart, 'db', {
      metadata: { namespace: 'data' },
      podMetadata: { labels: { app: 'db', version: 'v1' } },
      containers: [{ image: 'postgres:16', portNumber: 5432 }],
    });
    const version = ServiceVersion.fromApiObject(chart, 'db-v1', ApiObject.of(set), { app: 'db', version: 'v1' });
    expect(version.namespace).toBe('data');
    expect(version.containerPorts).toEqual([5432]);
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  describe('fails', () => {
    test('at synth when the pod template lacks the version label, naming the object, the label and the fix', () => {
      const chart = Testing.chart();
      ServiceVersion.fromApiObject(chart, 'v3', plainDeployment(chart, { app: 'reviews', version: 'v2' }), { app: 'reviews', version: 'v3' });
      expect(() => Testing.synth(chart)).toThrow(/\[test\/v3\] Deployment test\/reviews-plain must label its pods version=v3 \(spec.template.metadata.labels\), but has version=v2: add the label to its pod template, or pass the version its pods carry/);
    });

    test('at synth when the pod template has no labels at all', () => {
      const chart = Testing.chart();
      ServiceVersion.fromApiObject(chart, 'v3', plainDeployment(chart, {}), { app: 'reviews', version: 'v3' });
      expect(() => Testing.synth(chart)).toThrow(/must label its pods app=reviews \(spec.template.metadata.labels\), but has no such label/);
    });

    test('when the object has no pod template', () => {
      const chart = Testing.chart();
      const service = new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews' } });
      expect(() => ServiceVersion.fromApiObject(chart, 'v3', service, { app: 'reviews', version: 'v3' }))
        .toThrow(/^test\/v3: test\/svc is a v1 Service, which has no pod template: pass an apps\/v1 Deployment, StatefulSet, DaemonSet, ReplicaSet/);
    });
  });
});

describe('ServiceVersion.fromDeploymentName', () => {
  test('writes nothing, is defined elsewhere, and carries the given labels and ports', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'bookinfo' });
    const version = ServiceVersion.fromDeploymentName(chart, 'v3', { app: 'reviews', version: 'v3', name: 'reviews-v3', containerPorts: [9080] });
    expect(Testing.synth(chart)).toEqual([]);
    expect(version.definedElsewhere).toBe(true);
    expect(version.namespace).toBe('bookinfo');
    expect(version.podLabels).toEqual({ app: 'reviews', version: 'v3' });
    expect(version.containerPorts).toEqual([9080]);
    expect(version.containerPort).toBe(9080);
    const unknown = ServiceVersion.fromDeploymentName(chart, 'v4', { app: 'reviews', version: 'v4', name: 'reviews-v4', namespace: 'canary' });
    expect([unknown.containerPorts, unknown.containerPort, unknown.namespace]).toEqual([undefined, undefined, 'canary']);
    const two = ServiceVersion.fromDeploymentName(chart, 'v5', { app: 'reviews', version: 'v5', name: 'reviews-v5', containerPorts: [9080, 9102] });
    expect([two.containerPorts, two.containerPort]).toEqual([[9080, 9102], undefined]);
  });

  test('becomes a subset of a MeshService', () => {
    const chart = Testing.chart();
    const service = new MeshService(chart, 'reviews', { app: 'reviews', port: 9080 });
    ServiceSubsets.forService(service);
    service.addVersion(ServiceVersion.fromDeploymentName(chart, 'v3', { app: 'reviews', version: 'v3', name: 'reviews-v3', containerPorts: [9080] }));
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => m.kind)).toEqual(['Service', 'DestinationRule']);
    expect(manifests[1].spec.subsets).toEqual([{ name: 'v3', labels: { version: 'v3' } }]);
    expect(manifests[0].spec.ports[0].targetPort).toBe(9080);
  });

  test.each([
    ['the name is not a DNS subdomain', { name: 'Reviews_V3' }, /^test\/v3: name must be .*got "Reviews_V3"/],
    ['a container port is 0', { containerPorts: [9080, 0] }, /^test\/v3: containerPorts\[1\] must be an integer port number between 1 and 65535, got 0$/],
    ['the namespace is not a DNS label', { namespace: 'Book.Info' }, /^test\/v3: namespace must be a DNS label .*got "Book.Info"$/],
    ['the app is empty', { app: '' }, /^test\/v3: app must be a non-empty Kubernetes label value/],
  ])('fails when %s', (_, override, message) => {
    const chart = Testing.chart();
    expect(() => ServiceVersion.fromDeploymentName(chart, 'v3', { app: 'reviews', version: 'v3', name: 'reviews-v3', ...override })).toThrow(message);
  });
});

// The issue's new-user tests: a real service (probes, a volume, a ConfigMap env source, pod annotations) mirrored to a
// shadow version synthesizes and analyzes clean; so does the same with the shadow's Deployment written elsewhere.
describe('a new user mirrors a real service', () => {
  function realService(chart: Chart): ServiceVersion {
    const config = new kplus.ConfigMap(chart, 'config', { metadata: { name: 'reviews-config' }, data: { STAR_COLOR: 'red' } });
    const primary = new ServiceVersion(chart, 'reviews-v1', {
      app: 'reviews',
      version: 'v1',
      image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2',
      containerPort: 9080,
      readiness: kplus.Probe.fromHttpGet('/health', { port: 9080 }),
      liveness: kplus.Probe.fromTcpSocket({ port: 9080 }),
      podAnnotations: { 'prometheus.io/scrape': 'true' },
    });
    primary.container.env.copyFrom(kplus.Env.fromConfigMap(config));
    primary.container.mount('/tmp', kplus.Volume.fromEmptyDir(chart, 'tmp', 'tmp'));
    return primary;
  }

  function mirror(chart: Chart, primary: ServiceVersion, shadow: IServiceVersion): any[] {
    const service = new MeshService(chart, 'reviews', { port: 9080, versions: [primary, shadow] });
    new MirrorRoute(chart, 'route', {
      destination: { service, version: primary.version },
      mirror: { service, version: shadow.version },
      mirrorPercent: 100,
    });
    return Testing.synth(chart);
  }

  const analysis = (manifests: any[]) => MeshAnalyzer.analyze(manifests).map(MeshAnalyzer.formatFinding);

  test('to a shadow ServiceVersion', () => {
    const chart = new Chart(new App(), 'reviews', { namespace: 'bookinfo' });
    const primary = realService(chart);
    const shadow = new ServiceVersion(chart, 'reviews-v2', { app: 'reviews', version: 'v2', image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2', containerPort: 9080 });
    const manifests = mirror(chart, primary, shadow);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual(['ConfigMap/reviews-config', 'Deployment/reviews-v1',
      'Deployment/reviews-v2', 'Service/reviews', 'DestinationRule/reviews', 'VirtualService/reviews']);
    const pod = deploymentOf(manifests, 'reviews-v1').spec.template;
    expect(pod.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
    expect(pod.spec.containers[0]).toMatchObject({
      readinessProbe: { httpGet: { path: '/health', port: 9080 } },
      livenessProbe: { tcpSocket: { port: 9080 } },
      envFrom: [{ configMapRef: { name: 'reviews-config' } }],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    });
    expect(manifests.find(m => m.kind === 'VirtualService').spec.http[0].mirror).toEqual({ host: 'reviews', subset: 'v2', port: { number: 9080 } });
    expect(analysis(manifests)).toEqual([]);
    expectValidManifests(manifests.filter(m => m.kind !== 'ConfigMap'));
  });

  test('to a shadow whose cdk8s-plus Deployment the user wrote', () => {
    const chart = new Chart(new App(), 'reviews', { namespace: 'bookinfo' });
    const primary = realService(chart);
    const shadow = ServiceVersion.fromDeployment(chart, 'reviews-v3', userDeployment(chart), { app: 'reviews', version: 'v3' });
    const manifests = mirror(chart, primary, shadow);
    expect(deploymentOf(manifests, 'reviews-shadow').spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v3' });
    expect(manifests.find(m => m.kind === 'VirtualService').spec.http[0].mirror).toEqual({ host: 'reviews', subset: 'v3', port: { number: 9080 } });
    expect(analysis(manifests)).toEqual([]);
  });

  test('to a shadow Deployment written as a plain ApiObject', () => {
    const chart = new Chart(new App(), 'reviews', { namespace: 'bookinfo' });
    const primary = realService(chart);
    const shadow = ServiceVersion.fromApiObject(chart, 'reviews-v3', plainDeployment(chart, { app: 'reviews', version: 'v3' }), { app: 'reviews', version: 'v3' });
    const manifests = mirror(chart, primary, shadow);
    expect(analysis(manifests)).toEqual([]);
  });

  test('to a shadow Deployment applied elsewhere (Helm) beside the app\'s own v1: declared on the DestinationRule and the route, it analyzes clean', () => {
    const chart = new Chart(new App(), 'reviews', { namespace: 'bookinfo' });
    const primary = realService(chart);
    const shadow = ServiceVersion.fromDeploymentName(chart, 'reviews-v3', { app: 'reviews', version: 'v3', name: 'reviews-v3', containerPorts: [9080] });
    const manifests = mirror(chart, primary, shadow);
    const declared = [{ kind: 'Workload', namespace: 'bookinfo', name: 'reviews-v3', labels: { app: 'reviews', version: 'v3' } }];
    for (const kind of ['DestinationRule', 'VirtualService']) {
      expect(JSON.parse(manifests.find(m => m.kind === kind).metadata.annotations['cdk8s-traffic-mirror/defined-elsewhere'])).toEqual(declared);
    }
    // No IST0173 for subset v3 nor TM0008 for the mirror: the pods are declared to run elsewhere.
    expect(analysis(manifests)).toEqual([]);
    // Without the declarations, the same manifests give exactly those findings (so the test above passes for a reason).
    const stripped = manifests.map(m => (m.metadata.annotations?.['cdk8s-traffic-mirror/defined-elsewhere'] === undefined ? m
      : { ...m, metadata: { ...m.metadata, annotations: undefined } }));
    expect(analysis(stripped).map(f => f.split(' ')[0]).sort()).toEqual(['IST0173', 'TM0008']);
    expectValidManifests(manifests.filter(m => m.kind !== 'ConfigMap'));
  });

  test('and the analysis sees it when the shadow\'s pods do not carry the labels the subset selects', () => {
    // The check that the two tests above pass for a reason: the same app with the shadow's labels wrong at the source.
    const chart = new Chart(new App(), 'reviews', { namespace: 'bookinfo' });
    const primary = realService(chart);
    const object = plainDeployment(chart, { app: 'reviews', version: 'v3' });
    const shadow = ServiceVersion.fromApiObject(chart, 'reviews-v3', object, { app: 'reviews', version: 'v3' });
    mirror(chart, primary, shadow);
    const manifests = Testing.synth(chart).map(m => (m.metadata.name === 'reviews-plain'
      ? { ...m, spec: { ...m.spec, template: { ...m.spec.template, metadata: { labels: { app: 'reviews', version: 'v9' } } } } } : m));
    expect(analysis(manifests).join('\n')).toMatch(/IST0173/);
  });
});
