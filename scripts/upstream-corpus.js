#!/usr/bin/env node
// Runs the mesh analyzer over upstream configurations nobody here wrote (issue #15, section 3) and prints the findings
// per file, then a summary: files, objects, findings per code.
//
// Not run in CI: it needs bare git mirrors of istio/istio and kubernetes-sigs/gateway-api and the compiled library.
//
//   npm run build   # or: npx jsii (writes lib/)
//   node scripts/upstream-corpus.js --istio <istio git dir> --gateway-api <gateway-api git dir> [--errors-only] [--filter <path part>]
//
// The corpus (each entry is analyzed as one input, as `istioctl analyze` would be given it):
// - istio/istio samples/**/*.yaml, one file at a time, routing files with their sample's application (SAMPLE_CONTEXT);
// - istio/istio pilot/pkg/config/kube/gateway/testdata/*.yaml (the Gateway API conversion inputs; their .golden files say
//   what Istio produces and which status conditions it sets), one file at a time;
// - istio/istio tests/integration/pilot/testdata/traffic-mirroring-template.yaml, rendered with the values of
//   mirror_test.go's cases (Name, MirrorHost, Percent, Absent) together with echo Services b and c (ports of the echo
//   deployment in pkg/test/framework/components/echo/common/ports);
// - kubernetes-sigs/gateway-api conformance/tests/*.yaml, each with conformance/base/manifests.yaml (the Gateways and
//   Services the tests attach to), and conformance/tests/mesh/*.yaml with conformance/mesh/manifests.yaml;
// - kubernetes-sigs/gateway-api examples/**/*.yaml, one file at a time.
//
// Documents that are not Kubernetes objects (Go templates, Helm charts) make a file "unparsed": it is listed and skipped.
'use strict';

const { execFileSync } = require('node:child_process');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const istio = opt('--istio');
const gatewayApi = opt('--gateway-api');
const filter = opt('--filter');
const errorsOnly = args.includes('--errors-only');
if (!istio || !gatewayApi) {
  console.error('usage: node scripts/upstream-corpus.js --istio <git dir> --gateway-api <git dir> [--errors-only] [--filter <text>]');
  process.exit(2);
}

let MeshAnalyzer;
try {
  ({ MeshAnalyzer } = require(path.join(__dirname, '..', 'lib', 'src', 'analysis', 'mesh-analyzer.js')));
} catch (e) {
  console.error(`error: cannot load lib/src/analysis/mesh-analyzer.js (${e.message}); run npm run build (or npx jsii) first`);
  process.exit(3);
}

