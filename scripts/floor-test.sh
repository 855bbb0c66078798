#!/usr/bin/env bash
# Proves the peer dependency floors: in a scratch copy of the repo, installs exactly the lowest versions that
# package.json's peerDependencies allow (cdk8s, constructs, cdk8s-plus-27; "^2.64.19" -> 2.64.19), then builds with
# jsii (so the library's types are checked against those versions' .d.ts), and runs the whole jest suite on them.
# The repo itself is not touched. Needs `npm ci` done in the repo (its node_modules is copied) and the npm registry.
#
#   bash scripts/floor-test.sh            the floors (the devDependencies are pinned at them, so `npm test` runs
#                                         on them too; this is the proof on its own, and the tool to try others)
#   bash scripts/floor-test.sh --newest   the newest versions the peer ranges allow, what a new app installs:
#                                         CI runs this, since `npm test` already covers the floors
#
# Either way it first checks that the devDependencies are pinned at the floors (the cdk8s-team libraries' convention,
# which makes every build compile against the oldest supported versions).
# To try other versions (e.g. when looking for a lower floor), set any of FLOOR_CDK8S, FLOOR_CONSTRUCTS and
# FLOOR_CDK8S_PLUS_27 to an exact version: `FLOOR_CDK8S_PLUS_27=2.7.1 bash scripts/floor-test.sh`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

floor() { # the lowest version a peer range allows: "^2.68.12" -> "2.68.12"
  node -e '
const range = require(process.argv[1]).peerDependencies[process.argv[2]];
const m = /^[\^~]?(\d+\.\d+\.\d+)$/.exec(range);
if (!m) { console.error(`peerDependencies["${process.argv[2]}"] = "${range}" is not ^x.y.z, ~x.y.z or x.y.z`); process.exit(1); }
console.log(m[1]);' "$repo/package.json" "$1"
}
newest() { # the newest published version a peer range allows
  local range
  range=$(node -p 'require(process.argv[1]).peerDependencies[process.argv[2]]' "$repo/package.json" "$1")
  # npm lists the matching versions in no useful order (2.70.98 after 2.70.106): sort them by number.
  npm view "$1@$range" version --json | node -e '
const key = v => v.split(/[.-]/).slice(0, 3).map(Number);
const cmp = (a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; };
console.log([].concat(JSON.parse(require("fs").readFileSync(0, "utf8"))).filter(v => !v.includes("-")).sort(cmp).pop());'
}
node -e '
const pkg = require(process.argv[1]);
const bad = Object.entries(pkg.peerDependencies).filter(([n, r]) => r.replace(/^[\^~]/, "") !== pkg.devDependencies[n]);
for (const [n, r] of bad) console.error(`devDependencies["${n}"] is "${pkg.devDependencies[n]}": pin it at the floor of the peer range "${r}"`);
if (bad.length) process.exit(1);' "$repo/package.json"

mode=floors
if [ "${1:-}" = --newest ]; then
  mode="newest versions in the peer ranges"
  cdk8s=$(newest cdk8s) constructs=$(newest constructs) plus=$(newest cdk8s-plus-27)
else
  cdk8s=${FLOOR_CDK8S:-$(floor cdk8s)}
  constructs=${FLOOR_CONSTRUCTS:-$(floor constructs)}
  plus=${FLOOR_CDK8S_PLUS_27:-$(floor cdk8s-plus-27)}
fi
echo "peer test ($mode): cdk8s@$cdk8s constructs@$constructs cdk8s-plus-27@$plus"

# The repo's files as git sees them (tracked and untracked-but-not-ignored: no lib/, dist/ or node_modules/), then
# the repo's installed node_modules (copying is much faster than a second `npm ci`).
cd "$repo"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$work"
cp -a "$repo/node_modules" "$work/node_modules"

cd "$work"
# jsii refuses a peer that the declared range does not allow: when trying lower versions, declare them (scratch copy
# only; not for --newest, whose versions the ranges allow by construction).
[ "$mode" = floors ] && node -e '
const fs = require("fs");
const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
const [cdk8s, constructs, plus] = process.argv.slice(1);
Object.assign(pkg.peerDependencies, { cdk8s: `^${cdk8s}`, constructs: `^${constructs}`, "cdk8s-plus-27": `^${plus}` });
fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");' "$cdk8s" "$constructs" "$plus"
npm install --no-save --no-audit --no-fund --loglevel=error \
  "cdk8s@$cdk8s" "constructs@$constructs" "cdk8s-plus-27@$plus"

# Exactly these versions, and one copy of each that the library and its tests resolve (a second, nested cdk8s or
# constructs would make `instanceof` and Chart.of() checks fail in ways that have nothing to do with the floors).
node -e '
const [cdk8s, constructs, plus] = process.argv.slice(1);
const want = { cdk8s, constructs, "cdk8s-plus-27": plus };
let bad = false;
for (const [name, version] of Object.entries(want)) {
  const got = require(`${name}/package.json`).version;
  if (got !== version) { console.error(`${name}: installed ${got}, wanted ${version}`); bad = true; }
}
const fromPlus = require.resolve("cdk8s/package.json", { paths: [require.resolve("cdk8s-plus-27")] });
if (fromPlus !== require.resolve("cdk8s/package.json")) { console.error(`cdk8s-plus-27 resolves its own cdk8s: ${fromPlus}`); bad = true; }
if (bad) process.exit(1);
console.log("installed: " + Object.entries(want).map(([n, v]) => `${n}@${v}`).join(" "));' "$cdk8s" "$constructs" "$plus"

# jsii compiles src/ and imports/ against these versions' types, rosetta compiles the examples, then the suite
# (the README examples, the snapshots, the real `cdk8s synth` with the validation plugin) runs on them.
npm run build --silent
npx jest --silent
echo "ok ($mode): the library builds and its tests pass on cdk8s@$cdk8s constructs@$constructs cdk8s-plus-27@$plus ($((SECONDS - start)) s)"
