/**
 * Messages of Istio's Gateway rules that both the gateway constructs (at synth time) and the manifest analyzer report,
 * so that one mistake reads the same wherever it is found. Pure (no cdk8s import). Internal: not exported from index.ts.
 */

/**
 * IST0145 (`gateway.ConflictingGatewayAnalyzer`): servers of different Gateways on the same port of the same gateway
 * workload declare the same host.
 *
 * @param others `namespace/name` of the other Gateways
 * @param workload the workload selector, `k=v,...` sorted by key
 * @param port the server port
 * @param hosts the hosts of the reported Gateway's server
 */
export function gatewayConflictMessage(others: string[], workload: string, port: number | string, hosts: string[]): string {
  return `Conflict with gateways ${[...others].sort().join(',')} (workload selector ${workload}, port ${port}, hosts ${hosts.join(',')}). `
    + 'Merge the servers into one Gateway, or give them distinct hosts or ports.';
}
