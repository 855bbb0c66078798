import { IConstruct } from 'constructs';

// What routes refer to, as the route model sees it: a version of an application, a service that has versions, and a
// gateway that routes can attach to. Each API flavor's constructs implement these; the model never needs to know
// which flavor defined them.

/**
 * One version of an application, as the mesh sees it.
 */
export interface IServiceVersion {
  /** The `app` label. */
  readonly app: string;
  /** The `version` label: what routes name as a target's `version`. */
  readonly version: string;
  /** The namespace of the pods, if set. */
  readonly namespace?: string;
  /** The port the container listens on, if declared. */
  readonly containerPort?: number;
  /**
   * Every containerPort of every container of the pods, each once, or undefined when not known (a Deployment applied
   * elsewhere whose ports were not given).
   */
  readonly containerPorts?: number[];
  /** Every label of the pod template. */
  readonly podLabels: { [key: string]: string };
  /**
   * Whether the pods are written outside this app and the app only names them (`ServiceVersion.fromDeploymentName()`,
   * e.g. a Deployment applied by Helm): the manifests then hold no workload for this version.
   */
  readonly definedElsewhere: boolean;
  /**
   * Whether the version has pods (replicas above 0), if known: a version without pods cannot serve requests or
   * receive copies.
   *
   * @default - unknown
   */
  readonly hasPods?: boolean;
}

/**
 * A service in the mesh that routes can send traffic to and mirror traffic to.
 */
export interface IMeshService extends IConstruct {
  /** The Service name. */
  readonly serviceName: string;
  /** The Service namespace, if set. */
  readonly namespace?: string;
  /** The Service's port numbers, or undefined when not known (an imported service). */
  readonly portNumbers?: number[];
  /**
   * The versions behind the service (their `version` labels), or undefined when not known (an imported service).
   * With the Istio API each is a DestinationRule subset of the same name.
   */
  readonly versionNames?: string[];
  /**
   * Whether the service is defined outside this app (`MeshService.fromServiceAttributes()`): routes then declare
   * it as defined elsewhere, so that the analysis of the manifests does not report it missing.
   */
  readonly definedElsewhere: boolean;
  /**
   * The versions behind the service, when this app attaches them (a `MeshService`): routes check that a version
   * they send requests or copies to has pods.
   *
   * @default - unknown (an imported service)
   */
  readonly versions?: IServiceVersion[];
}

/**
 * The name of the Service of one version of a service: `<service>-<version>` (e.g. `httpbin-v1`), which a
 * `MeshService` with `versionServices` writes. The Gateway API has no subsets, so an HTTPRoute reaches one version
 * through a Service that selects only its pods; the name is derived so that routes can address the version Services
 * of a service defined elsewhere too. Not public API.
 */
export function versionServiceName(serviceName: string, version: string): string {
  return `${serviceName}-${version}`;
}

/**
 * A gateway that routes can be attached to (ingress traffic).
 */
export interface IRouteGateway extends IConstruct {
  /** The Gateway's name. */
  readonly gatewayName: string;
  /** The Gateway's namespace, if known. */
  readonly namespace?: string;
  /** The hosts the gateway serves, or undefined when not known (a gateway defined elsewhere). */
  readonly hosts?: string[];
  /** The ports of the gateway's listeners, or undefined when not known (a gateway defined elsewhere). */
  readonly ports?: number[];
  /**
   * Whether the gateway is defined outside this app (`IstioGateway.fromGatewayName()`): routes then declare it as
   * defined elsewhere, so that the analysis of the manifests does not report it missing.
   */
  readonly definedElsewhere: boolean;
}
