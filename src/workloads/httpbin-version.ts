import { Construct } from 'constructs';
import { ImagePullPolicy, ServiceVersion, WorkloadResources, WorkloadSecurity } from './service-version';

/**
 * Properties of an `HttpbinVersion`.
 */
export interface HttpbinVersionProps {
  /**
   * The version: the pod label `version` and, once attached to a `MeshService`, the DestinationRule subset name
   * (which Istio requires to be a DNS label, e.g. `v1` or `v1-2`).
   */
  readonly version: string;
  /**
   * The Deployment's name (the `deploymentName` attribute).
   *
   * @default - `httpbin-<version>`
   */
  readonly name?: string;
  /**
   * The Deployment's namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The `app` label (and container name).
   *
   * @default 'httpbin'
   */
  readonly app?: string;
  /**
   * The httpbin image.
   *
   * @default 'docker.io/kennethreitz/httpbin'
   */
  readonly image?: string;
  /**
   * Number of pods.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * CPU and memory requests and limits.
   *
   * @default - as `ServiceVersion`: requests 50 millicores and 64 MiB, memory limit 256 MiB, no CPU limit
   */
  readonly resources?: WorkloadResources;
}

/**
 * httpbin, the HTTP request-and-response service of Istio's mirroring walkthrough, as one version.
 *
 * Exactly the reference Deployment: container `httpbin`, image `docker.io/kennethreitz/httpbin` pulled
 * `IfNotPresent`, started as `gunicorn --access-logfile - -b 0.0.0.0:80 httpbin:app` so that every request is
 * written to the container log (which is how mirrored copies are seen arriving), listening on port 80.
 *
 * The image runs as root, binds port 80 and writes to /tmp, so it runs with `WorkloadSecurity.imageDefaults()`
 * (never privileged, no privilege escalation); a restricted security context would keep it from starting.
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
 */
export class HttpbinVersion extends ServiceVersion {
  /** The port httpbin listens on. */
  public static readonly PORT = 80;

  /**
   * Defines a `HttpbinVersion` (writes a Deployment).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the version and what differs from the walkthrough
   */
  constructor(scope: Construct, id: string, props: HttpbinVersionProps) {
    super(scope, id, {
      app: props.app ?? 'httpbin',
      version: props.version,
      name: props.name,
      namespace: props.namespace,
      image: props.image ?? 'docker.io/kennethreitz/httpbin',
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      containerName: props.app ?? 'httpbin',
      command: ['gunicorn', '--access-logfile', '-', '-b', `0.0.0.0:${HttpbinVersion.PORT}`, 'httpbin:app'],
      containerPort: HttpbinVersion.PORT,
      replicas: props.replicas,
      resources: props.resources,
      security: WorkloadSecurity.imageDefaults(),
    });
  }
}
