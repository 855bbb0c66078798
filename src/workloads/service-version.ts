import { ApiObject, ApiObjectMetadataDefinition, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { applyRestricted, restrictedViolations } from './pod-security';
import { addCheck, changed, claimObjects } from '../core/app-index';
import { IServiceVersion } from '../core/references';
import { checkCount, checkDnsLabel, checkDnsSubdomain, checkLabelKey, checkLabelValue, checkOptionalDnsLabel, checkPort, fail, Subject, subjectOf } from '../core/validate';

// This is the only file that imports cdk8s-plus-27 (eslint.config.mjs enforces it). Its types are part of this
// library's public API on purpose: `ServiceVersion.deployment` is the cdk8s-plus Deployment itself, probes are
// `kplus.Probe`s, and `ServiceVersion.fromDeployment()` takes a user's Deployment (cdk8s-plus-27 is a peer dependency).

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
 * The Pod Security Standard level a `WorkloadSecurity` meets.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export enum PodSecurityLevel {
  /** Prevents known privilege escalations; starts images that run as root. */
  BASELINE = 'baseline',
  /** Hardened: non-root, no privilege escalation, every capability dropped, a RuntimeDefault seccomp profile. */
  RESTRICTED = 'restricted',
}

/**
 * Options of `WorkloadSecurity.restricted()`.
 */
export interface RestrictedSecurityOptions {
  /**
   * The numeric user id the container runs as. Required by Kubernetes' `runAsNonRoot` check when the image's
   * own user is a name rather than a number. Must not be 0 (root).
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
   * Mount the root filesystem read-only (not a rule of the standard, but what images built for it expect).
   *
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/**
 * The security context of a version's pod and containers.
 *
 * Which one is right depends on the image, so it is a deliberate choice: `imageDefaults()` (the default) runs
 * the image the way it was built and starts any image; `restricted()` follows Kubernetes' restricted Pod Security
 * Standard and starts only images built to run as a non-root user.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export class WorkloadSecurity {
  /**
   * Run the image as it was built: as the image's user (which may be root) with a writable root filesystem,
   * but never privileged and without privilege escalation. Starts any image, including httpbin, which runs
   * as root and writes to /tmp. Meets the baseline Pod Security Standard (not the restricted one).
   */
  public static imageDefaults(): WorkloadSecurity {
    return new WorkloadSecurity(PodSecurityLevel.BASELINE, false, false, undefined, undefined);
  }

  /**
   * Kubernetes' restricted Pod Security Standard, every rule of it, on every container of the pod (init containers
   * and containers added later through `deployment` included): `runAsNonRoot: true`, never user 0,
   * `allowPrivilegeEscalation: false`, `capabilities.drop: [ALL]`, a `RuntimeDefault` seccomp profile on the pod, and
   * by default a read-only root filesystem. What cdk8s-plus-27 cannot express (capabilities, seccomp) is written when
   * the Deployment is rendered; a pod that still breaks a rule of the standard there (say, a container added with
   * `privileged: true`, or a hostPath volume) is an error naming the rule, not a pod that the namespace's admission
   * rejects later.
   *
   * @param options the user to run as and whether the root filesystem is read-only
   * @see https://github.com/kubernetes/pod-security-admission/tree/master/policy
   */
  public static restricted(options: RestrictedSecurityOptions = {}): WorkloadSecurity {
    if (options.user === 0) {
      throw new Error('WorkloadSecurity.restricted(): user must not be 0 (root), which the restricted Pod Security Standard forbids '
        + '(check runAsUser); give a non-zero user id or leave it unset to run as the image\'s (non-root) user');
    }
    return new WorkloadSecurity(PodSecurityLevel.RESTRICTED, true, options.readOnlyRootFilesystem ?? true, options.user, options.group);
  }

  private constructor(
    /** The Pod Security Standard level the pod meets. */
    public readonly level: PodSecurityLevel,
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
   * Environment variables of the container. For values from ConfigMaps or Secrets use
   * `version.container.env.addVariable()` or `version.container.env.copyFrom()`.
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
   * The pod's and container's security context.
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
  /**
   * Annotations of the pod template (e.g. `sidecar.istio.io/proxyCPU`, `prometheus.io/scrape`). Changing one rolls the pods.
   *
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * When the container is ready to receive requests; a pod that is not ready gets no traffic (mirrored copies included).
   *
   * @default - no readiness probe
   * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
   */
  readonly readiness?: kplus.Probe;
  /**
   * When the container is restarted.
   *
   * @default - no liveness probe
   */
  readonly liveness?: kplus.Probe;
  /**
   * When the container has started (the other probes wait for it).
   *
   * @default - cdk8s-plus's default: a TCP probe on `containerPort` when one is set, none otherwise
   */
  readonly startup?: kplus.Probe;
  /**
   * The service account the pods run as: one defined in the app (`new kplus.ServiceAccount(...)`) or elsewhere
   * (`kplus.ServiceAccount.fromServiceAccountName(scope, id, name)`).
   *
   * @default - the namespace's `default` service account
   */
  readonly serviceAccount?: kplus.IServiceAccount;
  /**
   * Mount the service account's API token into the pods. Only workloads that call the Kubernetes API need it.
   *
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
}

/**
 * Which version a workload defined elsewhere is: its `app` and `version` pod labels.
 */
export interface WorkloadVersionOptions {
  /** The `app` pod label the workload's pods carry (the one the service selects). */
  readonly app: string;
  /** The `version` pod label the workload's pods carry (a subset name once attached to a `MeshService`). */
  readonly version: string;
}

/**
 * A Deployment that something other than this app applies (Helm, another pipeline), named by `ServiceVersion.fromDeploymentName()`.
 */
export interface DeploymentNameOptions extends WorkloadVersionOptions {
  /** The Deployment's name. */
  readonly name: string;
  /**
   * The Deployment's namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Every containerPort of the Deployment's containers, if known; one port is also the version's `containerPort`.
   *
   * @default - unknown: set `targetPort` on the mesh service
   */
  readonly containerPorts?: number[];
}

/**
 * One version of an application: a cdk8s-plus-27 Deployment whose pods carry the labels `app` and `version`.
 *
 * The Deployment selects exactly `{app, version}`, so two versions of one app never adopt each other's pods,
 * while the app's Service (selector `app`) reaches both and a DestinationRule subset per version tells them apart.
 * `deployment` is the cdk8s-plus Deployment itself and `container` its container, so everything cdk8s-plus offers
 * works on them (volumes, ConfigMap env sources, init containers, more containers, pod metadata). Its pod template
 * does not carry cdk8s-plus's construct-address label (`cdk8s.io/metadata.addr`), so moving the construct does not roll
 * the pods; cdk8s-plus selectors of it (`exposeViaService()`, network policy peers) select `{app, version}` instead.
 *
 * A version whose pods are written by something else: `ServiceVersion.fromDeployment()` (a cdk8s-plus Deployment of
 * yours), `fromApiObject()` (any workload object of the app) and `fromDeploymentName()` (a Deployment applied elsewhere).
 *
 * @example
 * new ServiceVersion(chart, 'reviews-v2', {
 *   app: 'reviews',
 *   version: 'v2',
 *   image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2',
 *   containerPort: 9080,
 * });
 */
export class ServiceVersion extends kplus.Deployment implements IServiceVersion {
  /**
   * A version whose pods a cdk8s-plus-27 Deployment of yours writes. The `app` and `version` pod labels are added to
   * its pod template when missing; a pod label of another value is an error, and so is one changed afterwards (at synth).
   * The Deployment stays yours: its selector (by default cdk8s-plus's `cdk8s.io/metadata.addr` label, which then stays
   * on its pods), security context and everything else are written as you set them.
   *
   * @param scope the construct the version belongs to (errors name its path)
   * @param id the construct id
   * @param deployment the Deployment, already in the app's construct tree
   * @param options the `app` and `version` labels
   */
  public static fromDeployment(scope: Construct, id: string, deployment: kplus.Deployment, options: WorkloadVersionOptions): IServiceVersion {
    return new DeploymentVersion(scope, id, deployment, options);
  }

  /**
   * A version whose pods an `ApiObject` of the app writes: an `apps/v1` Deployment, StatefulSet, DaemonSet or
   * ReplicaSet (e.g. an `Include`d manifest or an imported `KubeDeployment`). Its pod template must carry the `app`
   * and `version` labels when the app is synthesized (labels may be added after this call); nothing is added to it.
   *
   * @param scope the construct the version belongs to (errors name its path)
   * @param id the construct id
   * @param apiObject the workload object
   * @param options the `app` and `version` labels
   */
  public static fromApiObject(scope: Construct, id: string, apiObject: ApiObject, options: WorkloadVersionOptions): IServiceVersion {
    return new ApiObjectVersion(scope, id, apiObject, options);
  }

  /**
   * A version whose Deployment this app only names: applied by Helm or another pipeline, so nothing is written for
   * it and it is `definedElsewhere`. Its pods must carry the `app` and `version` labels given here; that cannot be
   * checked at synth.
   *
   * @param scope the construct the version belongs to (errors name its path)
   * @param id the construct id
   * @param options the labels, the Deployment's name and namespace, and its container ports if known
   */
  public static fromDeploymentName(scope: Construct, id: string, options: DeploymentNameOptions): IServiceVersion {
    return new NamedDeploymentVersion(scope, id, options);
  }

  public readonly app: string;
  public readonly version: string;
  public readonly containerPort?: number;
  /** The security the pod was given (`security`, or its default). */
  public readonly security: WorkloadSecurity;

  /**
   * Defines a `ServiceVersion` (writes a Deployment).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the app, version, image and container settings
   */
  constructor(scope: Construct, id: string, props: ServiceVersionProps) {
    // The version is the Deployment itself (one construct, as a cdk8s-plus Deployment is), so its props are checked
    // before the Deployment is created: errors name the version's path all the same.
    const v = checkVersionProps(subjectOf(scope, id), scope, props);
    super(scope, id, v.deploymentProps);
    // What the Deployment itself holds (its name, namespace, replicas, container) is read from it rather than kept twice:
    // an app has thousands of versions.
    this.app = v.app;
    this.version = v.version;
    this.containerPort = v.containerPort;
    this.security = v.security;
    this.select(kplus.LabelSelector.of({ labels: { app: this.app, version: this.version } }));
    // The pod labels can be changed through cdk8s-plus (`podMetadata.addLabel()`, the only way to change a label of
    // cdk8s's metadata); that counts as a change of the library's state, so the memoized check sees it at the next
    // synthesis without reading the labels at every one of cdk8s's validations (once per chart). Here when cdk8s-plus
    // has created the pod metadata already, else on its first read (see `lazyPodMetadata`).
    if (Object.prototype.hasOwnProperty.call(this, 'podMetadata')) recordLabelChanges(this.podMetadata);
    claimObjects(this, [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: v.namespace, name: v.deploymentName }]);
    addCheck(this, ownPodLabelProblems);
  }

  /** The cdk8s-plus Deployment: this version itself (the one construct that writes the Deployment). */
  public get deployment(): kplus.Deployment {
    return this;
  }

  /** The Deployment's name (the `name` prop, or its default `<app>-<version>`). */
  public get deploymentName(): string {
    return this.name;
  }

  /** The namespace of the pods, if set. */
  public get namespace(): string | undefined {
    return this.metadata.namespace;
  }

  /** Always false: the Deployment is written by this app. */
  public get definedElsewhere(): false {
    return false;
  }

  /** Whether the version has pods (`replicas` above 0). */
  public get hasPods(): boolean | undefined {
    // A ServiceVersion always passes `replicas` (default 1) to its Deployment.
    return this.replicas! > 0;
  }

  /** The version's container (the Deployment's first), as cdk8s-plus models it. */
  public get container(): kplus.Container {
    return this.containers[0];
  }

  /** The image. */
  public get image(): string {
    return this.container.image;
  }

  /** Every label of the pod template (a copy), labels added through `deployment.podMetadata` included. */
  public get podLabels(): { [key: string]: string } {
    return templateLabels(this);
  }

  /** Every containerPort of the Deployment's containers, in order, each once. */
  public get containerPorts(): number[] | undefined {
    return kplusContainerPorts(this);
  }

  /** @internal cdk8s-plus renders the spec here (a Lazy of the KubeDeployment): the one place to see the final pod. */
  public _toKube(): any {
    const spec: any = super._toKube();
    // cdk8s-plus labels every pod template with its construct address even when it does not select on it; the label
    // would change the pod template (and roll the pods) whenever the construct tree is reorganised, so drop it.
    // A copy without it rather than `delete`, which would leave a slow (dictionary-mode) object for cdk8s to resolve.
    const labels = spec.template.metadata?.labels;
    if (labels !== undefined && kplus.Pod.ADDRESS_LABEL in labels) {
      spec.template.metadata.labels = Object.fromEntries(Object.entries(labels).filter(([key]) => key !== kplus.Pod.ADDRESS_LABEL));
    }
    if (this.security.level === PodSecurityLevel.RESTRICTED) {
      const problems = restrictedViolations(applyRestricted(spec.template.spec));
      if (problems.length > 0) {
        throw new Error(`${this.node.path}: WorkloadSecurity.restricted() promises the restricted Pod Security Standard, but the pod `
          + `breaks it: ${problems.join('; ')}. Fix the containers or volumes added to the Deployment, or use WorkloadSecurity.imageDefaults()`);
      }
    }
    return spec;
  }

  /** cdk8s-plus selects a workload's pods by their address label, which this Deployment's pods do not carry. */
  public toPodSelectorConfig(): kplus.PodSelectorConfig {
    return {
      labelSelector: kplus.LabelSelector.of({ labels: { app: this.app, version: this.version } }),
      namespaces: this.metadata.namespace ? { names: [this.metadata.namespace] } : undefined,
    };
  }
}

/** The checked props of a `ServiceVersion`, and the cdk8s-plus Deployment props they make. */
interface CheckedVersionProps {
  readonly app: string;
  readonly version: string;
  readonly deploymentName: string;
  readonly namespace?: string;
  readonly containerPort?: number;
  readonly replicas: number;
  readonly security: WorkloadSecurity;
  readonly deploymentProps: kplus.DeploymentProps;
}

/** `ApiObjectMetadataDefinition.addLabel()` of a version's pod metadata, which records the change (see the constructor). */
function addLabelAndRecord(this: ApiObjectMetadataDefinition, key: string, value: string): void {
  ApiObjectMetadataDefinition.prototype.addLabel.call(this, key, value);
  changed();
}

/** Makes `addLabel()` of a version's pod metadata record the change (`addLabelAndRecord`); returns the metadata. */
function recordLabelChanges(podMetadata: ApiObjectMetadataDefinition): ApiObjectMetadataDefinition {
  if (podMetadata.addLabel !== addLabelAndRecord) podMetadata.addLabel = addLabelAndRecord;
  return podMetadata;
}

/**
 * cdk8s-plus-27 2.9 creates a workload's pod metadata on its first read (`podMetadata` is a getter of its `Workload`);
 * 2.7 creates it in the constructor (a property). With the getter, a version's `podMetadata` is that getter plus
 * `recordLabelChanges`, so that the pod metadata of an app's thousands of versions is not created in their
 * constructors, as it is not for a cdk8s-plus Deployment: about 1 MB per 1,000 versions until synthesis. Defined on the
 * prototype here rather than as a `get podMetadata()` of the class, since TypeScript does not allow an accessor over
 * the property that cdk8s-plus 2.7 declares.
 */
function lazyPodMetadata(): void {
  let proto: object | null = kplus.Deployment.prototype;
  let base: PropertyDescriptor | undefined;
  while (proto !== null && base === undefined) {
    base = Object.getOwnPropertyDescriptor(proto, 'podMetadata');
    proto = Object.getPrototypeOf(proto);
  }
  const get = base?.get;
  if (get === undefined) return;
  Object.defineProperty(ServiceVersion.prototype, 'podMetadata', {
    configurable: true,
    get(this: ServiceVersion) {
      return recordLabelChanges(get.call(this));
    },
  });
}
lazyPodMetadata();

/** Checks a `ServiceVersion`'s props (errors name `subject`, the version about to be created in `scope`). */
function checkVersionProps(subject: Subject, scope: Construct, props: ServiceVersionProps): CheckedVersionProps {
  const app = checkLabelValue(subject, 'app', props.app);
  const version = checkLabelValue(subject, 'version', props.version);
  if (!props.image || /\s/.test(props.image)) {
    fail(subject, `image must be a container image reference such as "docker.io/kennethreitz/httpbin", got ${JSON.stringify(props.image)}`);
  }
  const deploymentName = checkDnsLabel(subject, props.name === undefined ? 'name (default `<app>-<version>`)' : 'name', props.name ?? `${app}-${version}`);
  const namespace = checkOptionalDnsLabel(subject, 'namespace', props.namespace ?? Chart.of(scope).namespace);
  const containerPort = props.containerPort === undefined ? undefined : checkPort(subject, 'containerPort', props.containerPort);
  const replicas = checkCount(subject, 'replicas', props.replicas ?? 1);
  const containerName = checkDnsLabel(subject, 'containerName', props.containerName ?? app);
  for (const [key, value] of Object.entries(props.podLabels ?? {})) {
    if (key === 'app' || key === 'version') {
      fail(subject, `podLabels must not set "${key}": it comes from the ${key} prop`);
    }
    checkLabelKey(subject, 'podLabels', key);
    checkLabelValue(subject, `podLabels["${key}"]`, value);
  }
  for (const key of Object.keys(props.podAnnotations ?? {})) {
    checkLabelKey(subject, 'podAnnotations', key); // annotation keys have the syntax of label keys
  }
  const security = props.security ?? WorkloadSecurity.imageDefaults();
  return {
    app, version, deploymentName, namespace, containerPort, replicas, security,
    deploymentProps: {
      metadata: { name: deploymentName, namespace, labels: { app, version } },
      replicas,
      select: false,
      podMetadata: { labels: { ...props.podLabels, app, version }, annotations: props.podAnnotations },
      serviceAccount: props.serviceAccount,
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      securityContext: {
        ensureNonRoot: security.runAsNonRoot,
        user: security.user,
        group: security.group,
      },
      containers: [{
        name: containerName,
        image: props.image,
        imagePullPolicy: toKplusPullPolicy(props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT),
        command: props.command,
        args: props.args,
        portNumber: containerPort,
        resources: renderResources(subject, props.resources ?? {}),
        envVariables: props.env === undefined ? undefined : envValues(props.env),
        readiness: props.readiness,
        liveness: props.liveness,
        startup: props.startup,
        securityContext: {
          ensureNonRoot: security.runAsNonRoot,
          readOnlyRootFilesystem: security.readOnlyRootFilesystem,
          allowPrivilegeEscalation: false,
          privileged: false,
          user: security.user,
          group: security.group,
        },
      }],
    },
  };
}

/** The container's environment variables of the `env` prop, as cdk8s-plus values. */
function envValues(env: { [name: string]: string }): { [name: string]: kplus.EnvValue } {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]));
}

