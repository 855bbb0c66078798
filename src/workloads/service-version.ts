import { ApiObject, App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addCheck, claimObjects } from '../core/app-index';
import { IServiceVersion } from '../core/references';
import { checkCount, checkDnsLabel, checkLabelKey, checkLabelValue, checkOptionalDnsLabel, checkPort, fail } from '../core/validate';

// This is the only file that uses cdk8s-plus-27: moving to a newer cdk8s-plus is a change to this file alone.
// None of its types appear in this library's public API.

/**
 * When Kubernetes pulls the container image.
 *
 * @see https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy
 */
export enum ImagePullPolicy {
  /** Pull the image on every container start. */
  ALWAYS = 'Always',
  /** Pull only when the image is not on the node yet. */
  IF_NOT_PRESENT = 'IfNotPresent',
  /** Never pull; the image must already be on the node. */
  NEVER = 'Never',
}

/**
 * CPU and memory requests and limits of a version's container.
 *
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface WorkloadResources {
  /**
   * CPU the scheduler reserves for the container, in millicores (1000 = one CPU).
   *
   * @default 50
   */
  readonly cpuRequestMillis?: number;
  /**
   * CPU the container may use at most, in millicores. Unset by default: a CPU limit throttles latency-sensitive
   * servers, and a mirrored version must not look slower than it is.
   *
   * @default - no CPU limit
   */
  readonly cpuLimitMillis?: number;
  /**
   * Memory the scheduler reserves for the container, in mebibytes.
   *
   * @default 64
   */
  readonly memoryRequestMebibytes?: number;
  /**
   * Memory the container may use at most before it is OOM-killed, in mebibytes.
   *
   * @default 256
   */
  readonly memoryLimitMebibytes?: number;
}

/**
 * Options of `WorkloadSecurity.restricted()`.
 */
export interface RestrictedSecurityOptions {
  /**
   * The numeric user id the container runs as. Required by Kubernetes' `runAsNonRoot` check when the image's
   * own user is a name rather than a number.
   *
   * @default - the image's user (it must not be root)
   */
  readonly user?: number;
  /**
   * The numeric group id the container runs as.
   *
   * @default - the image's group
   */
  readonly group?: number;
  /**
   * Mount the root filesystem read-only.
   *
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/**
 * The security context of a version's container.
 *
 * Which one is right depends on the image, so it is a deliberate choice: `imageDefaults()` (the default) runs
 * the image the way it was built and starts any image; `restricted()` follows Kubernetes' restricted Pod Security
 * Standard and starts only images built to run as a non-root user on a read-only filesystem.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export class WorkloadSecurity {
  /**
   * Run the image as it was built: as the image's user (which may be root) with a writable root filesystem,
   * but never privileged and without privilege escalation. Starts any image, including httpbin, which runs
   * as root and writes to /tmp.
   */
  public static imageDefaults(): WorkloadSecurity {
    return new WorkloadSecurity(false, false, undefined, undefined);
  }

  /**
   * Kubernetes' restricted profile: the container must run as a non-root user (Kubernetes refuses to start it
   * otherwise) and, by default, on a read-only root filesystem.
   *
   * @param options the user to run as and whether the root filesystem is read-only
   */
  public static restricted(options: RestrictedSecurityOptions = {}): WorkloadSecurity {
    return new WorkloadSecurity(true, options.readOnlyRootFilesystem ?? true, options.user, options.group);
  }

  private constructor(
    /** Whether Kubernetes must refuse to start the container as root. */
    public readonly runAsNonRoot: boolean,
    /** Whether the root filesystem is mounted read-only. */
    public readonly readOnlyRootFilesystem: boolean,
    /** The user id, if set. */
    public readonly user?: number,
    /** The group id, if set. */
    public readonly group?: number,
  ) {}
}

/**
 * Properties of a `ServiceVersion`.
 */
