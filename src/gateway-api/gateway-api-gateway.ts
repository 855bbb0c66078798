import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as gw from '../../imports/gateway.networking.k8s.io';
import { claimObjects } from '../core/app-index';
import { IRouteGateway } from '../core/references';
import { checkDnsLabel, checkDnsSubdomain, checkPort, fail } from '../core/validate';
import { GatewayImplementation } from './gateway-implementation';
import { isGatewayApiHostname } from './rules/http-route';
import { IMPLEMENTATION_ANNOTATION } from './rules/implementations';

/** The API group of the Gateway API's objects, as parentRefs and ReferenceGrants name it. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/**
 * From which namespaces routes may attach to a listener (`allowedRoutes.namespaces.from`).
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#fromnamespaces
 */
export enum RouteNamespaces {
  /** Only routes in the Gateway's namespace (the Gateway API's default). */
  SAME = 'Same',
  /** Routes in every namespace. */
  ALL = 'All',
}

/**
 * A Kubernetes Gateway API Gateway (`gateway.networking.k8s.io`) that `HttpMirrorRoute`s attach to.
 */
export interface IGatewayApiGateway extends IRouteGateway {
  /**
   * The apiVersion of the Gateway object, `gateway.networking.k8s.io/v1`. Only Gateway API gateways have it, so an
   * Istio gateway given where a Gateway API one is expected (an `HttpMirrorRoute`'s `gateways`) fails to compile.
   */
  readonly gatewayApiVersion: string;
  /**
   * The listener routes attach to (their parentRef's `sectionName`), or undefined for every listener. A
   * `GatewayApiGateway` that redirects HTTP to HTTPS takes routes on its `https` listener only.
   */
  readonly sectionName?: string;
  /** The names of the Gateway's listeners, or undefined when not known (a Gateway defined elsewhere). */
  readonly listenerNames?: string[];
  /** From which namespaces routes may attach, or undefined when not known (a Gateway defined elsewhere). */
  readonly routeNamespaces?: RouteNamespaces;
  /**
   * The implementation that runs the Gateway, which routes attached to it are checked against (unless a route names
   * its own), or undefined when not known.
   */
  readonly implementation?: GatewayImplementation;
}

/**
 * Properties of a `GatewayApiGateway`.
 */
export interface GatewayApiGatewayProps {
  /**
   * The host the gateway serves (the listeners' `hostname`), e.g. `httpbin.example.com` or `*.example.com`.
   */
  readonly hostname: string;
  /**
   * The Kubernetes TLS Secret (`kubernetes.io/tls`) holding the certificate of the HTTPS listener. Unlike Istio's
   * Gateway (which reads it from the gateway workload's namespace, usually istio-system), the Gateway API looks it
   * up in the Gateway's namespace unless `credentialNamespace` says otherwise.
   */
  readonly credentialName: string;
  /**
   * The namespace of the Secret. A Secret in another namespace than the Gateway's needs a ReferenceGrant there,
   * which this construct writes (from Gateways in the Gateway's namespace to that Secret).
   *
   * @default - the Gateway's namespace
   */
  readonly credentialNamespace?: string;
  /**
   * The Gateway's name. With the `istio` class, Istio deploys the gateway as a Deployment and Service named
   * `<name>-istio`, so the name has at most 57 characters.
   *
   * @default - a name generated from the construct path
   */
  readonly name?: string;
  /**
   * The Gateway's namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The GatewayClass: which controller implements the Gateway.
   *
   * @default 'istio'
   */
  readonly gatewayClassName?: string;
  /**
   * Port of the HTTPS listener.
   *
   * @default 443
   */
  readonly httpsPort?: number;
  /**
   * Port of the HTTP listener.
   *
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * Answer plain HTTP requests on the HTTP listener with a redirect to HTTPS (301), with an HTTPRoute of its own
   * (`<name>-https-redirect`); routes then attach to the HTTPS listener only. When false, routes attach to both.
   *
   * @default true
   */
  readonly httpsRedirect?: boolean;
  /**
   * From which namespaces routes may attach to the listeners.
   *
   * @default RouteNamespaces.SAME
   */
  readonly routeNamespaces?: RouteNamespaces;
  /**
   * The implementation (and version) that runs this Gateway. Routes attached to it are checked against it at synth
   * time: a route that needs a mirroring feature the implementation does not have, or silently ignores (Contour's
   * mirror percentages), fails. Give the version (`GatewayImplementation.of('istio', '1.28')`) where support changed.
   *
   * @default - the implementation `gatewayClassName` names when it is a well-known class (`istio`, `eg`, `nginx`,
   * `kgateway`, `contour`, `cilium`, `gke-l7-*`, `kong`, `traefik`), without version; for any other class, none (routes
   * are not checked against an implementation)
   */
  readonly implementation?: GatewayImplementation;
}