/** `ServiceVersion.fromDeployment()`. */
class DeploymentVersion extends Construct implements IServiceVersion {
  public readonly app: string;
  public readonly version: string;
  public readonly namespace?: string;
  public readonly definedElsewhere = false;

  constructor(scope: Construct, id: string, private readonly deployment: kplus.Deployment, options: WorkloadVersionOptions) {
    super(scope, id);
    this.app = checkLabelValue(this, 'app', options.app);
    this.version = checkLabelValue(this, 'version', options.version);
    if (deployment.node.root !== this.node.root) {
      fail(this, `the Deployment ${deployment.node.path} belongs to another app: define the version in the app that writes the Deployment`);
    }
    for (const [key, value] of [['app', this.app], ['version', this.version]]) {
      const current = deployment.podMetadata.getLabel(key);
      if (current === undefined) {
        deployment.podMetadata.addLabel(key, value);
      } else if (current !== value) {
        fail(this, `the Deployment ${deployment.node.path} labels its pods ${key}=${JSON.stringify(current)}, but this version says ${key} `
          + `${JSON.stringify(value)}: pass ${key}: ${JSON.stringify(current)} or change the Deployment's pod label`);
      }
    }
    this.namespace = deployment.metadata.namespace ?? Chart.of(deployment).namespace;
    // The Deployment is the user's: its labels may change without the library knowing, so they are the check's fingerprint.
    addCheck(this, () => podLabelProblems(deployment, this.app, this.version, `the Deployment ${deployment.node.path}'s`),
      () => `${deployment.podMetadata.getLabel('app')}\n${deployment.podMetadata.getLabel('version')}`);
  }

