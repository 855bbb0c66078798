'use strict';
// The benchmark scenario, built three ways into a cdk8s App:
//  - `library`:  N mirrored services with this library's constructs (compiled lib/), one shared IstioGateway;
//  - `peer`:     the same objects written by hand as a user would without this library: cdk8s-plus-27 Deployments,
//                the generated k8s and Istio classes (buildPeer). The goal's reference: what the user would pick instead;
//  - `baseline`: the same objects as plain cdk8s ApiObjects of literal JSON (no cdk8s-plus, no Lazy, no validations):
//                the floor of what cdk8s itself costs.
// All three produce the same manifests (run.js asserts it), so the timing ratios are the library's own overhead.
//
// Each service i has: Deployments svc-<i>-v1 and svc-<i>-v2 (ServiceVersion), Service + DestinationRule svc-<i>
// (MeshService), VirtualService svc-<i> routing 100% to v1 and mirroring 50% to v2 (MirrorRoute), bound to the
// shared gateway `mesh-gateway` (*.example.com) for host svc-<i>.example.com. 5 objects per service, + 1 gateway.
//
// Two layouts (LAYOUTS) place the same constructs, with the same ids, in different charts:
//  - `one-chart`:         everything in chart `bench`;
//  - `chart-per-service`: the gateway in chart `gateway`, each service in a chart `svc-<i>` of its own, whose route
//                         refers to the gateway across charts. cdk8s validates the whole app once per chart it
//                         synthesizes (Chart.toJson() -> App._synthChart -> validate(app)), which one chart hides.
// The library's props are used in buildLibrary only (one function for both layouts): adapt it there when the API changes.

const NAMESPACE = 'bench';
const GATEWAY = 'mesh-gateway';
const CREDENTIAL = 'wildcard-example-com';
const CONTAINER_PORT = 8080;
const MIRROR_PERCENT = 50;

function names(i) {
  const app = `svc-${i}`;
  return { app, image: `registry.example.com/team/${app}:1.0.0`, host: `${app}.example.com` };
}

/**
 * The charts of a layout: `charts(cdk8s, app)` creates them and returns where the gateway goes and, per service name,
 * the chart of that service. `synth` names how the worker synthesizes the app (see SYNTH in worker.js).
 */
const LAYOUTS = {
  'one-chart': {
    synth: 'synthYaml',
    charts(cdk8s, app) {
      const chart = new cdk8s.Chart(app, 'bench', { namespace: NAMESPACE });
      return { gatewayChart: chart, serviceChart: () => chart };
    },
  },
  'chart-per-service': {
    synth: 'synth',
    charts(cdk8s, app) {
      return {
        gatewayChart: new cdk8s.Chart(app, 'gateway', { namespace: NAMESPACE }),
        serviceChart: name => new cdk8s.Chart(app, name, { namespace: NAMESPACE }),
      };
    },
  },
};

function layoutOf(name) {
  const layout = LAYOUTS[name];
  if (!layout) {
    throw new Error(`unknown layout ${JSON.stringify(name)}: one of ${Object.keys(LAYOUTS).join(', ')}`);
  }
  return layout;
}

