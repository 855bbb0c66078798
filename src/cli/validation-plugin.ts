/**
 * A cdk8s CLI validation plugin that runs `MeshAnalyzer` over the manifests `cdk8s synth` writes.
 *
 * Not part of the jsii API (not exported from index.ts): the cdk8s CLI loads it by path from `cdk8s.yaml`:
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/cdk8s-traffic-mirror/lib/src/cli/validation-plugin.js
 *     class: MeshAnalysisValidation
 *     version: 1.0.0
 *     properties:            # optional
 *       failOnWarnings: false
 *       perDirectory: false
 *       defaultNamespace: default
 *       implementation: istio@1.28
 * ```
 *
 * Each error-level finding becomes one violation of the report (rule `<code> <IstioName>`, recommendation = the
 * finding's message, with the object's manifest, name and location) and fails the synth (the CLI exits with status 2).
 * Warnings and advice do not fail it: they are logged, one line each, while the CLI runs validations, and counted in
 * the report summary. With `failOnWarnings: true`, warnings become violations and fail the synth as well.
 *
 * All manifests are analyzed as one set, as `kubectl apply -R -f dist/` would apply them, except the stage folders of
 * a rollout plan (`MirrorRolloutPlan.synth()` marks each with the file `.cdk8s-traffic-mirror-stage`): each of those
 * is a set of its own, so a plan written into `dist/plan/` is not analyzed together with the app's output. When the
 * output holds other alternative sets, `perDirectory: true` analyzes the manifests of each directory on their own; an
 * object defined in several manifests is logged as a hint.
 *
 * The module runs inside the cdk8s CLI during every synth, so it loads only the analyzer (no cdk8s, no cdk8s-plus).
 * Manifests are read as the `analyze` command reads them (`input.ts`: regular files only, UTF-8 or UTF-16 with a byte
 * order mark, YAML 1.1 as `kubectl apply -f` reads it), not with the cdk8s CLI's `context.parseManifest` (YAML 1.2),
 * so that the plugin and the `analyze` command see what kubectl applies.
 *
 * The plugin never throws: the cdk8s CLI prints any exception of a plugin (from its constructor or `validate`) as a
 * stack trace. Properties are checked when the plugin is created, and a misspelt one (`perDirectry`), one of the wrong
 * type (`failOnWarnings: "yes"`) or a `defaultNamespace` that is not a namespace name fails the synth in `validate`
 * with one violation listing the valid properties, instead of being ignored. A manifest that cannot be read (or a
 * document of it that is not a Kubernetes object) is a violation naming the file and line; the rest is analyzed.
 *
 * The report's "Construct Path" is the cdk8s CLI's lookup of the violating resource's name in construct-metadata.json,
 * which maps each object *name* to one construct path (cdk8s `App.writeConstructMetadata`: `resources[apiObject.name]`,
 * the last object of that name wins). Where several objects of the output share a name, that path may be another
 * object's, so the plugin then names the object by `Kind namespace/name`, which is no key of the metadata: the report
 * shows `N/A` rather than a wrong construct. `MeshAnalysis.analyze(scope)` gives every finding its exact path.
 */
import * as fs from 'fs';
import * as path from 'path';
import { codeInfo } from '../analysis/catalogue';
import type { Finding } from '../analysis/mesh-analyzer';
import { FindingLevel, MeshAnalyzer } from '../analysis/mesh-analyzer';
import { formatProblem, Located, readInput, UnreadableInput } from './input';
import { shorten } from './output';
import { ROLLOUT_STAGE_MARKER } from '../core/rules/rollout-stage';
import { parseImplementation } from '../gateway-api/rules/implementations';

/** The subset of the cdk8s CLI's `ValidationContext` the plugin uses (cdk8s-cli/lib/plugins/validation.d.ts). */
export interface ValidationContextLike {
  readonly manifests: readonly string[];
  readonly report: {
    addViolation(violation: {
      ruleName: string;
      recommendation: string;
      fix: string;
      violatingResources: Array<{ resourceName: string; locations: string[]; manifestPath: string }>;
    }): void;
    submit(status: 'success' | 'failure', metadata?: { [key: string]: string }): void;
  };
  readonly logger: { log(message: string): void };
}

