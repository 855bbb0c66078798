/**
 * The Service analyzers, as istioctl's `pkg/config/analysis/analyzers/service/`. Internal: not exported from index.ts.
 *
 * - `PortNameAnalyzer` (portname.go): IST0118, and IST0150 for the ports of an ExternalName Service.
 */
import { convertProtocol } from '../../services/rules/protocols';
import { asArray, isObject } from '../hosts';
import { ManifestIndex, Obj } from '../manifest-index';
import { Report } from '../report';

/** Values of the `gateway.istio.io/managed` label of Services that Istio creates for a Kubernetes Gateway (`analyzeService`). */
const MANAGED_GATEWAY_CONTROLLERS = new Set(['istio.io-gateway-controller', 'istio.io-mesh-controller', 'istio.io-eastwest-controller']);

/** Runs every Service analyzer. */
export function analyzeServices(index: ManifestIndex, report: Report): void {
  for (const svc of index.services) {
    checkPortNames(report, svc);
  }
}

/**
 * IST0118 and IST0150 (`service.PortNameAnalyzer`): a port whose protocol Istio cannot tell (`ConvertProtocol` gives
 * Unsupported), and for an ExternalName Service also a port named exactly `tcp`, which is IST0150 there instead.
 * Skipped like istioctl: Istio's control plane and gateways (`util.IsIstioControlPlane`: label `istio`, or
 * `release: istio`) and Services of Istio-managed gateways (label `gateway.istio.io/managed`).
 */
function checkPortNames(report: Report, svc: Obj): void {
  const labels = isObject(svc.metadata.labels) ? svc.metadata.labels : {};
  if ('istio' in labels || labels.release === 'istio') return;
  if (MANAGED_GATEWAY_CONTROLLERS.has(labels['gateway.istio.io/managed'])) return;
  const externalName = svc.spec.type === 'ExternalName';
  for (const p of asArray(svc.spec.ports)) {
    if (!isObject(p)) continue;
    const name = typeof p.name === 'string' ? p.name : '';
    const unsupported = convertProtocol(Number(p.port), name, typeof p.protocol === 'string' ? p.protocol : undefined,
      typeof p.appProtocol === 'string' ? p.appProtocol : undefined) === undefined;
    if (!unsupported && !(externalName && name === 'tcp')) continue;
    if (externalName) {
      report.add('IST0150', svc, 'Port name for ExternalName service is invalid. Proxy may prevent tcp named ports and unmatched traffic '
        + `for ports serving TCP protocol from being forwarded correctly. Port ${name ? `"${name}"` : '(unnamed)'} (port: ${p.port}): name it `
        + 'after the protocol the external service speaks, e.g. "http" or "https" (not "tcp").');
      continue;
    }
    const targetPort = p.targetPort ?? p.port;
    report.add('IST0118', svc, `Port name ${name} (port: ${p.port}, targetPort: ${targetPort}) doesn't follow the naming `
      + 'convention of Istio port. Name it <protocol>[-<suffix>] (e.g. "http" or "http-web") or set appProtocol; '
      + 'otherwise Istio falls back to protocol sniffing.');
  }
}
