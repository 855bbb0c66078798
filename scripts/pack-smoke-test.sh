#!/usr/bin/env bash
# Installs the packed package into new, separate cdk8s TypeScript apps and checks that it works there as a user
# would use it:
# 1. an app with exactly the peer versions the library is built with: it synthesizes an Istio mirror route, and
#    `npx cdk8s-traffic-mirror analyze` runs from the scratch folder on its output (and on broken input);
# 2. an app as `cdk8s init typescript-app` scaffolds it today (its package.json, tsconfig.json and cdk8s.yaml, with the
#    latest cdk8s, constructs and cdk8s-plus-33; then the same with cdk8s-plus-34), into which the tarball and cdk8s-plus-27 are installed as the README
#    says: it synthesizes a Gateway API mirror route next to a cdk8s-plus-33 (34) Deployment with `cdk8s synth`, the
#    HTTPRoute must carry a RequestMirror filter, and the analyzer must pass it.
# Run after `npm run build`; needs the npm registry (or a warm npm cache).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$repo"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed: $tarball"

mkdir "$work/app" && cd "$work/app"
node -e '
const peers = require(process.argv[1]).peerDependencies;
const dev = require(process.argv[1]).devDependencies;
require("fs").writeFileSync("package.json", JSON.stringify({
  name: "mirror-smoke-app", private: true,
  dependencies: { ...Object.fromEntries(Object.entries(peers).map(([k]) => [k, dev[k]])), "cdk8s-traffic-mirror": "file:" + process.argv[2] },
  devDependencies: { typescript: dev.typescript, "@types/node": dev["@types/node"] },
}, null, 2));' "$repo/package.json" "$tarball"
npm install --no-audit --no-fund --silent
cat > main.ts <<'TS'
import { App, Chart } from 'cdk8s';
import { AccessLogging, IstioGateway, MeshService, MirrorRoute, ServiceVersion } from 'cdk8s-traffic-mirror';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'shop', { namespace: 'shop' });
const v1 = new ServiceVersion(chart, 'v1', { app: 'cart', version: 'v1', image: 'example/cart:1.0', containerPort: 8080 });
const v2 = new ServiceVersion(chart, 'v2', { app: 'cart', version: 'v2', image: 'example/cart:2.0', containerPort: 8080 });
const cart = new MeshService(chart, 'cart', { port: 8080, versions: [v1, v2] });
const gateway = new IstioGateway(chart, 'gw', { name: 'shop-gateway', hosts: ['cart.example.com'], credentialName: 'shop-tls' });
new MirrorRoute(chart, 'route', {
  destination: { service: cart, version: 'v1' },
  mirror: { service: cart, version: 'v2' },
  mirrorPercent: 25,
  gateways: [gateway],
});
// Loads the generated telemetry.istio.io import at run time, so the package must ship it.
new AccessLogging(chart, 'logs', { versions: [v2] });
app.synth();
TS
npx tsc --strict --target es2020 --module commonjs --esModuleInterop --skipLibCheck main.ts
node main.js
grep -q 'kind: VirtualService' dist/shop.k8s.yaml
grep -A3 'mirror:' dist/shop.k8s.yaml | grep -q 'host: cart'
grep -A1 'mirrorPercentage:' dist/shop.k8s.yaml | grep -q 'value: 25'
grep -A3 'kind: Telemetry' dist/shop.k8s.yaml | grep -q 'name: cart-v2-access-logs'
echo "ok: the packed package synthesized a mirror route in a new app ($(grep -c '^kind:' dist/shop.k8s.yaml) objects)"

# The CLI, run with npx from the scratch folder: on this app's output, on the project's own dist/ (when synthesized),
# on hand-written YAML with a broken mirror (exit 1) and on a YAML syntax error (exit 4, see the README's exit statuses).
npx --no-install cdk8s-traffic-mirror analyze dist/
echo "ok: analyze on the new app's output: exit 0"
if [ -d "$repo/dist" ]; then
  npx --no-install cdk8s-traffic-mirror analyze "$repo/dist/httpbin-mirror.k8s.yaml"
  echo "ok: analyze on the project's dist/httpbin-mirror.k8s.yaml: exit 0"