/** `properties` of the plugin in `cdk8s.yaml`. */
export interface MeshAnalysisValidationProperties {
  /**
   * Report warnings as violations too, failing the synth.
   *
   * @default false
   */
  readonly failOnWarnings?: boolean;
  /**
   * Analyze the manifests of each directory as a separate set (alternative deployments), instead of all manifests
   * together. Not needed for the stages of a `MirrorRolloutPlan`: a folder with the plan's marker file
   * `.cdk8s-traffic-mirror-stage` is a set of its own either way.
   *
   * @default false
   */
  readonly perDirectory?: boolean;
  /**
   * Namespace of manifests without `metadata.namespace`: a namespace name (an RFC 1123 label: at most 63 lowercase
   * letters, digits and `-`, starting and ending with a letter or digit).
   *
   * @default 'default'
   */
  readonly defaultNamespace?: string;
  /**
   * The Gateway API implementation that runs every HTTPRoute, `NAME` or `NAME@VERSION` (`istio@1.28`, `contour@1.33`):
   * mirror features it lacks are TM0200 errors (see `AnalyzeOptions.implementation`).
   *
   * @default - each Gateway's well-known `gatewayClassName` says; other routes get the advice TM0204
   */
  readonly implementation?: string;
}

/** A violation of the report (the cdk8s CLI's `ValidationViolation`). */
type Violation = Parameters<ValidationContextLike['report']['addViolation']>[0];

/** `(http[0].mirror)`, `(servers[1])` in a message: where in the spec the problem is. */
const SPEC_LOCATION = /\(((?:http|tcp|tls|servers|hosts|subsets)\[\d+\][^)\s]*)\)/;

/**
 * The cdk8s validation plugin: `cdk8s synth` fails on error-level `MeshAnalyzer` findings.
 *
 * Loaded by the cdk8s CLI as `new MeshAnalysisValidation(properties)`, then `await plugin.validate(context)`.
 */
export class MeshAnalysisValidation {
  private readonly failOnWarnings: boolean;
  private readonly perDirectory: boolean;
  private readonly defaultNamespace: string;
  private readonly implementation?: string;
  /** Why the properties are invalid (reported by `validate`), or undefined. */
  private readonly propertyProblem: string | undefined;
  /** Object names that more than one object of the output has: their construct path cannot be looked up by name. */
  private sharedNames = new Set<string>();

  constructor(properties: MeshAnalysisValidationProperties = {}) {
    this.propertyProblem = propertyProblem(properties);
    const valid = this.propertyProblem === undefined;
    this.failOnWarnings = valid && properties.failOnWarnings === true;
    this.perDirectory = valid && properties.perDirectory === true;
    this.defaultNamespace = valid ? properties.defaultNamespace ?? 'default' : 'default';
    this.implementation = valid ? properties.implementation : undefined;
  }

