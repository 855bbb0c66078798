import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as gw from '../../imports/gateway.networking.k8s.io';
import { changed, claimObjects, memoized } from '../core/app-index';
import { MirrorRouteBase, StageRendering } from '../core/mirror-route-base';
import { IMeshService } from '../core/references';
import { MirrorRouteOptions, MirrorTarget, RouteModel, RouteSpec, WeightedTarget } from '../core/route-model';
import { checkDnsSubdomain, fail } from '../core/validate';
import { GATEWAY_API_GROUP, IGatewayApiGateway } from './gateway-api-gateway';
import { DeclaredObject, DEFINED_ELSEWHERE_ANNOTATION, encodeDefinedElsewhere } from '../istio/rules/defined-elsewhere';
import { backendServiceName, HttpRouteRenderer, serviceNamesOf } from './http-route-renderer';

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
}

const RENDERER = new HttpRouteRenderer();

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
 * new HttpMirrorRoute(chart, 'route', {
 *   destination: { service: httpbin, version: 'v1' },
 *   mirror: { service: httpbin, version: 'v2' },
 *   mirrorPercent: 12.5, // fraction 125/1000
 *   gateways: [gateway],
 * });
 *
 * @see https://gateway-api.sigs.k8s.io/guides/http-request-mirroring/
 */
export class HttpMirrorRoute extends MirrorRouteBase {
  /** The HTTPRoute's name. */
  public readonly routeName: string;
  /** The namespace, if set. */
  public readonly namespace?: string;
  /** The HTTPRoute. */
  public readonly httpRoute: gw.HttpRoute;
  private readonly spec: RouteSpec;
  private readonly routeHosts: string[];
  /** The ReferenceGrants, by target namespace, and the services each grant covers. */
  private readonly grants = new Map<string, { grant: gw.ReferenceGrantV1Beta1; services: IMeshService[] }>();
  private readonly grantChecks: Array<() => string[]> = [];
  /** The model a rollout plan renders in place of the route's own while it writes one of its stages. */
  private stageModel?: RouteModel;

  /**
   * Defines a `HttpMirrorRoute` (writes an HTTPRoute).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props the route's destinations, mirrors, gateways and policies
   */
  constructor(scope: Construct, id: string, props: HttpMirrorRouteProps) {
    super(scope, id);
    const gateways = [...(props.gateways ?? [])];
    this.spec = new RouteSpec(this, props, gateways);
    this.routeName = this.spec.name;
    this.namespace = this.spec.namespace;
    const model = this.spec.model();
    RENDERER.validate(this, model);
    this.routeHosts = RENDERER.hosts(model);

    this.httpRoute = new gw.HttpRoute(this, 'Resource', {
      metadata: { name: this.routeName, namespace: this.namespace },
      spec: Lazy.any({ produce: () => RENDERER.renderSpec(this.stageModel ?? this.spec.model()) }),
    });
    this.grantTargets(model);
    this.annotateDefinedElsewhere(model);
    const duplicates = claimObjects(this, [{ apiVersion: this.httpRoute.apiVersion, kind: 'HTTPRoute', namespace: this.namespace, name: this.routeName }]);
    this.node.addValidation({
      validate: memoized(() => {
        const current = this.spec.model();
        return [...this.spec.problems(current), ...RENDERER.problems(current), ...duplicates(), ...this.grantChecks.flatMap(c => c())];
      }),
    });
  }

  /**
   * Adds a mirror: a copy of `percent`% of the (matched) requests goes to `target` as well, with a `RequestMirror`
   * filter of its own.
   *
   * @param target the service (and version) to copy requests to, and the percentage of requests (default 100)
   */
  public addMirror(target: MirrorTarget): void {
    this.spec.addMirror(`addMirror(${target.service?.serviceName ?? ''})`, target, model => RENDERER.validate(this, model));
    this.grantTargets(this.spec.model());
    this.annotateDefinedElsewhere(this.spec.model());
    changed();
  }

  /** The hostnames of the route (a copy; empty for a mesh route, and for a route that matches every listener hostname). */
  public get hosts(): string[] {
    return [...this.routeHosts];
  }

  /** The highest percentage of requests copied to any mirror (0 when nothing is mirrored). */
  public get mirrorPercent(): number {
    return this.spec.mirrorTargets.reduce((max, m) => Math.max(max, m.percent!), 0);
  }

  /** The mirrors that receive copies (percent above 0), in the order they were given (copies). */
  public get mirrors(): MirrorTarget[] {
    return this.spec.mirrorTargets;
  }