fi
cat > broken.yaml <<'YAML'
apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec: { selector: { app: cart }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: cart, namespace: shop }
spec: { host: cart, subsets: [{ name: v1, labels: { version: v1 } }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: cart, namespace: shop }
spec:
  hosts: [cart]
  http:
    - route: [{ destination: { host: cart, subset: v1, port: { number: 8080 } } }]
      mirror: { host: cart, subset: v2, port: { number: 8080 } }
      mirrorPercentage: { value: 100 }
YAML
set +e
npx --no-install cdk8s-traffic-mirror analyze broken.yaml; status=$?
printf 'kind: [unclosed\n' > bad.yaml
npx --no-install cdk8s-traffic-mirror analyze bad.yaml; bad_status=$?
set -e
[ "$status" -eq 1 ] || { echo "expected exit 1 for a mirror to an undefined subset, got $status" >&2; exit 1; }
echo "ok: analyze on hand-written YAML with a mirror to an undefined subset: exit 1"
[ "$bad_status" -eq 4 ] || { echo "expected exit 4 (not Kubernetes manifests) for a YAML syntax error, got $bad_status" >&2; exit 1; }
echo "ok: analyze on a YAML syntax error: exit 4"

# 2. A scaffolded-like app. `cdk8s init typescript-app` would also run `cdk8s import k8s`, which downloads the
# Kubernetes schemas from outside the npm registry, so the scaffold is emulated with the template's own files (from
# the cdk8s-cli this repo installs): its tsconfig.json (strict, no skipLibCheck: our .d.ts must compile as they are)
# and cdk8s.yaml (`app: npx ts-node main.ts`), and its dependencies, installed at their latest versions as init does.
# The same for each cdk8s-plus an app may be on: 33 (what `cdk8s init typescript-app` installs today) and 34 (the
# newest, cdk8s-plus-34 2.x on npm), each in its own app.
scaffolded_app() {
local plus=$1
echo "--- a scaffolded cdk8s app with cdk8s-plus-$plus"
template="$repo/node_modules/cdk8s-cli/templates/typescript-app"
mkdir "$work/app$plus" && cd "$work/app$plus"
cp "$template/tsconfig.json" tsconfig.json
grep -v -e '^imports:' -e '^  - k8s$' "$template/cdk8s.yaml" > cdk8s.yaml
printf '{ "name": "scaffolded-app", "version": "1.0.0", "private": true, "main": "main.js", "types": "main.ts" }\n' > package.json
npm install --no-audit --no-fund --silent cdk8s constructs "cdk8s-plus-$plus"
# The template's own toolchain (typescript 5.9.x, ts-node ^10, ...: ts-node 10 does not run on TypeScript 6).
npm install --no-audit --no-fund --silent --save-dev $(node -e '
const dev = require(process.argv[1]).devDependencies;
console.log(["typescript", "ts-node", "@types/node"].map(n => `${n}@${dev[n]}`).join(" "));' "$template/package.json")
# What the README tells a user to run.
npm install --no-audit --no-fund --silent "$tarball" cdk8s-plus-27
npm ls --depth=0 cdk8s constructs cdk8s-plus-27 "cdk8s-plus-$plus" cdk8s-traffic-mirror
# Both cdk8s-plus libraries, side by side, on the app's one cdk8s and one constructs (two copies would break
# Chart.of() and instanceof checks across the libraries).
node -e '
const path = require("path");
const one = name => path.dirname(require.resolve(`${name}/package.json`));
const seen = { cdk8s: one("cdk8s"), constructs: one("constructs") };
const plus = `cdk8s-plus-${process.argv[1]}`;
for (const lib of ["cdk8s-plus-27", plus, "cdk8s-traffic-mirror"]) {
  for (const [dep, dir] of Object.entries(seen)) {
    const got = path.dirname(require.resolve(`${dep}/package.json`, { paths: [one(lib)] }));
    if (got !== dir) { console.error(`${lib} resolves its own ${dep} (${got}), not the app'"'"'s (${dir})`); process.exit(1); }
  }
}
const v = n => require(`${n}/package.json`).version;
console.log(`ok: one cdk8s@${v("cdk8s")} and constructs@${v("constructs")} for cdk8s-plus-27@${v("cdk8s-plus-27")}, ${plus}@${v(plus)} and cdk8s-traffic-mirror@${v("cdk8s-traffic-mirror")}`);' "$plus"
cat > main.ts <<'TS'
import { Construct } from 'constructs';
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-PLUS';
import { GatewayApiGateway, HttpMirrorRoute, MeshService, ServiceVersion } from 'cdk8s-traffic-mirror';

// The app's own workloads, written with the cdk8s-plus that `cdk8s init` installs.
export class FrontendChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    new kplus.Deployment(this, 'frontend', {
      containers: [{ image: 'example/frontend:1.0', portNumber: 8080, securityContext: { ensureNonRoot: false } }],
    });
  }
}

// The mirrored service, through the Gateway API: cdk8s-traffic-mirror builds its Deployments with cdk8s-plus-27.
export class CartChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    // One chart may hold both cdk8s-plus libraries' objects.
    new kplus.ConfigMap(this, 'settings', { data: { MIRROR: 'on' } });
    const v1 = new ServiceVersion(this, 'v1', { app: 'cart', version: 'v1', image: 'example/cart:1.0', containerPort: 8080 });
    const v2 = new ServiceVersion(this, 'v2', { app: 'cart', version: 'v2', image: 'example/cart:2.0', containerPort: 8080 });
    const cart = new MeshService(this, 'cart', { port: 8080, versions: [v1, v2], versionServices: true });
    const gateway = new GatewayApiGateway(this, 'gateway', {
      name: 'shop-gateway', hostname: 'cart.example.com', credentialName: 'shop-tls',
    });
    new HttpMirrorRoute(this, 'route', {
      destination: { service: cart, version: 'v1' },
      mirror: { service: cart, version: 'v2' },
      mirrorPercent: 25,
      gateways: [gateway],
    });
  }
}

