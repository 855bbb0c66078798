/**
 * The Service analyzers, as istioctl's `pkg/config/analysis/analyzers/service/`. Internal: not exported from index.ts.
 *
 * - `PortNameAnalyzer` (portname.go): IST0118.
 */
import { ISTIO_PROTOCOLS, protocolFromPortName } from '../../istio/rules/protocols';
import { asArray, isObject } from '../hosts';
import { ManifestIndex, Obj } from '../manifest-index';
import { Report } from '../report';

/** Kubernetes-defined appProtocol values Istio maps to its own protocols. */
const K8S_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss']);

/** Runs every Service analyzer. */
export function analyzeServices(index: ManifestIndex, report: Report): void {
  for (const svc of index.services) {
    checkPortNames(report, svc);
  }
}

/** IST0118 (`service.PortNameAnalyzer`). */
function checkPortNames(report: Report, svc: Obj): void {
  if (svc.namespace === 'kube-system' || svc.namespace === 'kube-public') return;
  const labels = isObject(svc.metadata.labels) ? svc.metadata.labels : {};
  if ('istio' in labels || labels.release === 'istio') return; // Istio's own control plane and gateways
  if (svc.spec.type === 'ExternalName') return; // istioctl reports IST0150 for these instead
  for (const p of asArray(svc.spec.ports)) {
    if (!isObject(p) || portProtocolKnown(p)) continue;
    const name = typeof p.name === 'string' ? p.name : '';
    const targetPort = p.targetPort ?? p.port;
    report.add('IST0118', svc, `Port name ${name} (port: ${p.port}, targetPort: ${targetPort}) doesn't follow the naming `
      + 'convention of Istio port. Name it <protocol>[-<suffix>] (e.g. "http" or "http-web") or set appProtocol; '
      + 'otherwise Istio falls back to protocol sniffing.');
  }
}

/** Istio's `ConvertProtocol`: appProtocol wins, then the port name prefix before the first "-". */
function portProtocolKnown(p: any): boolean {
  if (typeof p.appProtocol === 'string') {
    return ISTIO_PROTOCOLS.includes(p.appProtocol.toLowerCase()) || K8S_APP_PROTOCOLS.has(p.appProtocol);
  }
  if (p.protocol === 'UDP') return true;
  return protocolFromPortName(typeof p.name === 'string' ? p.name : '', Number(p.port)) !== undefined;
}
