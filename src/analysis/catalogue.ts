/**
 * Every code the analyzer reports, with istioctl's message name, its level, a one-line fix and istioctl's page: the
 * one place these are written. Analyzers take a finding's level from here (`Report.add` has no level parameter), and
 * the cdk8s validation plugin takes the rule name and fix from here. Internal: not exported from index.ts.
 *
 * `IST` codes, names and levels are istioctl's (`pkg/config/analysis/msg/messages.yaml`); `TM` codes are this library's
 * own, for mirroring problems Istio does not report, and have no istio.io page (the README's "Findings" table
 * describes them).
 */
import { FindingLevel } from './finding';

/** What the catalogue says about one code. */
export interface CodeInfo {
  /** istioctl's message name (`ReferencedResourceNotFound`), or this library's name for a `TM` code. */
  readonly name: string;
  /** The level of every finding with this code. */
  readonly level: FindingLevel;
  /** How to fix a finding with this code, in one line (the message itself says it for the case at hand). */
  readonly fix: string;
  /** istioctl's documentation page for the code; undefined for this library's `TM` codes. */
  readonly url?: string;
}

const ISTIO_DOCS = 'https://istio.io/latest/docs/reference/config/analysis';

/** istio.io's page for an `IST` code. */
function istioDoc(code: string): string {
  return `${ISTIO_DOCS}/${code.toLowerCase()}/`;
}

