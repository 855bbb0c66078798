import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from '../../imports/networking.istio.io';
import { addCheck, AppIndex, claimObjects } from '../core/app-index';
import { IRouteGateway } from '../core/references';
import { gatewayConflictMessage } from './rules/gateway';
import { splitGatewayHost } from './rules/hosts';
import { checkArray, checkDnsLabel, checkDnsSubdomain, checkHost, checkLabelKey, checkLabelValue, checkOptionalDnsLabel, checkPort, fail } from '../core/validate';

/**
 * How the gateway terminates TLS on its HTTPS server.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode
 */
export enum GatewayTlsMode {
  /** Standard TLS with the certificate in `credentialName`. */
  SIMPLE = 'SIMPLE',
  /** Mutual TLS: clients must present a certificate signed by the CA in the credential. */
  MUTUAL = 'MUTUAL',
  /** Mutual TLS when the client offers a certificate, plain TLS otherwise. */
  OPTIONAL_MUTUAL = 'OPTIONAL_MUTUAL',
}

/**
 * Properties of an `IstioGateway`.
 */
export interface IstioGatewayProps {
  /**
   * The hosts the gateway serves, e.g. `httpbin.example.com` or `*.example.com`.
   */
  readonly hosts: string[];
  /**
   * The Gateway's name.
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
   * Labels of the gateway workload (the Envoy pods) that applies this configuration.
   *
   * @default { istio: 'ingressgateway' }
   */
  readonly selector?: { [key: string]: string };
  /**
   * Serve HTTPS. It needs `credentialName`.
   *
   * @default true
   */
  readonly https?: boolean;
  /**
   * The Kubernetes Secret holding the TLS certificate and key (for MUTUAL also the CA), in the namespace of the
   * gateway workload (usually `istio-system`). A wildcard certificate such as `*.example.com` serves many hosts.
   *
   * @default - none; required when `https` is true
   */
  readonly credentialName?: string;
  /**
   * TLS mode of the HTTPS server.
   *
   * @default GatewayTlsMode.SIMPLE
   */
  readonly tlsMode?: GatewayTlsMode;
  /**
   * Port of the HTTPS server.
   *
   * Istio's default istio-ingressgateway Service exposes 443 with targetPort 8443. Either works: Istio maps a server
   * port equal to a Service port to its targetPort, and istioctl (since Istio 1.23) accepts a Service port as well as a
   * target port (IST0162 is reported only for a port that is neither).
   *
   * @default 443
   */
  readonly httpsPort?: number;
  /**
   * Serve plain HTTP as well.
   *
   * @default true
   */
  readonly http?: boolean;
  /**
   * Port of the HTTP server.
   *
   * As for `httpsPort`: the default istio-ingressgateway Service maps 80 to targetPort 8080, and either port is
   * served and accepted by istioctl.
   *
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * Answer plain HTTP requests with a redirect to HTTPS (301). Requires `https`.
   *
   * @default - true when `https` is true, else false
   */
  readonly httpsRedirect?: boolean;
}

/**
 * An Istio Gateway (`networking.istio.io`) that routes can bind to.
 */
export interface IIstioGateway extends IRouteGateway {
  /**
   * The apiVersion of the Gateway object, `networking.istio.io/v1`. Only Istio gateways have it, so a Gateway API
   * gateway given where an Istio one is expected (a `MirrorRoute`'s `gateways`) fails to compile.
   */
  readonly istioApiVersion: string;
  /** The labels of the gateway workload that applies the Gateway, or undefined when not known (a gateway defined elsewhere). */
  readonly selector?: { [key: string]: string };
}

/**
 * An Istio ingress Gateway: the HTTPS (and optionally redirecting HTTP) entry point of a set of hosts.
 *
 * @example
 * new IstioGateway(chart, 'gateway', {
 *   name: 'httpbin-gateway',
 *   hosts: ['httpbin.example.com'],
 *   credentialName: 'wildcard-example-com',
 * });
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
/** The apiVersion Istio Gateways are written with. */
const ISTIO_GATEWAY_API_VERSION = 'networking.istio.io/v1';

