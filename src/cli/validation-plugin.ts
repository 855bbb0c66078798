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
 * The module runs inside the cdk8s CLI during every synth, so it loads only the analyzer (no cdk8s, no cdk8s-plus):
 * manifests are parsed with the CLI's own `context.parseManifest`.
 */
import * as path from 'path';
import type { Finding } from '../analysis/mesh-analyzer';
import { FindingLevel, MeshAnalyzer } from '../analysis/mesh-analyzer';

/** The subset of the cdk8s CLI's `ValidationContext` the plugin uses (cdk8s-cli/lib/plugins/validation.d.ts). */
export interface ValidationContextLike {
  readonly manifests: readonly string[];
  parseManifest(manifestPath: string): any[];
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
}

/** istioctl's message names, and how to fix each finding (the README's "Mesh analysis" table). */
const RULES: { [code: string]: { name: string; fix: string } } = {
  IST0101: { name: 'ReferencedResourceNotFound', fix: 'Create the missing object or correct the reference; use the FQDN for another namespace and the Service port (not the container port).' },
  IST0106: { name: 'SchemaValidationError', fix: 'Correct the value as the recommendation says.' },
  IST0109: { name: 'ConflictingMeshGatewayVirtualServiceHosts', fix: 'Merge the VirtualServices into one, or scope each with exportTo: ["."].' },
  IST0112: { name: 'VirtualServiceDestinationPortSelectorRequired', fix: 'Set port.number on the destination.' },
  IST0118: { name: 'PortNameIsNotUnderNamingConvention', fix: 'Name the port http / http-<suffix> or set appProtocol: http.' },
  IST0132: { name: 'VirtualServiceHostNotFoundInGateway', fix: 'Add the host to a Gateway server, or bind the VirtualService to the right Gateway.' },
  IST0145: { name: 'ConflictingGateways', fix: 'Merge the servers into one Gateway, or use distinct hosts or ports.' },
  IST0162: { name: 'GatewayPortNotDefinedOnService', fix: 'Use one of the Service\'s target ports (the default ingress Service maps 80 to 8080 and 443 to 8443; Istio still serves 80/443 by mapping them, but istioctl warns), or add the port to the Service.' },
  IST0173: { name: 'DestinationRuleSubsetNotSelectPods', fix: 'Fix the subset labels, deploy the version they select, or remove the subset.' },
  IST0174: { name: 'UnknownDestinationRuleHost', fix: 'Fix the spelling, use the FQDN for another namespace, or create a ServiceEntry.' },
  TM0001: { name: 'MirrorToSelf', fix: 'Mirror to the shadow version (another subset or service).' },
  TM0002: { name: 'RouteWeightsNot100', fix: 'Use weights that add up to 100.' },
  TM0003: { name: 'GatewayMirrorWithoutPort', fix: 'Set port.number on the mirror destination to the service port.' },
  TM0004: { name: 'MirrorPercentageWithoutMirror', fix: 'Add the mirror, move the value to mirrors[].percentage, or remove it.' },
  TM0005: { name: 'MirrorPercentageZero', fix: 'Set a value above 0 (100 mirrors every request), or remove the mirror.' },
  TM0006: { name: 'DuplicateObject', fix: 'Remove the copies, or analyze alternative sets (such as the stage folders of a rollout plan) one at a time.' },
};

/** `(http[0].mirror)`, `(servers[1])` in a message: where in the spec the problem is. */
const SPEC_LOCATION = /\(((?:http|tcp|tls|servers)\[\d+\][^)\s]*)\)/;

/**
 * The cdk8s validation plugin: `cdk8s synth` fails on error-level `MeshAnalyzer` findings.
 *
 * Loaded by the cdk8s CLI as `new MeshAnalysisValidation(properties)`, then `await plugin.validate(context)`.
 */
export class MeshAnalysisValidation {
  private readonly failOnWarnings: boolean;
  private readonly perDirectory: boolean;
  private readonly defaultNamespace: string;

  constructor(properties: MeshAnalysisValidationProperties = {}) {
    this.failOnWarnings = properties.failOnWarnings === true;
    this.perDirectory = properties.perDirectory === true;
    this.defaultNamespace = properties.defaultNamespace ?? 'default';
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
      for (const m of context.parseManifest(file)) {
        if (m === null || typeof m !== 'object') continue;
        manifests.push(m);
        const key = this.key(m.kind, m.metadata?.namespace, m.metadata?.name);
        const list = definedIn.get(key) ?? [];
        list.push(file);
        definedIn.set(key, list);
      }
    }
    const findings = MeshAnalyzer.analyze(manifests, { defaultNamespace: this.defaultNamespace });
    for (const f of findings) {
      if (!this.fails(f)) {
        context.logger.log(MeshAnalyzer.formatFinding(f));
        continue;
      }
      const rule = RULES[f.code];
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
    all.push(...findings);
    return manifests.length;
  }

  private fails(f: Finding): boolean {
    return f.level === FindingLevel.ERROR || (this.failOnWarnings && f.level === FindingLevel.WARNING);
  }

  private key(kind: unknown, namespace: unknown, name: unknown): string {
    const ns = typeof namespace === 'string' && namespace ? namespace : this.defaultNamespace;
    return `${String(kind)}|${ns}|${String(name)}`;
  }
}
