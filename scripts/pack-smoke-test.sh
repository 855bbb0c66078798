#!/usr/bin/env bash
# Installs the packed package into a new, separate cdk8s TypeScript app and checks that it works there as a user
# would use it: the app synthesizes a mirror route, and `npx cdk8s-traffic-mirror analyze` runs from the scratch
# folder on that app's output. Run after `npm run build`; needs the npm registry (or a warm npm cache).
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
# on hand-written YAML with a broken mirror (exit 1) and on a file that is not YAML (exit 4).
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
