import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { HttpbinVersion } from '../workloads/httpbin-version';
import { IstioGateway } from '../istio/istio-gateway';
import { MeshService } from '../istio/mesh-service';
import { MirrorRoute } from '../istio/mirror-route';

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
   * The TLS Secret of the gateway's HTTPS server, e.g. a wildcard certificate for the host's domain.
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
}

/**
 * Istio's traffic-mirroring walkthrough as one chart: httpbin v1 and v2, the `httpbin` Service and
 * DestinationRule, the `httpbin-gateway` Gateway (HTTPS with HTTP redirect) and the `httpbin` VirtualService,
 * routing 100% to v1 and mirroring `mirrorPercent`% to v2.
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
  /** The ingress gateway. */
  public readonly gateway: IstioGateway;
  /** The route. */
  public readonly route: MirrorRoute;

  constructor(scope: Construct, id: string, props: HttpbinMirrorChartProps = {}) {
    super(scope, id, props);
    this.v1 = new HttpbinVersion(this, 'httpbin-v1', { version: 'v1' });
    this.v2 = new HttpbinVersion(this, 'httpbin-v2', { version: 'v2' });
    this.service = new MeshService(this, 'httpbin', { port: 8000, versions: [this.v1, this.v2] });
    this.gateway = new IstioGateway(this, 'httpbin-gateway', {
      name: 'httpbin-gateway',
      hosts: [props.host ?? 'httpbin.example.com'],
      credentialName: props.credentialName ?? 'bookinfo-credential',
    });
    this.route = new MirrorRoute(this, 'httpbin-route', {
      destination: { service: this.service, version: this.v1.version },
      mirror: { service: this.service, version: this.v2.version },
      mirrorPercent: props.mirrorPercent ?? 100,
      gateways: [this.gateway],
    });
  }
}