  public async validate(context: ValidationContextLike): Promise<void> {
    if (this.propertyProblem !== undefined) {
      context.logger.log(`error: ${this.propertyProblem}`);
      context.report.addViolation({
        ruleName: 'MeshAnalysisValidation properties',
        recommendation: this.propertyProblem,
        fix: `Correct the plugin's properties in cdk8s.yaml (validations[].properties); valid properties: ${VALID_PROPERTIES}.`,
        violatingResources: [{ resourceName: 'cdk8s.yaml', locations: ['validations[].properties'], manifestPath: 'cdk8s.yaml' }],
      });
      context.report.submit('failure', { Objects: '0', Errors: '0', Warnings: '0', Info: '0' });
      return;
    }
    const read = new Map<string, Located[]>();
    const inputProblems: Violation[] = [];
    const names = new Map<string, number>();
    for (const file of context.manifests) {
      const manifests = this.read(file, inputProblems);
      read.set(file, manifests);
      for (const { manifest } of manifests) {
        for (const m of objectsOf(manifest)) {
          const name = typeof m.metadata?.name === 'string' ? m.metadata.name : '';
          names.set(name, (names.get(name) ?? 0) + 1);
        }
      }
    }
    this.sharedNames = new Set([...names].filter(([, n]) => n > 1).map(([name]) => name));
    inputProblems.forEach(v => context.report.addViolation(v));

    // One set per folder with perDirectory; otherwise one set of everything but the stage folders of rollout plans
    // (marked by MirrorRolloutPlan.synth()), each of which is a set of its own in either case.
    const stageFolders = new Map<string, boolean>();
    const isStageFolder = (dir: string) => {
      if (!stageFolders.has(dir)) stageFolders.set(dir, isRegularFile(path.join(dir, ROLLOUT_STAGE_MARKER)));
      return stageFolders.get(dir)!;
    };
    const groups = new Map<string, string[]>();
    for (const file of context.manifests) {
      const dir = path.dirname(file);
      const group = this.perDirectory || isStageFolder(dir) ? dir : '';
      const list = groups.get(group) ?? [];
      list.push(file);
      groups.set(group, list);
    }
    const findings: Finding[] = [];
    let objects = 0;
    for (const files of groups.values()) {
      objects += this.analyzeSet(context, files.map(file => [file, read.get(file)!]), findings);
    }

    const count = (level: FindingLevel) => String(findings.filter(f => f.level === level).length);
    context.report.submit(inputProblems.length > 0 || findings.some(f => this.fails(f)) ? 'failure' : 'success', {
      Objects: String(objects),
      Errors: count(FindingLevel.ERROR),
      Warnings: count(FindingLevel.WARNING),
      Info: count(FindingLevel.INFO),
    });
  }

  /** Analyzes the manifests of `files` as one set, reports the findings, appends them to `all`; returns the object count. */
  private analyzeSet(context: ValidationContextLike, files: Array<[string, Located[]]>, all: Finding[]): number {
    const manifests: any[] = [];
    // `Kind|namespace|name` -> the manifest files that define the object.
    const definedIn = new Map<string, string[]>();
    for (const [file, located] of files) {
      for (const { manifest: m } of located) {
        manifests.push(m);
        const key = this.key(m.kind, m.metadata?.namespace, m.metadata?.name);
        const list = definedIn.get(key) ?? [];
        list.push(file);
        definedIn.set(key, list);
      }
    }
    const findings = MeshAnalyzer.analyze(manifests, { defaultNamespace: this.defaultNamespace, implementation: this.implementation });
    for (const f of findings) {
      if (!this.fails(f)) {
        context.logger.log(shorten(MeshAnalyzer.formatFinding(f)));
        continue;
      }
      // istioctl's message name and the one-line fix of the code, from the analyzer's catalogue.
      const rule = codeInfo(f.code);
      const location = SPEC_LOCATION.exec(f.message)?.[1];
      const object = shorten(`${f.kind} ${f.namespace}/${f.name}`);
      context.report.addViolation({
        ruleName: rule ? `${f.code} ${rule.name}` : f.code,
        recommendation: shorten(`${f.level} ${f.kind} ${f.namespace}/${f.name}: ${f.message}`),
        fix: rule?.fix ?? 'See the recommendation.',
        violatingResources: [{
          // The name is what the cdk8s CLI looks the construct path up by; a name several objects share would find
          // another object's construct, so such an object is named in full (no construct path rather than a wrong one).
          resourceName: this.sharedNames.has(f.name) ? object : shorten(f.name),
          locations: [`${object}${location ? ` spec.${location}` : ''}`],
          // The analyzer analyzes the last definition of an object given more than once (TM0006).
          manifestPath: definedIn.get(this.key(f.kind, f.namespace, f.name))?.slice(-1)[0] ?? 'N/A',
        }],
      });
    }
    for (const f of findings) all.push(f);
    return manifests.length;
  }