/** Builds the scenario with this library. `lib` is require('../lib/src/index.js'). */
function buildLibrary(cdk8s, lib, layoutName, n, outdir) {
  const app = new cdk8s.App({ outdir });
  const { gatewayChart, serviceChart } = layoutOf(layoutName).charts(cdk8s, app);
  const gateway = new lib.IstioGateway(gatewayChart, 'gateway', { name: GATEWAY, hosts: ['*.example.com'], credentialName: CREDENTIAL });
  for (let i = 0; i < n; i++) {
    const { app: name, image, host } = names(i);
    const chart = serviceChart(name);
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

/** Builds the same objects as plain ApiObjects, in the same charts under the same ids. */
function buildBaseline(cdk8s, layoutName, n, outdir) {
  const { App, ApiObject } = cdk8s;
  const app = new App({ outdir });
  const { gatewayChart, serviceChart } = layoutOf(layoutName).charts(cdk8s, app);
  new ApiObject(gatewayChart, 'gateway', {
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
    const chart = serviceChart(name);
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

/**
 * Builds the same objects the way a user would without this library: cdk8s-plus-27 for the Deployments, the generated
 * classes for the Service (cdk8s-plus-27's `k8s.KubeService`) and the Istio objects (this repo's `cdk8s import` of
 * networking.istio.io, compiled into lib/imports/), in the same charts under the same ids. `kplus` is
 * require('cdk8s-plus-27'), `istio` require('../lib/imports/networking.istio.io.js').
 *
 * The Deployment takes the props ServiceVersion gives cdk8s-plus (src/workloads/service-version.ts: the image's own
 * user, no privilege escalation, the default resources), and drops the pod label cdk8s-plus adds with the construct
 * address, as ServiceVersion does: with the label the pod template would differ from the library's output.
 */
function buildPeer(cdk8s, kplus, istio, layoutName, n, outdir) {
  const app = new cdk8s.App({ outdir });
  const { gatewayChart, serviceChart } = layoutOf(layoutName).charts(cdk8s, app);
  new istio.Gateway(gatewayChart, 'gateway', {
    metadata: { name: GATEWAY },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.example.com'], tls: { httpsRedirect: true } },
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*.example.com'], tls: { mode: istio.GatewaySpecServersTlsMode.SIMPLE, credentialName: CREDENTIAL } },
      ],
    },
  });
  const addressLabel = `/spec/template/metadata/labels/${kplus.Pod.ADDRESS_LABEL.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  for (let i = 0; i < n; i++) {
    const { app: name, image, host } = names(i);
    const chart = serviceChart(name);
    for (const version of ['v1', 'v2']) {
      const labels = { app: name, version };
      const deployment = new kplus.Deployment(chart, `${name}-${version}`, {
        metadata: { name: `${name}-${version}`, labels },
        replicas: 1,
        select: false,
        podMetadata: { labels },
        securityContext: { ensureNonRoot: false },
        containers: [{
          name,
          image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          portNumber: CONTAINER_PORT,
          resources: {
            cpu: { request: kplus.Cpu.millis(50) },
            memory: { request: cdk8s.Size.mebibytes(64), limit: cdk8s.Size.mebibytes(256) },
          },
          securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false, allowPrivilegeEscalation: false, privileged: false },
        }],
      });
      deployment.select(kplus.LabelSelector.of({ labels }));
      cdk8s.ApiObject.of(deployment).addJsonPatch(cdk8s.JsonPatch.remove(addressLabel));
    }
    new kplus.k8s.KubeService(chart, name, {
      metadata: { name, labels: { app: name } },
      spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: kplus.k8s.IntOrString.fromNumber(CONTAINER_PORT), protocol: 'TCP' }] },
    });
    new istio.DestinationRule(chart, `${name}-dr`, {
      metadata: { name },
      spec: { host: name, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    });
    new istio.VirtualService(chart, `${name}-route`, {
      metadata: { name },
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

/**
 * The part of `app.synth()` that is quadratic with a chart per service, timed on its own: before writing a chart,
 * cdk8s walks the whole app (`chart.toJson()` -> `App._synthChart`: `node.findAll()`, the `instanceof Chart` filter,
 * the dependencies, every construct's validations). Timed on an empty chart added for the purpose (so no object's
 * rendering is in it) and removed afterwards, in this process, after `warm` calls: `batches` batches of `per` calls
 * each, in milliseconds per call. The minimum is the figure: the walk is memory-bound, and on a shared machine other
 * jobs slow it by up to 2 times for minutes, while the fastest batch is close to what the walk itself costs.
 */
function perChartPass(cdk8s, app, { warm = 30, batches = 30, per = 10 } = {}) {
  const id = 'bench-per-chart-pass';
  const probe = new cdk8s.Chart(app, id);
  try {
    for (let i = 0; i < warm; i++) probe.toJson();
    const ms = [];
    for (let b = 0; b < batches; b++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < per; i++) probe.toJson();
      ms.push(Number(process.hrtime.bigint() - t) / 1e6 / per);
    }
    ms.sort((a, b) => a - b);
    return { minMs: ms[0], medianMs: ms[Math.floor(ms.length / 2)], calls: warm + batches * per, nodes: app.node.findAll().length - 1 };
  } finally {
    app.node.tryRemoveChild(id);
  }
}

module.exports = { LAYOUTS, layoutOf, buildLibrary, buildPeer, buildBaseline, perChartPass, NAMESPACE };
