#!/usr/bin/env node
/*
 * Regenerates the schemas that test/schema.ts validates synthesized manifests against.
 *
 * The jest tests must run on a fresh clone, offline, without ../shared/, so the schemas are extracted once and
 * committed as JSON under test/support/schemas/. Run this after bumping Istio or the Kubernetes schema source:
 *
 *   node scripts/extract-crd-schemas.js [path/to/istio-crds.yaml [path/to/gateway-api-standard.yaml]]
 *
 * Two outputs:
 *
 * - test/support/schemas/istio-networking-v1.json: the unmodified openAPIV3Schema of the networking.istio.io v1 versions of
 *   VirtualService, DestinationRule, Gateway and ServiceEntry from Istio's CRD bundle (default ../shared/crds/istio-crds.yaml,
 *   i.e. istio/api kubernetes/customresourcedefinitions.gen.yaml at tag v1.30.3). Only `description` is dropped (it is
 *   about half the size and plays no part in validation); every validation keyword, including x-kubernetes-validations,
 *   is kept as published.
 *
 * - test/support/schemas/istio-telemetry-v1.json: the same for the telemetry.istio.io v1 Telemetry of that bundle (what
 *   AccessLogging writes), in a file of its own so that the analyzer's type table (scripts/extract-type-table.js, which
 *   reads istio-networking-v1.json) stays about the networking kinds the analyzer checks.
 *
 * - test/support/schemas/gateway-api-v1.json: the unmodified openAPIV3Schema (descriptions dropped) of the Gateway API
 *   v1.6.1 standard-channel Gateway v1, HTTPRoute v1, GRPCRoute v1 and ReferenceGrant v1beta1 and v1 (default
 *   ../shared/crds/gateway-api-standard.yaml, the CRDs of the release's standard-install.yaml), CEL rules included.
 *
 * - test/support/schemas/argo-rollouts-v1alpha1.json and test/support/schemas/flagger-v1beta1.json: the unmodified
 *   openAPIV3Schema (descriptions dropped) of the progressive-delivery controllers' kinds the rollout executors write:
 *   Argo Rollouts v1.9.1 Rollout and AnalysisTemplate (argoproj/argo-rollouts manifests/crds/rollout-crd.yaml and
 *   analysis-template-crd.yaml) and Flagger v1.44.0 Canary and MetricTemplate (fluxcd/flagger artifacts/flagger/crd.yaml).
 *   Written only by the second form, from the CRD files of those tags:
 *
 *     node scripts/extract-crd-schemas.js --controllers <argo-rollouts manifests/crds dir> <flagger crd.yaml>
 *
 * - test/support/schemas/kubernetes-v1.json: the object schemas reachable from apps/v1 Deployment and v1 Service. No npm package
 *   ships the raw Kubernetes OpenAPI document, so they are read back from the typed Kubernetes API that `cdk8s import k8s`
 *   generated from it and that cdk8s-plus-33 publishes (lib/imports/k8s.d.ts, Kubernetes 1.33; installed with cdk8s-cli).
 *   Every interface there carries `@schema <definition>` and every property `@schema <definition>#<wire name>`, so wire
 *   names, required fields (non-optional properties), nesting, arrays, string maps and int-or-string are exact. What that
 *   generation loses is `format` (Kubernetes API conventions allow no floating-point fields, so every number becomes
 *   `integer`) and enums; the enums the API server enforces for the fields we emit are checked in test/schema.ts instead.
 */
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const ts = require('typescript');
const YAML = require('yaml');

const REPO_ROOT = path.resolve(__dirname, '..');
const OUT_DIR = path.join(REPO_ROOT, 'test', 'support', 'schemas');

const ISTIO = {
  version: '1.30.3',
  repository: 'https://github.com/istio/api',
  path: 'kubernetes/customresourcedefinitions.gen.yaml',
  tag: 'v1.30.3',
  commit: '2e43f07b30b6744bc8252fce39fb58b03f85ff8b',
  // One output file per API group: [group, version, kinds, file].
  groups: [
    ['networking.istio.io', 'v1', ['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry'], 'istio-networking-v1.json'],
    ['telemetry.istio.io', 'v1', ['Telemetry'], 'istio-telemetry-v1.json'],
  ],
};

const GATEWAY_API = {
  version: 'v1.6.1',
  repository: 'https://github.com/kubernetes-sigs/gateway-api',
  release: 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml',
  tag: 'v1.6.1',
  commit: '8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3',
  group: 'gateway.networking.k8s.io',
  // The kinds and versions the Gateway API flavor writes (ReferenceGrant in v1beta1) or may write (ReferenceGrant v1).
  versions: [['Gateway', 'v1'], ['HTTPRoute', 'v1'], ['GRPCRoute', 'v1'], ['ReferenceGrant', 'v1beta1'], ['ReferenceGrant', 'v1']],
};