const app = new App();
new FrontendChart(app, 'frontend', { namespace: 'shop' });
new CartChart(app, 'cart', { namespace: 'shop' });
app.synth();
TS
sed -i "s/cdk8s-plus-PLUS/cdk8s-plus-$plus/" main.ts
# The app's `npm run synth` is `cdk8s synth`; the cdk8s-cli of this repo runs it (the app's cdk8s.yaml, its ts-node).
"$repo/node_modules/.bin/cdk8s" synth --no-check-upgrade
node -e '
const { Yaml } = require("cdk8s");
const cart = Yaml.load("dist/cart.k8s.yaml");
const frontend = Yaml.load("dist/frontend.k8s.yaml");
const fail = m => { console.error(m); process.exit(1); };
// Two HTTPRoutes: the mirror route, and the Gateway'"'"'s HTTP-to-HTTPS redirect (httpsRedirect defaults to true).
const routes = cart.filter(o => o.kind === "HTTPRoute" && o.apiVersion === "gateway.networking.k8s.io/v1");
const mirrorFilters = r => r.spec.rules.flatMap(rule => rule.filters ?? []).filter(f => f.type === "RequestMirror");
const mirroring = routes.filter(r => mirrorFilters(r).length > 0);
if (mirroring.length !== 1) fail(`expected one HTTPRoute with a RequestMirror filter, got ${JSON.stringify(routes)}`);
const filters = mirrorFilters(mirroring[0]);
if (filters.length !== 1) fail(`expected one RequestMirror filter, got ${JSON.stringify(mirroring[0].spec.rules)}`);
const m = filters[0].requestMirror;
if (m.backendRef.name !== "cart-v2" || m.backendRef.port !== 8080 || m.percent !== 25) fail(`unexpected mirror ${JSON.stringify(m)}`);
const backends = mirroring[0].spec.rules.flatMap(r => r.backendRefs ?? []);
if (backends.length !== 1 || backends[0].name !== "cart-v1") fail(`unexpected backends ${JSON.stringify(backends)}`);
for (const kind of ["Gateway", "Service", "Deployment", "ConfigMap"]) if (!cart.some(o => o.kind === kind)) fail(`no ${kind} in cart.k8s.yaml`);
if (!frontend.some(o => o.kind === "Deployment")) fail(`no cdk8s-plus-${process.argv[1]} Deployment in frontend.k8s.yaml`);
console.log(`ok: the scaffolded app synthesized the HTTPRoute ${mirroring[0].metadata.name} to cart-v1 with a RequestMirror filter (cart-v2:8080, 25%) and ${cart.length + frontend.length} objects`);' "$plus"
npx --no-install cdk8s-traffic-mirror analyze dist/
echo "ok: analyze on the cdk8s-plus-$plus app's output: exit 0"
}

scaffolded_app 33
scaffolded_app 34
