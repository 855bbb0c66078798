import { Chart, Testing } from 'cdk8s';
import { HttpbinVersion } from '../../src/workloads/httpbin-version';
import { ServiceVersion } from '../../src/workloads/service-version';
import { expectValidManifests } from '../support/schema';

const ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

function synthDeployment(chart: Chart): any {
  const manifests = Testing.synth(chart);
  expect(manifests).toHaveLength(1);
  expect(manifests[0].kind).toBe('Deployment');
  return manifests[0];
}

describe('HttpbinVersion', () => {
  test('renders the reference httpbin Deployment', () => {
    const chart = Testing.chart();
    new HttpbinVersion(chart, 'httpbin-v1', { version: 'v1' });
    const deployment = synthDeployment(chart);

    expect(deployment).toMatchSnapshot();
    // The reference scenario's Deployment, field by field: these literals are the contract.
    expect(deployment.apiVersion).toBe('apps/v1');
    expect(deployment.metadata.name).toBe('httpbin-v1');
    expect(deployment.metadata.labels).toEqual({ app: 'httpbin', version: 'v1' });
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'httpbin', version: 'v1' } });
    expect(deployment.spec.template.metadata.labels).toEqual({ app: 'httpbin', version: 'v1' });
    const containers = deployment.spec.template.spec.containers;
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({
      name: 'httpbin',
      image: 'docker.io/kennethreitz/httpbin',
      imagePullPolicy: 'IfNotPresent',
      command: ['gunicorn', '--access-logfile', '-', '-b', '0.0.0.0:80', 'httpbin:app'],
      ports: [{ containerPort: 80 }],
    });
    expect(containers[0].args).toBeUndefined();
    expectValidManifests([deployment]);
  });

  test('selects exactly the app and version labels of its own pod template', () => {
    const chart = Testing.chart();
    const v2 = new HttpbinVersion(chart, 'httpbin-v2', { version: 'v2' });
    const deployment = synthDeployment(chart);
    expect(deployment.metadata.name).toBe('httpbin-v2');
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'httpbin', version: 'v2' } });
    // Exactly these labels: in particular not cdk8s-plus's construct-address label.
    expect(deployment.spec.template.metadata.labels).toEqual({ app: 'httpbin', version: 'v2' });
    expect(Object.keys(deployment.spec.template.metadata.labels)).not.toContain(ADDRESS_LABEL);
    expect(v2.podLabels).toEqual({ app: 'httpbin', version: 'v2' });
  });

  test('runs with a security context that lets httpbin start (root, writable /tmp) but never privileged', () => {
    const chart = Testing.chart();
    new HttpbinVersion(chart, 'httpbin-v1', { version: 'v1' });
    const deployment = synthDeployment(chart);
    expect(deployment.spec.template.spec.containers[0].securityContext).toEqual({
      runAsNonRoot: false,
      readOnlyRootFilesystem: false,
      allowPrivilegeEscalation: false,
      privileged: false,
    });
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(false);
  });

  test('uses the ServiceVersion resource defaults', () => {
    const chart = Testing.chart();
    new HttpbinVersion(chart, 'httpbin-v1', { version: 'v1' });
    expect(synthDeployment(chart).spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { memory: '256Mi' },
    });
  });

  test('exposes its attributes as a ServiceVersion listening on HttpbinVersion.PORT', () => {
    const chart = Testing.chart();
    const v1 = new HttpbinVersion(chart, 'httpbin-v1', { version: 'v1' });
    expect(v1).toBeInstanceOf(ServiceVersion);
    expect(HttpbinVersion.PORT).toBe(80);
    expect(v1.containerPort).toBe(HttpbinVersion.PORT);
    expect(v1.app).toBe('httpbin');
    expect(v1.version).toBe('v1');
    expect(v1.deploymentName).toBe('httpbin-v1');
    expect(v1.image).toBe('docker.io/kennethreitz/httpbin');
    expect(v1.replicas).toBe(1);
    expect(v1.namespace).toBeUndefined();
    expect(synthDeployment(chart).spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80 }]);
  });

  test('renders replicas, resources, name and image options', () => {
    const chart = Testing.chart();
    const v3 = new HttpbinVersion(chart, 'httpbin-v3', {
      version: 'v3',
      name: 'httpbin-canary',
      image: 'docker.io/mccutchen/go-httpbin:v2.15.0',
      replicas: 2,
      resources: { cpuRequestMillis: 100, memoryRequestMebibytes: 128, memoryLimitMebibytes: 128 },
    });
    const deployment = synthDeployment(chart);
    expect(deployment.metadata.name).toBe(v3.deploymentName);
    expect(v3.deploymentName).toBe('httpbin-canary');
    expect(deployment.spec.replicas).toBe(2);
    const c = deployment.spec.template.spec.containers[0];
    expect(c.image).toBe('docker.io/mccutchen/go-httpbin:v2.15.0');
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } });
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'httpbin', version: 'v3' });
    expectValidManifests([deployment]);
  });

  test('a custom app sets the app label and the container name', () => {
    const chart = Testing.chart();
    const version = new HttpbinVersion(chart, 'echo-v1', { version: 'v1', app: 'echo' });
    const deployment = synthDeployment(chart);
    expect(version.app).toBe('echo');
    expect(deployment.metadata.name).toBe('echo-v1');
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'echo', version: 'v1' });
    expect(deployment.spec.template.spec.containers[0].name).toBe('echo');
  });

  test('takes the namespace from the chart, or from the props', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'httpbin' });
    const fromChart = new HttpbinVersion(chart, 'httpbin-v1', { version: 'v1' });
    const explicit = new HttpbinVersion(chart, 'httpbin-v2', { version: 'v2', namespace: 'shadow' });
    const [d1, d2] = Testing.synth(chart);
    expect([d1.metadata.name, d2.metadata.name]).toEqual(['httpbin-v1', 'httpbin-v2']);
    expect(fromChart.namespace).toBe('httpbin');
    expect(d1.metadata.namespace).toBe('httpbin');
    expect(explicit.namespace).toBe('shadow');
    expect(d2.metadata.namespace).toBe('shadow');
  });

  describe('fails', () => {
    test.each([
      ['the version is empty', { version: '' }, /^test\/httpbin-v1: version must be a non-empty Kubernetes label value .*got ""$/],
      ['the version is not a label value', { version: 'v1!' }, /^test\/httpbin-v1: version must be .*got "v1!"$/],
      ['the default name is not a DNS label', { version: 'V1' }, /^test\/httpbin-v1: name \(default `<app>-<version>`\) must be a DNS label .*got "httpbin-V1"$/],
      ['the name is not a DNS label', { version: 'v1', name: 'httpbin.v1' }, /^test\/httpbin-v1: name must be a DNS label .*got "httpbin.v1"$/],
      ['the namespace is not a DNS label', { version: 'v1', namespace: 'HTTPBIN' }, /^test\/httpbin-v1: namespace must be a DNS label .*got "HTTPBIN"$/],
      ['the app is not a label value', { version: 'v1', app: 'http bin' }, /^test\/httpbin-v1: app must be .*got "http bin"$/],
      ['the image is empty', { version: 'v1', image: '' }, /^test\/httpbin-v1: image must be a container image reference .*got ""$/],
      ['the image contains whitespace', { version: 'v1', image: 'kennethreitz/httpbin latest' }, /^test\/httpbin-v1: image must be .*got "kennethreitz\/httpbin latest"$/],
      ['replicas is negative', { version: 'v1', replicas: -2 }, /^test\/httpbin-v1: replicas must be a non-negative integer, got -2$/],
      ['a resource value is negative', { version: 'v1', resources: { memoryLimitMebibytes: -256 } }, /^test\/httpbin-v1: resources.memoryLimitMebibytes .*got -256$/],
    ])('when %s', (_, props, message) => {
      const chart = Testing.chart();
      expect(() => new HttpbinVersion(chart, 'httpbin-v1', props)).toThrow(message);
    });
  });
});