  /**
   * The manifests of a file, read as the `analyze` command reads them; what cannot be read (the file, or documents of
   * it that are not Kubernetes objects) is added to `problems` as a violation naming the file and line.
   */
  private read(file: string, problems: Violation[]): Located[] {
    const violation = (message: string, line?: number): Violation => ({
      ruleName: 'MeshAnalysisValidation input',
      recommendation: shorten(message),
      fix: 'Correct the manifest (kubectl apply cannot read it either), or remove it from the output.',
      violatingResources: [{ resourceName: path.basename(file), locations: [line !== undefined ? `line ${line}` : 'file'], manifestPath: file }],
    });
    try {
      const input = readInput([file]);
      for (const p of input.problems) problems.push(violation(formatProblem(p), p.line));
      return input.manifests;
    } catch (e) {
      if (!(e instanceof UnreadableInput)) throw e;
      problems.push(violation(e.message));
      return [];
    }
  }

  private fails(f: Finding): boolean {
    return f.level === FindingLevel.ERROR || (this.failOnWarnings && f.level === FindingLevel.WARNING);
  }

  private key(kind: unknown, namespace: unknown, name: unknown): string {
    const ns = typeof namespace === 'string' && namespace ? namespace : this.defaultNamespace;
    return `${String(kind)}|${ns}|${String(name)}`;
  }
}

/** A manifest and, for a List, its items (nested Lists too): the objects whose names the report looks up. */
function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function objectsOf(manifest: any): any[] {
  if (typeof manifest?.kind === 'string' && manifest.kind.endsWith('List') && Array.isArray(manifest.items)) {
    return manifest.items.filter((i: any) => i !== null && typeof i === 'object').flatMap(objectsOf);
  }
  return [manifest];
}

/** The properties the plugin takes, with their type: what `propertyProblem` accepts. */
const PROPERTIES: Record<string, 'boolean' | 'string'> = {
  failOnWarnings: 'boolean', perDirectory: 'boolean', defaultNamespace: 'string', implementation: 'string',
};
const VALID_PROPERTIES = Object.entries(PROPERTIES).map(([k, t]) => `${k} (${t})`).join(', ');

/** A namespace name: an RFC 1123 label (k8s.io/apimachinery `validation.IsDNS1123Label`, which `ValidateNamespaceName` uses). */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Why the properties are invalid: properties the plugin does not know, of the wrong type, or a `defaultNamespace` that
 * is no namespace name; undefined when they are valid. The cdk8s CLI passes `properties` from cdk8s.yaml as written, so
 * a typo would otherwise be silently ignored (and `failOnWarnings: "yes"` would not fail), and objects would be
 * analyzed in a namespace that cannot exist.
 */
function propertyProblem(properties: any): string | undefined {
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) {
    return `MeshAnalysisValidation properties must be a mapping, got ${shorten(String(JSON.stringify(properties)))}; valid properties: ${VALID_PROPERTIES}`;
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    const type = Object.prototype.hasOwnProperty.call(PROPERTIES, key) ? PROPERTIES[key] : undefined;
    const shown = shorten(String(JSON.stringify(value)));
    if (type === undefined) {
      const near = Object.keys(PROPERTIES).find(k => k.toLowerCase() === key.toLowerCase() || closeTo(k.toLowerCase(), key.toLowerCase()));
      problems.push(`unknown property "${shorten(key)}"${near ? ` (did you mean "${near}"?)` : ''}`);
    } else if (typeof value !== type || (type === 'string' && value === '')) {
      problems.push(`property "${key}" must be a ${type === 'string' ? 'non-empty string' : 'boolean (true or false, unquoted)'}, got ${shown}`);
    } else if (key === 'defaultNamespace' && ((value as string).length > 63 || !DNS1123_LABEL.test(value as string))) {
      problems.push(`property "defaultNamespace" must be a namespace name (at most 63 lowercase letters, digits and "-", starting and ending `
        + `with a letter or digit, e.g. "default" or "team-a"), got ${shown}`);
    } else if (key === 'implementation') {
      const choice = parseImplementation(value as string);
      if (typeof choice === 'string') problems.push(`property "implementation": ${choice}`);
    }
  }
  if (problems.length === 0) return undefined;
  return `MeshAnalysisValidation (cdk8s.yaml validations[].properties): ${problems.join('; ')}. Valid properties: ${VALID_PROPERTIES}.`;
}

/** Whether two names are at most two edits apart (Levenshtein), for "did you mean". */
function closeTo(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] <= 2;
}