  public get podLabels(): { [key: string]: string } {
    return templateLabels(this.deployment);
  }

  public get containerPorts(): number[] | undefined {
    return kplusContainerPorts(this.deployment);
  }

  public get containerPort(): number | undefined {
    return onlyPort(this.containerPorts);
  }
}

/** The pod-template kinds `ServiceVersion.fromApiObject()` accepts (all `apps/v1`). */
const POD_TEMPLATE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];

/** `ServiceVersion.fromApiObject()`. */
class ApiObjectVersion extends Construct implements IServiceVersion {
  public readonly app: string;
  public readonly version: string;
  public readonly namespace?: string;
  public readonly definedElsewhere = false;

  constructor(scope: Construct, id: string, private readonly apiObject: ApiObject, options: WorkloadVersionOptions) {
    super(scope, id);
    this.app = checkLabelValue(this, 'app', options.app);
    this.version = checkLabelValue(this, 'version', options.version);
    if (apiObject.apiVersion !== 'apps/v1' || !POD_TEMPLATE_KINDS.includes(apiObject.kind)) {
      fail(this, `${apiObject.node.path} is a ${apiObject.apiVersion} ${apiObject.kind}, which has no pod template: pass an apps/v1 `
        + `${POD_TEMPLATE_KINDS.join(', ')} (a Pod of its own is not a version), or use ServiceVersion.fromDeploymentName() for pods written elsewhere`);
    }
    if (apiObject.node.root !== this.node.root) {
      fail(this, `${apiObject.node.path} belongs to another app: define the version in the app that writes the object`);
    }
    this.namespace = apiObject.metadata.namespace ?? Chart.of(apiObject).namespace;
    // At synth, so that labels set after this call (a JSON patch, metadata set later) count: the pod labels, as the
    // object renders at each validation, are the check's fingerprint.
    addCheck(this, () => {
      const labels = this.podLabels;
      return ['app', 'version'].flatMap(key => {
        const want = key === 'app' ? this.app : this.version;
        return labels[key] === want ? [] : [`${apiObject.kind} ${apiObject.node.path} must label its pods ${key}=${want} `
          + `(spec.template.metadata.labels), but ${labels[key] === undefined ? 'has no such label' : `has ${key}=${labels[key]}`}: `
          + `add the label to its pod template, or pass the ${key} its pods carry`];
      });
    }, () => JSON.stringify(this.podLabels));
  }

