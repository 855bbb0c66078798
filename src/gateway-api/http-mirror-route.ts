import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as gw from '../../imports/gateway.networking.k8s.io';
import { AppIndex } from '../core/app-index';
import { DeclaredObject } from '../core/defined-elsewhere';
import { GatewayHostClaim, MirrorRouteBase, routeKind } from '../core/mirror-route-base';
import { SAFE_METHODS } from '../core/request-match';
import { MirrorRouteOptions, ModelBackend, RouteModel } from '../core/route-model';
import { checkGatewayFlavor, fail, gatewayFlavors, isInstance, subjectOf } from '../core/validate';
import { IGatewayApiGateway } from './gateway-api-gateway';
import { GatewayImplementation } from './gateway-implementation';
import { backendServiceName, HttpRouteRenderer } from './http-route-renderer';
import { RouteGrants } from './route-grants';
import { IMPLEMENTATION_ANNOTATION, judgeMirrors, MirrorUse } from './rules/implementations';

/**
 * Properties of an `HttpMirrorRoute`.
 */
export interface HttpMirrorRouteProps extends MirrorRouteOptions {
  /**
   * The Gateways the route attaches to (ingress traffic), each on its `sectionName` listener (a `GatewayApiGateway`
   * that redirects HTTP: its HTTPS listener; an imported Gateway: the listener given to `fromGatewayName()`).
   *
   * @default - none: the route applies to mesh-internal traffic only (a GAMMA route attached to the destination's Service)
   */
  readonly gateways?: IGatewayApiGateway[];
  /**
   * The implementation (and version) that runs this route, checked at synth time: a route (or a stage of its rollout
   * plan) that needs a mirroring feature the implementation does not have, or silently ignores, fails with the
   * feature, the implementation and the fix. Set it for mesh (GAMMA) routes, or to override the gateways'.
   *
   * @default - the `implementation` of each gateway the route attaches to (a `GatewayApiGateway` infers it from
   * well-known class names); none for a mesh route, which is then not checked against an implementation
   */
  readonly implementation?: GatewayImplementation;
}

const RENDERER = new HttpRouteRenderer();
/** This route's gateways, and the other API's (mixing them up is refused). */
const FLAVORS = gatewayFlavors('gateway-api', 'HttpMirrorRoute', 'MirrorRoute');


/**
 * A Kubernetes Gateway API HTTPRoute that routes requests to one version of a service (or splits them by weight) and
 * mirrors a percentage of them to one or more other versions, with `RequestMirror` filters.
 *
 * The sibling of `MirrorRoute` (the Istio API) with the same options, so a route can move between the APIs. The
 * Gateway API has no subsets: every version the route (or a stage of its rollout plan) targets needs its own Service,
 * which a `MeshService` with `versionServices: true` writes (`httpbin-v1`, ...). Targets in another namespace than
 * the route get a ReferenceGrant there (one per namespace, from HTTPRoutes of the route's namespace to the Services
 * of the targeted services).
 *
 * Mirrored copies behave as with the Istio API (Istio implements both with the same Envoy mirror policy), including
 * the `-shadow` suffix of the Host header up to Istio 1.27. Mirror percentages need Istio 1.24.3 or later: 1.24.0 to
 * 1.24.2 mirrored 100 times too few requests for `percent` and `fraction`.
 *
 * @example
 * // HTTPRoutes reach a version through its own Service: httpbin-v1, httpbin-v2 (versionServices).
 * const web = new MeshService(chart, 'web', { port: 8000, versions: [v1, v2], versionServices: true });
 * const webGateway = new GatewayApiGateway(chart, 'web-gateway', {
 *   name: 'web-gateway', hostname: 'web.example.com', credentialName: 'web-credential',
 * });
 * new HttpMirrorRoute(chart, 'web-route', {
 *   destination: { service: web, version: 'v1' },
 *   mirror: { service: web, version: 'v2' },
 *   mirrorPercent: 12.5, // fraction 125/1000
 *   gateways: [webGateway],
 * });
 *
 * @see https://gateway-api.sigs.k8s.io/guides/http-request-mirroring/
 */
export class HttpMirrorRoute extends MirrorRouteBase {
  /** `instanceof` narrows to this class (see `MirrorRouteBase`). @internal */
  public static [Symbol.hasInstance](o: unknown): o is HttpMirrorRoute {
    return isInstance(this, o);
  }

  /** The ReferenceGrants of the route's targets in other namespaces. */
  private readonly grants = new RouteGrants(this, 'HTTPRoute');
  /** The implementations the route is checked against: its own, else its gateways'. */
  private readonly implementations: GatewayImplementation[];
  /** The (gateway, hostname) pairs the route claims in the app's index. */
  private readonly gatewayHostKeys: ReadonlyArray<GatewayHostClaim>;

