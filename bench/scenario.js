'use strict';
// The benchmark scenario, built two ways into a cdk8s App:
//  - `library`:  N mirrored services with this library's constructs (compiled lib/), one shared IstioGateway;
//  - `baseline`: the same Kubernetes objects written by hand as plain cdk8s ApiObjects (no cdk8s-plus, no Lazy,
//                no validations): what a user would write without the library.
// Both produce the same manifests (run.js asserts it), so the timing ratio is the library's own overhead.
//
// Each service i has: Deployments svc-<i>-v1 and svc-<i>-v2 (ServiceVersion), Service + DestinationRule svc-<i>
// (MeshService), VirtualService svc-<i> routing 100% to v1 and mirroring 50% to v2 (MirrorRoute), bound to the
// shared gateway `mesh-gateway` (*.example.com) for host svc-<i>.example.com. 5 objects per service, + 1 gateway.

const NAMESPACE = 'bench';
const GATEWAY = 'mesh-gateway';
const CREDENTIAL = 'wildcard-example-com';
const CONTAINER_PORT = 8080;
const MIRROR_PERCENT = 50;

function names(i) {
  const app = `svc-${i}`;
  return { app, image: `registry.example.com/team/${app}:1.0.0`, host: `${app}.example.com` };
}

/** Builds the scenario with this library. `lib` is require('../lib/src'). */
function buildLibrary(cdk8s, lib, n) {
  const app = new cdk8s.App({ outdir: '/tmp/cdk8s-bench-unused' });
  const chart = new cdk8s.Chart(app, 'bench', { namespace: NAMESPACE });
  const gateway = new lib.IstioGateway(chart, 'gateway', { name: GATEWAY, hosts: ['*.example.com'], credentialName: CREDENTIAL });
  for (let i = 0; i < n; i++) {
    const { app: name, image, host } = names(i);
    const v1 = new lib.ServiceVersion(chart, `${name}-v1`, { app: name, version: 'v1', image, containerPort: CONTAINER_PORT });
    const v2 = new lib.ServiceVersion(chart, `${name}-v2`, { app: name, version: 'v2', image, containerPort: CONTAINER_PORT });
    const service = new lib.MeshService(chart, name, { versions: [v1, v2] });
    new lib.MirrorRoute(chart, `${name}-route`, {
      destination: { service, version: 'v1' },
      mirror: { service, version: 'v2' },
      mirrorPercent: MIRROR_PERCENT,
      gateways: [gateway],
      hosts: [host],
    });
  }
  return app;
}

/** The Deployment exactly as ServiceVersion (via cdk8s-plus-27) renders it, as a literal. */
function deployment(name, app, version, image) {
  const labels = { app, version };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
      replicas: 1,
      selector: { matchLabels: { ...labels } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          automountServiceAccountToken: false,
          containers: [{
            image,
            imagePullPolicy: 'IfNotPresent',
            name: app,
            ports: [{ containerPort: CONTAINER_PORT }],
            resources: { limits: { memory: '256Mi' }, requests: { cpu: '50m', memory: '64Mi' } },
            securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: false, runAsNonRoot: false },
            startupProbe: { failureThreshold: 3, tcpSocket: { port: CONTAINER_PORT } },
          }],
          dnsPolicy: 'ClusterFirst',
          hostNetwork: false,
          restartPolicy: 'Always',
          securityContext: { fsGroupChangePolicy: 'Always', runAsNonRoot: false },
          setHostnameAsFQDN: false,
          terminationGracePeriodSeconds: 30,
        },
      },
    },
  };
}

/** Builds the same objects as plain ApiObjects. */
function buildBaseline(cdk8s, n) {
  const { App, Chart, ApiObject } = cdk8s;
  const app = new App({ outdir: '/tmp/cdk8s-bench-unused' });
  const chart = new Chart(app, 'bench', { namespace: NAMESPACE });
  new ApiObject(chart, 'gateway', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: GATEWAY, namespace: NAMESPACE },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.example.com'], tls: { httpsRedirect: true } },
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*.example.com'], tls: { mode: 'SIMPLE', credentialName: CREDENTIAL } },
      ],
    },
  });
  for (let i = 0; i < n; i++) {
    const { app: name, image, host } = names(i);
    new ApiObject(chart, `${name}-v1`, deployment(`${name}-v1`, name, 'v1', image));
    new ApiObject(chart, `${name}-v2`, deployment(`${name}-v2`, name, 'v2', image));
    new ApiObject(chart, name, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NAMESPACE, labels: { app: name } },
      spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: CONTAINER_PORT, protocol: 'TCP' }] },
    });
    new ApiObject(chart, `${name}-dr`, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name, namespace: NAMESPACE },
      spec: { host: name, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    });
    new ApiObject(chart, `${name}-route`, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace: NAMESPACE },
      spec: {
        hosts: [host],
        gateways: [GATEWAY],
        http: [{
          route: [{ destination: { host: name, subset: 'v1', port: { number: 80 } }, weight: 100 }],
          mirror: { host: name, subset: 'v2', port: { number: 80 } },
          mirrorPercentage: { value: MIRROR_PERCENT },
        }],
      },
    });
  }
  return app;
}

module.exports = { buildLibrary, buildBaseline, NAMESPACE };
