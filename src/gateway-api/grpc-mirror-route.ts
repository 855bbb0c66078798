import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as gw from '../../imports/gateway.networking.k8s.io';
import { DeclaredObject } from '../core/defined-elsewhere';
import { MirrorRouteBase, routeKind } from '../core/mirror-route-base';
import { GrpcMirrorRouteOptions, ModelBackend, RouteModel } from '../core/route-model';
import { checkGatewayFlavor, gatewayFlavors, isInstance, subjectOf } from '../core/validate';
import { IGatewayApiGateway } from './gateway-api-gateway';
import { GrpcRouteRenderer } from './grpc-route-renderer';
import { backendServiceName } from './http-route-renderer';
import { RouteGrants } from './route-grants';

/**
 * Properties of a `GrpcMirrorRoute`.
 */
export interface GrpcMirrorRouteProps extends GrpcMirrorRouteOptions {
  /**
   * The Gateways the route attaches to (ingress traffic), each on its `sectionName` listener.
   *
   * @default - none: the route applies to mesh-internal traffic only (a GAMMA route attached to the destination's Service)
   */
  readonly gateways?: IGatewayApiGateway[];
}

const RENDERER = new GrpcRouteRenderer();
/** This route's gateways, and the other API's (mixing them up is refused). */
const FLAVORS = gatewayFlavors('gateway-api', 'GrpcMirrorRoute', 'IstioGrpcMirrorRoute');


/**
 * A Kubernetes Gateway API GRPCRoute that routes the gRPC calls of a service to one version (or splits them by weight)
 * and mirrors a percentage of them to other versions, with `RequestMirror` filters.
 *
 * The gRPC sibling of `HttpMirrorRoute`, with the same targets, mirrors and gateways; calls are selected by gRPC method
 * (`mirrorGrpcMatches`) instead of path and HTTP method, and a GRPCRoute has no timeouts or retries (use
 * `IstioGrpcMirrorRoute` for those). As with `HttpMirrorRoute`, every version the route targets needs its own Service
 * (`MeshService` `versionServices: true`), and targets in another namespace get a ReferenceGrant there (from GRPCRoutes of
 * the route's namespace). Every targeted port must be one Istio routes as HTTP/2 (named `grpc`, `grpc-web` or `http2`).
 *
 * A mirror matters more here than on an HTTPRoute: Istio's GRPCRoute conversion fails the whole route when a mirror's
 * backend cannot be resolved (no Service, no port, no ReferenceGrant), so a broken mirror stops the route's real traffic,
 * not only the copies.
 *
 * @example
 * import { GrpcMirrorRoute, MeshService } from 'cdk8s-traffic-mirror';
 * declare const echo: MeshService; // port `grpc` 9000, versions v1 and v2, versionServices: true
 *
 * new GrpcMirrorRoute(chart, 'route', {
 *   destination: { service: echo, version: 'v1' },
 *   mirror: { service: echo, version: 'v2' },
 *   mirrorPercent: 50,
 *   mirrorGrpcMatches: [{ method: { service: 'echo.Echo', method: 'Ping' } }],
 * });
 *
 * @see https://gateway-api.sigs.k8s.io/api-types/grpcroute/
 */
export class GrpcMirrorRoute extends MirrorRouteBase {
  /** `instanceof` narrows to this class (see `MirrorRouteBase`). @internal */
  public static [Symbol.hasInstance](o: unknown): o is GrpcMirrorRoute {
    return isInstance(this, o);
  }

  /** The ReferenceGrants of the route's targets in other namespaces. */
  private readonly grants = new RouteGrants(this, 'GRPCRoute');

  /**
   * Defines a `GrpcMirrorRoute` (writes a GRPCRoute).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the route's destinations, mirrors, gRPC matches, gateways and policies
   */
  constructor(scope: Construct, id: string, props: GrpcMirrorRouteProps) {
    super(scope, id, props, [...checkGatewayFlavor(subjectOf(scope, id), props.gateways, ...FLAVORS)]);
    this._writeObject();
  }

  /** The GRPCRoute: this route itself (the one construct that writes it). */
  public get grpcRoute(): ApiObject {
    return this;
  }

  /** The ReferenceGrants follow the targets. @internal */
  protected _targetsChanged(model: RouteModel): void {
    this.grants.follow(model);
    super._targetsChanged(model);
  }

  /**
   * A stage must not need a ReferenceGrant the route does not write: without it Istio would fail the whole GRPCRoute.
   *
   * @internal
   */
  protected _stageProblems(model: RouteModel): string[] {
    return this.grants.stageProblems(model);
  }

  /** With the Gateway API a backend is the version's own Service. @internal */
  protected _declaredService(backend: ModelBackend): DeclaredObject {
    return { kind: 'Service', namespace: backend.service.namespace ?? 'default', name: backendServiceName(backend), ports: backend.service.portNumbers };
  }


}

routeKind(GrpcMirrorRoute, gw.GrpcRoute.GVK, RENDERER, gw.toJson_GrpcRouteProps);
