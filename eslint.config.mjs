// ESLint flat config. `npm run lint` (= `eslint .`) runs it; `npm test` runs build, lint and jest.
//
// What it enforces, beyond typescript-eslint's recommended set (syntax-only, no type information, to stay fast):
//  - the layer architecture of src/ (which folder may import which), with import-x/no-restricted-paths for files
//    inside this repository and no-restricted-imports for npm packages;
//  - no import cycles anywhere in src/ (import-x/no-cycle, unlimited depth);
//  - in test/, that every test asserts something (jest/expect-expect, which replaces the former global
//    `expect.hasAssertions()` in test/setup.ts: it is checked when the code is written rather than when the test
//    runs, and it also sees helpers such as expectValidManifests), plus a few rules against tests that cannot fail.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import jest from 'eslint-plugin-jest';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;

// ---------------------------------------------------------------------------------------------------------------------
// The layers of src/. A "flavor" renders the route model for one mesh API; each flavor has a pure rules/ folder.
// src/gateway-api does not exist yet: every rule below already covers it, so it is checked from its first file on.
// ---------------------------------------------------------------------------------------------------------------------
const FLAVORS = ['istio', 'gateway-api'];
// The layers below the flavors, which both share: the route model (core) and the service layer (a Service with
// versions, its per-version Services). Each may have a pure rules/ folder too.
const SHARED = ['core', 'services'];
const PURE_RULES = [...SHARED, ...FLAVORS].map(f => `src/${f}/rules`);

// Files that build constructs (cdk8s-aware), by folder. Flavor folders count without their pure rules/ folder.
const CONSTRUCT_FILES = [
  'src/core/*.ts',
  'src/core/!(rules)/**',
  'src/services/*.ts',
  'src/services/!(rules)/**',
  ...FLAVORS.flatMap(f => [`src/${f}/*.ts`, `src/${f}/!(rules)/**`]),
  'src/workloads/**',
  'src/rollout/**',
  'src/scenario/**',
];

const zone = (target, from, message, except) => ({ target, from, message, ...(except ? { except } : {}) });

