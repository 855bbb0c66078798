/**
 * Host names as Istio resolves and matches them: one implementation for the constructs and the manifest analyzer. Pure
 * (no cdk8s import). Internal: not exported from index.ts.
 *
 * The rules follow istioctl's analyzers (`pkg/config/analysis/analyzers/util`), not Kubernetes DNS: Istio expands
 * only short names (no dot) with the namespace of the referring resource, and matches everything else literally.
 * `httpbin.prod` resolves in a pod's DNS but is no host in Istio's registry, so routing to it fails; the analyzer
 * reports it and suggests the FQDN instead of silently accepting it.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination
 */

/** Kubernetes service domain Istio appends to short names. */
export const SERVICE_DOMAIN = 'svc.cluster.local';

/** Istio's `GetFullNameFromFQDN` pattern (greedy like the Go regexp, so `a.b.c.svc.cluster.local` is `a.b` in `c`). */
const SERVICE_FQDN = /^(.+)\.(.+)\.svc\.cluster\.local$/;

/** `ConvertHostToFQDN`: a short name (no dot, no wildcard) becomes `<host>.<namespace>.svc.cluster.local`. */
export function toFqdn(namespace: string, host: string): string {
  return host.startsWith('*') || host.includes('.') ? host : `${host}.${namespace}.${SERVICE_DOMAIN}`;
}

/**
 * `GetResourceNameFromHost`: the `namespace/name` a host refers to, used to pair VirtualService subsets with
 * DestinationRules. A service FQDN gives its namespace and name; anything else is taken as a name in `namespace`.
 */
export function resourceKeyFromHost(namespace: string, host: string): string {
  const m = SERVICE_FQDN.exec(host);
  return m ? `${m[2]}/${m[1]}` : `${namespace}/${host}`;
}

/**
 * Istio's `host.Name.Matches`: equal names match, `*` matches everything, and `*.example.com` matches any name
 * ending in `.example.com` (including a narrower wildcard such as `*.a.example.com`).
 */
export function hostMatches(a: string, b: string): boolean {
  const aWild = a.startsWith('*');
  const bWild = b.startsWith('*');
  if (aWild && bWild) {
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  }
  if (aWild) {
    return b.endsWith(a.slice(1));
  }
  if (bWild) {
    return a.endsWith(b.slice(1));
  }
  return a === b;
}

/** Whether host pattern `wide` matches every name `narrow` matches (`*` covers all, `*.example.com` covers `a.example.com`). */
export function covers(wide: string, narrow: string): boolean {
  return wide === narrow || (wide.startsWith('*') && narrow.endsWith(wide.slice(1)));
}

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_DNS1123_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

/**
 * Istio's `agent.ValidateWildcardDomain` (pkg/config/validation/agent/validation.go): the error for a host that is not
 * a DNS name with an optional wildcard first label, or undefined when the host is valid. Labels are RFC 1123 (letters of
 * either case, digits, inner dashes, at most 63 characters), the name at most 255 characters, the last label not
 * all-numeric, and a trailing dot allowed.
 */
export function validateWildcardDomain(domain: string): string | undefined {
  if (domain.length > 255) return `domain name "${domain.slice(0, 40)}..." too long (max 255)`;
  if (domain.length === 0) return 'empty domain name not allowed';
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (first.length > 63 || !WILDCARD_DNS1123_LABEL.test(first)) return `domain name "${domain}" invalid (label "${first}" invalid)`;
  if (dot < 0) return undefined;
  const parts = domain.slice(dot + 1).split('.');
  const top = parts[parts.length - 1];
  if (/^[+-]?[0-9]+$/.test(top)) return `domain name "${domain.slice(dot + 1)}" invalid (top level domain "${top}" cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') return undefined;
    if (parts[i].length > 63 || !DNS1123_LABEL.test(parts[i])) return `domain name "${domain.slice(dot + 1)}" invalid (label "${parts[i]}" invalid)`;
  }
  return undefined;
}

/**
 * A Gateway server host as Istio reads it: `[namespace/]dnsName`, where the namespace (`*` for any, `.` for the
 * Gateway's own, or a name) says which namespaces' VirtualServices may bind to it; without one, any may.
 */
export function splitGatewayHost(host: string): { namespace: string; host: string } {
  const slash = host.indexOf('/');
  return slash < 0 ? { namespace: '*', host } : { namespace: host.slice(0, slash), host: host.slice(slash + 1) };
}

/**
 * The hosts of a Gateway's servers that a VirtualService in `routeNamespace` may bind to (as Istio's
 * `filterVirtualServiceHosts`/gateway host visibility reads `namespace/host`), without their namespace part.
 */
export function gatewayHostsFor(hosts: string[], gatewayNamespace: string, routeNamespace: string): string[] {
  return hosts.map(splitGatewayHost)
    .filter(h => h.namespace === '*' || h.namespace === routeNamespace || (h.namespace === '.' && gatewayNamespace === routeNamespace))
    .map(h => h.host);
}
