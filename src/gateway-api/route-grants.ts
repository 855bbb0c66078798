import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as gw from '../../imports/gateway.networking.k8s.io';
import { claimObjects } from '../core/app-index';
import { IMeshService } from '../core/references';
import { modelBackends, RouteModel } from '../core/route-model';
import { checkDnsSubdomain, fail } from '../core/validate';
import { GATEWAY_API_GROUP } from './gateway-api-gateway';
import { serviceNamesOf } from './http-route-renderer';

/** The route a `RouteGrants` writes grants for. */
interface GrantingRoute extends Construct {
  readonly routeName: string;
  readonly namespace?: string;
}

/**
 * The ReferenceGrants of one Gateway API route: one per target namespace, from routes of the route's kind in its
 * namespace to the Services of the targeted services (a grant names the kind it admits, so an HTTPRoute's and a
 * GRPCRoute's cannot be shared). They follow the route's targets (`follow`), and a stage of a rollout plan must not
 * need one the route does not write (`stageProblems`). Not public API.
 */
export class RouteGrants {
  /** The grants, by target namespace, and the services each covers. */
  private readonly grants = new Map<string, { grant: gw.ReferenceGrantV1Beta1; services: IMeshService[] }>();

  /**
   * @param route the route (the grants are its children, `Grant-<namespace>`)
   * @param kind the route's kind: `HTTPRoute` or `GRPCRoute`
   */
  constructor(private readonly route: GrantingRoute, private readonly kind: string) {}

  /** Writes the grants the targets of `model` need (those in another namespace than the route's). */
  public follow(model: RouteModel): void {
    for (const service of this.crossNamespaceServices(model)) {
      const namespace = service.namespace!;
      let entry = this.grants.get(namespace);
      if (entry === undefined) {
        if (this.route.namespace === undefined) {
          fail(this.route, `service ${service.serviceName} is in namespace ${namespace} but the route has no namespace: the ReferenceGrant there must name `
            + 'the route\'s namespace; set namespace (or the chart\'s namespace)');
        }
        const name = checkDnsSubdomain(this.route, 'ReferenceGrant name', `${this.route.namespace}-${this.route.routeName}-${this.kind.toLowerCase()}`);
        const services: IMeshService[] = [];
        const grant = new gw.ReferenceGrantV1Beta1(this.route, `Grant-${namespace}`, {
          metadata: { name, namespace },
          spec: {
            from: [{ group: GATEWAY_API_GROUP, kind: this.kind, namespace: this.route.namespace }],
            to: Lazy.any({
              produce: () => services.flatMap(s => serviceNamesOf(s)).filter((n, i, all) => all.indexOf(n) === i).map(n => ({ group: '', kind: 'Service', name: n })),
            }),
          },
        });
        entry = { grant, services };
        this.grants.set(namespace, entry);
        claimObjects(this.route, [{ apiVersion: grant.apiVersion, kind: 'ReferenceGrant', namespace, name,
          rename: `name or namespace (the ReferenceGrant is named <namespace>-<name>-${this.kind.toLowerCase()})` }]);
      }
      if (!entry.services.includes(service)) entry.services.push(service);
    }
  }

  /** A stage must not need a ReferenceGrant the route does not write: the stages would differ in more than the route. */
  public stageProblems(model: RouteModel): string[] {
    const ungranted = this.crossNamespaceServices(model).filter(s => !this.grants.get(s.namespace!)?.services.includes(s));
    return ungranted.map(s => `targets service ${s.serviceName} in namespace ${s.namespace}, which the route itself does not `
      + `target, so no ReferenceGrant lets the ${this.kind} reach it: add the service to the route (e.g. as a weighted destination of weight 0)`);
  }

  /** The services of `model` in another namespace than the route's. */
  private crossNamespaceServices(model: RouteModel): IMeshService[] {
    const services = modelBackends(model).map(b => b.service);
    return services.filter((s, i) => services.indexOf(s) === i && s.namespace !== undefined && s.namespace !== this.route.namespace);
  }
}
