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
 * All manifests are analyzed as one set, as `kubectl apply -R -f dist/` would apply them. When the output holds
 * alternative sets instead (e.g. one folder per stage of a rollout plan), `perDirectory: true` analyzes the manifests
 * of each directory on their own; an object defined in several manifests is logged as a hint.
 *
 * The module runs inside the cdk8s CLI during every synth, so it loads only the analyzer (no cdk8s, no cdk8s-plus).
 * Manifests are read with `read-manifests.ts`, as `kubectl apply -f` reads them (YAML 1.1), not with the cdk8s CLI's
 * `context.parseManifest` (YAML 1.2), so that the plugin and the `analyze` command see what kubectl applies.
 *
 * Properties are checked when the plugin is created: a misspelt one (`perDirectry`) or one of the wrong type
 * (`failOnWarnings: "yes"`) fails the synth with the list of valid properties, instead of being ignored.
 */
import * as fs from 'fs';
import * as path from 'path';
import { codeInfo } from '../analysis/catalogue';
import type { Finding } from '../analysis/mesh-analyzer';
import { FindingLevel, MeshAnalyzer } from '../analysis/mesh-analyzer';
import { parseManifests } from '../analysis/read-manifests';
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
   * Analyze the manifests of each directory as a separate set (alternative deployments, such as the stages of a
   * rollout plan in `dist/plan/<stage>/`), instead of all manifests together.
   *
   * @default false
   */
  readonly perDirectory?: boolean;
  /**
   * Namespace of manifests without `metadata.namespace`.
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

  constructor(properties: MeshAnalysisValidationProperties = {}) {
    checkProperties(properties);
    this.failOnWarnings = properties.failOnWarnings === true;
    this.perDirectory = properties.perDirectory === true;
    this.defaultNamespace = properties.defaultNamespace ?? 'default';
    this.implementation = properties.implementation;
  }

  public async validate(context: ValidationContextLike): Promise<void> {
    const groups = new Map<string, string[]>();
    for (const file of context.manifests) {
      const group = this.perDirectory ? path.dirname(file) : '';
      const list = groups.get(group) ?? [];
      list.push(file);
      groups.set(group, list);
    }
    const findings: Finding[] = [];
    let objects = 0;
    for (const files of groups.values()) {
      objects += this.analyzeSet(context, files, findings);
    }

    const count = (level: FindingLevel) => String(findings.filter(f => f.level === level).length);
    context.report.submit(findings.some(f => this.fails(f)) ? 'failure' : 'success', {
      Objects: String(objects),
      Errors: count(FindingLevel.ERROR),
      Warnings: count(FindingLevel.WARNING),
      Info: count(FindingLevel.INFO),
    });
  }

  /** Analyzes the manifests of `files` as one set, reports the findings, appends them to `all`; returns the object count. */
  private analyzeSet(context: ValidationContextLike, files: string[], all: Finding[]): number {
    const manifests: any[] = [];
    // `Kind|namespace|name` -> the manifest files that define the object.
    const definedIn = new Map<string, string[]>();
    for (const file of files) {
      for (const m of this.read(file)) {
        if (m === null || typeof m !== 'object') continue;
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
        context.logger.log(MeshAnalyzer.formatFinding(f));
        continue;
      }
      // istioctl's message name and the one-line fix of the code, from the analyzer's catalogue.
      const rule = codeInfo(f.code);
      const location = SPEC_LOCATION.exec(f.message)?.[1];
      context.report.addViolation({
        ruleName: rule ? `${f.code} ${rule.name}` : f.code,
        recommendation: `${f.level} ${f.kind} ${f.namespace}/${f.name}: ${f.message}`,
        fix: rule?.fix ?? 'See the recommendation.',
        violatingResources: [{
          resourceName: f.name,
          locations: [`${f.kind} ${f.namespace}/${f.name}${location ? ` spec.${location}` : ''}`],
          // The analyzer analyzes the last definition of an object given more than once (TM0006).
          manifestPath: definedIn.get(this.key(f.kind, f.namespace, f.name))?.slice(-1)[0] ?? 'N/A',
        }],
      });
    }
    for (const f of findings) all.push(f);
    return manifests.length;
  }

  /** The manifests of a file; a file kubectl could not read fails the validation with one line naming it. */
  private read(file: string): any[] {
    try {
      return parseManifests(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`MeshAnalysisValidation: cannot read ${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
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

/** The properties the plugin takes, with their type: what `checkProperties` accepts. */
const PROPERTIES: Record<string, 'boolean' | 'string'> = {
  failOnWarnings: 'boolean', perDirectory: 'boolean', defaultNamespace: 'string', implementation: 'string',
};

/**
 * Throws for properties the plugin does not know, or of the wrong type. The cdk8s CLI passes `properties` from
 * cdk8s.yaml as written, so a typo would otherwise be silently ignored (and `failOnWarnings: "yes"` would not fail).
 */
function checkProperties(properties: any): void {
  const valid = Object.entries(PROPERTIES).map(([k, t]) => `${k} (${t})`).join(', ');
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) {
    throw new Error(`MeshAnalysisValidation properties must be a mapping, got ${JSON.stringify(properties)}; valid properties: ${valid}`);
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    const type = Object.prototype.hasOwnProperty.call(PROPERTIES, key) ? PROPERTIES[key] : undefined;
    if (type === undefined) {
      const near = Object.keys(PROPERTIES).find(k => k.toLowerCase() === key.toLowerCase() || closeTo(k.toLowerCase(), key.toLowerCase()));
      problems.push(`unknown property "${key}"${near ? ` (did you mean "${near}"?)` : ''}`);
    } else if (typeof value !== type || (type === 'string' && value === '')) {
      problems.push(`property "${key}" must be a ${type === 'string' ? 'non-empty string' : 'boolean (true or false, unquoted)'}, got ${JSON.stringify(value)}`);
    } else if (key === 'implementation') {
      const choice = parseImplementation(value as string);
      if (typeof choice === 'string') problems.push(`property "implementation": ${choice}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`MeshAnalysisValidation (cdk8s.yaml validations[].properties): ${problems.join('; ')}. Valid properties: ${valid}.`);
  }
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
