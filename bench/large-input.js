'use strict';
// The generated inputs of the analyzer-large-input section of `npm run bench`: multi-document YAML files of about
// `mb` megabytes each (written to a temp file, never committed), shaped like a real mesh: per app a Deployment per
// version, a Service, a DestinationRule with a subset per version and a VirtualService that mirrors v1 to v2. Every
// reference resolves, so the analysis has no findings and the time is the analyzer's own, not the formatting of
// findings. The shapes differ in what the analysis has to relate (SHAPES below):
//
//  - no-gateways:        mesh routes only, in 50 namespaces (what the README's first large-input figure measured);
//  - gateway-every-100:  a shared Gateway in istio-system every 100 apps, serving those apps' hosts, in 50 namespaces;
//  - one-shared-gateway: one Gateway in istio-system serving `*.example.com` for every app, in 50 namespaces;
//  - gateway-per-app:    a Gateway per app in the app's namespace, in 50 namespaces (IST0162 and IST0145 relate every
//                        Gateway to every Service and Gateway when done naively);
//  - many-namespaces:    a namespace per app, a shared Gateway every 100 apps;
//  - one-gateway-all-hosts: one Gateway in istio-system listing every app's host (written after the apps, once their
//                        number is known), in 50 namespaces (IST0132 compared every VirtualService host with every
//                        Gateway host when done naively: 95 s at 50 MB).
//
// The shapes with Gateways also hold Istio's ingress gateway (its Deployment and its Service, 80 -> 8080 and
// 443 -> 8443, in istio-system), which every Gateway selects (`istio: ingressgateway`), so the Gateway checks run on
// every Gateway instead of stopping at "gateway installed apart".

const INGRESS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels:
    app: istio-ingressgateway
    istio: ingressgateway
spec:
  selector:
    matchLabels:
      app: istio-ingressgateway
      istio: ingressgateway
  template:
    metadata:
      labels:
        app: istio-ingressgateway
        istio: ingressgateway
    spec:
      containers:
        - name: istio-proxy
          image: docker.io/istio/proxyv2:1.30.3
          ports:
            - containerPort: 8080
            - containerPort: 8443
`;

const INGRESS_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  selector:
    app: istio-ingressgateway
    istio: ingressgateway
  ports:
    - name: http2
      port: 80
      targetPort: 8080
    - name: https
      port: 443
      targetPort: 8443
`;

/** A Gateway on port 80 of the ingress gateway serving `hosts`. */
function gateway(name, ns, hosts) {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    istio: ingressgateway
  servers:
    - port:
        number: 80
        name: http
        protocol: HTTP
      hosts:
${hosts.map(h => `        - ${JSON.stringify(h)}\n`).join('')}`;
}

/**
 * The objects of app `i` in namespace `ns`; with `gateway` (`namespace/name`) its VirtualService is bound to that
 * Gateway and to the mesh, with the app's external host `app-<i>.example.com` next to its mesh host.
 */
function app(i, ns, gatewayRef) {
  const name = `app-${i}`;
  const deployment = v => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}-${v}
  namespace: ${ns}
  labels:
    app: ${name}
    version: ${v}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ${name}
      version: ${v}
  template:
    metadata:
      labels:
        app: ${name}
        version: ${v}
    spec:
      containers:
        - name: ${name}
          image: registry.example.com/${name}:${v}
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
`;
  const binding = gatewayRef ? `  gateways:
    - ${gatewayRef}
    - mesh
` : '';
  const externalHost = gatewayRef ? `    - ${name}.example.com\n` : '';
  return [deployment('v1'), deployment('v2'), `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    app: ${name}
  ports:
    - name: http
      port: 80
      targetPort: 8080
`, `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  host: ${name}
  subsets:
    - name: v1
      labels:
        version: v1
    - name: v2
      labels:
        version: v2
`, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  hosts:
    - ${name}
${externalHost}${binding}  http:
    - route:
        - destination:
            host: ${name}
            subset: v1
            port:
              number: 80
      mirror:
        host: ${name}
        subset: v2
        port:
          number: 80
      mirrorPercentage:
        value: 10
`];
}

/**
 * Per shape: the documents before the apps, and per app `i` its namespace and the Gateway documents written with it
 * (`gateways(i)`: the Gateway the app is bound to, as `ref`, and the Gateway objects first written at app `i`).
 */
const SHAPES = {
  'no-gateways': {
    prelude: [],
    namespace: i => `team-${i % 50}`,
    gateways: () => ({ ref: undefined, docs: [] }),
  },
  'gateway-every-100': {
    prelude: [INGRESS, INGRESS_SERVICE],
    namespace: i => `team-${i % 50}`,
    gateways: i => {
      const g = Math.floor(i / 100);
      const hosts = () => Array.from({ length: 100 }, (_, k) => `app-${g * 100 + k}.example.com`);
      return { ref: `istio-system/shared-gateway-${g}`, docs: i % 100 === 0 ? [gateway(`shared-gateway-${g}`, 'istio-system', hosts())] : [] };
    },
  },
  'one-shared-gateway': {
    prelude: [INGRESS, INGRESS_SERVICE, gateway('shared-gateway', 'istio-system', ['*.example.com'])],
    namespace: i => `team-${i % 50}`,
    gateways: () => ({ ref: 'istio-system/shared-gateway', docs: [] }),
  },
  'gateway-per-app': {
    prelude: [INGRESS, INGRESS_SERVICE],
    namespace: i => `team-${i % 50}`,
    gateways: (i, ns) => ({ ref: `${ns}/app-${i}-gateway`, docs: [gateway(`app-${i}-gateway`, ns, [`app-${i}.example.com`])] }),
  },
  'many-namespaces': {
    prelude: [INGRESS, INGRESS_SERVICE],
    namespace: i => `app-ns-${i}`,
    gateways: i => SHAPES['gateway-every-100'].gateways(i),
  },
  'one-gateway-all-hosts': {
    prelude: [INGRESS, INGRESS_SERVICE],
    namespace: i => `team-${i % 50}`,
    gateways: () => ({ ref: 'istio-system/all-hosts-gateway', docs: [] }),
    // the Gateway's host line of app `i`, counted in the size as the app is written
    hostBytes: i => `        - "app-${i}.example.com"\n`.length,
    epilogue: apps => [gateway('all-hosts-gateway', 'istio-system', Array.from({ length: apps }, (_, i) => `app-${i}.example.com`))],
  },
};

/** The YAML text of `shape`, at least `mb` megabytes, its object count and its Gateway count. */
function largeInput(mb, shape = 'no-gateways') {
  const s = SHAPES[shape];
  if (!s) throw new Error(`unknown large-input shape "${shape}" (expected one of ${Object.keys(SHAPES).join(', ')})`);
  const parts = [...s.prelude];
  let bytes = parts.reduce((n, d) => n + d.length + 4, 0);
  let gateways = parts.filter(d => d.includes('\nkind: Gateway\n')).length;
  let apps = 0;
  for (; bytes < mb * 1e6; apps++) {
    const ns = s.namespace(apps);
    const { ref, docs } = s.gateways(apps, ns);
    gateways += docs.length;
    for (const doc of [...docs, ...app(apps, ns, ref)]) {
      parts.push(doc);
      bytes += doc.length + 4;
    }
    bytes += s.hostBytes ? s.hostBytes(apps) : 0;
  }
  const epilogue = s.epilogue ? s.epilogue(apps) : [];
  parts.push(...epilogue);
  gateways += epilogue.length;
  return { text: parts.join('---\n'), objects: parts.length, gateways };
}

module.exports = { largeInput, SHAPES: Object.keys(SHAPES) };