export interface ServiceVersionProps {
  /**
   * The application this is a version of: the pod label `app`, shared by every version and selected by the Service.
   */
  readonly app: string;
  /**
   * The version: the pod label `version`, which the DestinationRule subset of that name selects (`v1`, `v2`, ...).
   *
   * Any label value is accepted here, but a version attached to a `MeshService` becomes a subset name, which Istio
   * requires to be a DNS label: use `v1-2` rather than `v1.2` there.
   */
  readonly version: string;
  /**
   * The container image.
   */
  readonly image: string;
  /**
   * The Deployment's name (the `deploymentName` attribute).
   *
   * @default - `<app>-<version>`, e.g. `httpbin-v1`
   */
  readonly name?: string;
  /**
   * The Deployment's namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The container's name.
   *
   * @default - the app name
   */
  readonly containerName?: string;
  /**
   * The port the container listens on. The mesh service forwards its port to it.
   *
   * @default - no container port: set `targetPort` on the mesh service instead
   */
  readonly containerPort?: number;
  /**
   * The container's entrypoint.
   *
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];
  /**
   * Arguments to the entrypoint.
   *
   * @default - the image's CMD
   */
  readonly args?: string[];
  /**
   * Environment variables of the container.
   *
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Number of pods. A mirrored version receives as many requests as the primary: size it alike.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * When to pull the image.
   *
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * CPU and memory requests and limits. The defaults are sized for a small HTTP service and fit a local
   * cluster (kind, minikube); cdk8s-plus's own default of a full CPU per container does not.
   *
   * @default - requests 50 millicores and 64 MiB, memory limit 256 MiB, no CPU limit
   */
  readonly resources?: WorkloadResources;
  /**
   * The container's security context.
   *
   * @default WorkloadSecurity.imageDefaults()
   */
  readonly security?: WorkloadSecurity;
  /**
   * Extra pod labels. `app` and `version` are always set from the props and cannot be overridden here.
   *
   * @default - none
   */
  readonly podLabels?: { [key: string]: string };
}

/**
 * One version of an application: a Deployment whose pods carry the labels `app` and `version`.
 *
 * The Deployment selects exactly `{app, version}`, so two versions of one app never adopt each other's pods,
 * while the app's Service (selector `app`) reaches both and a DestinationRule subset per version tells them apart.
 *
 * @example
 * new ServiceVersion(chart, 'reviews-v2', {
 *   app: 'reviews',
 *   version: 'v2',
 *   image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2',
 *   containerPort: 9080,
 * });
 */
export class ServiceVersion extends Construct implements IServiceVersion {
  public readonly app: string;
  public readonly version: string;
  /** The Deployment's name (the `name` prop, or its default `<app>-<version>`). */
  public readonly deploymentName: string;
  public readonly namespace?: string;
  public readonly containerPort?: number;
  /** The number of pods. */
  public readonly replicas: number;
  /** The image. */
  public readonly image: string;
  /** The Deployment. */
  public readonly deployment: ApiObject;
  private readonly labels: { [key: string]: string };