const CONTROLLERS = [
  {
    file: 'argo-rollouts-v1alpha1.json',
    name: 'Argo Rollouts',
    version: 'v1.9.1',
    repository: 'https://github.com/argoproj/argo-rollouts',
    tag: 'v1.9.1',
    commit: 'b6bd3bcf8f60d717a98763d26acc983db7f97cb0',
    license: 'Apache-2.0',
    group: 'argoproj.io',
    version_: 'v1alpha1',
    // [kind, file in the source directory, path in the repository]
    kinds: [['Rollout', 'rollout-crd.yaml', 'manifests/crds/rollout-crd.yaml'],
      ['AnalysisTemplate', 'analysis-template-crd.yaml', 'manifests/crds/analysis-template-crd.yaml']],
  },
  {
    file: 'flagger-v1beta1.json',
    name: 'Flagger',
    version: 'v1.44.0',
    repository: 'https://github.com/fluxcd/flagger',
    tag: 'v1.44.0',
    commit: '15bd6ad555e6c935da55f0ab95977be74c149bd6',
    license: 'Apache-2.0',
    group: 'flagger.app',
    version_: 'v1beta1',
    kinds: [['Canary', 'crd.yaml', 'artifacts/flagger/crd.yaml'], ['MetricTemplate', 'crd.yaml', 'artifacts/flagger/crd.yaml']],
  },
];

const KUBERNETES_ROOTS = {
  'apps/v1/Deployment': 'io.k8s.api.apps.v1.Deployment',
  'v1/Service': 'io.k8s.api.core.v1.Service',
};

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

function stripDescriptions(node) {
  if (Array.isArray(node)) return node.map(stripDescriptions);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    // `description` is documentation everywhere except as a property *name* (e.g. a `description` field of a CRD).
    if (k === 'description' && typeof v === 'string') continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, stripDescriptions(s)])) : stripDescriptions(v);
  }
  return out;
}

function writeJson(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 1) + '\n');
  console.log(`wrote ${path.relative(REPO_ROOT, file)} (${fs.statSync(file).size} bytes)`);
}

function extractIstio(sourceFile) {
  const raw = fs.readFileSync(sourceFile);
  const docs = YAML.parseAllDocuments(raw.toString('utf8')).map(d => d.toJS()).filter(Boolean);
  for (const [group, version, groupKinds, file] of ISTIO.groups) {
    const kinds = {};
    for (const kind of groupKinds) {
      const crd = docs.find(d => d.kind === 'CustomResourceDefinition' && d.spec.group === group && d.spec.names.kind === kind);
      if (!crd) throw new Error(`${kind}.${group} not found in ${sourceFile}`);
      const v = crd.spec.versions.find(x => x.name === version);
      if (!v || !v.served) throw new Error(`${kind} ${version} is not served in ${sourceFile}`);
      kinds[kind] = {
        apiVersion: `${group}/${version}`,
        crd: crd.metadata.name,
        scope: crd.spec.scope,
        storage: Boolean(v.storage),
        subresources: Object.keys(v.subresources || {}),
        openAPIV3Schema: stripDescriptions(v.schema.openAPIV3Schema),
      };
    }
    writeJson(path.join(OUT_DIR, file), {
      $comment: 'Generated by scripts/extract-crd-schemas.js from the Istio CRD bundle; do not edit. Descriptions are removed, nothing else is changed.',
      source: {
        file: path.relative(REPO_ROOT, sourceFile).split(path.sep).join('/'),
        sha256: sha256(raw),
        istioVersion: ISTIO.version,
        repository: ISTIO.repository,
        path: ISTIO.path,
        tag: ISTIO.tag,
        commit: ISTIO.commit,
      },
      kinds,
    });
  }
}

