import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as gw from '../../imports/gateway.networking.k8s.io';
import { claimObjects } from '../core/app-index';
import { DeclaredObject } from '../core/defined-elsewhere';
import { MirrorRouteBase } from '../core/mirror-route-base';
import { IMeshService } from '../core/references';
import { GrpcMirrorRouteOptions, ModelBackend, RouteModel, RouteRenderer } from '../core/route-model';
import { checkDnsSubdomain, fail } from '../core/validate';
import { GATEWAY_API_GROUP, IGatewayApiGateway } from './gateway-api-gateway';
import { GrpcRouteRenderer } from './grpc-route-renderer';
import { backendServiceName, serviceNamesOf } from './http-route-renderer';

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
  /** The GRPCRoute. */
  public readonly grpcRoute: gw.GrpcRoute;
  /** The ReferenceGrants, by target namespace, and the services each grant covers. */
  private readonly grants = new Map<string, { grant: gw.ReferenceGrantV1Beta1; services: IMeshService[] }>();
  private readonly grantChecks: Array<() => string[]> = [];

  /**
   * Defines a `GrpcMirrorRoute` (writes a GRPCRoute).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the route's destinations, mirrors, gRPC matches, gateways and policies
   */
  constructor(scope: Construct, id: string, props: GrpcMirrorRouteProps) {
    super(scope, id, props, [...(props.gateways ?? [])]);
    let grpcRoute: gw.GrpcRoute | undefined;
    this._writeObject((metadata, spec) => (grpcRoute = new gw.GrpcRoute(this, 'Resource', { metadata, spec })), [() => this.grantChecks.flatMap(c => c())]);
    this.grpcRoute = grpcRoute!;
  }

  /** @internal */
  protected _renderer(): RouteRenderer {
    return RENDERER;
  }

  /** The ReferenceGrants follow the targets. @internal */
  protected _targetsChanged(model: RouteModel): void {
    this.grantTargets(model);
    super._targetsChanged(model);
  }

  /**
   * A stage must not need a ReferenceGrant the route does not write: without it Istio would fail the whole GRPCRoute.
   *
   * @internal
   */
  protected _stageProblems(model: RouteModel): string[] {
    const ungranted = this.crossNamespaceServices(model).filter(s => !this.grants.get(s.namespace!)?.services.includes(s));
    return ungranted.map(s => `targets service ${s.serviceName} in namespace ${s.namespace}, which the route itself does not `
      + 'target, so no ReferenceGrant lets the GRPCRoute reach it: add the service to the route (e.g. as a weighted destination of weight 0)');
  }

  /** With the Gateway API a backend is the version's own Service. @internal */
  protected _declaredService(backend: ModelBackend): DeclaredObject {
    return { kind: 'Service', namespace: backend.service.namespace ?? 'default', name: backendServiceName(backend), ports: backend.service.portNumbers };
  }

  /** The services of `model` in another namespace than the route's. */
  private crossNamespaceServices(model: RouteModel): IMeshService[] {
    const services = model.rules.flatMap(r => [...r.destinations.map(d => d.service), ...r.mirrors.map(m => m.backend.service)]);
    return services.filter((s, i) => services.indexOf(s) === i && s.namespace !== undefined && s.namespace !== this.namespace);
  }

  /**
   * One ReferenceGrant per target namespace, from GRPCRoutes of the route's namespace to the Services of the targeted
   * services: as `HttpMirrorRoute` writes them for HTTPRoutes (a grant names the kind it admits, so the two cannot share one).
   */
  private grantTargets(model: RouteModel): void {
    for (const service of this.crossNamespaceServices(model)) {
      const namespace = service.namespace!;
      let entry = this.grants.get(namespace);
      if (entry === undefined) {
        if (this.namespace === undefined) {
          fail(this, `service ${service.serviceName} is in namespace ${namespace} but the route has no namespace: the ReferenceGrant there must name `
            + 'the route\'s namespace; set namespace (or the chart\'s namespace)');
        }
        const name = checkDnsSubdomain(this, 'ReferenceGrant name', `${this.namespace}-${this.routeName}-grpcroute`);
        const services: IMeshService[] = [];
        const grant = new gw.ReferenceGrantV1Beta1(this, `Grant-${namespace}`, {
          metadata: { name, namespace },
          spec: {
            from: [{ group: GATEWAY_API_GROUP, kind: 'GRPCRoute', namespace: this.namespace }],
            to: Lazy.any({
              produce: () => services.flatMap(s => serviceNamesOf(s)).filter((n, i, all) => all.indexOf(n) === i).map(n => ({ group: '', kind: 'Service', name: n })),
            }),
          },
        });
        entry = { grant, services };
        this.grants.set(namespace, entry);
        this.grantChecks.push(claimObjects(this, [{ apiVersion: grant.apiVersion, kind: 'ReferenceGrant', namespace, name }]));
      }
      if (!entry.services.includes(service)) entry.services.push(service);
    }
  }
}
