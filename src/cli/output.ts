/**
 * The CLI's output formats besides the one-line log: istioctl's `-o json` / `-o yaml` and SARIF 2.1.0. Not part of
 * the jsii API.
 *
 * istioctl's JSON and YAML are a list of `diag.Message.Unstructured(true)`: `code`, `documentationUrl`, `level`,
 * `message`, `origin` (`<Kind> <namespace>/<name>`, `Origin.FriendlyName`) and `reference` (`<file>:<line>` of the
 * object, `Position.String`, where the object's file is known), keys in that (sorted) order as Go marshals a map.
 */
import { stringify } from 'yaml';
import { codeInfo } from '../analysis/catalogue';
import type { Finding } from '../analysis/mesh-analyzer';

/** Where an object was read from. */
export interface Position {
  readonly file: string;
  readonly line: number;
}

/** The README section that describes this library's TM codes, which have no istio.io page. */
export const TM_DOCS = 'https://github.com/cdk8s-traffic-mirror/cdk8s-traffic-mirror#mesh-analysis';
const INFORMATION_URI = 'https://github.com/cdk8s-traffic-mirror/cdk8s-traffic-mirror';

/** `<Kind> <namespace>/<name>`: istioctl's `FriendlyName`, what `--suppress` matches. */
export function origin(f: Finding): string {
  return `${f.kind} ${f.namespace}/${f.name}`;
}

/** Longest run of non-space characters printed as it is; longer ones (a 20 MB host or name) are cut. */
export const MAX_WORD = 200;

/**
 * `text` with every run of more than {@link MAX_WORD} non-space characters cut to its first 100 and a count of the rest
 * (`aaaa… [19999900 more characters]`): findings quote the values they are about, and a value of the input can be
 * megabytes long. What a finding is about stays recognizable, and each line stays a line.
 */
export function shorten(text: string): string {
  if (text.length <= MAX_WORD) return text;
  // A scan, not a regular expression: V8's regexp engine overflows its stack on a run of millions of characters.
  const parts: string[] = [];
  let start = 0;
  let word = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      if (i - word > MAX_WORD) {
        parts.push(text.slice(start, word + 100), `… [${i - word - 100} more characters]`);
        start = i;
      }
      word = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.join('');
}

/** The object identity the CLI records positions under. */
export function positionKey(kind: string, namespace: string, name: string): string {
  return `${kind}|${namespace}|${name}`;
}

function documentationUrl(code: string): string {
  return codeInfo(code)?.url ?? TM_DOCS;
}

/** istioctl's `Unstructured(true)` for each finding. */
export function istioctlMessages(findings: Finding[], positions: ReadonlyMap<string, Position>): object[] {
  return findings.map(f => {
    const at = positions.get(positionKey(f.kind, f.namespace, f.name));
    // Position.String: istioctl gives no line for .json files ("TODO: support json file position").
    const reference = at ? (at.file.toLowerCase().endsWith('.json') ? at.file : `${at.file}:${at.line}`) : undefined;
    return {
      code: f.code,
      documentationUrl: documentationUrl(f.code),
      level: f.level,
      message: shorten(f.message),
      origin: shorten(origin(f)),
      ...(reference !== undefined ? { reference } : {}),
    };
  });
}

export function formatJson(findings: Finding[], positions: ReadonlyMap<string, Position>): string {
  return `${JSON.stringify(istioctlMessages(findings, positions), undefined, 2)}\n`;
}

export function formatYaml(findings: Finding[], positions: ReadonlyMap<string, Position>): string {
  const messages = istioctlMessages(findings, positions);
  return messages.length === 0 ? '[]\n' : stringify(messages, { lineWidth: 0 });
}

const SARIF_LEVEL: Record<string, string> = { Error: 'error', Warning: 'warning', Info: 'note' };

/**
 * SARIF 2.1.0: one rule per code that occurs (id, istioctl's name, the one-line fix, the documentation page, the level),
 * one result per finding with the file and line of the object (`physicalLocation`) and its `Kind namespace/name`
 * (`logicalLocations`).
 */
export function formatSarif(findings: Finding[], positions: ReadonlyMap<string, Position>): string {
  const codes = [...new Set(findings.map(f => f.code))].sort();
  const rules = codes.map(code => {
    const info = codeInfo(code);
    return {
      id: code,
      name: info?.name ?? code,
      shortDescription: { text: info?.name ?? code },
      fullDescription: { text: info?.fix ?? code },
      helpUri: documentationUrl(code),
      defaultConfiguration: { level: SARIF_LEVEL[info?.level ?? 'Warning'] },
    };
  });
  const results = findings.map(f => {
    const at = positions.get(positionKey(f.kind, f.namespace, f.name));
    return {
      ruleId: f.code,
      ruleIndex: codes.indexOf(f.code),
      level: SARIF_LEVEL[f.level],
      message: { text: shorten(f.message) },
      locations: [{
        ...(at ? { physicalLocation: { artifactLocation: { uri: toUri(at.file) }, region: { startLine: at.line } } } : {}),
        logicalLocations: [{ fullyQualifiedName: shorten(origin(f)), kind: 'resource' }],
      }],
    };
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'cdk8s-traffic-mirror', informationUri: INFORMATION_URI, rules } }, results }],
  };
  return `${JSON.stringify(log, undefined, 2)}\n`;
}

/** A relative path as a URI reference (forward slashes, each segment percent-encoded). */
function toUri(file: string): string {
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}
