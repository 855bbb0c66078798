/**
 * The protocols Istio recognises on a Service port, shared by `MeshService` (which checks the ports it writes) and the
 * analyzer's IST0118 check (which checks ports in any manifest), so the two cannot disagree. Internal: not exported
 * from index.ts.
 */

/**
 * Every value Istio's `protocol.Parse` accepts (case-insensitive), as a port name prefix or an `appProtocol`.
 * `http_proxy` can only come from `appProtocol`: a port name must be a DNS label, which has no `_`.
 *
 * @see https://github.com/istio/istio/blob/master/pkg/config/protocol/instance.go (`Parse`)
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export const ISTIO_PROTOCOLS: readonly string[] = [
  'tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql',
];

/** Ports Istio treats as TCP when the name gives no protocol (SMTP, DNS, MySQL, MongoDB): `wellKnownPorts` in Istio's kube conversion. */
export const WELL_KNOWN_TCP_PORTS: readonly number[] = [25, 53, 3306, 27017];

/**
 * The protocol Istio reads from a port name, as Istio's `kube.ConvertProtocol` does without `appProtocol`: a `grpc-web`
 * prefix, else the part before the first `-` parsed with `protocol.Parse`, else TCP for a well-known port number.
 * Returns undefined when Istio cannot tell (it then falls back to protocol sniffing, and IST0118 reports the port).
 */
export function protocolFromPortName(name: string, port: number): string | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith('grpc-web')) {
    return 'grpc-web';
  }
  const prefix = lower.includes('-') ? lower.slice(0, lower.indexOf('-')) : lower;
  if (ISTIO_PROTOCOLS.includes(prefix)) {
    return prefix;
  }
  return WELL_KNOWN_TCP_PORTS.includes(port) ? 'tcp' : undefined;
}

/**
 * Istio's `kube.ConvertProtocol` (pkg/config/kube/conversion.go): the protocol of a Service port, or undefined where
 * Istio falls back to protocol sniffing. In this order: `protocol: UDP` is UDP whatever the name; an `appProtocol`
 * replaces the name (the Kubernetes names `kubernetes.io/h2c`, `/ws` and `/wss` are HTTP2, HTTP and HTTPS); then the
 * name (or appProtocol) is read like a port name, so `appProtocol: http-foo` is HTTP and a well-known port is TCP.
 */
export function convertProtocol(port: number, name: string, protocol: string | undefined, appProtocol: string | undefined): string | undefined {
  if (protocol === 'UDP') return 'udp';
  if (appProtocol !== undefined) {
    const k8s: Record<string, string> = { 'kubernetes.io/h2c': 'http2', 'kubernetes.io/ws': 'http', 'kubernetes.io/wss': 'https' };
    if (Object.prototype.hasOwnProperty.call(k8s, appProtocol)) return k8s[appProtocol];
    return protocolFromPortName(appProtocol, port);
  }
  return protocolFromPortName(name, port);
}