/** The listener routes attach to when HTTP is redirected. */
const HTTPS_LISTENER = 'https';
const HTTP_LISTENER = 'http';

/**
 * A Kubernetes Gateway API Gateway: an HTTPS listener for one host and an HTTP listener that redirects to it.
 *
 * With the default class `istio`, Istio deploys a gateway (Envoy) Deployment and a LoadBalancer Service named
 * `<name>-istio` in the Gateway's namespace for it (automated deployment); no istio-ingressgateway is involved.
 *
 * @example
 * new GatewayApiGateway(chart, 'gateway', {
 *   name: 'httpbin-gateway',
 *   hostname: 'httpbin.example.com',
 *   credentialName: 'httpbin-credential',
 * });
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#gateway
 * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/gateway-api/
 */
/** The apiVersion Gateway API Gateways are written with. */
const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

export class GatewayApiGateway extends Construct implements IGatewayApiGateway {
  /**
   * Refers to a Gateway defined elsewhere, such as a shared gateway of the platform team.
   *
   * @param scope the chart (or any construct inside one) that refers to the gateway
   * @param id the construct id, unique among `scope`'s children (no Kubernetes object is written)
   * @param gatewayName `name` (in the chart's namespace) or `namespace/name`, e.g. `infra/shared-gateway`
   * @param sectionName the listener routes attach to
   */
  public static fromGatewayName(scope: Construct, id: string, gatewayName: string, sectionName?: string): IGatewayApiGateway {
    return new ImportedGatewayApiGateway(scope, id, gatewayName, sectionName);
  }

  public readonly gatewayApiVersion = GATEWAY_API_VERSION;
  public readonly gatewayName: string;
  public readonly namespace?: string;
  public readonly definedElsewhere = false;
  public readonly sectionName?: string;
  public readonly routeNamespaces?: RouteNamespaces;
  public readonly implementation?: GatewayImplementation;
  /** The GatewayClass. */
  public readonly gatewayClassName: string;
  /** The Gateway object. */
  public readonly gateway: gw.Gateway;
  /** The HTTPRoute that redirects HTTP to HTTPS, when `httpsRedirect` is true. */
  public readonly redirectRoute?: gw.HttpRoute;
  /** The ReferenceGrant that lets the Gateway read a Secret of another namespace, when `credentialNamespace` is another. */
  public readonly secretGrant?: gw.ReferenceGrantV1Beta1;
  private readonly hostname: string;
  private readonly listenerPorts: number[];

