/**
 * Messages of Istio's VirtualService rules that both the route constructs (on their model, at synth time) and the
 * manifest analyzer (on any VirtualService) report, so that one mistake reads the same wherever it is found. Pure
 * (no cdk8s import). Internal: not exported from index.ts.
 */

/**
 * IST0132 (`virtualservice.GatewayAnalyzer`, `vsHostInGateway`): a Gateway the VirtualService is bound to serves none
 * of its hosts, so that gateway never uses the route.
 *
 * @param hosts the VirtualService's hosts
 * @param virtualService `namespace/name` of the VirtualService
 * @param gateway `namespace/name` of the Gateway
 */
export function hostsNotInGatewayMessage(hosts: string[], virtualService: string, gateway: string): string {
  return `one or more host [${hosts.join(' ')}] defined in VirtualService ${virtualService} not found in Gateway ${gateway}. Add the host to a `
    + 'server of the Gateway (or use a wildcard such as "*.example.com"), or bind the VirtualService to the Gateway that serves it; until '
    + 'then the gateway never uses this route.';
}

/**
 * IST0109 (`virtualservice.ConflictingMeshGatewayHostsAnalyzer`): VirtualServices bound to the mesh that are visible in
 * the same namespaces define the same host; Istio applies only one of them.
 *
 * @param virtualServices `namespace/name` of each VirtualService
 * @param host the host they share (as an FQDN)
 */
export function meshHostConflictMessage(virtualServices: string[], host: string): string {
  return `The VirtualServices ${[...virtualServices].sort().join(',')} associated with mesh gateway define the same host ${host} which can lead to `
    + 'undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource (or scoping each with exportTo: ["."]).';
}

/**
 * TM0007 (this library's): VirtualServices bound to the same gateway that define the same host. Istio accepts it and
 * merges their http rules into one route table for that host in an order it does not promise (by creation time), so
 * which rule a request meets first, and whether the mirror applies, depends on the order they were applied.
 *
 * @param virtualServices `namespace/name` of each VirtualService
 * @param gateway `namespace/name` of the Gateway
 * @param host the host they share (as an FQDN)
 */
export function gatewayHostConflictMessage(virtualServices: string[], gateway: string, host: string): string {
  return `The VirtualServices ${[...virtualServices].sort().join(',')} are bound to gateway ${gateway} and define the same host ${host}: `
    + 'Istio merges their rules in creation order, so which route (and mirror) a request gets depends on the order they were applied. '
    + 'Merge them into one VirtualService, or give them distinct hosts.';
}
