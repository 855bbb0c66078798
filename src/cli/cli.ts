#!/usr/bin/env node
/**
 * `cdk8s-traffic-mirror analyze <file-or-dir>... [options]`: runs `MeshAnalyzer` over manifest files, with the options
 * and output formats of `istioctl analyze` that make sense offline. Exit statuses are listed in `USAGE`.
 *
 * Not part of the jsii API (not exported from index.ts): it is the package's `bin` entry.
 */
import { CATALOGUE } from '../analysis/catalogue';
import { FindingLevel, MeshAnalyzer } from '../analysis/mesh-analyzer';
import { parseImplementation } from '../gateway-api/rules/implementations';
import { formatProblem, readInput, UnreadableInput } from './input';
import { formatJson, formatSarif, formatYaml, origin, Position, positionKey, shorten } from './output';

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The exit statuses of the CLI. */
export const EXIT = {
  /** No finding at or above the failure threshold. */
  OK: 0,
  /** At least one finding at or above the failure threshold. */
  FINDINGS: 1,
  /** Bad usage: unknown command or option, bad option value. */
  USAGE: 2,
  /**
   * An input path that cannot be read: missing, without read permission, not a regular file (a FIFO, a device), larger
   * than the size limit, or a directory without manifest files.
   */
  UNREADABLE: 3,
  /** Input that is not Kubernetes manifests (syntax error, binary, not UTF-8, ...), unless --ignore-unknown. */
  NOT_MANIFESTS: 4,
  /** The input holds no Kubernetes object at all. */
  NO_OBJECTS: 5,
  /** A bug of this tool (it prints one line and exits instead of a stack trace). */
  INTERNAL: 70,
} as const;

const USAGE = `Usage: cdk8s-traffic-mirror analyze <file-or-dir>... [options]

Analyzes Kubernetes and Istio manifests for traffic mirroring that would fail silently,
with istioctl analyze codes (IST0101, ...) and this library's TM codes.

  <file-or-dir>               YAML or JSON manifest files (multi-document); directories are searched
                              recursively for *.yaml, *.yml and *.json files (not construct-metadata.json),
                              in sorted order, and everything is analyzed as one set
  -o, --output <format>       log (default): one line per finding, "<code> <level> <Kind> <namespace>/<name>: <message>";
                              json, yaml: istioctl's list of {code, documentationUrl, level, message, origin, reference};
                              sarif: SARIF 2.1.0 with the file and line of each finding
  --json                      the same as -o json
  -S, --suppress <CODE=Kind namespace/name>
                              do not report CODE on that object; "*" matches any text ("IST0118=Service *",
                              "TM0002=VirtualService prod/*"); istioctl's form "Kind name.namespace" works too;
                              can be repeated
  --failure-threshold <level> Info, Warning or Error (default): the lowest level that makes the exit status 1
  --output-threshold <level>  Info (default), Warning or Error: the lowest level printed
  --ignore-unknown            skip documents that are not Kubernetes objects instead of failing with status 4
  --implementation <NAME[@VERSION]>
                              the Gateway API implementation that runs every HTTPRoute (istio, envoy-gateway,
                              nginx-gateway-fabric, kgateway, contour, cilium, gke, linkerd, kong, traefik), e.g.
                              contour@1.33: mirrors it lacks are TM0200 errors; default: each Gateway's
                              well-known gatewayClassName (istio, eg, nginx, kgateway, contour, cilium, gke-l7-*,
                              kong, traefik), else the advice TM0204
  -h, --help                  print this help

Files are read only when they are regular files of at most 128 MiB; other entries of a directory with a
manifest file name (FIFOs, devices, sockets) are skipped with a warning.

Exit status: 0 no finding at or above the failure threshold; 1 at least one; 2 bad usage; 3 an input path
that cannot be read (missing, no permission, not a regular file, over 128 MiB, or a directory without
manifest files); 4 input that is not Kubernetes manifests
(YAML syntax error, too deeply nested, excessive aliasing, binary or non-UTF-8 file, a document or an
item of a List that is a scalar or a list or has no apiVersion/kind) unless --ignore-unknown; 5 no Kubernetes object in the input;
70 an internal error. Findings decide before 4 and 5, as in istioctl.
`;

