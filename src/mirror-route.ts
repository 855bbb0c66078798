import { Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from '../imports/networking.istio.io';
import { IIstioGateway } from './istio-gateway';
import { renderVirtualServiceSpec } from './istio-route-renderer';
import { gatewayRefOf, hostOf, ModelDestination, RouteModel, routeModelProblems, RouteTarget } from './route-model';
import { checkDnsSubdomain, checkHost, checkOptionalDnsLabel, checkPercent, checkPort, fail } from './validate';

/**
 * Properties of a `MirrorRoute`.
 */
export interface MirrorRouteProps {
  /**
   * Where requests go: the primary service version. It receives 100% of the requests and its responses are
   * the ones clients see.
   */
  readonly destination: RouteTarget;
  /**
   * Where copies of the requests go (fire-and-forget: their responses are discarded). The mirrored version must
   * not share state stores (databases, queues) with the primary, or every mirrored write happens twice.
   *
   * @default - no mirroring: the route only routes
   */
  readonly mirror?: RouteTarget;
  /**
   * The percentage of requests copied to the mirror, a decimal from 0 to 100 (`mirrorPercentage.value`).
   * 0 turns mirroring off without removing the mirror from the code: no mirror fields are written.
   *
   * @default 100
   */
  readonly mirrorPercent?: number;
  /**
   * The VirtualService's name.
   *
   * @default - the destination service's name (one VirtualService per service, as Istio recommends)
   */
  readonly name?: string;
  /**
   * The VirtualService's namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The hosts the route applies to.
   *
   * @default - the hosts of the gateways (when they are known), plus the destination service's host when the
   * route applies to the mesh
   */
  readonly hosts?: string[];
  /**
   * The gateways the route is bound to (ingress traffic).
   *
   * @default - none: the route applies to mesh-internal traffic only
   */
  readonly gateways?: IIstioGateway[];
  /**
   * Whether the route also applies to mesh-internal traffic (requests from sidecars), Istio's gateway `mesh`.
   *
   * @default - true when no gateways are given, else false
   */
  readonly includeMesh?: boolean;
}

/**
 * An Istio VirtualService that routes requests to one version of a service and mirrors (shadows) a percentage
 * of them to another.
 *
 * Mirrored requests are fire-and-forget: Envoy sends the copy, discards its response, and the client never waits
 * for it. Up to Istio 1.27 the copy's Host/Authority header gets `-shadow` appended (`httpbin-shadow:8000`);
 * Istio 1.28+ no longer does by default (istiod's `DISABLE_SHADOW_HOST_SUFFIX`). The mirror destination is always
 * written with an explicit port, which ingress gateways need to find the mirrored service's cluster.
 *
 * @example
 * new MirrorRoute(chart, 'route', {
 *   destination: { service: httpbin, subset: 'v1' },
 *   mirror: { service: httpbin, subset: 'v2' },
 *   mirrorPercent: 100,
 *   gateways: [gateway],
 * });
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
 */
export class MirrorRoute extends Construct {
  /** The VirtualService's name. */
  public readonly routeName: string;
  /** The namespace, if set. */
  public readonly namespace?: string;
  /** The percentage of requests mirrored (0 when there is no mirror or mirroring is off). */
  public readonly mirrorPercent: number;
  /** The VirtualService. */
  public readonly virtualService: istio.VirtualService;
  private readonly model: RouteModel;

  constructor(scope: Construct, id: string, props: MirrorRouteProps) {
    super(scope, id);
    if (props.destination === undefined) {
      fail(this, 'destination is required: the service (and subset) that receives the requests');
    }
    this.namespace = checkOptionalDnsLabel(this, 'namespace', props.namespace ?? Chart.of(this).namespace);
    this.routeName = checkDnsSubdomain(this, 'name', props.name ?? props.destination.service.serviceName);
    const percent = checkPercent(this, 'mirrorPercent', props.mirrorPercent ?? 100);
    if (props.mirror === undefined && props.mirrorPercent !== undefined && props.mirrorPercent > 0) {
      fail(this, `mirrorPercent is ${props.mirrorPercent} but there is no mirror: set mirror to the service version that receives the copies`);
    }
    const gateways = props.gateways ?? [];
    const mesh = props.includeMesh ?? gateways.length === 0;
    if (!mesh && gateways.length === 0) {
      fail(this, 'includeMesh is false and no gateways are given: the route would apply to no traffic; add a gateway or include the mesh');
    }

    const primary = this.resolve('destination', props.destination);
    const mirror = props.mirror === undefined ? undefined : this.resolve('mirror', props.mirror);
    if (mirror && mirror.service === primary.service && mirror.subset === primary.subset) {
      fail(this, `mirror is the same as the destination (${primary.host}${primary.subset ? ` subset ${primary.subset}` : ''}): `
        + 'every request would reach that version twice; mirror to another version (subset) of the service');
    }
    this.mirrorPercent = mirror ? percent : 0;

    this.model = {
      name: this.routeName,
      namespace: this.namespace,
      hosts: this.defaultHosts(props.hosts, gateways, mesh, primary),
      gateways: gateways.map(g => this.guard(() => gatewayRefOf(g, this.namespace))),
      mesh,
      rules: [{
        destinations: [{ ...primary, weight: 100 }],
        mirrors: mirror && this.mirrorPercent > 0 ? [{ destination: mirror, percent: this.mirrorPercent }] : [],
      }],
    };
    this.virtualService = new istio.VirtualService(this, 'Resource', {
      metadata: { name: this.routeName, namespace: this.namespace },
      spec: Lazy.any({ produce: () => renderVirtualServiceSpec(this.model) }),
    });
    this.node.addValidation({ validate: () => routeModelProblems(this.model, gateways) });
  }

  /** The hosts the route applies to (a copy). */
  public get hosts(): string[] {
    return [...this.model.hosts];
  }

  private resolve(role: string, target: RouteTarget): ModelDestination {
    if (target.service === undefined) {
      fail(this, `${role}.service is required`);
    }
    const ports = target.service.portNumbers;
    let port = target.port;
    if (port === undefined) {
      if (ports === undefined || ports.length !== 1) {
        fail(this, `${role}.port is required: service ${target.service.serviceName} has `
          + `${ports === undefined ? 'unknown ports' : `several ports (${ports.join(', ')})`}; name the port the route targets`);
      }
      port = ports[0];
    }
    if (target.subset !== undefined && target.subset.length === 0) {
      fail(this, `${role}.subset must not be empty: name a version of ${target.service.serviceName}, or leave it unset for all pods`);
    }
    return {
      service: target.service,
      host: this.guard(() => hostOf(target.service, this.namespace)),
      subset: target.subset,
      port: checkPort(this, `${role}.port`, port),
    };
  }

  private defaultHosts(hosts: string[] | undefined, gateways: IIstioGateway[], mesh: boolean, primary: ModelDestination): string[] {
    if (hosts !== undefined) {
      if (hosts.length === 0) {
        fail(this, 'hosts must not be empty: list the hosts the route applies to, or leave it unset for the default');
      }
      return hosts.map(h => checkHost(this, 'hosts', h, true));
    }
    const result = new Set<string>();
    for (const gateway of gateways) {
      if (gateway.hosts === undefined) {
        fail(this, `hosts is required: the hosts of gateway ${gateway.gatewayName} are not known here; list the hosts the route applies to`);
      }
      gateway.hosts.forEach(h => result.add(h));
    }
    if (mesh) {
      result.add(primary.host);
    }
    return [...result];
  }

  private guard<T>(resolveFn: () => T): T {
    try {
      return resolveFn();
    } catch (e) {
      return fail(this, (e as Error).message);
    }
  }
}