export class IstioGateway extends Construct implements IIstioGateway {
  /**
   * Refers to a Gateway defined elsewhere, such as a shared ingress gateway.
   *
   * @param scope the chart (or any construct inside one) that refers to the gateway
   * @param id the construct id, unique among `scope`'s children (no Kubernetes object is written)
   * @param gatewayName `name` (in the chart's namespace) or `namespace/name`, e.g. `istio-system/shared-gateway`; the legacy
   *   `name.namespace` form is refused, since Istio and istioctl read it differently
   */
  public static fromGatewayName(scope: Construct, id: string, gatewayName: string): IIstioGateway {
    return new ImportedIstioGateway(scope, id, gatewayName);
  }

  public readonly istioApiVersion = ISTIO_GATEWAY_API_VERSION;
  public readonly gatewayName: string;
  public readonly namespace?: string;
  public readonly definedElsewhere = false;
  public readonly selector?: { [key: string]: string };
  /** The Gateway object. */
  public readonly gateway: istio.Gateway;
  private readonly servedHosts: string[];
  private readonly serverPorts: number[];

  /**
   * Defines a `IstioGateway` (writes an Istio Gateway).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the Gateway's name, hosts, TLS Secret and servers
   */
  constructor(scope: Construct, id: string, props: IstioGatewayProps) {
    super(scope, id);
    if (!props.hosts || props.hosts.length === 0) {
      fail(this, 'hosts must list at least one host the gateway serves, e.g. ["httpbin.example.com"]');
    }
    this.servedHosts = checkArray(this, 'hosts', props.hosts).map((h, i) => checkGatewayHost(this, `hosts[${i}]`, h));
    this.namespace = checkOptionalDnsLabel(this, 'namespace', props.namespace ?? Chart.of(this).namespace);
    const selector = { ...(props.selector ?? { istio: 'ingressgateway' }) };
    this.selector = selector;
    if (Object.keys(selector).length === 0) {
      fail(this, 'selector must not be empty: an empty selector applies the gateway to every gateway workload; e.g. { istio: "ingressgateway" }');
    }
    for (const [key, value] of Object.entries(selector)) {
      checkLabelKey(this, 'selector', key);
      checkLabelValue(this, `selector["${key}"]`, value);
    }

    const https = props.https ?? true;
    const http = props.http ?? true;
    const httpsRedirect = props.httpsRedirect ?? https;
    if (!https && !http) {
      fail(this, 'https and http are both false: the gateway would serve nothing; enable at least one');
    }
    if (httpsRedirect && !https) {
      fail(this, 'httpsRedirect is true but https is false: a redirect needs an HTTPS server to go to; set https: true (with credentialName)');
    }
    if (httpsRedirect && !http) {
      fail(this, 'httpsRedirect is true but http is false: the redirect is served on the HTTP server; set http: true or drop httpsRedirect');
    }
    if (https && props.credentialName === undefined) {
      fail(this, 'HTTPS needs a credentialName: the name of the Kubernetes TLS Secret (in the gateway workload\'s namespace, '
        + 'usually istio-system) holding the certificate, e.g. credentialName: "httpbin-credential"; or set https: false');
    }
    if (!https && (props.credentialName !== undefined || props.tlsMode !== undefined)) {
      fail(this, 'credentialName and tlsMode only apply to the HTTPS server, but https is false');
    }
    const httpPort = checkPort(this, 'httpPort', props.httpPort ?? 80);
    const httpsPort = checkPort(this, 'httpsPort', props.httpsPort ?? 443);
    if (http && https && httpPort === httpsPort) {
      fail(this, `httpPort and httpsPort are both ${httpPort}: the HTTP and HTTPS servers need different ports`);
    }

    const servers: istio.GatewaySpecServers[] = [];
    if (http) {
      servers.push({
        port: { number: httpPort, name: 'http', protocol: 'HTTP' },
        hosts: this.servedHosts,
        tls: httpsRedirect ? { httpsRedirect: true } : undefined,
      });
    }
    if (https) {
      servers.push({
        port: { number: httpsPort, name: 'https', protocol: 'HTTPS' },
        hosts: this.servedHosts,
        tls: {
          mode: (props.tlsMode ?? GatewayTlsMode.SIMPLE) as string as istio.GatewaySpecServersTlsMode,
          credentialName: checkDnsSubdomain(this, 'credentialName', props.credentialName!),
        },
      });
    }
    this.gateway = new istio.Gateway(this, 'Resource', {
      // An explicit `name: undefined` would override the name cdk8s generates, so only pass a name that is set.
      metadata: { ...(props.name === undefined ? {} : { name: checkDnsSubdomain(this, 'name', props.name) }), namespace: this.namespace },
      spec: { selector: { ...selector }, servers },
    });
    this.gatewayName = this.gateway.name;
    this.serverPorts = servers.map(server => server.port.number);
    claimObjects(this, [{ apiVersion: this.gateway.apiVersion, kind: 'Gateway', namespace: this.namespace, name: this.gatewayName }]);
    const conflicts = this.claimServers(selector, servers);
    addCheck(this, conflicts);
  }