  /**
   * Defines a `GatewayApiGateway` (writes a Gateway of `gateway.networking.k8s.io/v1`).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the Gateway's name, hostname, TLS Secret and listeners
   */
  constructor(scope: Construct, id: string, props: GatewayApiGatewayProps) {
    super(scope, id);
    if (typeof props.hostname !== 'string' || !isGatewayApiHostname(props.hostname)) {
      fail(this, `hostname must be a lowercase DNS name such as "httpbin.example.com" (a leading "*." wildcard is allowed; "*" alone and IP `
        + `addresses are not, as the Gateway API rejects them), got ${JSON.stringify(props.hostname)}`);
    }
    this.hostname = props.hostname;
    this.namespace = props.namespace === undefined ? Chart.of(this).namespace : checkDnsLabel(this, 'namespace', props.namespace);
    this.gatewayClassName = checkDnsSubdomain(this, 'gatewayClassName', props.gatewayClassName ?? 'istio');
    if (props.implementation !== undefined && !(props.implementation instanceof GatewayImplementation)) {
      fail(this, `implementation must be a GatewayImplementation (e.g. GatewayImplementation.of('istio', '1.28')), got ${JSON.stringify(props.implementation)}`);
    }
    this.implementation = props.implementation ?? GatewayImplementation.fromGatewayClassName(this.gatewayClassName);
    const credentialName = checkDnsSubdomain(this, 'credentialName', props.credentialName);
    const credentialNamespace = props.credentialNamespace === undefined ? undefined : checkDnsLabel(this, 'credentialNamespace', props.credentialNamespace);
    const httpsPort = checkPort(this, 'httpsPort', props.httpsPort ?? 443);
    const httpPort = checkPort(this, 'httpPort', props.httpPort ?? 80);
    if (httpPort === httpsPort) {
      fail(this, `httpPort and httpsPort are both ${httpPort}: the HTTP and HTTPS listeners need different ports`);
    }
    const redirect = props.httpsRedirect ?? true;
    this.routeNamespaces = props.routeNamespaces ?? RouteNamespaces.SAME;
    const allowedRoutes = this.routeNamespaces === RouteNamespaces.SAME ? undefined : { namespaces: { from: this.routeNamespaces as string as any } };
    const crossNamespaceSecret = credentialNamespace !== undefined && credentialNamespace !== this.namespace;
    if (crossNamespaceSecret && this.namespace === undefined) {
      fail(this, `credentialNamespace is ${credentialNamespace} but the Gateway has no namespace: the ReferenceGrant there must name the `
        + 'Gateway\'s namespace; set namespace (or the chart\'s namespace)');
    }

    this.gateway = new gw.Gateway(this, 'Resource', {
      // An explicit `name: undefined` would override the name cdk8s generates, so only pass a name that is set.
      metadata: { ...(props.name === undefined ? {} : { name: checkDnsSubdomain(this, 'name', props.name) }), namespace: this.namespace },
      spec: {
        gatewayClassName: this.gatewayClassName,
        listeners: [
          {
            name: HTTPS_LISTENER,
            protocol: 'HTTPS',
            port: httpsPort,
            hostname: this.hostname,
            tls: {
              mode: gw.GatewaySpecListenersTlsMode.TERMINATE,
              certificateRefs: [{ group: '', kind: 'Secret', name: credentialName, namespace: crossNamespaceSecret ? credentialNamespace : undefined }],
            },
            allowedRoutes,
          },
          { name: HTTP_LISTENER, protocol: 'HTTP', port: httpPort, hostname: this.hostname, allowedRoutes },
        ],
      },
    });
    this.gatewayName = this.gateway.name;
    // Only a given implementation is recorded: the analysis infers the default from the class as the construct does.
    if (props.implementation !== undefined) this.gateway.metadata.addAnnotation(IMPLEMENTATION_ANNOTATION, props.implementation.toString());
    if (this.gatewayClassName === 'istio' && (this.gatewayName.length > 57 || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(this.gatewayName))) {
      fail(this, `name ${JSON.stringify(this.gatewayName)} cannot be the name of an Istio gateway: Istio deploys it as a Deployment and Service `
        + 'named <name>-istio, so the name must be an RFC 1035 label (lowercase letters, digits and \'-\', starting with a letter) of at most '
        + '57 characters');
    }
    this.sectionName = redirect ? HTTPS_LISTENER : undefined;
    this.listenerPorts = [httpsPort, httpPort];

    const claimed = [{ apiVersion: this.gateway.apiVersion, kind: 'Gateway', namespace: this.namespace, name: this.gatewayName }];
    if (redirect) {
      const name = `${this.gatewayName}-https-redirect`;
      this.redirectRoute = new gw.HttpRoute(this, 'HttpsRedirect', {
        metadata: { name, namespace: this.namespace },
        spec: {
          parentRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: this.gatewayName, sectionName: HTTP_LISTENER }],
          hostnames: [this.hostname],
          rules: [{
            filters: [{
              type: gw.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
              requestRedirect: {
                scheme: gw.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                // Without a port the redirect goes to the scheme's well-known port (443).
                port: httpsPort === 443 ? undefined : httpsPort,
                statusCode: gw.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
              },
            }],
          }],
        },
      });
      claimed.push({ apiVersion: this.redirectRoute.apiVersion, kind: 'HTTPRoute', namespace: this.namespace, name });
    }
    if (crossNamespaceSecret) {
      const name = `${this.namespace}-${this.gatewayName}-gateway`;
      this.secretGrant = new gw.ReferenceGrantV1Beta1(this, 'SecretGrant', {
        metadata: { name: checkDnsSubdomain(this, 'ReferenceGrant name', name), namespace: credentialNamespace },
        spec: {
          from: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: this.namespace! }],
          to: [{ group: '', kind: 'Secret', name: credentialName }],
        },
      });
      claimed.push({ apiVersion: this.secretGrant.apiVersion, kind: 'ReferenceGrant', namespace: credentialNamespace, name });
    }
    claimObjects(this, claimed);
  }

  /** The host the gateway serves, as a list (a copy). */
  public get hosts(): string[] | undefined {
    return [this.hostname];
  }

  /** The ports of the listeners (a copy). */
  public get ports(): number[] | undefined {
    return [...this.listenerPorts];
  }

  /** The names of the listeners (a copy). */
  public get listenerNames(): string[] | undefined {
    return [HTTPS_LISTENER, HTTP_LISTENER];
  }
}