  /**
   * The HTTPRoute as it is in one stage of a rollout plan, rendered through the route's own object.
   *
   * @internal
   */
  public _renderStage(destinations: WeightedTarget[] | undefined, mirrors: MirrorTarget[]): StageRendering {
    const model = this.spec.withTargets(destinations, mirrors);
    RENDERER.validate(this, model);
    this.stageModel = model;
    let manifest: any;
    try {
      manifest = ApiObject.of(this.httpRoute).toJson();
    } finally {
      this.stageModel = undefined;
    }
    // A stage must not need a ReferenceGrant the route does not write: the stages would differ in more than the route.
    const ungranted = this.crossNamespaceServices(model).filter(s => !this.grants.get(s.namespace!)?.services.includes(s));
    const grantProblems = ungranted.map(s => `targets service ${s.serviceName} in namespace ${s.namespace}, which the route itself does not `
      + 'target, so no ReferenceGrant lets the HTTPRoute reach it: add the service to the route (e.g. as a weighted destination of weight 0)');
    // The stage may refer to other objects defined elsewhere than the route does.
    const annotations = { ...manifest.metadata.annotations };
    delete annotations[DEFINED_ELSEWHERE_ANNOTATION];
    const value = this.definedElsewhere(model);
    if (value !== undefined) annotations[DEFINED_ELSEWHERE_ANNOTATION] = value;
    const metadata = { ...manifest.metadata, annotations };
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
    return { manifest: { ...manifest, metadata }, problems: [...this.spec.problems(model), ...RENDERER.problems(model), ...grantProblems] };
  }

  /** Declares on the HTTPRoute the Gateways and Services it refers to that this app does not define (see MirrorRoute). */
  private annotateDefinedElsewhere(model: RouteModel): void {
    // Targets are only ever added (addMirror), so the annotation only grows.
    const value = this.definedElsewhere(model);
    if (value !== undefined) this.httpRoute.metadata.addAnnotation(DEFINED_ELSEWHERE_ANNOTATION, value);
  }

  /** The annotation value for the objects `model` refers to that this app does not define, or undefined. */
  private definedElsewhere(model: RouteModel): string | undefined {
    const outside = (c: IConstruct & { definedElsewhere: boolean }) => c.definedElsewhere || c.node.root !== this.node.root;
    const objects: DeclaredObject[] = [];
    for (const { gateway } of model.gateways) {
      if (outside(gateway)) objects.push({ kind: 'Gateway', namespace: gateway.namespace ?? 'default', name: gateway.gatewayName });
    }
    // With the Gateway API a backend is the version's own Service, so that is what is declared.
    for (const b of model.rules.flatMap(r => [...r.destinations, ...r.mirrors.map(m => m.backend)])) {
      if (outside(b.service)) {
        objects.push({ kind: 'Service', namespace: b.service.namespace ?? 'default', name: backendServiceName(b), ports: b.service.portNumbers });
      }
    }
    return encodeDefinedElsewhere(objects);
  }

  /** The services of `model` in another namespace than the route's. */
  private crossNamespaceServices(model: RouteModel): IMeshService[] {
    const services = model.rules.flatMap(r => [...r.destinations.map(d => d.service), ...r.mirrors.map(m => m.backend.service)]);
    return services.filter((s, i) => services.indexOf(s) === i && s.namespace !== undefined && s.namespace !== this.namespace);
  }

  /** One ReferenceGrant per target namespace: from HTTPRoutes of the route's namespace to the Services of the targeted services. */
  private grantTargets(model: RouteModel): void {
    for (const service of this.crossNamespaceServices(model)) {
      const namespace = service.namespace!;
      let entry = this.grants.get(namespace);
      if (entry === undefined) {
        if (this.namespace === undefined) {
          fail(this, `service ${service.serviceName} is in namespace ${namespace} but the route has no namespace: the ReferenceGrant there must name `
            + 'the route\'s namespace; set namespace (or the chart\'s namespace)');
        }
        const name = checkDnsSubdomain(this, 'ReferenceGrant name', `${this.namespace}-${this.routeName}-httproute`);
        const services: IMeshService[] = [];
        const grant = new gw.ReferenceGrantV1Beta1(this, `Grant-${namespace}`, {
          metadata: { name, namespace },
          spec: {
            from: [{ group: GATEWAY_API_GROUP, kind: 'HTTPRoute', namespace: this.namespace }],
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
