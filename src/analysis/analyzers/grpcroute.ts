/**
 * The GRPCRoute (`gateway.networking.k8s.io/v1`) checks: the HTTPRoute's checks of parents, backends, mirrors and
 * ReferenceGrants (httproute.ts), plus what differs for gRPC. Internal: not exported from index.ts.
 *
 * - A method match (`GRPCMethodMatch`) must satisfy the CRD's CEL rules (gateway-api v1.6.1 apis/v1/grpcroute_types.go):
 *   service or method given, exact names in protobuf syntax. The API server rejects the object otherwise (IST0106).
 * - A RequestMirror whose backend Istio cannot resolve (no such Service, no port, another namespace without a
 *   ReferenceGrant on a Gateway parent) fails the whole route: Istio's `convertGRPCRoute` returns the mirror's error
 *   with no route, and `computeRoute` then drops every rule of the GRPCRoute (istio/istio 1.30.3,
 *   pilot/pkg/config/kube/gateway/conversion.go and route_collections.go), where an HTTPRoute only loses that mirror (TM0121).
 *   A RequestMirror inside a backendRef is an "unsupported filter type" there (`buildGRPCDestination`), with the same effect.
 * - A backend port that Istio does not treat as HTTP/2 (`grpc`, `grpc-web`, `http2` by name or appProtocol) gets the
 *   calls as HTTP/1.1, or not routed at all (TM0122).
 */
import { DEFINED_ELSEWHERE_ANNOTATION, parseDefinedElsewhere } from '../../core/defined-elsewhere';
import { GRPC_MATCH_EXACT, GRPC_PROTOCOLS, grpcMethodMatchProblem } from '../../core/rules/grpc';
import { convertProtocol } from '../../services/rules/protocols';
import { asArray, isObject } from '../hosts';
import { Report } from '../report';
import { checkBackend, checkMirrorShare, checkParents, GatewayApiIndex, GatewayApiObject, isMeshParent } from './httproute';

const GROUP = 'gateway.networking.k8s.io';

interface ServicePort {
  readonly port: number;
  readonly name: string;
  readonly protocol?: string;
  readonly appProtocol?: string;
}

/** Analyzes the GRPCRoutes of the manifests. */
export function analyzeGrpcRoutes(manifests: any[], defaultNamespace: string, report: Report): void {
  const routes: GatewayApiObject[] = [];
  const ports = new Map<string, ServicePort[]>();
  const namespaceOf = (m: any) => (typeof m.metadata?.namespace === 'string' && m.metadata.namespace ? m.metadata.namespace : defaultNamespace);
  for (const m of manifests) {
    if (m?.kind === 'GRPCRoute' && typeof m.apiVersion === 'string' && m.apiVersion.startsWith(`${GROUP}/`)) {
      routes.push({ kind: m.kind, namespace: namespaceOf(m), name: typeof m.metadata?.name === 'string' ? m.metadata.name : '', spec: isObject(m.spec) ? m.spec : {} });
    }
    if (m?.kind === 'Service' && m.apiVersion === 'v1') {
      ports.set(`${namespaceOf(m)}/${m.metadata?.name}`, asArray(m.spec?.ports).filter(isObject).map((p: any) => ({
        port: Number(p.port), name: String(p.name ?? ''), protocol: p.protocol, appProtocol: typeof p.appProtocol === 'string' ? p.appProtocol : undefined,
      })));
    }
  }
  if (routes.length === 0) return;
  const index = new GatewayApiIndex(manifests, defaultNamespace);
  // What GRPCRoutes declare as defined elsewhere (the index reads HTTPRoutes' declarations); a real object wins.
  for (const m of manifests) {
    const value = m?.kind === 'GRPCRoute' ? m.metadata?.annotations?.[DEFINED_ELSEWHERE_ANNOTATION] : undefined;
    if (value === undefined) continue;
    const parsed = parseDefinedElsewhere(value);
    if (!('objects' in parsed)) continue;
    for (const d of parsed.objects) {
      const key = `${d.namespace}/${d.name}`;
      if (d.kind === 'Gateway' && !index.listeners.has(key)) index.listeners.set(key, undefined);
      if (d.kind === 'Service' && !index.services.has(key)) index.services.set(key, d.ports);
    }
  }
  for (const route of routes) {
    checkParents(index, report, route);
    asArray(route.spec.rules).forEach((rule: any, i: number) => checkRule(index, ports, report, route, rule, i));
  }
}