/** The catalogue, in code order. */
export const CATALOGUE = {
  IST0101: {
    name: 'ReferencedResourceNotFound',
    level: FindingLevel.ERROR,
    fix: 'Create the missing object or correct the reference; use the FQDN for another namespace and the Service port (not the container port).',
    url: istioDoc('IST0101'),
  },
  IST0106: {
    name: 'SchemaValidationError',
    level: FindingLevel.ERROR,
    fix: 'Correct the value as the recommendation says.',
    url: istioDoc('IST0106'),
  },
  IST0109: {
    name: 'ConflictingMeshGatewayVirtualServiceHosts',
    level: FindingLevel.ERROR,
    fix: 'Merge the VirtualServices into one, or scope each with exportTo: ["."].',
    url: istioDoc('IST0109'),
  },
  IST0112: {
    name: 'VirtualServiceDestinationPortSelectorRequired',
    level: FindingLevel.ERROR,
    fix: 'Set port.number on the destination.',
    url: istioDoc('IST0112'),
  },
  IST0118: {
    name: 'PortNameIsNotUnderNamingConvention',
    level: FindingLevel.INFO,
    fix: 'Name the port http / http-<suffix> or set appProtocol: http.',
    url: istioDoc('IST0118'),
  },
  IST0130: {
    name: 'VirtualServiceUnreachableRule',
    level: FindingLevel.WARNING,
    fix: 'Move the rule before the rule that matches everything (or the same requests), or give it a match of its own.',
    url: istioDoc('IST0130'),
  },
  IST0131: {
    name: 'VirtualServiceIneffectiveMatch',
    level: FindingLevel.INFO,
    fix: 'Remove the match, or change it so that an earlier rule does not already match the same requests.',
    url: istioDoc('IST0131'),
  },
  IST0132: {
    name: 'VirtualServiceHostNotFoundInGateway',
    level: FindingLevel.WARNING,
    fix: 'Add the host to a Gateway server, or bind the VirtualService to the right Gateway.',
    url: istioDoc('IST0132'),
  },
  IST0140: {
    name: 'IngressRouteRulesNotAffected',
    level: FindingLevel.WARNING,
    fix: 'Set the subset on the gateway-bound VirtualService\'s destination too: the subsets of the mesh VirtualService do not apply to gateway requests.',
    url: istioDoc('IST0140'),
  },
  IST0145: {
    name: 'ConflictingGateways',
    level: FindingLevel.ERROR,
    fix: 'Merge the servers into one Gateway, or use distinct hosts or ports.',
    url: istioDoc('IST0145'),
  },
  IST0150: {
    name: 'ExternalNameServiceTypeInvalidPortName',
    level: FindingLevel.WARNING,
    fix: 'Name the ExternalName Service\'s port after the protocol of the external service (http, https, ...), not "tcp".',
    url: istioDoc('IST0150'),
  },
  IST0162: {
    name: 'GatewayPortNotDefinedOnService',
    level: FindingLevel.WARNING,
    fix: 'Use one of the Service\'s ports or target ports (the default ingress Service accepts 80, 443, 8080 and 8443), or add the port to the Service.',
    url: istioDoc('IST0162'),
  },
  IST0165: {
    name: 'ReferencedInternalGateway',
    level: FindingLevel.WARNING,
    fix: 'Bind the VirtualService to the Kubernetes Gateway ("<namespace>/<name>"), not to the internal Gateway Istio generates for it.',
    url: istioDoc('IST0165'),
  },
  IST0173: {
    name: 'DestinationRuleSubsetNotSelectPods',
    level: FindingLevel.ERROR,
    fix: 'Fix the subset labels, deploy the version they select, or remove the subset.',
    url: istioDoc('IST0173'),
  },
  IST0174: {
    name: 'UnknownDestinationRuleHost',
    level: FindingLevel.WARNING,
    fix: 'Fix the spelling, use the FQDN for another namespace, or create a ServiceEntry.',
    url: istioDoc('IST0174'),
  },
  TM0001: {
    name: 'MirrorToSelf',
    level: FindingLevel.ERROR,
    fix: 'Mirror to the shadow version (another subset or service).',
  },
  TM0002: {
    name: 'RouteWeightsNot100',
    level: FindingLevel.WARNING,
    fix: 'Use weights that add up to 100.',
  },
  TM0003: {
    name: 'GatewayMirrorWithoutPort',
    level: FindingLevel.WARNING,
    fix: 'Set port.number on the mirror destination to the service port.',
  },
  TM0004: {
    name: 'MirrorPercentageWithoutMirror',
    level: FindingLevel.WARNING,
    fix: 'Add the mirror, move the value to mirrors[].percentage, or remove it.',
  },
  TM0005: {
    name: 'MirrorPercentageZero',
    level: FindingLevel.WARNING,
    fix: 'Set a value above 0 (100 mirrors every request), or remove the mirror.',
  },
  TM0006: {
    name: 'DuplicateObject',
    level: FindingLevel.WARNING,
    fix: 'Remove the copies, or analyze alternative sets (such as the stage folders of a rollout plan) one at a time.',
  },
  TM0007: {
    name: 'GatewayHostDefinedTwice',
    level: FindingLevel.WARNING,
    fix: 'Merge the VirtualServices bound to the gateway for that host into one, or give them distinct hosts.',
  },
  TM0008: {
    name: 'MirrorTargetHasNoPods',
    level: FindingLevel.WARNING,
    fix: 'Deploy the mirror version (replicas above 0) before mirroring to it, or remove the mirror.',
  },
  TM0101: {
    name: 'HTTPRouteBackendNotFound',
    level: FindingLevel.ERROR,
    fix: 'Create the Service (with the Gateway API, one per version) or correct the backendRef\'s name, namespace or port.',
  },
  TM0102: {
    name: 'HTTPRouteMirrorWithoutPort',
    level: FindingLevel.ERROR,
    fix: 'Set backendRef.port on the RequestMirror filter (Istio requires it).',
  },
  TM0103: {
    name: 'HTTPRouteParentNotFound',
    level: FindingLevel.ERROR,
    fix: 'Create the parent Gateway (or Service), or correct parentRefs (name, namespace, sectionName, port).',
  },
  TM0104: {
    name: 'HTTPRouteNotAccepted',
    level: FindingLevel.WARNING,
    fix: 'Give the route a hostname a listener accepts, or allow the route\'s namespace on the listener.',
  },
  TM0105: {
    name: 'ReferenceNotPermitted',
    level: FindingLevel.ERROR,
    fix: 'Add a ReferenceGrant in the target namespace from the referring kind and namespace.',
  },
  TM0106: {
    name: 'CertificateRefNotPermitted',
    level: FindingLevel.ERROR,
    fix: 'Add a ReferenceGrant from the Gateway\'s namespace to the Secret (or client-CA ConfigMap), or move it to the Gateway\'s namespace.',
  },
  TM0108: {
    name: 'RequestMirrorInBackendRef',
    level: FindingLevel.ERROR,
    fix: 'Move the RequestMirror filter from backendRefs[].filters to the rule\'s filters.',
  },
  TM0109: {
    name: 'HTTPRouteMirrorWithoutBackend',
    level: FindingLevel.ERROR,
    fix: 'Add the backendRef that serves the requests of the rule (with a weight above 0): the mirror only copies them.',
  },
  TM0110: {
    name: 'UnsupportedBackendKind',
    level: FindingLevel.ERROR,
    fix: 'Refer to a Service (group "", kind Service), or to a Hostname (group networking.istio.io) for a ServiceEntry host.',
  },
  TM0111: {
    name: 'HTTPRouteBackendWithoutPort',
    level: FindingLevel.ERROR,
    fix: 'Set backendRefs[].port to the Service port (required for a Service reference).',
  },
  TM0112: {
    name: 'UnsupportedCertificateRefKind',
    level: FindingLevel.ERROR,
    fix: 'Refer to a core Secret for a listener certificate, and to a ConfigMap or Secret with a ca.crt key for a client CA.',
  },
  TM0113: {
    name: 'ListenerInvalidRouteKinds',
    level: FindingLevel.WARNING,
    fix: 'Remove the route kinds the listener\'s protocol does not support from allowedRoutes.kinds, or use a listener of the protocol they need.',
  },
  TM0121: {
    name: 'GRPCRouteMirrorFailsRoute',
    level: FindingLevel.ERROR,
    fix: 'Fix the mirror\'s backendRef (an existing Service, a port, a ReferenceGrant for another namespace) or remove the mirror: Istio fails the whole GRPCRoute on it.',
  },
  TM0122: {
    name: 'GRPCBackendNotHTTP2',
    level: FindingLevel.WARNING,
    fix: 'Name the Service port grpc, grpc-web or http2 (or grpc-<suffix>; or set appProtocol), so Istio sends the gRPC calls as HTTP/2.',
  },
  TM0200: {
    name: 'MirrorFeatureUnsupported',
    level: FindingLevel.ERROR,
    fix: 'Use only the mirror features the implementation supports (one mirror per rule, percent 100), or run the route on one that supports them.',
  },
  TM0201: {
    name: 'MirrorFeatureSupportUnknown',
    level: FindingLevel.WARNING,
    fix: 'Give the implementation\'s version (NAME@VERSION), or check its conformance report before relying on the mirror.',
  },
  TM0202: {
    name: 'MirrorHostSuffix',
    level: FindingLevel.WARNING,
    fix: 'Let the mirrored version accept the Host with the -shadow suffix too, or turn the suffix off where the implementation allows it.',
  },
  TM0203: {
    name: 'MirrorBodyLimit',
    level: FindingLevel.WARNING,
    fix: 'Mirror only GET, HEAD and OPTIONS, or expect requests with bodies over the buffer limit to be missing from the mirror.',
  },
  TM0204: {
    name: 'MirrorNotPortable',
    level: FindingLevel.INFO,
    fix: 'Give the implementation (--implementation NAME[@VERSION] or the plugin\'s implementation property) so the route is checked against it.',
  },
  // Progressive-delivery controllers (analyzers/rollouts.ts): Argo Rollouts' Rollout and Flagger's Canary.
  TM0300: {
    name: 'RolloutVirtualServiceInvalid',
    level: FindingLevel.ERROR,
    fix: 'Point trafficRouting.istio.virtualService at an existing VirtualService whose named route has the stable and canary destinations.',
  },
  TM0301: {
    name: 'RolloutDestinationRuleInvalid',
    level: FindingLevel.ERROR,
    fix: 'Point trafficRouting.istio.destinationRule at an existing DestinationRule that defines the stable and canary subsets.',
  },
  TM0302: {
    name: 'RolloutAnalysisTemplateNotFound',
    level: FindingLevel.ERROR,
    fix: 'Add the AnalysisTemplate in the Rollout\'s namespace or correct templateName.',
  },
  TM0303: {
    name: 'RolloutManagedRouteInvalid',
    level: FindingLevel.ERROR,
    fix: 'List every setMirrorRoute/setHeaderRoute name in trafficRouting.managedRoutes, apart from the weighted routes, first in the VirtualService.',
  },
  TM0304: {
    name: 'RolloutStepInvalid',
    level: FindingLevel.ERROR,
    fix: 'Give each step exactly one type, setWeight 0 to 100, and each match exactly one of exact, prefix, regex.',
  },
  TM0305: {
    name: 'RolloutServiceNotFound',
    level: FindingLevel.ERROR,
    fix: 'Create the Service, or use a Service name and port that exist.',
  },
  TM0306: {
    name: 'RolloutMirrorWithoutPort',
    level: FindingLevel.WARNING,
    fix: 'Set port.number on the weighted route\'s destinations: Argo Rollouts copies the first one\'s port into the mirror.',
  },
  TM0310: {
    name: 'CanaryTargetInvalid',
    level: FindingLevel.ERROR,
    fix: 'Point targetRef at an existing Deployment and set service.port.',
  },
  TM0311: {
    name: 'CanaryOwnedObjectInInput',
    level: FindingLevel.ERROR,
    fix: 'Remove the object from the manifests: Flagger writes and reconciles it for the Canary.',
  },
  TM0312: {
    name: 'CanaryMetricNotFound',
    level: FindingLevel.ERROR,
    fix: 'Use a built-in metric (request-success-rate, request-duration) or a templateRef to an existing MetricTemplate.',
  },
  TM0313: {
    name: 'CanaryGatewayNotFound',
    level: FindingLevel.ERROR,
    fix: 'Create the Gateway or correct service.gateways / service.gatewayRefs.',
  },
} as const satisfies Record<string, CodeInfo>;

/** A code of the catalogue: what `Report.add` accepts, so a code without an entry does not compile. */
export type AnalysisCode = keyof typeof CATALOGUE;

/** The catalogue entry of `code`, or undefined for a code the analyzer does not report. */
export function codeInfo(code: string): CodeInfo | undefined {
  return Object.prototype.hasOwnProperty.call(CATALOGUE, code) ? (CATALOGUE as Record<string, CodeInfo>)[code] : undefined;
}