const git = (dir, ...a) => execFileSync('git', ['--git-dir', dir, ...a], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const commitOf = (dir) => git(dir, 'rev-parse', 'HEAD').trim();
const list = (dir, prefix) => git(dir, 'ls-tree', '-r', '--name-only', 'HEAD', prefix).split('\n').filter(Boolean);
const show = (dir, file) => git(dir, 'show', `HEAD:${file}`);
const yamlFiles = (files) => files.filter(f => /\.ya?ml$/.test(f) && !f.endsWith('.golden'));

/** The inputs: a label and the YAML texts analyzed together. */
const inputs = [];
// A sample's routing files are applied on top of its application, as Istio's tasks do (e.g. bookinfo's
// virtual-service-*.yaml after platform/kube/bookinfo.yaml and destination-rule-all.yaml): each file of these folders is
// analyzed with the files listed (without repeating itself).
const SAMPLE_CONTEXT = [
  ['samples/bookinfo/networking/', ['samples/bookinfo/platform/kube/bookinfo.yaml', 'samples/bookinfo/networking/destination-rule-all.yaml',
    'samples/bookinfo/networking/bookinfo-gateway.yaml']],
  ['samples/bookinfo/gateway-api/', ['samples/bookinfo/platform/kube/bookinfo.yaml', 'samples/bookinfo/platform/kube/bookinfo-versions.yaml',
    'samples/bookinfo/gateway-api/bookinfo-gateway.yaml']],
  ['samples/ambient-argo/application/', ['samples/ambient-argo/application/details.yaml', 'samples/ambient-argo/application/productpage.yaml',
    'samples/ambient-argo/application/ratings.yaml', 'samples/ambient-argo/application/reviews.yaml',
    'samples/ambient-argo/application/bookinfo-versions.yaml', 'samples/ambient-argo/application/ingress-gateway.yaml']],
  ['samples/helloworld/gateway-api/', ['samples/helloworld/helloworld.yaml', 'samples/helloworld/gateway-api/helloworld-versions.yaml',
    'samples/helloworld/gateway-api/helloworld-gateway.yaml']],
  ['samples/helloworld/', ['samples/helloworld/helloworld.yaml']],
  ['samples/httpbin/', ['samples/httpbin/httpbin.yaml']],
  ['samples/tcp-echo/gateway-api/', ['samples/tcp-echo/tcp-echo-services.yaml', 'samples/tcp-echo/gateway-api/tcp-echo-all-v1.yaml']],
  ['samples/tcp-echo/', ['samples/tcp-echo/tcp-echo-services.yaml', 'samples/tcp-echo/tcp-echo-all-v1.yaml']],
  ['samples/websockets/', ['samples/websockets/app.yaml']],
];
for (const f of yamlFiles(list(istio, 'samples/'))) {
  const context = (SAMPLE_CONTEXT.find(([prefix]) => f.startsWith(prefix))?.[1] ?? []).filter(c => c !== f);
  inputs.push({ label: `istio:${f}${context.length > 0 ? ` (+ ${context.map(c => path.posix.basename(c)).join(', ')})` : ''}`,
    texts: [...context.map(c => show(istio, c)), show(istio, f)], base: context.length > 0 ? context.map(c => show(istio, c)) : undefined });
}
// conversion_test.go's readConfig adds, to every input file, a Service for each entry of its `services` list whose
// hostname ends in "domain.suffix" (name and namespace from the hostname, ports svcPorts: 80, 34000, 34001) and a
// Namespace for every namespace of the file (label istio.io/test-name-part): the cluster the goldens were made with.
const conversionTest = show(istio, 'pilot/pkg/config/kube/gateway/conversion_test.go');
const harnessServices = [...new Set([...conversionTest.matchAll(/Hostname: *"([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.domain\.suffix"/g)].map(m => `${m[2]}/${m[1]}`))]
  .map(key => {
    const [namespace, name] = key.split('/');
    return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [
      { name: 'http', port: 80 }, { name: 'tcp', port: 34000 }, { name: 'tcp-other', port: 34001 }] } };
  });
const TESTDATA = 'pilot/pkg/config/kube/gateway/testdata/';
for (const f of yamlFiles(list(istio, TESTDATA)).filter(f => !f.slice(TESTDATA.length).includes('/'))) {
  inputs.push({ label: `istio:${f} (+ conversion_test.go's Services and Namespaces)`, texts: [show(istio, f)], harness: true });
}

// mirror_test.go: VirtualService for mesh host b, route to b, mirror to c (or an external host), both without port.
const template = show(istio, 'tests/integration/pilot/testdata/traffic-mirroring-template.yaml');
const echoService = (name) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
  - {name: http, port: 80, targetPort: 18080}
  - {name: grpc, port: 7070, targetPort: 17070}
  - {name: tcp, port: 9090, targetPort: 19090}
