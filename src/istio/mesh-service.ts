import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from '../../imports/networking.istio.io';
import { addCheck, AppIndex, changed, claimObjects, objectKey } from '../core/app-index';
import { IMeshService, IServiceVersion } from '../core/references';
import { checkTimeout } from '../core/route-policy';
import {
  checkDnsLabel, checkInteger, checkLabelValue, checkOptionalDnsLabel, checkPort, checkServiceName, fail, INT32_MAX, isDnsLabel, UINT32_MAX,
} from '../core/validate';
import { versionServiceName } from '../gateway-api/rules/backends';
import { istioDuration } from './rules/duration';
import { ISTIO_PROTOCOLS, protocolFromPortName, WELL_KNOWN_TCP_PORTS } from './rules/protocols';

/**
 * How the sidecars of a service's clients talk TLS to it.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings-TLSmode
 */
export enum ClientTlsMode {
  /** Plain text. */
  DISABLE = 'DISABLE',
  /** TLS to the upstream, verifying its certificate. */
  SIMPLE = 'SIMPLE',
  /** Mutual TLS with client certificates you provide. */
  MUTUAL = 'MUTUAL',
  /** Mutual TLS with the certificates Istio issues to every workload. */
  ISTIO_MUTUAL = 'ISTIO_MUTUAL',
}

/**
 * Limits on connections and requests to each pod of the service.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
 */
export interface ConnectionPoolOptions {
  /**
   * Maximum number of TCP connections to a pod.
   *
   * @default - Istio's default (2^32-1)
   */
  readonly maxConnections?: number;
  /**
   * TCP connect timeout, a whole number of milliseconds (e.g. `Duration.millis(250)`).
   *
   * @default - Istio's default (10s)
   */
  readonly connectTimeout?: Duration;
  /**
   * Maximum number of requests queued while waiting for a connection.
   *
   * @default - Istio's default (2^32-1)
   */
  readonly http1MaxPendingRequests?: number;
  /**
   * Maximum number of concurrent requests to the service.
   *
   * @default - Istio's default (2^32-1)
   */
  readonly http2MaxRequests?: number;
  /**
   * Maximum number of requests per connection; 1 disables keep-alive.
   *
   * @default - unlimited
   */
  readonly maxRequestsPerConnection?: number;
}

/**
 * Ejection of pods that keep failing from the load-balancing pool (circuit breaking).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 */
export interface OutlierDetectionOptions {
  /**
   * Number of consecutive 5xx errors before a pod is ejected.
   *
   * @default 5
   */
  readonly consecutive5xxErrors?: number;
  /**
   * Time between ejection sweeps, a whole number of milliseconds of at least 1ms.
   *
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;
  /**
   * Minimum ejection duration, a whole number of milliseconds of at least 1ms.
   *
   * @default Duration.seconds(30)
   */
  readonly baseEjectionTime?: Duration;
  /**
   * Maximum percentage of pods that may be ejected: a whole number between 0 and 100 (an int32 in Istio's API).
   *
   * @default 10
   */
  readonly maxEjectionPercent?: number;
}

/**
 * The DestinationRule traffic policy applied to every subset of the service.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy
 */
export interface TrafficPolicyOptions {
  /**
   * TLS mode of the clients' sidecars towards the service.
   *
   * @default - no TLS settings: Istio's automatic mutual TLS applies
   */
  readonly tlsMode?: ClientTlsMode;
  /**
   * Connection pool limits.
   *
   * @default - none
   */
  readonly connectionPool?: ConnectionPoolOptions;
  /**
   * Outlier detection.
   *
   * @default - none
   */
  readonly outlierDetection?: OutlierDetectionOptions;
}

/**
 * One port of a mesh service.
 */
export interface MeshServicePortOptions {
  /**
   * The port's name, which tells Istio its protocol: `<protocol>[-<suffix>]` with a protocol Istio knows
   * (`http`, `http2`, `https`, `grpc`, `grpc-web`, `mongo`, `mysql`, `redis`, `tcp`, `tls`, `udp`), e.g. `http`
   * or `grpc-api`; any name on a port Istio treats as TCP by number (25, 53, 3306, 27017). Without it Istio treats
   * HTTP as opaque TCP and cannot route or mirror it.
   */
  readonly name: string;
  /**
   * The port the Service exposes, and that routes name as their destination port.
   */
  readonly port: number;
  /**
   * The container port the Service forwards to.
   *
   * @default - the versions' `containerPort` when this is the only port, else the same as `port`
   */
  readonly targetPort?: number;
}

