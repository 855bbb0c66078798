import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from '../../imports/networking.istio.io';
import { AppIndex } from '../core/app-index';
import { DeclaredObject } from '../core/defined-elsewhere';
import { GatewayHostClaim, MirrorRouteBase, routeKind } from '../core/mirror-route-base';
import { MirrorRouteOptions, ModelBackend, modelBackends, RouteModel } from '../core/route-model';
import { checkGatewayFlavor, gatewayFlavors, isInstance, subjectOf } from '../core/validate';
import { MeshService } from '../services/mesh-service';
import { IIstioGateway } from './istio-gateway';
import { toFqdn } from './rules/hosts';
import { gatewayHostConflictMessage, meshHostConflictMessage } from './rules/virtual-service';
import { ServiceSubsets, subsetsOf } from './service-subsets';
import { hostOf, IstioRouteRenderer } from './virtual-service-renderer';

/**
 * Properties of a `MirrorRoute`.
 */
export interface MirrorRouteProps extends MirrorRouteOptions {
  /**
   * The gateways the route is bound to (ingress traffic).
   *
   * @default - none: the route applies to mesh-internal traffic only
   */
  readonly gateways?: IIstioGateway[];
}

const RENDERER = new IstioRouteRenderer();
/** No claims (a route without a mesh host or without gateways), one list for all. */
const NO_KEYS: readonly never[] = [];
/** This route's gateways, and the other API's (mixing them up is refused). */
const FLAVORS = gatewayFlavors('istio', 'MirrorRoute', 'HttpMirrorRoute');

/**
 * An Istio VirtualService that routes requests to one version of a service (or splits them between versions by
 * weight) and mirrors (shadows) a percentage of them to one or more other versions.
 *
 * Mirrored requests are fire-and-forget: Envoy sends the copy, discards its response, and the client never waits
 * for it. Up to Istio 1.27 the copy's Host/Authority header gets `-shadow` appended (`httpbin-shadow:8000`);
 * Istio 1.28+ no longer does by default (istiod's `DISABLE_SHADOW_HOST_SUFFIX`). The mirror destination is always
 * written with an explicit port: Istio falls back to the service's only port when none is given, so the port is
 * strictly needed only for services with several ports, but an explicit one keeps the mirror on the same port
 * when a port is added to the service later.
 *
 * The route's `timeout` and `requestHeaders` also apply to the mirrored copies; its `retries` do not.
 *
 * @example
 * new MirrorRoute(chart, 'route', {
 *   destination: { service: httpbin, version: 'v1' },
 *   mirror: { service: httpbin, version: 'v2' },
 *   mirrorPercent: 100,
 *   gateways: [gateway],
 * });
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
 */
export class MirrorRoute extends MirrorRouteBase {
  /** `instanceof` narrows to this class (see `MirrorRouteBase`). @internal */
  public static [Symbol.hasInstance](o: unknown): o is MirrorRoute {
    return isInstance(this, o);
  }

  /** The mesh hosts the route claims in the app's index. */
  private readonly meshHostKeys: readonly string[];
  /** The (gateway, host) pairs the route claims in the app's index. */
  private readonly gatewayHostKeys: ReadonlyArray<GatewayHostClaim>;

  /**
   * Defines a `MirrorRoute` (writes a VirtualService).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the route's destinations, mirrors, gateways and policies
   */
  constructor(scope: Construct, id: string, props: MirrorRouteProps) {
    super(scope, id, props, [...checkGatewayFlavor(subjectOf(scope, id), props.gateways, ...FLAVORS)]);
    const model = this._spec.model();
    this.meshHostKeys = this.claimMeshHosts(model);
    this.gatewayHostKeys = this.claimGatewayHosts(model);
    this._writeObject();
  }

  /** The route's problems that its flavor adds: mesh hosts and gateway hosts of another route, subsets it cannot see. @internal */
  protected _flavorProblems(): string[] {
    return [...this.meshHostProblems(), ...this.gatewayHostProblems(), ...this.subsetVisibilityProblems()];
  }

  /** The VirtualService: this route itself (the one construct that writes it). */
  public get virtualService(): ApiObject {
    return this;
  }

  /**
   * A version of a service of this library is a DestinationRule subset: the service gets its `ServiceSubsets` the
   * first time a route addresses one of its versions. A target without a version (a whole service, e.g. a shadow
   * service) needs none.
   *
   * @internal
   */
  protected _targetsChanged(model: RouteModel): void {
    addSubsets(model);
    super._targetsChanged(model);
  }