const LAYER_ZONES = [
  // src/core: the renderer-neutral route model, shared by every flavor.
  ...[
    ['imports', 'the generated Istio CRD classes are Istio-specific; core must stay renderer-neutral'],
    ...FLAVORS.map(f => [`src/${f}`, `core is the renderer-neutral model every flavor renders; ${f}-specific code (its rules/ included) belongs in src/${f}`]),
    ['src/analysis', 'the manifest analyzer is a consumer of synthesized output, not a dependency of the model'],
    ['src/rollout', 'rollout builds on core, not the other way round'],
    ['src/workloads', 'workloads are constructs on top of core, not part of the model'],
    ['src/services', 'the service layer builds on core, not the other way round'],
    ['src/scenario', 'the reference app is a consumer of the library'],
  ].map(([from, why]) => zone('src/core', from, `src/core may not import ${from}: ${why}.`)),

  // src/services: a Service with versions, shared by every flavor; each flavor adds what its API needs on top.
  ...[
    ['imports', 'the generated classes are one API\'s; the service layer writes only core Kubernetes objects'],
    ...FLAVORS.map(f => [`src/${f}`, `the service layer is shared by every flavor; what ${f} adds to a service belongs in src/${f}`]),
    ['src/rollout', 'rollout builds on services, not the other way round'],
    ['src/scenario', 'the reference app is a consumer of the library'],
  ].map(([from, why]) => zone('src/services', from, `src/services may not import ${from}: ${why}.`)),

  // Flavors never import each other: what two flavors share lives below them (src/core, src/services).
  ...FLAVORS.flatMap(f => FLAVORS.filter(o => o !== f).map(o => zone(`src/${f}`, `src/${o}`,
    `src/${f} may not import src/${o}: flavors never import each other; move what both need to src/core or src/services.`))),
  // Workloads sit below services and flavors.
  ...['src/services', ...FLAVORS.map(f => `src/${f}`)].map(from => zone('src/workloads', from,
    `src/workloads may not import ${from}: workloads are below the services and the flavors that route to them.`)),

  // src/<flavor>/rules: pure rule modules, shared by the constructs and the analyzer.
  ...PURE_RULES.flatMap(rules => [
    zone(rules, 'src', `${rules} is a PURE rule module: it may import only other files in ${rules} (the analyzer and the CLI load it, `
      + 'so it must not pull in constructs, cdk8s or other layers).', [`./${rules.slice('src/'.length)}`]),
    zone(rules, 'imports', `${rules} is a PURE rule module: it may not import the generated imports/ (they load cdk8s).`),
  ]),

  // src/analysis: the pure manifest analyzer. synth-hook.ts may use cdk8s/constructs (see PACKAGE rules), but not other layers.
  zone('src/analysis', 'src', 'src/analysis (synth-hook.ts included) is PURE: it may import only src/analysis, the pure rule folders ('
    + `${PURE_RULES.join(', ')}) and the pure annotation format src/core/defined-elsewhere.ts; the analyzer runs on YAML from any source, without constructs.`,
  ['./analysis', './core/defined-elsewhere.ts', ...PURE_RULES.map(r => `./${r.slice('src/'.length)}`)]),
  zone('src/analysis', 'imports', 'src/analysis is PURE: it may not import the generated imports/ (they load cdk8s).'),

  // src/cli: runs inside the cdk8s CLI (validation plugin) and as a bin; it must load neither cdk8s nor constructs.
  zone('src/cli', 'src', 'src/cli may import only src/cli, src/analysis and the pure rule folders: it runs inside the cdk8s CLI, '
    + 'so it must not load constructs (or, through them, cdk8s).', ['./cli', './analysis', ...PURE_RULES.map(r => `./${r.slice('src/'.length)}`)]),
  zone('src/cli', 'src/analysis/synth-hook.ts', 'src/cli may not import src/analysis/synth-hook.ts: it is the cdk8s-aware part of the '
    + 'analyzer and would load cdk8s and constructs inside the cdk8s CLI.'),
  zone('src/cli', 'imports', 'src/cli may not import the generated imports/: they load cdk8s, and the CLI runs inside the cdk8s CLI.'),

  // Constructs reach the analyzer only through its synthesis hook (src/core is stricter: no analysis at all, above).
  zone(CONSTRUCT_FILES.filter(t => !t.startsWith('src/core/')), 'src/analysis', 'Constructs may import from src/analysis only '
    + 'src/analysis/synth-hook.ts (the synthesis hook); the rest of the analyzer is a pure YAML tool that constructs must not depend on.',
  ['./synth-hook.ts']),

  // Nothing in the library depends on the CLI (src/analysis, src/cli and the rule folders are covered by their own zones above).
  zone([...CONSTRUCT_FILES, 'src/*.ts'], 'src/cli', 'Nothing in src may import src/cli: the CLI is an entry point on top of the '
    + 'library (bin and cdk8s validation plugin), never a dependency of it.'),
];

// npm packages, by which files may not import them. Matched by regex so deep imports (`cdk8s/lib/...`) count too.
// Flat config replaces (not merges) a rule's options when several blocks match one file, so each block below lists
// every package forbidden for its files, and the blocks go from the broadest file set to the narrowest.
const pkg = (name, message) => ({ regex: `^${name.replace(/\./g, '\\.')}(/.*)?$`, caseSensitive: true, message });
const KPLUS = pkg('cdk8s-plus-27', 'cdk8s-plus-27 may be imported only by src/workloads/service-version.ts: it is the one place '
  + 'that wraps it, so the rest of the library (and its users) do not depend on its API.');
const purePackages = why => ['cdk8s', 'constructs'].map(name => pkg(name, why(name)));