  /**
   * Defines a `HttpMirrorRoute` (writes an HTTPRoute).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the route's destinations, mirrors, gateways and policies
   */
  constructor(scope: Construct, id: string, props: HttpMirrorRouteProps) {
    super(scope, id, props, [...checkGatewayFlavor(subjectOf(scope, id), props.gateways, ...FLAVORS)]);
    if (props.implementation !== undefined && !(props.implementation instanceof GatewayImplementation)) {
      fail(this, `implementation must be a GatewayImplementation (e.g. GatewayImplementation.of('istio', '1.28')), got ${JSON.stringify(props.implementation)}`);
    }
    const fromGateways = (props.gateways ?? []).map(g => g.implementation).filter((i): i is GatewayImplementation => i !== undefined);
    this.implementations = props.implementation !== undefined ? [props.implementation]
      : fromGateways.filter((i, n) => fromGateways.findIndex(j => j.toString() === i.toString()) === n);
    this.gatewayHostKeys = this.claimGatewayHosts();
    this._writeObject();
    if (props.implementation !== undefined) this.metadata.addAnnotation(IMPLEMENTATION_ANNOTATION, props.implementation.toString());
  }

  /** The HTTPRoute: this route itself (the one construct that writes it). */
  public get httpRoute(): ApiObject {
    return this;
  }

  /** The route's problems that its flavor adds: hostnames of another route on a gateway, features its implementations lack. @internal */
  protected _flavorProblems(): string[] {
    return [...this.gatewayHostProblems(), ...this.implementationProblems(this._spec.model())];
  }

  /** The ReferenceGrants follow the targets. @internal */
  protected _targetsChanged(model: RouteModel): void {
    this.grants.follow(model);
    super._targetsChanged(model);
  }

  /**
   * A stage must not need a ReferenceGrant the route does not write: the stages would differ in more than the route.
   *
   * @internal
   */
  protected _stageProblems(model: RouteModel): string[] {
    return [...this.grants.stageProblems(model), ...this.implementationProblems(model)];
  }

  /**
   * The mirroring features `model` needs that an implementation running the route does not have or ignores (errors
   * of `judgeMirrors`; its warnings are the analyzer's, as a construct validation can only fail).
   */
  private implementationProblems(model: RouteModel): string[] {
    const mirroring = model.rules.filter(r => r.mirrors.length > 0);
    if (mirroring.length === 0 || this.implementations.length === 0) return [];
    const use: MirrorUse = {
      maxMirrorsPerRule: Math.max(...mirroring.map(r => r.mirrors.length)),
      partial: mirroring.some(r => r.mirrors.some(m => m.percent < 100)),
      fraction: mirroring.some(r => r.mirrors.some(m => m.percent < 100 && !Number.isInteger(m.percent))),
      withBodies: mirroring.some(r => r.methods === undefined || r.methods.some(m => !SAFE_METHODS.includes(m))),
    };
    return this.implementations.flatMap(i => judgeMirrors(use, i._choice()).filter(v => v.level === 'error').map(v => v.message));
  }

  /** With the Gateway API a backend is the version's own Service. @internal */
  protected _declaredService(backend: ModelBackend): DeclaredObject {
    return { kind: 'Service', namespace: backend.service.namespace ?? 'default', name: backendServiceName(backend), ports: backend.service.portNumbers };
  }



  /**
   * Two HTTPRoutes for one hostname on one Gateway are merged by the Gateway API, and where their rules match the same
   * requests (every route of this library has a rule for all requests) only the oldest route's rule applies (then the
   * first in alphabetical namespace/name order: GEP-1364's conflict resolution), so the other route's destinations
   * and mirrors silently never apply. The same mistake as Istio's two VirtualServices for one gateway host (TM0007).
   */
  private claimGatewayHosts(): ReadonlyArray<GatewayHostClaim> {
    const model = this._spec.model();
    if (model.gateways.length === 0) return [];
    const index = AppIndex.of(this);
    const keys: GatewayHostClaim[] = [];
    const hosts = this.hosts.length > 0 ? this.hosts : ['*'];
    for (const { gateway } of model.gateways) {
      const ref = `${gateway.namespace ?? 'default'}/${gateway.gatewayName}`;
      for (const host of new Set(hosts)) keys.push({ key: `gateway-api-host|${ref}|${host}`, gateway: ref, host });
    }
    keys.forEach(({ key }) => index.claim(key, this));
    return keys;
  }

  /** The (gateway, hostname) pairs of the route that another HTTPRoute of the app claims too. */
  private gatewayHostProblems(): string[] {
    const index = AppIndex.of(this);
    return this.gatewayHostKeys.flatMap(({ key, gateway, host }) => {
      const owners = index.owners(key) as HttpMirrorRoute[];
      if (owners.length < 2) return [];
      const names = owners.map(r => `${r.namespace ?? 'default'}/${r.routeName} (${r.node.path})`);
      return [`HTTPRoutes ${names.join(' and ')} both attach to Gateway ${gateway} for hostname ${host === '*' ? '(any: no hostnames)' : host}: `
        + 'the Gateway API merges them and, for requests both match, applies only the oldest route\'s rule, so the other\'s destinations and '
        + 'mirrors never apply; put the destinations and mirrors in one route, or give the routes different hostnames'];
    });
  }
}

routeKind(HttpMirrorRoute, gw.HttpRoute.GVK, RENDERER, gw.toJson_HttpRouteProps);
