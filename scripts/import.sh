#!/usr/bin/env bash
# Regenerates imports/ with `cdk8s import`: by default from the release URLs listed under `imports:` in cdk8s.yaml
# (needs network access); with CRDS_DIR set, from local copies of the same files (istio-crds.yaml,
# gateway-api-standard.yaml in that directory), e.g. in an offline build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${CRDS_DIR:-}" ]; then
  sources=("$CRDS_DIR/istio-crds.yaml" "$CRDS_DIR/gateway-api-standard.yaml")
else
  # The URLs of cdk8s.yaml, so that the file stays the one place that says which release imports/ comes from.
  mapfile -t sources < <(node -e '
    const yaml = require("yaml");
    for (const i of yaml.parse(require("fs").readFileSync("cdk8s.yaml", "utf8")).imports) console.log(i);')
fi
for source in "${sources[@]}"; do
  npx cdk8s import "$source" --language typescript --output imports --no-save --no-check-upgrade
done