function extractGatewayApi(sourceFile) {
  const raw = fs.readFileSync(sourceFile);
  const docs = YAML.parseAllDocuments(raw.toString('utf8')).map(d => d.toJS()).filter(Boolean);
  const kinds = {};
  for (const [kind, version] of GATEWAY_API.versions) {
    const crd = docs.find(d => d.kind === 'CustomResourceDefinition' && d.spec.group === GATEWAY_API.group && d.spec.names.kind === kind);
    if (!crd) throw new Error(`${kind}.${GATEWAY_API.group} not found in ${sourceFile}`);
    const v = crd.spec.versions.find(x => x.name === version);
    if (!v || !v.served) throw new Error(`${kind} ${version} is not served in ${sourceFile}`);
    const apiVersion = `${GATEWAY_API.group}/${version}`;
    kinds[`${apiVersion}/${kind}`] = {
      apiVersion,
      kind,
      crd: crd.metadata.name,
      bundleVersion: crd.metadata.annotations['gateway.networking.k8s.io/bundle-version'],
      channel: crd.metadata.annotations['gateway.networking.k8s.io/channel'],
      scope: crd.spec.scope,
      storage: Boolean(v.storage),
      openAPIV3Schema: stripDescriptions(v.schema.openAPIV3Schema),
    };
  }
  writeJson(path.join(OUT_DIR, 'gateway-api-v1.json'), {
    $comment: 'Generated by scripts/extract-crd-schemas.js from the Gateway API standard-channel CRDs; do not edit. Descriptions are removed, '
      + 'nothing else is changed.',
    source: {
      file: path.relative(REPO_ROOT, sourceFile).split(path.sep).join('/'),
      sha256: sha256(raw),
      gatewayApiVersion: GATEWAY_API.version,
      repository: GATEWAY_API.repository,
      release: GATEWAY_API.release,
      tag: GATEWAY_API.tag,
      commit: GATEWAY_API.commit,
    },
    kinds,
  });
}

function jsDocTags(node) {
  return ts.getJSDocTags(node).map(t => ({
    name: t.tagName.text,
    text: typeof t.comment === 'string' ? t.comment : ts.getTextOfJSDocComment(t.comment) || '',
  }));
}

function extractKubernetes() {
  const pkgDir = path.dirname(require.resolve('cdk8s-plus-33/package.json', { paths: [REPO_ROOT] }));
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const dtsFile = path.join(pkgDir, 'lib', 'imports', 'k8s.d.ts');
  const text = fs.readFileSync(dtsFile, 'utf8');
  const sf = ts.createSourceFile(dtsFile, text, ts.ScriptTarget.ES2022, true);

  const interfaces = new Map(); // TS name -> { schemaId, node }
  const intOrStringClasses = new Set();
  for (const st of sf.statements) {
    if (ts.isInterfaceDeclaration(st)) {
      const tag = jsDocTags(st).find(t => t.name === 'schema');
      if (tag) interfaces.set(st.name.text, { schemaId: tag.text.trim(), node: st });
    } else if (ts.isClassDeclaration(st) && st.name && ['IntOrString', 'Quantity'].includes(st.name.text)) {
      intOrStringClasses.add(st.name.text);
    }
  }

  const definitions = {};
  const queue = [];
  const refOf = name => {
    const i = interfaces.get(name);
    if (!i) throw new Error(`no @schema interface ${name}`);
    if (!definitions[i.schemaId] && !queue.includes(name)) queue.push(name);
    return { $ref: `#/definitions/${i.schemaId}` };
  };

  const typeSchema = (t, where) => {
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword: return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword: return { type: 'integer' };
      case ts.SyntaxKind.BooleanKeyword: return { type: 'boolean' };
      case ts.SyntaxKind.AnyKeyword: return { 'x-kubernetes-preserve-unknown-fields': true };
      case ts.SyntaxKind.ArrayType: return { type: 'array', items: typeSchema(t.elementType, where) };
      case ts.SyntaxKind.UnionType: {
        const kinds = t.types.map(x => x.kind).sort();
        if (kinds.join() === [ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.StringKeyword].sort().join()) return { 'x-kubernetes-int-or-string': true };
        break;
      }
      case ts.SyntaxKind.TypeLiteral: {
        const [member] = t.members;
        if (t.members.length === 1 && ts.isIndexSignatureDeclaration(member)) {
          return { type: 'object', additionalProperties: typeSchema(member.type, where) };
        }
        break;
      }
      case ts.SyntaxKind.TypeReference: {
        const name = t.typeName.getText(sf);
        if (intOrStringClasses.has(name)) return { 'x-kubernetes-int-or-string': true };
        // json2jsii maps `format: date-time` strings (metav1.Time) to Date.
        if (name === 'Date') return { type: 'string', format: 'date-time' };
        return refOf(name);
      }
    }
    throw new Error(`unsupported type ${t.getText(sf)} at ${where}`);
  };

  const kinds = {};
  for (const [key, schemaId] of Object.entries(KUBERNETES_ROOTS)) {
    const entry = [...interfaces.entries()].find(([, v]) => v.schemaId === schemaId);
    if (!entry) throw new Error(`${schemaId} not found in ${dtsFile}`);
    refOf(entry[0]);
    kinds[key] = `#/definitions/${schemaId}`;
  }

  while (queue.length) {
    const name = queue.shift();
    const { schemaId, node } = interfaces.get(name);
    const properties = {};
    const required = [];
    for (const m of node.members) {
      if (!ts.isPropertySignature(m)) continue;
      const tag = jsDocTags(m).find(t => t.name === 'schema');
      const wire = tag && tag.text.trim().split('#')[1];
      if (!wire) throw new Error(`${name}.${m.name.getText(sf)} has no @schema tag`);
      properties[wire] = typeSchema(m.type, `${schemaId}#${wire}`);
      if (!m.questionToken) required.push(wire);
    }
    definitions[schemaId] = { type: 'object', properties, ...(required.length ? { required } : {}) };
  }

  // The generated *Props interfaces leave out the type meta that cdk8s's ApiObject adds, and the read-only status.
  for (const [key, ref] of Object.entries(kinds)) {
    const def = definitions[ref.replace('#/definitions/', '')];
    const [apiVersion, kind] = [key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1)];
    def.properties = {
      apiVersion: { type: 'string', enum: [apiVersion] },
      kind: { type: 'string', enum: [kind] },
      ...def.properties,
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    };
    def.required = ['apiVersion', 'kind', ...(def.required || [])];
  }

  const sorted = Object.fromEntries(Object.keys(definitions).sort().map(k => [k, definitions[k]]));
  writeJson(path.join(OUT_DIR, 'kubernetes-v1.json'), {
    $comment: 'Generated by scripts/extract-crd-schemas.js from the typed Kubernetes API in cdk8s-plus-33 (lib/imports/k8s.d.ts); do not edit.',
    source: {
      package: `${pkg.name}@${pkg.version}`,
      file: 'lib/imports/k8s.d.ts',
      sha256: sha256(Buffer.from(text, 'utf8')),
      kubernetesVersion: '1.33',
      note: 'numbers are integers (API conventions forbid floats); enums and formats other than date-time are not carried by the source; '
        + 'test/schema.ts checks the enums the API server enforces for the fields we emit',
    },
    kinds,
    definitions: sorted,
  });
}