  /** The hosts the gateway serves (a copy). */
  public get hosts(): string[] | undefined {
    return [...this.servedHosts];
  }

  /** The ports of the gateway's servers (a copy). */
  public get ports(): number[] | undefined {
    return [...this.serverPorts];
  }

  /**
   * Claims each (workload selector, port, host) of the servers, so that two gateways of the app on the same workload
   * that serve one host on one port are reported (IST0145: Envoy serves only one of them).
   */
  private claimServers(selector: { [key: string]: string }, servers: istio.GatewaySpecServers[]): () => string[] {
    const index = AppIndex.of(this);
    const workload = Object.keys(selector).sort().map(k => `${k}=${selector[k]}`).join(',');
    const keys = servers.flatMap(server => (server.hosts ?? []).map(host => ({ port: server.port.number, key: `gateway-server|${workload}|${server.port.number}|${host}` })));
    keys.forEach(({ key }) => index.claim(key, this));
    return () => {
      const byPort = new Map<number, Set<string>>();
      for (const { port, key } of keys) {
        for (const other of index.owners(key)) {
          if (other === this) continue;
          const g = other as IstioGateway;
          byPort.set(port, (byPort.get(port) ?? new Set()).add(`${g.namespace ?? 'default'}/${g.gatewayName}`));
        }
      }
      return [...byPort.entries()].map(([port, others]) => `IST0145 ${gatewayConflictMessage([...others], workload, port, this.servedHosts)}`);
    };
  }
}

class ImportedIstioGateway extends Construct implements IIstioGateway {
  public readonly definedElsewhere = true;
  public readonly istioApiVersion = ISTIO_GATEWAY_API_VERSION;
  public readonly gatewayName: string;
  public readonly namespace?: string;
  public readonly hosts?: string[];
  public readonly ports?: number[];

  constructor(scope: Construct, id: string, reference: string) {
    super(scope, id);
    const parts = reference.split('/');
    if (parts.length > 2 || parts.some(p => p.length === 0)) {
      fail(this, `gateway reference must be "name" or "namespace/name", e.g. "istio-system/shared-gateway", got ${JSON.stringify(reference)}`);
    }
    if (reference === 'mesh') {
      fail(this, '"mesh" is not a gateway: it stands for the sidecars of the mesh; bind a route to it with includeMesh: true');
    }
    // Istio's resolveGatewayName reads a reference without "/" but with a dot as the legacy "<name>.<namespace>[.svc...]"
    // form, while istioctl (and kubectl) take it as a name in the route's namespace: the two disagree, so refuse it.
    if (parts.length === 1 && reference.includes('.')) {
      const [name, namespace] = reference.split('.');
      fail(this, `gateway reference must be "name" or "namespace/name", got ${JSON.stringify(reference)}: a dotted name is the legacy `
        + `"<name>.<namespace>" form, which Istio reads as "${namespace}/${name}" but istioctl as a name in the route's namespace; `
        + `write "${namespace}/${name}"`);
    }
    this.gatewayName = checkDnsSubdomain(this, 'gateway name', parts[parts.length - 1]);
    this.namespace = parts.length === 2 ? checkDnsLabel(this, 'gateway namespace', parts[0]) : Chart.of(this).namespace;
  }
}

/**
 * A Gateway server host: a DNS name (or `*`, `*.domain`), optionally namespace-scoped as Istio allows, `./host` (only
 * VirtualServices of the Gateway's namespace bind to it), `ns/host` or `*\/host`.
 */
function checkGatewayHost(scope: Construct, what: string, value: string): string {
  if (typeof value === 'string' && value.includes('/')) {
    const { namespace, host } = splitGatewayHost(value);
    if (namespace !== '*' && namespace !== '.') checkDnsLabel(scope, `${what}: the namespace of ${JSON.stringify(value)}`, namespace);
    checkHost(scope, what, host, true);
    return value;
  }
  return checkHost(scope, what, value, true);
}