const LEVELS: Record<string, FindingLevel> = { info: FindingLevel.INFO, warning: FindingLevel.WARNING, error: FindingLevel.ERROR };
const RANK: Record<string, number> = { [FindingLevel.INFO]: 0, [FindingLevel.WARNING]: 1, [FindingLevel.ERROR]: 2 };
const FORMATS = ['log', 'json', 'yaml', 'sarif'];

/** Thrown for bad usage (status 2). */
class UsageError extends Error {}

interface Options {
  readonly inputs: string[];
  readonly format: string;
  readonly suppress: Array<{ code: string; pattern: RegExp }>;
  readonly failureThreshold: FindingLevel;
  readonly outputThreshold: FindingLevel;
  readonly ignoreUnknown: boolean;
  readonly implementation?: string;
  readonly warnings: string[];
}

/**
 * Runs the CLI with `argv` (the arguments after the program name) and returns the exit status.
 */
export function runCli(argv: string[], io: CliIo = { out: s => process.stdout.write(s), err: s => process.stderr.write(s) }): number {
  try {
    return run(argv, io);
  } catch (e) {
    // Whatever the input, one line and a defined status, never a stack trace.
    io.err(`error: internal error: ${e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e)}\n`);
    return EXIT.INTERNAL;
  }
}

function run(argv: string[], io: CliIo): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    io.out(USAGE);
    return EXIT.OK;
  }
  const [command, ...rest] = argv;
  if (command !== 'analyze') {
    io.err(command === undefined ? USAGE : `error: unknown command "${command}" (expected "analyze")\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  let options: Options;
  try {
    options = parseOptions(rest);
  } catch (e) {
    io.err(`error: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  options.warnings.forEach(w => io.err(`warning: ${w}\n`));

  let input;
  try {
    input = readInput(options.inputs);
  } catch (e) {
    if (!(e instanceof UnreadableInput)) throw e;
    io.err(`error: ${e.message}\n`);
    return EXIT.UNREADABLE;
  }
  for (const s of input.skipped) io.err(`warning: ${s}\n`);
  for (const p of input.problems) {
    io.err(`${options.ignoreUnknown ? 'warning' : 'error'}: ${shorten(formatProblem(p))}\n`);
  }

  const positions = new Map<string, Position>();
  const manifests: any[] = [];
  for (const { manifest, file, line } of input.manifests) {
    manifests.push(manifest);
    const ns = typeof manifest.metadata?.namespace === 'string' && manifest.metadata.namespace ? manifest.metadata.namespace : 'default';
    const name = typeof manifest.metadata?.name === 'string' ? manifest.metadata.name : '';
    // The last definition is the one analyzed (TM0006), so the last position wins.
    positions.set(positionKey(manifest.kind, ns, name), { file, line });
    if (typeof manifest.kind === 'string' && manifest.kind.endsWith('List') && Array.isArray(manifest.items)) {
      for (const item of manifest.items) {
        if (item === null || typeof item !== 'object') continue;
        const itemNs = typeof item.metadata?.namespace === 'string' && item.metadata.namespace ? item.metadata.namespace : 'default';
        positions.set(positionKey(item.kind, itemNs, String(item.metadata?.name ?? '')), { file, line });
      }
    }
  }

  const all = MeshAnalyzer.analyze(manifests, { implementation: options.implementation });
  const findings = all.filter(f => !options.suppress.some(s => s.code === f.code && s.pattern.test(origin(f))));
  const shown = findings.filter(f => RANK[f.level] >= RANK[options.outputThreshold]);
  switch (options.format) {
    case 'json': io.out(formatJson(shown, positions)); break;
    case 'yaml': io.out(formatYaml(shown, positions)); break;
    case 'sarif': io.out(formatSarif(shown, positions)); break;
    default:
      for (const f of shown) io.out(`${shorten(MeshAnalyzer.formatFinding(f))}\n`);
  }
  if (options.format === 'log' && shown.length === 0 && manifests.length > 0) {
    const unread = input.problems.length > 0 ? ` (${input.problems.length} document(s) could not be read)` : '';
    io.err(`No findings in ${manifests.length} objects from ${input.files.length} file(s)${unread}.\n`);
  }

  if (findings.some(f => RANK[f.level] >= RANK[options.failureThreshold])) return EXIT.FINDINGS;
  if (input.problems.length > 0 && !options.ignoreUnknown) {
    io.err(`error: ${input.problems.length} document(s) or file(s) are not Kubernetes manifests; fix them, or pass --ignore-unknown to `
      + 'analyze the rest\n');
    return EXIT.NOT_MANIFESTS;
  }
  if (manifests.length === 0) {
    io.err(`error: no Kubernetes objects in ${input.files.length} file(s)\n`);
    return EXIT.NO_OBJECTS;
  }
  return EXIT.OK;
}

function parseOptions(args: string[]): Options {
  const inputs: string[] = [];
  const suppress: Array<{ code: string; pattern: RegExp }> = [];
  const warnings: string[] = [];
  let format = 'log';
  let failureThreshold = FindingLevel.ERROR;
  let outputThreshold = FindingLevel.INFO;
  let ignoreUnknown = false;
  let implementation: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      if (i + 1 >= args.length) throw new UsageError(`option ${flag} needs a value`);
      return args[++i];
    };
    switch (flag) {
      case '-o':
      case '--output': {
        const v = value().toLowerCase();
        if (!FORMATS.includes(v)) throw new UsageError(`unknown output format "${v}" (expected one of ${FORMATS.join(', ')})`);
        format = v;
        break;
      }
      case '--json':
        format = 'json';
        break;
      case '-S':
      case '--suppress':
        suppress.push(parseSuppression(value(), warnings));
        break;
      case '--failure-threshold':
        failureThreshold = parseLevel(flag, value());
        break;
      case '--output-threshold':
        outputThreshold = parseLevel(flag, value());
        break;
      case '--ignore-unknown':
        ignoreUnknown = true;
        break;
      case '--implementation': {
        const v = value();
        const choice = parseImplementation(v);
        if (typeof choice === 'string') throw new UsageError(`--implementation: ${choice}`);
        implementation = v;
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option "${arg}"`);
        inputs.push(arg);
    }
  }
  if (inputs.length === 0) throw new UsageError('no file or directory to analyze');
  return { inputs, format, suppress, failureThreshold, outputThreshold, ignoreUnknown, implementation, warnings };
}

function parseLevel(flag: string, value: string): FindingLevel {
  const level = LEVELS[value.toLowerCase()];
  if (level === undefined) throw new UsageError(`${flag} must be Info, Warning or Error, got "${value}"`);
  return level;
}

/**
 * `--suppress CODE=RESOURCE` as istioctl parses it (exactly one `=`; an unknown code is a warning, not an error) and
 * matches it (`glob.Glob(resource, FriendlyName)`: `*` matches any text, everything else literally). The resource is
 * matched against `Kind namespace/name`, istioctl's FriendlyName, and against `Kind name.namespace`, the form
 * istioctl's help shows.
 */
function parseSuppression(value: string, warnings: string[]): { code: string; pattern: RegExp } {
  const parts = value.split('=');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new UsageError(`${JSON.stringify(value)} is not a valid suppression value: use CODE=Kind namespace/name, e.g. "IST0118=Service default/web"`);
  }
  const [code, resource] = parts;
  if (!Object.prototype.hasOwnProperty.call(CATALOGUE, code)) {
    warnings.push(`Supplied message code '${code}' is an unknown message code and will not have any effect.`);
  }
  const glob = (s: string) => s.split('*').map(p => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
  const alternative = /^(\S+) ([^/\s]+)\.([^./\s]+)$/.exec(resource);
  const forms = [glob(resource), ...(alternative ? [glob(`${alternative[1]} ${alternative[3]}/${alternative[2]}`)] : [])];
  return { code, pattern: new RegExp(`^(?:${forms.join('|')})$`, 's') };
}

/**
 * Ends the process quietly when the reader of its output goes away (`analyze ... | head`): Node.js ignores SIGPIPE, so
 * the write fails with EPIPE, reported as an 'error' event of the stream, which would otherwise end in an unhandled
 * error and a stack trace. The exit status is the one the run computed (the status of a closed pipe's writer is
 * rarely read; `set -o pipefail` then sees the analysis's result).
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? EXIT.OK);
  });
}

if (require.main === module) {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  process.exitCode = runCli(process.argv.slice(2));
}