/**
 * Properties of a `MeshService`.
 */
export interface MeshServiceProps {
  /**
   * The `app` label the Service selects.
   *
   * @default - the `app` of the versions passed in `versions`
   */
  readonly app?: string;
  /**
   * The Service and DestinationRule name, and so the host routes address.
   *
   * @default - the app name
   */
  readonly name?: string;
  /**
   * The namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The port of a single-port service. Use `ports` for several.
   *
   * @default 80
   */
  readonly port?: number;
  /**
   * The name of the single port, with Istio's protocol prefix.
   *
   * @default 'http'
   */
  readonly portName?: string;
  /**
   * The container port the single port forwards to.
   *
   * @default - the versions' `containerPort`, else `port`
   */
  readonly targetPort?: number;
  /**
   * Every port of a multi-port service; mutually exclusive with `port`, `portName` and `targetPort`.
   *
   * @default - one port from `port`, `portName` and `targetPort`
   */
  readonly ports?: MeshServicePortOptions[];
  /**
   * The versions behind the service; each becomes a DestinationRule subset named after its `version` label.
   * More can be added with `addVersion()`.
   *
   * @default - none
   */
  readonly versions?: IServiceVersion[];
  /**
   * Traffic policy for every subset.
   *
   * @default - none
   */
  readonly trafficPolicy?: TrafficPolicyOptions;
  /**
   * Write the Istio DestinationRule (one subset per version). Routes of the Istio API (`MirrorRoute`) need it to
   * address a version; routes of the Kubernetes Gateway API (`HttpMirrorRoute`) address each version through its own
   * Service (`versionServices`) and need no DestinationRule, so set this to false when only they route to the service.
   * `trafficPolicy` needs the DestinationRule.
   *
   * @default true
   */
  readonly destinationRule?: boolean;
  /**
   * Write one Service per version, named `<name>-<version>` (e.g. `httpbin-v1`), selecting exactly the `app` and
   * `version` labels, with the ports of this Service (same names, numbers and target ports).
   *
   * The Kubernetes Gateway API has no subsets: an HTTPRoute sends or mirrors traffic to one version by naming that
   * version's Service, so `HttpMirrorRoute` requires them for every version it targets. The Service is created with
   * the version (in the constructor or `addVersion()`), so a rollout plan's stages all contain the same Services.
   *
   * @default false
   */
  readonly versionServices?: boolean;
}

/**
 * Attributes of a service that this chart does not define, for `MeshService.fromServiceAttributes()`.
 */
export interface MeshServiceAttributes {
  /** The Service name. */
  readonly name: string;
  /**
   * The Service namespace.
   *
   * @default - the namespace of the chart of the imported reference
   */
  readonly namespace?: string;
  /**
   * The Service's ports, if known. Routes then check their ports against them.
   *
   * @default - unknown: routes must name a port explicitly
   */
  readonly ports?: number[];
  /**
   * The versions of the service (the DestinationRule subsets defined for it elsewhere), if known. Routes then check
   * their versions against them.
   *
   * @default - unknown: versions are not checked
   */
  readonly versions?: string[];
}

