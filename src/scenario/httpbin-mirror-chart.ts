import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { MirrorRouteBase } from '../core/mirror-route-base';
import { IRouteGateway } from '../core/references';
import { GatewayApiGateway } from '../gateway-api/gateway-api-gateway';
import { HttpMirrorRoute } from '../gateway-api/http-mirror-route';
import { HttpbinVersion } from '../workloads/httpbin-version';
import { AccessLogging } from '../istio/access-logging';
import { IstioGateway } from '../istio/istio-gateway';
import { MeshService } from '../services/mesh-service';
import { MirrorRoute } from '../istio/mirror-route';

/**
 * The API the reference scenario is written in.
 */
export enum MeshApi {
  /** Istio's own API: Gateway, VirtualService and DestinationRule of `networking.istio.io`. */
  ISTIO = 'istio',
  /** The Kubernetes Gateway API: Gateway and HTTPRoute of `gateway.networking.k8s.io`, and one Service per version. */
  GATEWAY_API = 'gateway-api',
}

/**
 * Properties of an `HttpbinMirrorChart`.
 */
export interface HttpbinMirrorChartProps extends ChartProps {
  /**
   * The public host of httpbin.
   *
   * @default 'httpbin.example.com'
   */
  readonly host?: string;
  /**
   * The TLS Secret of the gateway's HTTPS server, e.g. a wildcard certificate for the host's domain. With the Istio
   * API it is read from the gateway workload's namespace (istio-system); with the Gateway API from the Gateway's.
   *
   * @default 'bookinfo-credential'
   */
  readonly credentialName?: string;
  /**
   * The percentage of requests mirrored from v1 to v2. 0 is the first stage of the walkthrough: route only,
   * no mirror fields at all.
   *
   * @default 100
   */
  readonly mirrorPercent?: number;
  /**
   * The API the gateway and the route are written in.
   *
   * @default MeshApi.ISTIO
   */
  readonly api?: MeshApi;
  /**
   * Turn on Envoy access logs for httpbin-v2, the mirrored version, with a Telemetry (`AccessLogging`), so that
   * `kubectl logs deploy/httpbin-v2 -c istio-proxy` shows the copies as they arrive. Written for both APIs: Istio
   * applies Telemetry to the sidecars whichever API routes to them.
   *
   * @default true
   */
  readonly accessLogs?: boolean;
}

/**
 * Istio's traffic-mirroring walkthrough as one chart: httpbin v1 and v2, the `httpbin` Service, the `httpbin-gateway`
 * Gateway (HTTPS with HTTP redirect) and the `httpbin` route, routing 100% to v1 and mirroring `mirrorPercent`% to v2.
 *
 * With `MeshApi.ISTIO` (the default) the route is a VirtualService and the versions are subsets of the `httpbin`
 * DestinationRule; with `MeshApi.GATEWAY_API` the route is an HTTPRoute, the versions are the Services `httpbin-v1`
 * and `httpbin-v2`, and the gateway's HTTP listener redirects with an HTTPRoute of its own. Either way the Telemetry
 * `httpbin-v2-access-logs` turns on v2's sidecar access log, where the mirrored copies show up (`accessLogs`).
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
 */
export class HttpbinMirrorChart extends Chart {
  /** httpbin v1, the primary. */
  public readonly v1: HttpbinVersion;
  /** httpbin v2, the mirror target. */
  public readonly v2: HttpbinVersion;
  /** The httpbin service (port `http` 8000). */
  public readonly service: MeshService;
  /** The ingress gateway: an `IstioGateway` or a `GatewayApiGateway`. */
  public readonly gateway: IRouteGateway;
  /** The route: a `MirrorRoute` or an `HttpMirrorRoute`. */
  public readonly route: MirrorRouteBase;
  /** The API the chart is written in. */
  public readonly api: MeshApi;
  /** The access logging of httpbin-v2, unless `accessLogs` is false. */
  public readonly accessLogging?: AccessLogging;

  /**
   * Defines a `HttpbinMirrorChart` (a chart).
   *
   * @param scope the app or chart this belongs to
   * @param id the chart's id, also the name of its manifest file (`<id>.k8s.yaml`)
   * @param props host, credential, mirrored percentage, API and access logs; all optional, plus the chart's own props (`namespace`, ...)
   */
  constructor(scope: Construct, id: string, props: HttpbinMirrorChartProps = {}) {
    super(scope, id, props);
    this.api = props.api ?? MeshApi.ISTIO;
    if (!Object.values(MeshApi).includes(this.api)) {
      throw new Error(`${this.node.path}: api must be one of ${Object.values(MeshApi).join(', ')}, got ${JSON.stringify(this.api)}`);
    }
    const gatewayApi = this.api === MeshApi.GATEWAY_API;
    this.v1 = new HttpbinVersion(this, 'httpbin-v1', { version: 'v1' });
    this.v2 = new HttpbinVersion(this, 'httpbin-v2', { version: 'v2' });
    this.service = new MeshService(this, 'httpbin', {
      port: 8000,
      versions: [this.v1, this.v2],
      ...(gatewayApi ? { versionServices: true } : {}),
    });
    const host = props.host ?? 'httpbin.example.com';
    const credentialName = props.credentialName ?? 'bookinfo-credential';
    const route = {
      destination: { service: this.service, version: this.v1.version },
      mirror: { service: this.service, version: this.v2.version },
      mirrorPercent: props.mirrorPercent ?? 100,
    };
    if (gatewayApi) {
      const gateway = new GatewayApiGateway(this, 'httpbin-gateway', { name: 'httpbin-gateway', hostname: host, credentialName });
      this.gateway = gateway;
      this.route = new HttpMirrorRoute(this, 'httpbin-route', { ...route, gateways: [gateway] });
    } else {
      const gateway = new IstioGateway(this, 'httpbin-gateway', { name: 'httpbin-gateway', hosts: [host], credentialName });
      this.gateway = gateway;
      this.route = new MirrorRoute(this, 'httpbin-route', { ...route, gateways: [gateway] });
    }
    // Last, so that the other objects keep their place in the output.
    if (props.accessLogs ?? true) {
      this.accessLogging = new AccessLogging(this, 'access-logging', { versions: [this.v2] });
    }
  }
}
