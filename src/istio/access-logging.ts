import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as telemetry from '../../imports/telemetry.istio.io';
import { addCheck, AppIndex, changed, objectKey } from '../core/app-index';
import { IServiceVersion } from '../core/references';
import { checkDnsSubdomain, checkLabelValue, fail } from '../core/validate';

/**
 * Properties of an `AccessLogging`.
 */
export interface AccessLoggingProps {
  /**
   * The versions whose sidecars log every request they handle (more can be added with `addVersion()`).
   *
   * @default - none: call `addVersion()` before synthesis
   */
  readonly versions?: IServiceVersion[];
  /**
   * The access log providers, by the names of `meshConfig.extensionProviders`. Istio's built-in `envoy` provider writes
   * Envoy's text log to the sidecar's standard output, where `kubectl logs <pod> -c istio-proxy` reads it.
   *
   * @default ['envoy']
   */
  readonly providers?: string[];
}

/**
 * Turns on Envoy access logs for chosen versions, with Istio's Telemetry API: one `telemetry.istio.io/v1` Telemetry per
 * version, in the version's namespace, selecting its pods by `app` and `version`.
 *
 * Mirrored requests are checked in the mirrored version's logs; its sidecar logs them (with the copy's authority, which
 * tells copies apart up to Istio 1.27) only when access logging is on, and a mesh-wide `meshConfig.accessLogFile`
 * logs every workload. This turns it on for the versions listed, and nothing else.
 *
 * Why a construct of its own rather than a prop of `MeshService` or of a route: access logging belongs to workloads,
 * not to routing. A Telemetry selects pods, so it works the same whichever API routes to them (Istio or the Gateway
 * API, which Istio both programs into the same sidecars), and for versions behind a service defined elsewhere.
 *
 * Why one Telemetry per version: a Telemetry's `selector` is one set of labels that a pod must all carry, so it cannot
 * select two versions, and it selects only pods of the Telemetry's own namespace. The selector is `{app, version}`,
 * exactly what the version's Deployment selects, so it matches the version's pods and no other's. Istio applies only one
 * workload-selecting Telemetry to a pod and ignores the others, so listing a version in two `AccessLogging`s is an error.
 *
 * The Telemetry is named `<app>-<version>-access-logs`. `telemetry.istio.io/v1` is served from Istio 1.22 on. A
 * `selector` applies to sidecars, not to ambient mode's ztunnel or waypoints.
 *
 * @see https://istio.io/latest/docs/tasks/observability/logs/access-log/
 * @see https://istio.io/latest/docs/reference/config/telemetry/
 *
 * @example
 * new AccessLogging(chart, 'v2-logs', { versions: [v2] });
 */
export class AccessLogging extends Construct {
  /** The access log providers of every Telemetry. */
  public readonly providers: string[];
  private readonly entries: Array<{ version: IServiceVersion; telemetry: telemetry.Telemetry; key: string }> = [];

  /**
   * Defines an `AccessLogging` (writes one Telemetry per version).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (it does not name the Telemetry objects)
   * @param props the versions and the providers; all optional
   */
  constructor(scope: Construct, id: string, props: AccessLoggingProps = {}) {
    super(scope, id);
    const providers = props.providers ?? ['envoy'];
    if (providers.length === 0) {
      // An empty list means the mesh's default access log providers, which are none unless meshConfig sets them.
      fail(this, 'providers must name at least one access log provider, e.g. "envoy" (Istio\'s built-in provider, logging to the sidecar\'s stdout)');
    }
    for (const p of providers) {
      if (typeof p !== 'string' || p.trim() === '' || p !== p.trim()) {
        fail(this, `providers must be names of meshConfig.extensionProviders such as "envoy", got ${JSON.stringify(p)}`);
      }
    }
    if (new Set(providers).size !== providers.length) {
      fail(this, `providers lists a provider twice (${providers.join(', ')}): each provider writes one log line per request`);
    }
    this.providers = [...providers];
    for (const version of props.versions ?? []) {
      this.addVersion(version);
    }
    addCheck(this, () => this.problems());
  }

  /**
   * Turns on access logging for one more version: writes a Telemetry named `<app>-<version>-access-logs` in the
   * version's namespace.
   *
   * @param version a `ServiceVersion` (or any `IServiceVersion`)
   */
  public addVersion(version: IServiceVersion): void {
    const app = checkLabelValue(this, 'the version\'s app label', version.app);
    const label = checkLabelValue(this, 'the version\'s version label', version.version);
    const namespace = version.namespace;
    const chartNamespace = Chart.of(this).namespace;
    if (namespace === undefined && chartNamespace !== undefined) {
      // cdk8s would write the chart's namespace on the Telemetry, and a selector only selects pods of its own namespace.
      fail(this, `version ${app}/${label} has no namespace, but this chart's namespace ${JSON.stringify(chartNamespace)} would be written on `
        + 'its Telemetry, which then selects no pod of the version: give the version its namespace, or define this AccessLogging in a chart '
        + 'without one');
    }
    if (this.entries.some(e => e.version.app === app && e.version.version === label && (e.version.namespace ?? 'default') === (namespace ?? 'default'))) {
      fail(this, `version ${app}/${label} is listed twice: each version gets one Telemetry`);
    }
    const name = `${app}-${label}-access-logs`;
    checkDnsSubdomain(this, `the Telemetry of version ${app}/${label} is named <app>-<version>-access-logs, but that name`, name);
    // Telemetry names always end in -access-logs and namespaces have no dot, so the id is unique per namespace and name.
    const id = namespace === undefined ? name : `${name}.${namespace}`;
    const resource = new telemetry.Telemetry(this, id, {
      metadata: { name, namespace },
      spec: {
        selector: { matchLabels: { app, version: label } },
        accessLogging: [{ providers: this.providers.map(p => ({ name: p })) }],
      },
    });
    const key = objectKey(telemetry.Telemetry.GVK.apiVersion, telemetry.Telemetry.GVK.kind, namespace, name);
    AppIndex.of(this).claim(key, this);
    this.entries.push({ version, telemetry: resource, key });
    changed();
  }

  /** The Telemetry objects, one per version, in the order the versions were added (a copy). */
  public get telemetries(): telemetry.Telemetry[] {
    return this.entries.map(e => e.telemetry);
  }

  /** The synth-time problems (not `validate()`: constructs before 10.3 reject a construct with a method of that name). */
  private problems(): string[] {
    if (this.entries.length === 0) {
      return ['AccessLogging lists no versions: pass versions or call addVersion(), or it writes nothing'];
    }
    const index = AppIndex.of(this);
    return this.entries.flatMap(({ version, telemetry: t, key }) => {
      // A Telemetry selects pods: for a version without any, its access logs stay empty and no copy is ever seen.
      if (version.hasPods === false) {
        return [`version ${version.app}/${version.version} has no pods (0 replicas), so its Telemetry ${t.name} selects nothing and no log `
          + 'line (nor mirrored copy) will ever show: deploy the version (replicas above 0) or drop it from the AccessLogging'];
      }
      const others = index.owners(key).filter(o => o !== this);
      return others.length === 0 ? [] : [`version ${version.app}/${version.version} gets access logging here and from `
        + `${others.map(o => o.node.path).join(', ')}: both write the Telemetry ${t.metadata.namespace ?? 'default'}/${t.name}, and Istio `
        + 'applies only one workload Telemetry per pod: list the version in one AccessLogging'];
    });
  }
}