/**
 * A Kubernetes Service plus the Istio DestinationRule that splits it into one subset per version.
 *
 * The Service selects `app`, so it reaches every version's pods; the DestinationRule (host = the Service name)
 * defines a subset per attached version, selected by the `version` label, which routes use to send or mirror
 * traffic to one version.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
export class MeshService extends Construct implements IMeshService {
  /**
   * Refers to a service defined outside this chart (another chart, another team's namespace, plain YAML).
   *
   * @param scope the chart (or any construct inside one) that refers to the service
   * @param id the construct id, unique among `scope`'s children (no Kubernetes object is written)
   * @param attrs what is known of the service: name, namespace, ports and versions
   */
  public static fromServiceAttributes(scope: Construct, id: string, attrs: MeshServiceAttributes): IMeshService {
    return new ImportedMeshService(scope, id, attrs);
  }

  public readonly serviceName: string;
  public readonly namespace?: string;
  public readonly definedElsewhere = false;
  /** The `app` label the Service selects. */
  public readonly app: string;
  /** The Service. */
  public readonly service: ApiObject;
  /** The DestinationRule, unless `destinationRule` is false. */
  public readonly destinationRule?: istio.DestinationRule;
  /** Whether the service writes one Service per version (`versionServices`). */
  public readonly versionServices: boolean;
  private readonly ports: MeshServicePortOptions[];
  private readonly versionServiceChecks: Array<() => string[]> = [];
  private readonly versions: IServiceVersion[] = [];
  private readonly trafficPolicy?: istio.DestinationRuleSpecTrafficPolicy;

  /**
   * Defines a `MeshService` (writes a Service and a DestinationRule).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props ports, versions and traffic policy; all optional
   */
  constructor(scope: Construct, id: string, props: MeshServiceProps = {}) {
    super(scope, id);
    const app = props.app ?? props.versions?.[0]?.app;
    if (app === undefined) {
      fail(this, 'app is required when no versions are given: set app (the pod label the Service selects) or pass versions');
    }
    this.app = checkLabelValue(this, 'app', app);
    this.serviceName = checkServiceName(this, props.name === undefined ? 'name (default: the app name)' : 'name', props.name ?? this.app);
    this.namespace = checkOptionalDnsLabel(this, 'namespace', props.namespace ?? Chart.of(this).namespace);
    this.ports = this.checkPorts(props);
    this.trafficPolicy = props.trafficPolicy === undefined ? undefined : this.resolveTrafficPolicy(props.trafficPolicy);
    const withDestinationRule = props.destinationRule ?? true;
    if (!withDestinationRule && props.trafficPolicy !== undefined) {
      fail(this, 'trafficPolicy is written into the DestinationRule, but destinationRule is false: drop trafficPolicy or keep the DestinationRule');
    }
    this.versionServices = props.versionServices ?? false;
    this.service = new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.serviceName, namespace: this.namespace, labels: { app: this.app } },
      spec: {
        selector: { app: this.app },
        ports: Lazy.any({ produce: () => this.renderPorts() }),
      },
    });
    if (withDestinationRule) {
      this.destinationRule = new istio.DestinationRule(this, 'DestinationRule', {
        metadata: { name: this.serviceName, namespace: this.namespace },
        spec: Lazy.any({ produce: () => this.renderDestinationRule() }),
      });
    }
    // After the objects, so that version Services follow the service's own objects in the output.
    for (const version of props.versions ?? []) {
      this.addVersion(version);
    }
    const duplicates = claimObjects(this, [
      { apiVersion: 'v1', kind: 'Service', namespace: this.namespace, name: this.serviceName },
      ...(this.destinationRule === undefined ? []
        : [{ apiVersion: this.destinationRule.apiVersion, kind: 'DestinationRule', namespace: this.namespace, name: this.serviceName }]),
    ]);
    addCheck(this, () => [...this.validateVersions(), ...duplicates(), ...this.versionServiceChecks.flatMap(c => c())]);
  }

  /**
   * Adds a version behind the service: its pods must carry this service's `app` label, and its `version` label
   * becomes a subset, so it must be a DNS label (e.g. `v1-2`, not `v1.2`), as Istio requires of subset names.
   *
   * @param version a `ServiceVersion` (or any `IServiceVersion`) of this service's app
   */
  public addVersion(version: IServiceVersion): void {
    // A version label may be any label value (`v1.2` is fine on a Deployment), but here it becomes a DestinationRule
    // subset name, which Istio's validateSubsetName requires to be a DNS-1123 label: the API server would reject the rule.
    if (!isDnsLabel(version.version)) {
      const suggestion = version.version.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
      fail(this, `version ${JSON.stringify(version.version)} cannot be attached: its version label becomes a DestinationRule subset name, `
        + 'which Istio requires to be a DNS label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 '
        + `characters); give the version a label such as ${JSON.stringify(suggestion || 'v1')}`);
    }
    if (version.app !== this.app) {
      fail(this, `version ${JSON.stringify(version.version)} has app label ${JSON.stringify(version.app)}, `
        + `but this service selects app ${JSON.stringify(this.app)}: give the version app "${this.app}" or use another service`);
    }
    if (this.versions.some(v => v.version === version.version)) {
      fail(this, `version ${JSON.stringify(version.version)} is already attached: each version label must be unique per service`);
    }
    if (this.versionServices) {
      this.addVersionService(version.version);
    }
    this.versions.push(version);
    changed();
  }

  /**
   * The name of the Service of one version (`<name>-<version>`), when the service writes version Services
   * (`versionServices`); undefined otherwise.
   *
   * @param version the version label, e.g. `v1`
   */
  public versionServiceName(version: string): string | undefined {
    return this.versionServices ? versionServiceName(this.serviceName, version) : undefined;
  }

  /** The versions, in the order they were added: each is a DestinationRule subset of the same name. */
  public get versionNames(): string[] | undefined {
    return this.versions.map(v => v.version);
  }

  /** The Service's port numbers. */
  public get portNumbers(): number[] | undefined {
    return this.ports.map(p => p.port);
  }

  /** The Service of one version: the same ports, selecting exactly `app` and `version`. */
  private addVersionService(version: string): void {
    const name = versionServiceName(this.serviceName, version);
    if (name.length > 63 || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
      fail(this, `the Service of version ${JSON.stringify(version)} would be named ${JSON.stringify(name)} (<service>-<version>), which is not a `
        + 'Service name (an RFC 1035 label: lowercase letters, digits and \'-\', starting with a letter, at most 63 characters): '
        + 'shorten the service name or the version label');
    }
    const labels = { app: this.app, version };
    new ApiObject(this, `version-${version}`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: this.namespace, labels },
      spec: { selector: { ...labels }, ports: Lazy.any({ produce: () => this.renderPorts() }) },
    });
    // The name is derived, not chosen: say where it comes from when it collides with another object of the app.
    const index = AppIndex.of(this);
    const key = objectKey('v1', 'Service', this.namespace, name);
    index.claim(key, this);
    this.versionServiceChecks.push(() => {
      const others = index.owners(key).filter(o => o !== this);
      return others.length === 0 ? [] : [`the Service of version ${version} is named ${name} (<service>-<version>), but `
        + `${others.map(o => o.node.path).join(', ')} also defines a Service ${this.namespace ?? 'default'}/${name}: `
        + 'rename one of them (the other Service, this service or the version label)'];
    });
  }

  private checkPorts(props: MeshServiceProps): MeshServicePortOptions[] {
    if (props.ports !== undefined && (props.port !== undefined || props.portName !== undefined || props.targetPort !== undefined)) {
      fail(this, 'ports cannot be combined with port, portName or targetPort: list every port in ports');
    }
    const ports = props.ports ?? [{ name: props.portName ?? 'http', port: props.port ?? 80, targetPort: props.targetPort }];
    if (ports.length === 0) {
      fail(this, 'ports must list at least one port');
    }
    const seenNames = new Set<string>();
    const seenNumbers = new Set<number>();
    for (const p of ports) {
      checkDnsLabel(this, 'port name', p.name);
      checkPort(this, `port ${p.name}`, p.port);
      // The same rule as the analyzer's IST0118, so a port this construct writes is never reported there.
      if (protocolFromPortName(p.name, p.port) === undefined) {
        fail(this, `port name ${JSON.stringify(p.name)} does not tell Istio its protocol: name it <protocol>[-<suffix>] with one of `
          + `${ISTIO_PROTOCOLS.filter(proto => isDnsLabel(proto)).join(', ')} (e.g. "http" or "http-web"); only ports `
          + `${WELL_KNOWN_TCP_PORTS.join(', ')} may have other names (Istio treats them as TCP)`);
      }
      if (p.targetPort !== undefined) {
        checkPort(this, `targetPort of port ${p.name}`, p.targetPort);
      }
      if (seenNames.has(p.name) || seenNumbers.has(p.port)) {
        fail(this, `port ${p.name} (${p.port}) is listed twice: port names and numbers must be unique`);
      }
      seenNames.add(p.name);
      seenNumbers.add(p.port);
    }
    return ports;
  }

  private versionContainerPort(): number | undefined {
    const declared = [...new Set(this.versions.map(v => v.containerPort).filter((p): p is number => p !== undefined))];
    return declared.length === 1 ? declared[0] : undefined;
  }

  private renderPorts(): any[] {
    const single = this.ports.length === 1;
    return this.ports.map(p => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort ?? (single ? this.versionContainerPort() : undefined) ?? p.port,
      protocol: protocolFromPortName(p.name, p.port) === 'udp' ? 'UDP' : 'TCP',
    }));
  }

  private renderDestinationRule(): istio.DestinationRuleSpec {
    return {
      host: this.serviceName,
      trafficPolicy: this.trafficPolicy,
      subsets: this.versions.length === 0 ? undefined : this.versions.map(v => ({ name: v.version, labels: { version: v.version } })),
    };
  }

  /** Validates the traffic policy (eagerly, so errors name the prop) and resolves it into the DestinationRule's form. */
  private resolveTrafficPolicy(policy: TrafficPolicyOptions): istio.DestinationRuleSpecTrafficPolicy {
    const pool = policy.connectionPool;
    const outlier = policy.outlierDetection;
    // Istio's connection pool and outlier counts are int32 fields; a fraction or a larger number is rejected by the API server.
    const count = (what: string, n: number | undefined) => (n === undefined ? undefined : checkInteger(this, what, n, 0, INT32_MAX));
    const duration = (what: string, d: Duration | undefined) => (d === undefined ? undefined : istioDuration(checkTimeout(this, what, d)));
    const tcp = pool && (pool.maxConnections !== undefined || pool.connectTimeout !== undefined)
      ? {
        maxConnections: count('connectionPool.maxConnections', pool.maxConnections),
        connectTimeout: duration('connectionPool.connectTimeout', pool.connectTimeout),
      }
      : undefined;
    const http = pool
      && (pool.http1MaxPendingRequests !== undefined || pool.http2MaxRequests !== undefined || pool.maxRequestsPerConnection !== undefined)
      ? {
        http1MaxPendingRequests: count('connectionPool.http1MaxPendingRequests', pool.http1MaxPendingRequests),
        http2MaxRequests: count('connectionPool.http2MaxRequests', pool.http2MaxRequests),
        maxRequestsPerConnection: count('connectionPool.maxRequestsPerConnection', pool.maxRequestsPerConnection),
      }
      : undefined;
    return {
      tls: policy.tlsMode === undefined ? undefined : { mode: policy.tlsMode as string as istio.DestinationRuleSpecTrafficPolicyTlsMode },
      connectionPool: tcp || http ? { tcp, http } : undefined,
      outlierDetection: outlier === undefined ? undefined : {
        // A uint32 wrapper in Istio's API, unlike the int32 counts.
        consecutive5XxErrors: checkInteger(this, 'outlierDetection.consecutive5xxErrors', outlier.consecutive5xxErrors ?? 5, 0, UINT32_MAX),
        interval: duration('outlierDetection.interval', outlier.interval ?? Duration.seconds(10)),
        baseEjectionTime: duration('outlierDetection.baseEjectionTime', outlier.baseEjectionTime ?? Duration.seconds(30)),
        maxEjectionPercent: checkInteger(this, 'outlierDetection.maxEjectionPercent', outlier.maxEjectionPercent ?? 10, 0, 100),
      },
    };
  }

  private validateVersions(): string[] {
    const errors: string[] = [];
    if (this.versions.length === 0) {
      errors.push(`service ${this.serviceName} has no versions: pass versions or call addVersion(), or the DestinationRule defines no subset to route to`);
    }
    const declared = new Set(this.versions.map(v => v.containerPort).filter(p => p !== undefined));
    if (this.ports.length === 1 && this.ports[0].targetPort === undefined && declared.size > 1) {
      errors.push(`versions of ${this.serviceName} listen on different container ports (${[...declared].join(', ')}): set targetPort`);
    }
    for (const v of this.versions) {
      if ((v.namespace ?? '') !== (this.namespace ?? '')) {
        errors.push(`version ${v.version} is in namespace ${v.namespace ?? '(none)'} but the service is in ${this.namespace ?? '(none)'}: `
          + 'a Service only selects pods of its own namespace');
      }
    }
    return errors;
  }
}

class ImportedMeshService extends Construct implements IMeshService {
  public readonly serviceName: string;
  public readonly namespace?: string;
  public readonly portNumbers?: number[];
  public readonly versionNames?: string[];
  public readonly definedElsewhere = true;

  constructor(scope: Construct, id: string, attrs: MeshServiceAttributes) {
    super(scope, id);
    this.serviceName = checkServiceName(this, 'name', attrs.name);
    this.namespace = checkOptionalDnsLabel(this, 'namespace', attrs.namespace ?? Chart.of(this).namespace);
    this.portNumbers = attrs.ports?.map(p => checkPort(this, 'ports', p));
    this.versionNames = attrs.versions === undefined ? undefined : [...attrs.versions];
  }
}
