import { Duration, Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as istio from '../../imports/networking.istio.io';
import { claimObjects } from '../core/app-index';
import { Deferred } from '../core/deferred';
import { DEFINED_ELSEWHERE_ANNOTATION, encodeDefinedElsewhere } from '../core/defined-elsewhere';
import { workloadsElsewhere } from '../core/mirror-route-base';
import { IMeshService } from '../core/references';
import { checkTimeout } from '../core/route-policy';
import { checkDnsLabel, checkInteger, fail, INT32_MAX, isInstance, Subject, subjectOf, UINT32_MAX } from '../core/validate';
import { MeshService } from '../services/mesh-service';
import { istioDuration } from './rules/duration';

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
 * Properties of `ServiceSubsets`.
 */
export interface ServiceSubsetsProps {
  /**
   * The traffic policy of every subset (and of the service as a whole).
   *
   * @default - none: Istio's defaults
   */
  readonly trafficPolicy?: TrafficPolicyOptions;
  /**
   * The namespaces the DestinationRule is visible to (`exportTo`): `.` for its own namespace, `*` for every namespace,
   * or namespace names. A route in a namespace the rule is not exported to cannot use its subsets (Istio sends such
   * requests nowhere: 503, and a mirror's copies are dropped).
   *
   * @default - every namespace (Istio's default, `*`)
   */
  readonly exportTo?: string[];
}

/**
 * The Istio flavor's part of a `MeshService`: a DestinationRule (named after the Service, host = the Service name)
 * with one subset per version, selected by the `version` label, which `MirrorRoute` uses to send or mirror traffic
 * to one version.
 *
 * A `MirrorRoute` adds it to a service the first time it addresses one of its versions (`ServiceSubsets.forService()`), so
 * most apps never create it themselves. Create it explicitly, with the service as scope and before any route, to set a
 * traffic policy or `exportTo`; a service without versions, or one that only the Gateway API routes to, needs none.
 *
 * @example
 * const reviews = new MeshService(chart, 'reviews', {
 *   port: 9080,
 *   versions: [
 *     new ServiceVersion(chart, 'reviews-v1', {
 *       app: 'reviews', version: 'v1', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2', containerPort: 9080,
 *     }),
 *   ],
 * });
 * // Before any MirrorRoute addresses a version of reviews (it would add subsets without a policy).
 * new ServiceSubsets(reviews, 'DestinationRule', {
 *   trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 } },
 * });
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
export class ServiceSubsets extends istio.DestinationRule {
  /**
   * The subsets of `service`: the `ServiceSubsets` created for it, or a new one (as the child `DestinationRule` of
   * the service, with no traffic policy) when there is none yet.
   *
   * @param service the service whose versions need subsets
   */
  public static forService(service: MeshService): ServiceSubsets {
    const existing = SUBSETS.get(service);
    if (existing !== undefined) return existing;
    return new ServiceSubsets(service, 'DestinationRule');
  }

  /**
   * `instanceof` as for any class (the prototype chain). cdk8s's `ApiObject` answers `instanceof` for every API
   * object (any copy of cdk8s), which its subclasses would inherit: any DestinationRule would be a `ServiceSubsets`.
   *
   * @internal
   */
  public static [Symbol.hasInstance](o: unknown): o is ServiceSubsets {
    return isInstance(this, o);
  }

  /** The service the subsets split. */
  public readonly service: MeshService;
  private readonly exportTo?: string[];
  private readonly trafficPolicy?: istio.DestinationRuleSpecTrafficPolicy;

  /**
   * Defines the subsets of a service (writes a DestinationRule).
   *
   * @param service the `MeshService` (scope and subject: the DestinationRule is written beside the Service)
   * @param id the construct id, unique among the service's children (`DestinationRule` is what `forService()` uses)
   * @param props traffic policy and visibility; all optional
   */
  constructor(service: MeshService, id: string, props: ServiceSubsetsProps = {}) {
    // The subsets are the DestinationRule itself (one construct per object), so the props are checked before it is
    // created: errors name this construct's path all the same.
    const subject = subjectOf(service, id);
    if (!(service instanceof MeshService)) {
      fail(subject, 'the scope of ServiceSubsets must be the MeshService whose versions it splits (a MeshService of this library)');
    }
    if (SUBSETS.has(service)) {
      fail(subject, `service ${service.serviceName} already has subsets (${SUBSETS.get(service)!.node.path}): a Service has one DestinationRule; `
        + 'create ServiceSubsets once, before any MirrorRoute addresses the service\'s versions');
    }
    const trafficPolicy = props.trafficPolicy === undefined ? undefined : resolveTrafficPolicy(subject, props.trafficPolicy);
    const exportTo = props.exportTo === undefined ? undefined : checkExportTo(subject, props.exportTo);
    const spec = new Deferred(ServiceSubsets.specOf);
    super(service, id, {
      metadata: { name: service.serviceName, namespace: service.namespace },
      spec: Lazy.any(spec),
    });
    spec.of = this;
    SUBSETS.set(service, this);
    this.service = service;
    this.exportTo = exportTo;
    this.trafficPolicy = trafficPolicy;
    // The subsets of versions whose pods are applied elsewhere select pods the manifests do not hold: declared for the
    // analysis (cdk8s leaves the annotation out while there are none).
    this.metadata.addAnnotation(DEFINED_ELSEWHERE_ANNOTATION, Lazy.any(new Deferred(declaredWorkloads, service)) as unknown as string);
    claimObjects(this, [{ apiVersion: this.apiVersion, kind: 'DestinationRule', namespace: service.namespace,
      name: service.serviceName, rename: renameSubsets }]);
  }

  /** The DestinationRule: these subsets themselves (the one construct that writes it). */
  public get destinationRule(): istio.DestinationRule {
    return this;
  }

  /** The DestinationRule's spec of `subsets`: a subset per version attached to the service by then (see `Deferred`). */
  private static specOf(subsets: ServiceSubsets): istio.DestinationRuleSpec {
    const versions = subsets.service.versionNames ?? [];
    return {
      host: subsets.service.serviceName,
      exportTo: subsets.exportTo,
      trafficPolicy: subsets.trafficPolicy,
      subsets: versions.length === 0 ? undefined : versions.map(v => ({ name: v, labels: { version: v } })),
    };
  }

  /**
   * Whether a route in `namespace` sees these subsets (Istio's `exportTo`: `*`, `.` for the rule's own namespace, or
   * the namespace itself).
   *
   * @param namespace the route's namespace (undefined: `default`)
   */
  public isVisibleFrom(namespace?: string): boolean {
    if (this.exportTo === undefined) return true;
    const own = this.service.namespace ?? 'default';
    const from = namespace ?? 'default';
    return this.exportTo.some(e => e === '*' || (e === '.' ? own === from : e === from));
  }
}