class ImportedGatewayApiGateway extends Construct implements IGatewayApiGateway {
  public readonly definedElsewhere = true;
  public readonly gatewayApiVersion = GATEWAY_API_VERSION;
  public readonly gatewayName: string;
  public readonly namespace?: string;
  public readonly sectionName?: string;
  public readonly hosts?: string[];
  public readonly ports?: number[];
  public readonly listenerNames?: string[];
  public readonly routeNamespaces?: RouteNamespaces;

  constructor(scope: Construct, id: string, reference: string, sectionName: string | undefined) {
    super(scope, id);
    const parts = typeof reference === 'string' ? reference.split('/') : [];
    if (parts.length < 1 || parts.length > 2 || parts.some(p => p.length === 0)) {
      fail(this, `gateway reference must be "name" or "namespace/name", e.g. "infra/shared-gateway", got ${JSON.stringify(reference)}`);
    }
    // Istio's legacy "<name>.<namespace>" reference means another namespace there; in the Gateway API a dotted name is
    // only a name, so a user used to the Istio form would attach to a Gateway that does not exist. A Gateway whose name
    // really has a dot is written with its namespace ("default/gw.internal").
    if (parts.length === 1 && reference.includes('.')) {
      const [name, namespace] = reference.split('.');
      fail(this, `gateway reference ${JSON.stringify(reference)} looks like Istio's legacy "<name>.<namespace>" form, which the Gateway API does not `
        + `have (it would be a Gateway named ${JSON.stringify(reference)} in the chart's namespace): write "${namespace}/${name}", or `
        + `"<namespace>/${reference}" if the Gateway's name really contains a dot`);
    }
    this.gatewayName = checkDnsSubdomain(this, 'gateway name', parts[parts.length - 1]);
    this.namespace = parts.length === 2 ? checkDnsLabel(this, 'gateway namespace', parts[0]) : Chart.of(this).namespace;
    this.sectionName = sectionName === undefined ? undefined : checkDnsLabel(this, 'sectionName', sectionName);
  }
}