  /** The pod template's labels, as the object renders now. */
  public get podLabels(): { [key: string]: string } {
    return { ...this.apiObject.toJson().spec?.template?.metadata?.labels };
  }

  public get containerPorts(): number[] | undefined {
    const containers: any[] = this.apiObject.toJson().spec?.template?.spec?.containers ?? [];
    return [...new Set(containers.flatMap(c => (c.ports ?? []).map((p: any) => p.containerPort)).filter(p => typeof p === 'number'))];
  }

  public get containerPort(): number | undefined {
    return onlyPort(this.containerPorts);
  }
}

/** `ServiceVersion.fromDeploymentName()`. */
class NamedDeploymentVersion extends Construct implements IServiceVersion {
  public readonly app: string;
  public readonly version: string;
  public readonly namespace?: string;
  public readonly definedElsewhere = true;
  public readonly containerPorts?: number[];
  public readonly containerPort?: number;
  /** The Deployment's name. */
  public readonly deploymentName: string;

  constructor(scope: Construct, id: string, options: DeploymentNameOptions) {
    super(scope, id);
    this.app = checkLabelValue(this, 'app', options.app);
    this.version = checkLabelValue(this, 'version', options.version);
    this.deploymentName = checkDnsSubdomain(this, 'name', options.name);
    this.namespace = checkOptionalDnsLabel(this, 'namespace', options.namespace ?? Chart.of(this).namespace);
    if (options.containerPorts !== undefined) {
      this.containerPorts = [...new Set(options.containerPorts.map((p, i) => checkPort(this, `containerPorts[${i}]`, p)))];
      this.containerPort = onlyPort(this.containerPorts);
    }
  }