function extractControllers(argoDir, flaggerFile) {
  for (const c of CONTROLLERS) {
    const kinds = {};
    const sources = {};
    for (const [kind, file, repoPath] of c.kinds) {
      const sourceFile = c.group === 'argoproj.io' ? path.join(argoDir, file) : flaggerFile;
      const raw = fs.readFileSync(sourceFile);
      sources[repoPath] = sha256(raw);
      const docs = YAML.parseAllDocuments(raw.toString('utf8')).map(d => d.toJS()).filter(Boolean);
      const crd = docs.find(d => d.kind === 'CustomResourceDefinition' && d.spec.group === c.group && d.spec.names.kind === kind);
      if (!crd) throw new Error(`${kind}.${c.group} not found in ${sourceFile}`);
      const v = crd.spec.versions.find(x => x.name === c.version_);
      if (!v || !v.served) throw new Error(`${kind} ${c.version_} is not served in ${sourceFile}`);
      const apiVersion = `${c.group}/${c.version_}`;
      kinds[`${apiVersion}/${kind}`] = {
        apiVersion,
        kind,
        crd: crd.metadata.name,
        scope: crd.spec.scope,
        storage: Boolean(v.storage),
        openAPIV3Schema: stripDescriptions(v.schema.openAPIV3Schema),
      };
    }
    writeJson(path.join(OUT_DIR, c.file), {
      $comment: `Generated by scripts/extract-crd-schemas.js --controllers from the ${c.name} CRDs; do not edit. Descriptions are removed, `
        + 'nothing else is changed.',
      source: { name: c.name, version: c.version, repository: c.repository, tag: c.tag, commit: c.commit, license: c.license, sha256: sources },
      kinds,
    });
  }
}

if (process.argv[2] === '--controllers') {
  if (!process.argv[3] || !process.argv[4]) {
    console.error('usage: node scripts/extract-crd-schemas.js --controllers <argo-rollouts manifests/crds dir> <flagger crd.yaml>');
    process.exit(2);
  }
  extractControllers(path.resolve(process.argv[3]), path.resolve(process.argv[4]));
  process.exit(0);
}

const istioSource = path.resolve(process.argv[2] || path.join(REPO_ROOT, '..', 'shared', 'crds', 'istio-crds.yaml'));
const gatewayApiSource = path.resolve(process.argv[3] || path.join(REPO_ROOT, '..', 'shared', 'crds', 'gateway-api-standard.yaml'));
extractIstio(istioSource);
extractGatewayApi(gatewayApiSource);
extractKubernetes();
