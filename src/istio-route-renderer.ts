import * as istio from '../imports/networking.istio.io';
import { ModelDestination, RouteModel } from './route-model';

/** The reserved gateway name that binds a VirtualService to the sidecars of the mesh. */
export const MESH_GATEWAY = 'mesh';

/**
 * Renders a route model as the spec of an Istio `networking.istio.io/v1` VirtualService.
 *
 * One mirror is written as `mirror` + `mirrorPercentage` (the form of Istio's mirroring task); several as `mirrors`
 * (Istio 1.20+), each with its own `percentage`. The two forms are never combined, as Istio rejects that.
 */
export function renderVirtualServiceSpec(model: RouteModel): istio.VirtualServiceSpec {
  const gateways = [...model.gateways, ...(model.mesh && model.gateways.length > 0 ? [MESH_GATEWAY] : [])];
  return {
    hosts: [...model.hosts],
    gateways: gateways.length > 0 ? gateways : undefined,
    http: model.rules.map(rule => {
      const route = rule.destinations.map(d => ({ destination: renderDestination(d), weight: d.weight }));
      if (rule.mirrors.length === 0) {
        return { route };
      }
      if (rule.mirrors.length === 1) {
        const [only] = rule.mirrors;
        return { route, mirror: renderDestination(only.destination), mirrorPercentage: { value: only.percent } };
      }
      return {
        route,
        mirrors: rule.mirrors.map(m => ({ destination: renderDestination(m.destination), percentage: { value: m.percent } })),
      };
    }),
  };
}

function renderDestination(d: ModelDestination): istio.VirtualServiceSpecHttpRouteDestination {
  return { host: d.host, subset: d.subset, port: d.port === undefined ? undefined : { number: d.port } };
}