`;
for (const c of [{ Name: 'mirror-percent-absent', Absent: true, Percent: 100 }, { Name: 'mirror-50', Absent: false, Percent: 50 }]) {
  const rendered = template.replace(/\{\{\.Name\}\}/g, c.Name).replace(/\{\{\.MirrorHost\}\}/g, 'c').replace(/\{\{\.Percent\}\}/g, String(c.Percent))
    .replace(/\{\{- if not \.Absent \}\}\n([\s\S]*?)\{\{- end \}\}\n/, (_, body) => (c.Absent ? '' : body));
  inputs.push({ label: `istio:tests/integration/pilot/testdata/traffic-mirroring-template.yaml (${c.Name}, with echo Services b and c)`, texts: [rendered, echoService('b'), echoService('c')] });
}

const base = show(gatewayApi, 'conformance/base/manifests.yaml');
const meshBase = show(gatewayApi, 'conformance/mesh/manifests.yaml');
inputs.push({ label: 'gateway-api:conformance/base/manifests.yaml', texts: [base] });
inputs.push({ label: 'gateway-api:conformance/mesh/manifests.yaml', texts: [meshBase] });
for (const f of yamlFiles(list(gatewayApi, 'conformance/tests/'))) {
  const mesh = f.startsWith('conformance/tests/mesh/');
  inputs.push({ label: `gateway-api:${f} (+ conformance/${mesh ? 'mesh' : 'base'}/manifests.yaml)`, texts: [mesh ? meshBase : base, show(gatewayApi, f)], base: [mesh ? meshBase : base] });
}
// An example folder is one scenario (its Gateway and its routes in separate files); files directly in examples/standard
// and examples/experimental stand alone.
const exampleGroups = new Map();
for (const f of yamlFiles(list(gatewayApi, 'examples/'))) {
  const dir = path.posix.dirname(f);
  const key = ['examples/standard', 'examples/experimental'].includes(dir) ? f : dir;
  exampleGroups.set(key, [...(exampleGroups.get(key) ?? []), f]);
}
for (const [key, files] of exampleGroups) inputs.push({ label: `gateway-api:${key}${files.length > 1 ? '/*.yaml' : ''}`, texts: files.map(f => show(gatewayApi, f)) });

const totals = { files: 0, unparsed: 0, objects: 0, byCode: new Map() };
for (const input of inputs) {
  if (filter && !input.label.includes(filter)) continue;
  let objects;
  try {
    objects = input.texts.flatMap(t => MeshAnalyzer.parseYaml(t));
  } catch (e) {
    totals.unparsed++;
    console.log(`${input.label}: unparsed (${String(e.message).split('\n')[0]})`);
    continue;
  }
  objects = objects.filter(o => o !== null && typeof o === 'object' && !Array.isArray(o) && typeof o.kind === 'string');
  if (input.harness) {
    const namespaces = new Set(objects.map(o => o.metadata?.namespace ?? 'default'));
    const defined = new Set(objects.map(o => `${o.kind}|${o.metadata?.namespace ?? (o.kind === 'Namespace' ? '' : 'default')}/${o.metadata?.name}`));
    const added = [...harnessServices, ...[...namespaces].map(ns => ({
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio.io/test-name-part': ns.split('-')[0] } } }))];
    objects = [...objects, ...added.filter(o => !defined.has(`${o.kind}|${o.metadata.namespace ?? ''}/${o.metadata.name}`))];
  }
  totals.files++;
  totals.objects += objects.length;
  // The findings on the base manifests (or a sample's application) alone are printed with those files, not with every
  // file analyzed on top of them.
  const known = input.base === undefined ? new Set()
    : new Set(MeshAnalyzer.analyze(input.base.flatMap(t => MeshAnalyzer.parseYaml(t))).map(f => MeshAnalyzer.formatFinding(f)));
  const findings = MeshAnalyzer.analyze(objects).filter(f => (!errorsOnly || f.level === 'Error') && !known.has(MeshAnalyzer.formatFinding(f)));
  for (const f of findings) totals.byCode.set(`${f.code} ${f.level}`, (totals.byCode.get(`${f.code} ${f.level}`) ?? 0) + 1);
  if (findings.length === 0 && errorsOnly) continue;
  console.log(`${input.label}: ${objects.length} objects, ${findings.length} findings`);
  for (const f of findings) console.log(`  ${MeshAnalyzer.formatFinding(f)}`);
}
console.log('');
console.log(`istio/istio ${commitOf(istio)}, kubernetes-sigs/gateway-api ${commitOf(gatewayApi)}`);
console.log(`${totals.files} inputs analyzed (${totals.objects} objects), ${totals.unparsed} unparsed`);
for (const [code, n] of [...totals.byCode.entries()].sort()) console.log(`  ${code}: ${n}`);