  /**
   * Defines a `ServiceVersion` (writes a Deployment).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the app, version, image and container settings
   */
  constructor(scope: Construct, id: string, props: ServiceVersionProps) {
    super(scope, id);
    this.app = checkLabelValue(this, 'app', props.app);
    this.version = checkLabelValue(this, 'version', props.version);
    if (!props.image || /\s/.test(props.image)) {
      fail(this, `image must be a container image reference such as "docker.io/kennethreitz/httpbin", got ${JSON.stringify(props.image)}`);
    }
    this.image = props.image;
    this.deploymentName = checkDnsLabel(this, props.name === undefined ? 'name (default `<app>-<version>`)' : 'name', props.name ?? `${this.app}-${this.version}`);
    this.namespace = checkOptionalDnsLabel(this, 'namespace', props.namespace ?? Chart.of(this).namespace);
    this.containerPort = props.containerPort === undefined ? undefined : checkPort(this, 'containerPort', props.containerPort);
    this.replicas = checkCount(this, 'replicas', props.replicas ?? 1);
    const containerName = checkDnsLabel(this, 'containerName', props.containerName ?? this.app);
    for (const [key, value] of Object.entries(props.podLabels ?? {})) {
      if (key === 'app' || key === 'version') {
        fail(this, `podLabels must not set "${key}": it comes from the ${key} prop`);
      }
      checkLabelKey(this, 'podLabels', key);
      checkLabelValue(this, `podLabels["${key}"]`, value);
    }
    this.labels = { ...props.podLabels, app: this.app, version: this.version };

    const security = props.security ?? WorkloadSecurity.imageDefaults();
    // cdk8s-plus builds the Deployment in a scratch chart of its own and is rendered once, here; a plain ApiObject
    // writes the result. Rendering cdk8s-plus's typed objects is the most expensive step of synthesizing a large
    // app, and cdk8s renders every object at each validation pass as well as when writing it. Rendering once is
    // safe because nothing can change the spec later: ServiceVersion has no mutators and the scratch chart is private.
    const scratch = new Chart(new App(), 'scratch');
    const deployment = new kplus.Deployment(scratch, 'Deployment', {
      metadata: { name: this.deploymentName },
      replicas: this.replicas,
      select: false,
      podMetadata: { labels: this.labels },
      securityContext: {
        ensureNonRoot: security.runAsNonRoot,
        user: security.user,
        group: security.group,
      },
      containers: [{
        name: containerName,
        image: this.image,
        imagePullPolicy: toKplusPullPolicy(props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT),
        command: props.command,
        args: props.args,
        portNumber: this.containerPort,
        resources: renderResources(this, props.resources ?? {}),
        envVariables: Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
        securityContext: {
          ensureNonRoot: security.runAsNonRoot,
          readOnlyRootFilesystem: security.readOnlyRootFilesystem,
          allowPrivilegeEscalation: false,
          privileged: false,
          user: security.user,
          group: security.group,
        },
      }],
    });
    deployment.select(kplus.LabelSelector.of({ labels: { app: this.app, version: this.version } }));
    const rendered = ApiObject.of(deployment).toJson();
    // cdk8s-plus labels every pod with its construct address even when it does not select on it; the label would
    // change the pod template (and roll the pods) whenever the construct tree is reorganised, so drop it.
    delete rendered.spec.template.metadata.labels[kplus.Pod.ADDRESS_LABEL];
    this.deployment = new ApiObject(this, 'Resource', {
      apiVersion: rendered.apiVersion,
      kind: rendered.kind,
      metadata: { name: this.deploymentName, namespace: this.namespace, labels: { app: this.app, version: this.version } },
      spec: rendered.spec,
    });
    const duplicates = claimObjects(this, [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: this.namespace, name: this.deploymentName }]);
    addCheck(this, duplicates);
  }

  /** Every label of the pod template (a copy). */
  public get podLabels(): { [key: string]: string } {
    return { ...this.labels };
  }
}

function toKplusPullPolicy(policy: ImagePullPolicy): kplus.ImagePullPolicy {
  switch (policy) {
    case ImagePullPolicy.ALWAYS: return kplus.ImagePullPolicy.ALWAYS;
    case ImagePullPolicy.NEVER: return kplus.ImagePullPolicy.NEVER;
    default: return kplus.ImagePullPolicy.IF_NOT_PRESENT;
  }
}

function renderResources(scope: Construct, resources: WorkloadResources): kplus.ContainerResources {
  const cpuRequest = checkCount(scope, 'resources.cpuRequestMillis', resources.cpuRequestMillis ?? 50);
  const cpuLimit = resources.cpuLimitMillis === undefined ? undefined : checkCount(scope, 'resources.cpuLimitMillis', resources.cpuLimitMillis);
  const memoryRequest = checkCount(scope, 'resources.memoryRequestMebibytes', resources.memoryRequestMebibytes ?? 64);
  const memoryLimit = checkCount(scope, 'resources.memoryLimitMebibytes', resources.memoryLimitMebibytes ?? 256);
  // Kubernetes rejects a request above its limit; say so here rather than at `kubectl apply`.
  if (cpuLimit !== undefined && cpuRequest > cpuLimit) {
    fail(scope, `resources.cpuRequestMillis (${cpuRequest}) must not exceed resources.cpuLimitMillis (${cpuLimit}): raise the limit or lower the request`);
  }
  if (memoryRequest > memoryLimit) {
    fail(scope, `resources.memoryRequestMebibytes (${memoryRequest}) must not exceed resources.memoryLimitMebibytes (${memoryLimit}): `
      + 'raise the limit too');
  }
  return {
    cpu: { request: kplus.Cpu.millis(cpuRequest), limit: cpuLimit === undefined ? undefined : kplus.Cpu.millis(cpuLimit) },
    memory: { request: Size.mebibytes(memoryRequest), limit: Size.mebibytes(memoryLimit) },
  };
}