  public get podLabels(): { [key: string]: string } {
    return { app: this.app, version: this.version };
  }
}

/** The pod template's labels of a cdk8s-plus workload, without the construct-address label a `ServiceVersion` drops. */
function templateLabels(deployment: kplus.Deployment): { [key: string]: string } {
  const labels = { ...deployment.podMetadata.toJson().labels };
  if (deployment instanceof ServiceVersion) delete labels[kplus.Pod.ADDRESS_LABEL];
  return labels;
}

function kplusContainerPorts(deployment: kplus.Deployment): number[] {
  return [...new Set(deployment.containers.flatMap(c => c.ports.map(p => p.number)))];
}

function onlyPort(ports: number[] | undefined): number | undefined {
  return ports !== undefined && ports.length === 1 ? ports[0] : undefined;
}

/** The check of a `ServiceVersion`: its own pod labels (see `podLabelProblems`). */
function ownPodLabelProblems(version: ServiceVersion): string[] {
  return podLabelProblems(version, version.app, version.version, 'the Deployment\'s');
}

/** The `app`/`version` pod labels of `deployment` that were changed after they were set (checked at synth). */
function podLabelProblems(deployment: kplus.Deployment, app: string, version: string, whose: string): string[] {
  return [['app', app], ['version', version]].flatMap(([key, want]) => {
    const got = deployment.podMetadata.getLabel(key);
    return got === want ? [] : [`${whose} pod label ${key} is ${got === undefined ? 'missing' : JSON.stringify(got)}, but it must be `
      + `${JSON.stringify(want)} (the version's ${key}): do not change the label through podMetadata, as the service and its subsets select the pods by it`];
  });
}

function toKplusPullPolicy(policy: ImagePullPolicy): kplus.ImagePullPolicy {
  switch (policy) {
    case ImagePullPolicy.ALWAYS: return kplus.ImagePullPolicy.ALWAYS;
    case ImagePullPolicy.NEVER: return kplus.ImagePullPolicy.NEVER;
    default: return kplus.ImagePullPolicy.IF_NOT_PRESENT;
  }
}

function renderResources(scope: Subject, resources: WorkloadResources): kplus.ContainerResources {
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
