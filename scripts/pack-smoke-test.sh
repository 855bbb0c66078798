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
import { IstioGateway, MeshService, MirrorRoute, ServiceVersion } from 'cdk8s-traffic-mirror';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'shop', { namespace: 'shop' });
const v1 = new ServiceVersion(chart, 'v1', { app: 'cart', version: 'v1', image: 'example/cart:1.0', containerPort: 8080 });
const v2 = new ServiceVersion(chart, 'v2', { app: 'cart', version: 'v2', image: 'example/cart:2.0', containerPort: 8080 });
const cart = new MeshService(chart, 'cart', { port: 8080, versions: [v1, v2] });
const gateway = new IstioGateway(chart, 'gw', { name: 'shop-gateway', hosts: ['cart.example.com'], credentialName: 'shop-tls' });
new MirrorRoute(chart, 'route', {
  destination: { service: cart, subset: 'v1' },
  mirror: { service: cart, subset: 'v2' },
  mirrorPercent: 25,
  gateways: [gateway],
});
app.synth();
TS
npx tsc --strict --target es2020 --module commonjs --esModuleInterop --skipLibCheck main.ts
node main.js
grep -q 'kind: VirtualService' dist/shop.k8s.yaml
grep -A3 'mirror:' dist/shop.k8s.yaml | grep -q 'host: cart'
grep -A1 'mirrorPercentage:' dist/shop.k8s.yaml | grep -q 'value: 25'
echo "ok: the packed package synthesized a mirror route in a new app ($(grep -c '^kind:' dist/shop.k8s.yaml) objects)"

if [ -f node_modules/cdk8s-traffic-mirror/lib/src/cli.js ]; then
  npx --no-install cdk8s-traffic-mirror analyze dist/
  echo "ok: npx cdk8s-traffic-mirror analyze ran from the scratch folder (exit 0)"
fi
