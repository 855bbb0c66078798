import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ImagePullPolicy, PodSecurityLevel, ServiceVersion, ServiceVersionProps, WorkloadSecurity } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';

const ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

const reviewsV2: ServiceVersionProps = {
  app: 'reviews',
  version: 'v2',
  image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2',
  containerPort: 9080,
};

function synthOne(chart: Chart): any {
  const manifests = Testing.synth(chart);
  expect(manifests).toHaveLength(1);
  return manifests[0];
}

function container(deployment: any): any {
  expect(deployment.spec.template.spec.containers).toHaveLength(1);
  return deployment.spec.template.spec.containers[0];
}

describe('ServiceVersion', () => {
  test('renders a Deployment labelled and selected by app and version', () => {
    const chart = Testing.chart();
    const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    const deployment = synthOne(chart);

    expect(deployment).toMatchSnapshot();
    expect(deployment.apiVersion).toBe('apps/v1');
    expect(deployment.kind).toBe('Deployment');
    // The default name is <app>-<version>.
    expect(deployment.metadata.name).toBe('reviews-v2');
    expect(deployment.metadata.namespace).toBeUndefined();
    expect(deployment.metadata.labels).toEqual({ app: 'reviews', version: 'v2' });
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'reviews', version: 'v2' } });
    expect(deployment.spec.template.metadata.labels).toEqual({ app: 'reviews', version: 'v2' });
    expect(version.podLabels).toEqual({ app: 'reviews', version: 'v2' });
    expect(deployment.spec.replicas).toBe(1);
    expect(version.replicas).toBe(1);
    expectValidManifests([deployment]);
  });

  test('renders the container from the props', () => {
    const chart = Testing.chart();
    const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    const c = container(synthOne(chart));

    // The container name defaults to the app name.
    expect(c.name).toBe('reviews');
    expect(c.image).toBe(reviewsV2.image);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.ports).toEqual([{ containerPort: reviewsV2.containerPort }]);
    expect(version.containerPort).toBe(reviewsV2.containerPort);
    expect(c.command).toBeUndefined();
    expect(c.args).toBeUndefined();
    expect(c.env).toBeUndefined();
  });

  test('exposes the resolved attributes', () => {
    const chart = Testing.chart();
    const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    expect(version.app).toBe(reviewsV2.app);
    expect(version.version).toBe(reviewsV2.version);
    expect(version.image).toBe(reviewsV2.image);
    expect(version.deploymentName).toBe('reviews-v2');
    expect(synthOne(chart).metadata.name).toBe(version.deploymentName);
    expect(version.namespace).toBeUndefined();
    expect(ApiObject.of(version)).toBe(ApiObject.of(version.deployment));
    expect(ApiObject.of(version).kind).toBe('Deployment');
    expect(version.definedElsewhere).toBe(false);
    expect(version.containerPorts).toEqual([reviewsV2.containerPort]);
    expect(version.hasPods).toBe(true);
    // Read from the Deployment, so they follow it: no copy of its own to drift.
    expect(new ServiceVersion(chart, 'reviews-v3', { ...reviewsV2, version: 'v3', replicas: 0 }).hasPods).toBe(false);
    expect(version.container).toBe(version.deployment.containers[0]);
  });

  test('does not label the pods with the construct address', () => {
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    const deployment = synthOne(chart);
    expect(Object.keys(deployment.spec.template.metadata.labels)).not.toContain(ADDRESS_LABEL);
    expect(Object.keys(deployment.metadata.labels)).not.toContain(ADDRESS_LABEL);
    expect(Object.keys(deployment.spec.selector.matchLabels)).not.toContain(ADDRESS_LABEL);
  });

  test('keeps the pod template unchanged when the construct tree is reorganised', () => {
    const flat = Testing.chart();
    new ServiceVersion(flat, 'reviews-v2', reviewsV2);
    const nested = Testing.chart();
    new ServiceVersion(new ServiceVersion(nested, 'other', { ...reviewsV2, version: 'v1' }), 'moved', reviewsV2);
    const moved = Testing.synth(nested).find(m => m.metadata.name === 'reviews-v2');
    expect(moved.spec.template).toEqual(synthOne(flat).spec.template);
  });

  test('by default runs the image as built: not forced non-root, writable root filesystem, never privileged', () => {
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    const deployment = synthOne(chart);
    expect(container(deployment).securityContext).toEqual({
      runAsNonRoot: false,
      readOnlyRootFilesystem: false,
      allowPrivilegeEscalation: false,
      privileged: false,
    });
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(false);
    expect(deployment.spec.template.spec.securityContext.runAsUser).toBeUndefined();
  });

  test('WorkloadSecurity.imageDefaults() is the default', () => {
    const implicit = Testing.chart();
    new ServiceVersion(implicit, 'reviews-v2', reviewsV2);
    const explicit = Testing.chart();
    new ServiceVersion(explicit, 'reviews-v2', { ...reviewsV2, security: WorkloadSecurity.imageDefaults() });
    expect(synthOne(explicit)).toEqual(synthOne(implicit));
  });

  test('WorkloadSecurity.restricted() runs as non-root on a read-only root filesystem, without capabilities, with RuntimeDefault seccomp', () => {
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, security: WorkloadSecurity.restricted() });
    const deployment = synthOne(chart);
    expect(deployment).toMatchSnapshot();
    expect(container(deployment).securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(deployment.spec.template.spec.securityContext).toEqual({
      runAsNonRoot: true,
      fsGroupChangePolicy: 'Always',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expectValidManifests([deployment]);
  });

  test('WorkloadSecurity.restricted() sets the user and group on pod and container, and can keep the filesystem writable', () => {
    const security = WorkloadSecurity.restricted({ user: 1000, group: 3000, readOnlyRootFilesystem: false });
    expect(security.runAsNonRoot).toBe(true);
    expect(security.readOnlyRootFilesystem).toBe(false);
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, security });
    const deployment = synthOne(chart);
    expect(container(deployment).securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: false,
      allowPrivilegeEscalation: false,
      privileged: false,
      runAsUser: 1000,
      runAsGroup: 3000,
      capabilities: { drop: ['ALL'] },
    });
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 3000 });
  });

  test('WorkloadSecurity factories report what they set', () => {
    const defaults = WorkloadSecurity.imageDefaults();
    expect([defaults.level, defaults.runAsNonRoot, defaults.readOnlyRootFilesystem, defaults.user, defaults.group])
      .toEqual([PodSecurityLevel.BASELINE, false, false, undefined, undefined]);
    const restricted = WorkloadSecurity.restricted();
    expect([restricted.level, restricted.runAsNonRoot, restricted.readOnlyRootFilesystem, restricted.user, restricted.group])
      .toEqual([PodSecurityLevel.RESTRICTED, true, true, undefined, undefined]);
  });

  test('WorkloadSecurity.imageDefaults() writes no capabilities or seccomp profile (the image as built)', () => {
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    const deployment = synthOne(chart);
    expect(container(deployment).securityContext.capabilities).toBeUndefined();
    expect(deployment.spec.template.spec.securityContext.seccompProfile).toBeUndefined();
  });

  test('fails when WorkloadSecurity.restricted() is given user 0', () => {
    expect(() => WorkloadSecurity.restricted({ user: 0 })).toThrow(/user must not be 0 \(root\).*give a non-zero user id/);
  });

  test('defaults the resources to a small HTTP service without a CPU limit', () => {
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    expect(container(synthOne(chart)).resources).toEqual({
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { memory: '256Mi' },
    });
  });

  test('renders custom resources, including a CPU limit', () => {
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v2', {
      ...reviewsV2,
      resources: { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 },
    });
    const deployment = synthOne(chart);
    expect(container(deployment).resources).toEqual({
      requests: { cpu: '250m', memory: '128Mi' },
      limits: { cpu: '1000m', memory: '512Mi' },
    });
    expectValidManifests([deployment]);
  });

  test('renders env, command, args, replicas and imagePullPolicy', () => {
    const chart = Testing.chart();
    const version = new ServiceVersion(chart, 'reviews-v2', {
      ...reviewsV2,
      env: { LOG_LEVEL: 'debug', STAR_COLOR: 'black' },
      command: ['/opt/ibm/wlp/bin/server'],
      args: ['run', 'defaultServer'],
      replicas: 3,
      imagePullPolicy: ImagePullPolicy.ALWAYS,
    });
    const deployment = synthOne(chart);
    const c = container(deployment);
    expect(c.env).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'STAR_COLOR', value: 'black' }]);
    expect(c.command).toEqual(['/opt/ibm/wlp/bin/server']);
    expect(c.args).toEqual(['run', 'defaultServer']);
    expect(c.imagePullPolicy).toBe('Always');
    expect(deployment.spec.replicas).toBe(3);
    expect(version.replicas).toBe(3);
    expectValidManifests([deployment]);
  });

  test.each([
    [ImagePullPolicy.ALWAYS, 'Always'],
    [ImagePullPolicy.IF_NOT_PRESENT, 'IfNotPresent'],
    [ImagePullPolicy.NEVER, 'Never'],
  ])('renders imagePullPolicy %s as %s', (policy, wire) => {
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, imagePullPolicy: policy });
    expect(container(synthOne(chart)).imagePullPolicy).toBe(wire);
  });

  test('scales to zero replicas', () => {
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, replicas: 0 });
    expect(synthOne(chart).spec.replicas).toBe(0);
  });

  test('renders no container port when none is given', () => {
    const chart = Testing.chart();
    const version = new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, containerPort: undefined });
    expect(version.containerPort).toBeUndefined();
    expect(container(synthOne(chart)).ports).toBeUndefined();
  });

  test('uses the given name and container name', () => {
    const chart = Testing.chart();
    const version = new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, name: 'reviews-canary', containerName: 'server' });
    const deployment = synthOne(chart);
    expect(deployment.metadata.name).toBe('reviews-canary');
    expect(version.deploymentName).toBe('reviews-canary');
    expect(container(deployment).name).toBe('server');
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'reviews', version: 'v2' });
  });

  test('adds podLabels to the pod template but keeps selecting only app and version', () => {
    const chart = Testing.chart();
    const version = new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, podLabels: { team: 'bookinfo', tier: 'backend' } });
    const deployment = synthOne(chart);
    expect(deployment.spec.template.metadata.labels).toEqual({ team: 'bookinfo', tier: 'backend', app: 'reviews', version: 'v2' });
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'reviews', version: 'v2' });
    expect(version.podLabels).toEqual({ team: 'bookinfo', tier: 'backend', app: 'reviews', version: 'v2' });
    expectValidManifests([deployment]);
  });

  test('podLabels returns a copy', () => {
    const chart = Testing.chart();
    const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    version.podLabels.version = 'v3';
    expect(version.podLabels.version).toBe('v2');
  });

  test('takes the namespace from the chart', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'bookinfo' });
    const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    expect(version.namespace).toBe('bookinfo');
    expect(synthOne(chart).metadata.namespace).toBe('bookinfo');
  });

  test('an explicit namespace overrides the chart namespace', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'bookinfo' });
    const version = new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, namespace: 'canary' });
    expect(version.namespace).toBe('canary');
    expect(synthOne(chart).metadata.namespace).toBe('canary');
  });

  test('two versions of one app select disjoint pods', () => {
    const chart = Testing.chart();
    new ServiceVersion(chart, 'reviews-v1', { ...reviewsV2, version: 'v1' });
    new ServiceVersion(chart, 'reviews-v2', reviewsV2);
    const deployments = Testing.synth(chart);
    expect(deployments.map(d => d.metadata.name)).toEqual(['reviews-v1', 'reviews-v2']);
    const selects = (selector: any, labels: any) => Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v);
    for (const d of deployments) {
      const selected = deployments.filter(other => selects(d.spec.selector, other.spec.template.metadata.labels));
      expect(selected).toEqual([d]);
    }
    expectValidManifests(deployments);
  });

  describe('the cdk8s-plus Deployment', () => {
    test('is the version itself, one construct in the tree as a cdk8s-plus Deployment is, with the props applied', () => {
      const chart = Testing.chart();
      const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
      expect(version.deployment).toBeInstanceOf(kplus.Deployment);
      expect(version.deployment).toBe(version);
      expect(chart.node.findChild('reviews-v2')).toBe(version);
      // Its object is cdk8s-plus's own child, as for any cdk8s-plus Deployment (and as before version 0.x's redesign).
      expect(ApiObject.of(version).node.path).toBe('test/reviews-v2/Resource');
      expect(ApiObject.of(version).kind).toBe('Deployment');
      expect(version.container).toBe(version.deployment.containers[0]);
      expect(version.container.name).toBe('reviews');
      expect(version.deployment.replicas).toBe(1);
      expect(version.deployment.metadata.name).toBe(version.deploymentName);
    });

    test('takes what users add through cdk8s-plus: a volume, a ConfigMap env source, an init container, a pod annotation, a probe', () => {
      const chart = Testing.chart();
      const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
      const config = new kplus.ConfigMap(chart, 'config', { metadata: { name: 'reviews-config' }, data: { STAR_COLOR: 'red' } });
      const cache = kplus.Volume.fromEmptyDir(chart, 'cache', 'cache');
      version.container.mount('/var/cache/reviews', cache);
      version.container.env.copyFrom(kplus.Env.fromConfigMap(config));
      version.deployment.addInitContainer({ name: 'migrate', image: 'ghcr.io/example/migrate:1', securityContext: { ensureNonRoot: false } });
      version.deployment.podMetadata.addAnnotation('prometheus.io/scrape', 'true');
      version.deployment.podMetadata.addLabel('team', 'bookinfo');
      const manifests = Testing.synth(chart);
      const deployment = manifests.find(m => m.kind === 'Deployment');
      const pod = deployment.spec.template;
      expect(pod.spec.volumes).toEqual([{ name: 'cache', emptyDir: {} }]);
      expect(container(deployment).volumeMounts).toEqual([{ name: 'cache', mountPath: '/var/cache/reviews' }]);
      expect(container(deployment).envFrom).toEqual([{ configMapRef: { name: 'reviews-config' } }]);
      expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['migrate']);
      expect(pod.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
      expect(pod.metadata.labels).toEqual({ app: 'reviews', version: 'v2', team: 'bookinfo' });
      expect(version.podLabels).toEqual({ app: 'reviews', version: 'v2', team: 'bookinfo' });
      // The selector stays exactly {app, version}.
      expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'reviews', version: 'v2' } });
      expectValidManifests([deployment]);
    });

    test('containerPorts lists the ports of every container, including containers added later', () => {
      const chart = Testing.chart();
      const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
      version.deployment.addContainer({ name: 'metrics', image: 'ghcr.io/example/exporter:1', portNumber: 9102 });
      expect(version.containerPorts).toEqual([9080, 9102]);
      // containerPort stays the version's own (the prop), which the mesh service forwards to.
      expect(version.containerPort).toBe(9080);
      const none = new ServiceVersion(chart, 'reviews-v3', { ...reviewsV2, version: 'v3', containerPort: undefined });
      expect(none.containerPorts).toEqual([]);
    });

    test('does not carry the construct-address label, also after cdk8s-plus selects it; its selectors select app and version', () => {
      const chart = Testing.chart();
      const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
      const service = version.deployment.exposeViaService({ name: 'reviews-direct' });
      const manifests = Testing.synth(chart);
      const deployment = manifests.find(m => m.kind === 'Deployment');
      expect(Object.keys(deployment.spec.template.metadata.labels)).not.toContain(ADDRESS_LABEL);
      expect(JSON.stringify(manifests)).not.toContain(ADDRESS_LABEL);
      // A Service of cdk8s-plus selects the pods by what they carry, not by the address label they lack.
      const svc = manifests.find(m => m.kind === 'Service' && m.metadata.name === service.name);
      expect(svc.spec.selector).toEqual({ app: 'reviews', version: 'v2' });
      expect(Object.entries(svc.spec.selector).every(([k, v]) => deployment.spec.template.metadata.labels[k] === v)).toBe(true);
    });

    test('fails at synth when the app or version pod label is changed through cdk8s-plus', () => {
      const chart = Testing.chart();
      const version = new ServiceVersion(chart, 'reviews-v2', reviewsV2);
      version.deployment.podMetadata.addLabel('version', 'v3');
      expect(() => Testing.synth(chart)).toThrow(/\[test\/reviews-v2\] the Deployment's pod label version is "v3", but it must be "v2" \(the version's version\): do not change/);
    });

    test('sees a pod label changed after a synthesis (the check is memoized, the change is not missed)', () => {
      const app = Testing.app();
      const charts = [new Chart(app, 'a'), new Chart(app, 'b')];
      const version = new ServiceVersion(charts[1], 'reviews-v2', reviewsV2);
      expect(() => app.synthYaml()).not.toThrow();
      version.deployment.podMetadata.addLabel('app', 'ratings');
      expect(() => app.synthYaml()).toThrow(/\[b\/reviews-v2\] the Deployment's pod label app is "ratings", but it must be "reviews"/);
      version.deployment.podMetadata.addLabel('app', 'reviews');
      expect(() => app.synthYaml()).not.toThrow();
    });

    test('creates its pod metadata no sooner than cdk8s-plus does, and records label changes either way', () => {
      // cdk8s-plus-27 2.9 creates a workload's pod metadata on the first read of `podMetadata` (a getter of Workload,
      // kept in `_podMetadata`), 2.7 in the constructor (a property). CI runs this file on both: the floors, and the
      // newest versions (scripts/floor-test.sh --newest).
      const lazy = Object.getOwnPropertyDescriptor(kplus.Workload.prototype, 'podMetadata')?.get !== undefined;
      const version = new ServiceVersion(Testing.chart(), 'reviews-v2', reviewsV2);
      const created = () => Object.getOwnPropertyDescriptor(version, lazy ? '_podMetadata' : 'podMetadata')?.value;
      expect(created() === undefined).toBe(lazy);
      const metadata = version.deployment.podMetadata;
      expect(created()).toBe(metadata);
      expect(Object.prototype.hasOwnProperty.call(metadata, 'addLabel')).toBe(true);
      expect(version.deployment.podMetadata).toBe(metadata);
    });
  });

  describe('probes, pod annotations and the service account', () => {
    test('renders readiness, liveness and startup probes', () => {
      const chart = Testing.chart();
      new ServiceVersion(chart, 'reviews-v2', {
        ...reviewsV2,
        readiness: kplus.Probe.fromHttpGet('/health/ready', { port: 9080, periodSeconds: Duration.seconds(5) }),
        liveness: kplus.Probe.fromHttpGet('/health/live', { port: 9080, failureThreshold: 5 }),
        startup: kplus.Probe.fromTcpSocket({ port: 9080, initialDelaySeconds: Duration.seconds(2) }),
      });
      const deployment = synthOne(chart);
      const c = container(deployment);
      expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health/ready', port: 9080 }, periodSeconds: 5 });
      expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health/live', port: 9080 }, failureThreshold: 5 });
      expect(c.startupProbe).toMatchObject({ tcpSocket: { port: 9080 }, initialDelaySeconds: 2 });
      expectValidManifests([deployment]);
    });

    test('without probes: no readiness or liveness probe, and cdk8s-plus\'s TCP startup probe on the container port', () => {
      const chart = Testing.chart();
      new ServiceVersion(chart, 'reviews-v2', reviewsV2);
      const c = container(synthOne(chart));
      expect(c.readinessProbe).toBeUndefined();
      expect(c.livenessProbe).toBeUndefined();
      expect(c.startupProbe).toEqual({ failureThreshold: 3, tcpSocket: { port: 9080 } });
    });

    test('renders pod annotations on the pod template only', () => {
      const chart = Testing.chart();
      new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, podAnnotations: { 'sidecar.istio.io/proxyCPU': '100m', 'prometheus.io/scrape': 'true' } });
      const deployment = synthOne(chart);
      expect(deployment.spec.template.metadata.annotations).toEqual({ 'sidecar.istio.io/proxyCPU': '100m', 'prometheus.io/scrape': 'true' });
      expect(deployment.metadata.annotations).toBeUndefined();
    });

    test('runs as the given service account, with its token mounted only on request', () => {
      const chart = Testing.chart();
      const account = new kplus.ServiceAccount(chart, 'reviews-sa', { metadata: { name: 'reviews' } });
      new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, serviceAccount: account });
      new ServiceVersion(chart, 'reviews-v3', {
        ...reviewsV2,
        version: 'v3',
        serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'shared', 'bookinfo-reviews'),
        automountServiceAccountToken: true,
      });
      const manifests = Testing.synth(chart);
      const pod = (name: string) => manifests.find(m => m.kind === 'Deployment' && m.metadata.name === name).spec.template.spec;
      expect(pod('reviews-v2')).toMatchObject({ serviceAccountName: 'reviews', automountServiceAccountToken: false });
      expect(pod('reviews-v3')).toMatchObject({ serviceAccountName: 'bookinfo-reviews', automountServiceAccountToken: true });
      expectValidManifests(manifests.filter(m => m.kind === 'Deployment'));
    });

    test('without a service account: the namespace default, no token', () => {
      const chart = Testing.chart();
      new ServiceVersion(chart, 'reviews-v2', reviewsV2);
      const pod = synthOne(chart).spec.template.spec;
      expect(pod.serviceAccountName).toBeUndefined();
      expect(pod.automountServiceAccountToken).toBe(false);
    });
  });

  describe('fails', () => {
    test.each([
      ['the version is empty', { version: '' }, /^test\/reviews-v2: version must be a non-empty Kubernetes label value .*got ""$/],
      ['the version is not a label value', { version: 'v 2' }, /^test\/reviews-v2: version must be .*got "v 2"$/],
      ['the app is empty', { app: '' }, /^test\/reviews-v2: app must be a non-empty Kubernetes label value .*got ""$/],
      ['the app is not a label value', { app: 'reviews/api' }, /^test\/reviews-v2: app must be .*got "reviews\/api"$/],
      ['the image is empty', { image: '' }, /^test\/reviews-v2: image must be a container image reference .*got ""$/],
      ['the image contains whitespace', { image: 'docker.io/istio/reviews v2' }, /^test\/reviews-v2: image must be .*got "docker.io\/istio\/reviews v2"$/],
      ['the name is not a DNS label', { name: 'Reviews_V2' }, /^test\/reviews-v2: name must be a DNS label .*got "Reviews_V2"$/],
      ['the default name is not a DNS label', { app: 'Reviews', version: 'V2' }, /^test\/reviews-v2: name \(default `<app>-<version>`\) must be a DNS label .*got "Reviews-V2"$/],
      ['the namespace is not a DNS label', { namespace: 'Book.Info' }, /^test\/reviews-v2: namespace must be a DNS label .*got "Book.Info"$/],
      ['the container name is not a DNS label', { containerName: 'server_1' }, /^test\/reviews-v2: containerName must be a DNS label .*got "server_1"$/],
      ['the container port is 0', { containerPort: 0 }, /^test\/reviews-v2: containerPort must be an integer port number between 1 and 65535, got 0$/],
      ['the container port is above 65535', { containerPort: 70000 }, /^test\/reviews-v2: containerPort must be .*got 70000$/],
      ['replicas is negative', { replicas: -1 }, /^test\/reviews-v2: replicas must be a non-negative integer, got -1$/],
      ['replicas is not an integer', { replicas: 1.5 }, /^test\/reviews-v2: replicas must be a non-negative integer, got 1.5$/],
      ['podLabels sets app', { podLabels: { app: 'ratings' } }, /^test\/reviews-v2: podLabels must not set "app": it comes from the app prop$/],
      ['podLabels sets version', { podLabels: { version: 'v3' } }, /^test\/reviews-v2: podLabels must not set "version": it comes from the version prop$/],
      ['a podLabels value is not a label value', { podLabels: { team: 'book info' } }, /^test\/reviews-v2: podLabels\["team"\] must be .*got "book info"$/],
      ['a resource request is negative', { resources: { cpuRequestMillis: -50 } }, /^test\/reviews-v2: resources.cpuRequestMillis must be a non-negative integer, got -50$/],
      ['the CPU limit is not an integer', { resources: { cpuLimitMillis: 0.5 } }, /^test\/reviews-v2: resources.cpuLimitMillis must be a non-negative integer, got 0.5$/],
      ['the memory request is negative', { resources: { memoryRequestMebibytes: -1 } }, /^test\/reviews-v2: resources.memoryRequestMebibytes must .*got -1$/],
      ['the memory limit is not an integer', { resources: { memoryLimitMebibytes: 1.5 } }, /^test\/reviews-v2: resources.memoryLimitMebibytes must .*got 1.5$/],
      ['the memory request exceeds the limit', { resources: { memoryRequestMebibytes: 512 } },
        /^test\/reviews-v2: resources.memoryRequestMebibytes \(512\) must not exceed resources.memoryLimitMebibytes \(256\)/],
      ['the CPU request exceeds the limit', { resources: { cpuRequestMillis: 500, cpuLimitMillis: 200 } },
        /^test\/reviews-v2: resources.cpuRequestMillis \(500\) must not exceed resources.cpuLimitMillis \(200\)/],
      ['a podLabels key is not a label key', { podLabels: { 'bad key!': 'x' } }, /^test\/reviews-v2: podLabels has an invalid label key "bad key!"/],
      ['a podAnnotations key is not a valid key', { podAnnotations: { 'bad key!': 'x' } }, /^test\/reviews-v2: podAnnotations has an invalid label key "bad key!"/],
    ])('when %s', (_, override, message) => {
      const chart = Testing.chart();
      expect(() => new ServiceVersion(chart, 'reviews-v2', { ...reviewsV2, ...override })).toThrow(message);
    });
  });
});