  /** A stage of a rollout plan may address versions the route does not: their subsets exist in every stage. @internal */
  protected _stageTargets(model: RouteModel): void {
    addSubsets(model);
  }

  /** With the Istio API a backend is the service itself, with the subsets of its DestinationRule. @internal */
  protected _declaredService(backend: ModelBackend): DeclaredObject {
    const { service } = backend;
    return { kind: 'Service', namespace: service.namespace ?? 'default', name: service.serviceName, ports: service.portNumbers, subsets: service.versionNames };
  }

  /**
   * Claims the route's hosts as mesh hosts (a VirtualService without exportTo is visible in every namespace), so that
   * two routes of the app for one mesh host are reported (IST0109: Istio applies one of them, by creation time).
   */
  private claimMeshHosts(model: RouteModel): readonly string[] {
    if (model.meshService === undefined) return NO_KEYS;
    const index = AppIndex.of(this);
    const keys = [...new Set(this.hosts.map(h => `mesh-host|${toFqdn(this.namespace ?? 'default', h)}`))];
    keys.forEach(key => index.claim(key, this));
    return keys;
  }

  /** The mesh hosts of the route that another route of the app claims too (IST0109). */
  private meshHostProblems(): string[] {
    const index = AppIndex.of(this);
    return this.meshHostKeys.flatMap(key => {
      const owners = index.owners(key) as readonly MirrorRoute[];
      return owners.length < 2 ? [] : [`IST0109 ${meshHostConflictMessage(owners.map(r => `${r.namespace ?? 'default'}/${r.routeName}`), key.slice('mesh-host|'.length))}`];
    });
  }

  /**
   * Claims each (gateway, host) pair of the route, so that two routes of the app bound to one gateway for one host are
   * reported (TM0007: Istio merges their rules at the gateway in creation order, so which one applies is undefined).
   */
  private claimGatewayHosts(model: RouteModel): ReadonlyArray<GatewayHostClaim> {
    if (model.gateways.length === 0) return NO_KEYS;
    const index = AppIndex.of(this);
    const namespace = this.namespace ?? 'default';
    const keys: GatewayHostClaim[] = [];
    for (const { gateway } of model.gateways) {
      const ref = `${gateway.namespace ?? 'default'}/${gateway.gatewayName}`;
      for (const host of new Set(this.hosts.map(h => toFqdn(namespace, h)))) {
        keys.push({ key: `gateway-host|${ref}|${host}`, gateway: ref, host });
      }
    }
    keys.forEach(({ key }) => index.claim(key, this));
    return keys;
  }

  /** The (gateway, host) pairs of the route that another route of the app claims too (TM0007). */
  private gatewayHostProblems(): string[] {
    const index = AppIndex.of(this);
    return this.gatewayHostKeys.flatMap(({ key, gateway, host }) => {
      const owners = index.owners(key) as MirrorRoute[];
      return owners.length < 2 ? [] : [`TM0007 ${gatewayHostConflictMessage(owners.map(r => `${r.namespace ?? 'default'}/${r.routeName}`), gateway, host)}`];
    });
  }

  /** A subset is usable only where its DestinationRule is exported to (Istio's `exportTo`). */
  private subsetVisibilityProblems(): string[] {
    const problems: string[] = [];
    for (const b of modelBackends(this._spec.model())) {
      const subsets = b.version === undefined ? undefined : subsetsOf(b.service);
      if (subsets !== undefined && !subsets.isVisibleFrom(this.namespace)) {
        problems.push(`targets subset ${b.version} of ${hostOf(b.service, this.namespace)}, but its DestinationRule (${subsets.node.path}) is not `
          + `exported to the route's namespace ${this.namespace ?? 'default'}: Istio would find no subset ${b.version} there (503, and copies `
          + `dropped); add "${this.namespace ?? 'default'}" (or "*") to the exportTo of that ServiceSubsets`);
      }
    }
    return [...new Set(problems)];
  }
}

function addSubsets(model: RouteModel): void {
  for (const b of modelBackends(model)) {
    if (b.version !== undefined && b.service instanceof MeshService) ServiceSubsets.forService(b.service);
  }
}

routeKind(MirrorRoute, istio.VirtualService.GVK, RENDERER, istio.toJson_VirtualServiceProps);
