import { Construct } from 'constructs';
import * as istio from '../../imports/networking.istio.io';
import { routeKind } from '../core/mirror-route-base';
import { GrpcMirrorRouteOptions } from '../core/route-model';
import { isInstance } from '../core/validate';
import { IstioGrpcRouteRenderer } from './grpc-route-renderer';
import { MirrorRoute, MirrorRouteProps } from './mirror-route';

/**
 * Properties of an `IstioGrpcMirrorRoute`.
 */
export interface IstioGrpcMirrorRouteProps extends MirrorRouteProps, GrpcMirrorRouteOptions {}

const RENDERER = new IstioGrpcRouteRenderer();

/**
 * An Istio VirtualService that routes the gRPC calls of a service to one version (or splits them by weight) and mirrors
 * a percentage of them to other versions: a `MirrorRoute` for a gRPC port.
 *
 * Istio routes gRPC as HTTP/2, so the route is a VirtualService `http` route; `mirrorGrpcMatches` select calls by method,
 * written as the path match `/<service>/<method>` that Istio's own GRPCRoute conversion writes (`echo.Echo` and `Ping`
 * → exact `/echo.Echo/Ping`; a service alone → prefix `/echo.Echo/`). Every port the route targets must be one Istio
 * routes as HTTP/2: named `grpc`, `grpc-web` or `http2` (`grpc-<suffix>`, ...); an `http` port is refused, as Istio's
 * sidecars would speak HTTP/1.1 to the pods.
 *
 * @example
 * import { IstioGrpcMirrorRoute, MeshService } from 'cdk8s-traffic-mirror';
 * declare const echo: MeshService; // port `grpc` 9000, versions v1 and v2
 *
 * new IstioGrpcMirrorRoute(chart, 'route', {
 *   destination: { service: echo, version: 'v1' },
 *   mirror: { service: echo, version: 'v2' },
 *   mirrorPercent: 50,
 *   mirrorGrpcMatches: [{ method: { service: 'echo.Echo', method: 'Ping' } }],
 * });
 *
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export class IstioGrpcMirrorRoute extends MirrorRoute {
  /** `instanceof` narrows to this class (see `MirrorRouteBase`). @internal */
  public static [Symbol.hasInstance](o: unknown): o is IstioGrpcMirrorRoute {
    return isInstance(this, o);
  }

  /**
   * Defines an `IstioGrpcMirrorRoute` (writes a VirtualService).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the route's destinations, mirrors, gRPC matches, gateways and policies
   */
  constructor(scope: Construct, id: string, props: IstioGrpcMirrorRouteProps) {
    super(scope, id, props);
  }
}

routeKind(IstioGrpcMirrorRoute, istio.VirtualService.GVK, RENDERER, istio.toJson_VirtualServiceProps);