function checkRule(index: GatewayApiIndex, ports: Map<string, ServicePort[]>, report: Report, route: GatewayApiObject, rule: any, i: number): void {
  if (!isObject(rule)) return;
  asArray(rule.matches).forEach((m: any, j: number) => {
    if (!isObject(m?.method)) return;
    const { type, service, method } = m.method;
    const problem = grpcMethodMatchProblem(typeof type === 'string' ? type : GRPC_MATCH_EXACT, optionalString(service), optionalString(method));
    if (problem !== undefined) {
      report.add('IST0106', route, `Schema validation error: ${problem} (rules[${i}].matches[${j}].method): the API server rejects the GRPCRoute. `
        + 'Match a service such as "echo.Echo" and a method such as "Ping", or use type RegularExpression for patterns.');
    }
  });
  asArray(rule.backendRefs).forEach((b: any, j: number) => {
    const where = `rules[${i}].backendRefs[${j}]`;
    checkBackend(index, report, route, b, where, false, enforceGrants(route), 'GRPCRoute');
    checkProtocol(ports, report, route, b, where);
    asArray(b?.filters).forEach((f: any, k: number) => {
      if (f?.type === 'RequestMirror' || isObject(f?.requestMirror)) {
        report.add('TM0108', route, `RequestMirror filter inside a backendRef (${where}.filters[${k}]): Istio's GRPCRoute conversion rejects it as an `
          + `unsupported filter and drops the whole route. Move the filter to the rule's filters (rules[${i}].filters).`);
      }
    });
  });
  const gatewayParent = asArray(route.spec.parentRefs).some((p: any) => isObject(p) && (p.group ?? GROUP) === GROUP && (p.kind ?? 'Gateway') === 'Gateway');
  asArray(rule.filters).forEach((f: any, k: number) => {
    if (f?.type !== 'RequestMirror' || !isObject(f.requestMirror)) return;
    const where = `rules[${i}].filters[${k}].requestMirror`;
    const mirror = f.requestMirror;
    checkMirrorShare(report, route, mirror, where);
    // One finding per mistake: a mirror that fails the route is reported as that, not also as a missing backend.
    const failure = mirrorFailure(index, route, mirror.backendRef, gatewayParent);
    if (failure !== undefined) {
      report.add('TM0121', route, `The mirror ${where} ${failure}: Istio's GRPCRoute conversion fails on it and drops every rule of the route, `
        + 'so no call of the route is routed (an HTTPRoute would only lose the mirror). Fix the mirror\'s backendRef or remove the mirror.');
      return;
    }
    checkBackend(index, report, route, mirror.backendRef, `${where}.backendRef`, true, enforceGrants(route), 'GRPCRoute');
    checkProtocol(ports, report, route, mirror.backendRef, `${where}.backendRef`);
  });
}

/** Why Istio's `buildDestination` returns an error for a mirror's Service backendRef, or undefined when it resolves. */
function mirrorFailure(index: GatewayApiIndex, route: GatewayApiObject, b: any, gatewayParent: boolean): string | undefined {
  if (!isObject(b) || (b.group ?? '') !== '' || (b.kind ?? 'Service') !== 'Service') return undefined;
  const namespace = typeof b.namespace === 'string' ? b.namespace : route.namespace;
  const key = `${namespace}/${b.name}`;
  if (String(b.name).includes('.')) return `names Service "${b.name}", a host name rather than a Service name`;
  // Istio enforces ReferenceGrants for Gateway parents only (`enforceRefGrant` is false for mesh parents).
  if (gatewayParent && namespace !== route.namespace && !index.granted(GROUP, 'GRPCRoute', route.namespace, '', 'Service', namespace, String(b.name))) {
    return `refers to Service "${key}" in another namespace without a ReferenceGrant`;
  }
  if (!index.services.has(key)) return `refers to Service "${key}", which does not exist`;
  if (b.port === undefined) return `has no port (backendRef.port)`;
  return undefined;
}

function checkProtocol(ports: Map<string, ServicePort[]>, report: Report, route: GatewayApiObject, b: any, where: string): void {
  if (!isObject(b) || (b.group ?? '') !== '' || (b.kind ?? 'Service') !== 'Service' || b.port === undefined) return;
  const key = `${typeof b.namespace === 'string' ? b.namespace : route.namespace}/${b.name}`;
  const port = ports.get(key)?.find(p => p.port === Number(b.port));
  if (port === undefined) return; // unknown Service or port: reported by the backend checks, or defined elsewhere
  const protocol = convertProtocol(port.port, port.name, port.protocol, port.appProtocol);
  if (protocol !== undefined && GRPC_PROTOCOLS.includes(protocol)) return;
  report.add('TM0122', route, `The gRPC backend Service "${key}" port ${port.port} is named "${port.name}"${port.appProtocol ? ` (appProtocol `
    + `${port.appProtocol})` : ''}, which Istio treats as ${protocol ?? 'unknown (protocol sniffing)'}, not HTTP/2 (${where}): the calls reach the `
    + `pods as HTTP/1.1, which gRPC servers refuse. Name the port ${GRPC_PROTOCOLS.join(', ')} (or grpc-<suffix>), or set appProtocol.`);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** As for HTTPRoutes: a route whose parents are all mesh parents (GAMMA) needs no ReferenceGrant for its backends. */
function enforceGrants(route: GatewayApiObject): boolean {
  const parents = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
  return !(parents.length > 0 && parents.every(isMeshParent));
}