const PACKAGE_RULES = [
  {
    files: ['src/**/*.ts'],
    ignores: ['src/workloads/service-version.ts'],
    patterns: [KPLUS],
  },
  {
    files: PURE_RULES.map(r => `${r}/**/*.ts`),
    patterns: [KPLUS, ...purePackages(name => `src/<layer>/rules are PURE rule modules and may not import '${name}': `
      + 'the analyzer and the CLI use them without cdk8s.')],
  },
  {
    files: ['src/analysis/**/*.ts'],
    ignores: ['src/analysis/synth-hook.ts'],
    patterns: [KPLUS, ...purePackages(name => `src/analysis is PURE and may not import '${name}' (only src/analysis/synth-hook.ts, `
      + 'the hook into synthesis, may): the analyzer runs on YAML inside the cdk8s CLI and from the command line.')],
  },
  {
    files: ['src/cli/**/*.ts'],
    patterns: [KPLUS, ...purePackages(name => `src/cli may not import '${name}': it runs inside the cdk8s CLI (validation plugin), `
      + 'which must not load a second copy of cdk8s/constructs.')],
  },
].map(({ files, ignores, patterns }) => ({
  files,
  ...(ignores ? { ignores } : {}),
  rules: { 'no-restricted-imports': ['error', { patterns }] },
}));

// Assertion helpers in test/ that wrap expect(): a test calling one of them does assert something.
// Any new helper named expect<Something> is covered by the 'expect*' pattern.
const ASSERT_FUNCTIONS = ['expect', 'expect*', 'expectValidManifests', 'expectReferencesResolve'];
// Local aliases of test() that run a test only when something is available, e.g. `const e2e = built ? test : test.skip`.
const TEST_ALIASES = ['e2e'];

export default defineConfig([
  {
    ignores: ['lib/', 'dist/', 'imports/', 'node_modules/', 'dist-pacmak/', '.bench/', 'coverage/', '.jsii'],
  },

  // Everything: base rules and the few style rules the code base already follows.
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.js', 'scripts/**/*.js', 'eslint.config.mjs'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    plugins: { '@stylistic': stylistic },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/max-len': ['error', {
        code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true,
      }],
    },
  },

  // Plain CommonJS scripts for Node.
  {
    files: ['bench/**/*.js', 'scripts/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      // `const { performance } = require('perf_hooks')` re-binds the same object Node also exposes as a global.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
  {
    files: ['eslint.config.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },

  // src/: layers and cycles.
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js', '.json', '.node'] })],
      // The generated imports/ (1.2 MB, mostly networking.istio.io.ts) import only cdk8s/constructs, so no cycle runs
      // through them: not parsing them makes no-cycle about 5x cheaper. Imports of them are still resolved and checked.
      'import-x/ignore': [`^${ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/imports/`],
    },
    rules: {
      'import-x/no-cycle': ['error', { maxDepth: '∞', ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones: LAYER_ZONES }],
      // Manifests and parsed YAML are untyped JSON, and jsii's only type for JSON in a public signature is `any`.
      '@typescript-eslint/no-explicit-any': 'off',
      // A parameter a default implementation ignores (an overridable hook) is named with a leading underscore.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...PACKAGE_RULES,

  // test/: every test asserts, and no test is silently unable to fail.
  {
    files: ['test/**/*.ts'],
    plugins: { jest },
    languageOptions: { globals: jest.environments.globals.globals },
    rules: {
      'jest/expect-expect': ['error', { assertFunctionNames: ASSERT_FUNCTIONS, additionalTestBlockFunctions: TEST_ALIASES }],
      'jest/valid-expect': 'error', // expect() without a matcher, or an un-awaited .resolves/.rejects, checks nothing
      'jest/valid-expect-in-promise': 'error', // an expect in a promise the test does not wait for never fails it
      'jest/no-conditional-expect': 'error', // an expect behind if/catch may never run
      'jest/no-standalone-expect': ['error', { additionalTestBlockFunctions: TEST_ALIASES }], // runs at collection time, not as a test
      'jest/no-identical-title': 'error', // two tests with one title: a failure report points at either
      'jest/no-focused-tests': 'error', // test.only / fit skip every other test in the file
      'jest/no-disabled-tests': 'warn', // test.skip / xit: allowed while working, but visible
      'jest/no-commented-out-tests': 'warn',
      // Tests read synthesized manifests and parsed YAML, which are untyped JSON: `any` is the honest type there.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
]);