/** The subsets of a service, if it has any (for checks that must not create them). */
export function subsetsOf(service: IMeshService): ServiceSubsets | undefined {
  return service instanceof MeshService ? SUBSETS.get(service) : undefined;
}

const SUBSETS = new WeakMap<MeshService, ServiceSubsets>();

/** The prop that renames a DestinationRule of `ServiceSubsets` (for the message of an object written twice). */
function renameSubsets(owner: IConstruct): string {
  return `service's name (${(owner as ServiceSubsets).service.node.path})`;
}

/** The annotation value that declares the workloads of `service`'s versions whose pods are applied elsewhere. */
function declaredWorkloads(service: MeshService): string | undefined {
  return encodeDefinedElsewhere(workloadsElsewhere(service));
}

function checkExportTo(scope: Subject, exportTo: string[]): string[] {
  if (!Array.isArray(exportTo) || exportTo.length === 0) {
    fail(scope, `exportTo must list at least one namespace ('.', '*' or a namespace name), got ${JSON.stringify(exportTo)}`);
  }
  exportTo.forEach((e, i) => {
    if (e !== '.' && e !== '*') checkDnsLabel(scope, `exportTo[${i}]`, e);
  });
  // Istio's ValidateExportTo: '*' cannot be combined with anything else.
  if (exportTo.includes('*') && exportTo.length > 1) {
    fail(scope, `exportTo ${JSON.stringify(exportTo)} combines '*' with other entries, which Istio rejects: use '*' alone or list the namespaces`);
  }
  return [...exportTo];
}

/** Validates the traffic policy (eagerly, so errors name the prop) and resolves it into the DestinationRule's form. */
function resolveTrafficPolicy(scope: Subject, policy: TrafficPolicyOptions): istio.DestinationRuleSpecTrafficPolicy {
  const pool = policy.connectionPool;
  const outlier = policy.outlierDetection;
  // Istio's connection pool and outlier counts are int32 fields; a fraction or a larger number is rejected by the API server.
  const count = (what: string, n: number | undefined) => (n === undefined ? undefined : checkInteger(scope, what, n, 0, INT32_MAX));
  const duration = (what: string, d: Duration | undefined) => (d === undefined ? undefined : istioDuration(checkTimeout(scope, what, d)));
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
      consecutive5XxErrors: checkInteger(scope, 'outlierDetection.consecutive5xxErrors', outlier.consecutive5xxErrors ?? 5, 0, UINT32_MAX),
      interval: duration('outlierDetection.interval', outlier.interval ?? Duration.seconds(10)),
      baseEjectionTime: duration('outlierDetection.baseEjectionTime', outlier.baseEjectionTime ?? Duration.seconds(30)),
      maxEjectionPercent: checkInteger(scope, 'outlierDetection.maxEjectionPercent', outlier.maxEjectionPercent ?? 10, 0, 100),
    },
  };
}
