// One flat public namespace for the hand-written constructs, whatever folder they live in; the generated imports
// stay namespaces of their own.
export * as istio from '../imports/networking.istio.io';
// The Kubernetes Gateway API (v1.6.1 standard channel): a namespace of its own, as it defines a Gateway too.
export * as gateway_api from '../imports/gateway.networking.k8s.io';
// Istio's Telemetry API (`telemetry.istio.io`), whose Telemetry objects `AccessLogging` writes.
export * as telemetry from '../imports/telemetry.istio.io';

// core: the renderer-neutral route model's inputs
export { IMeshService, IRouteGateway, IServiceVersion } from './core/references';
export { GrpcMirrorRouteOptions, MirrorRouteOptions, MirrorTarget, RouteTarget, WeightedTarget } from './core/route-model';
export { GrpcMethodMatch, GrpcMethodMatchType, GrpcRequestMatch } from './core/grpc-match';
export { RequestMatch, StringMatch, StringMatchType } from './core/request-match';
export { HeaderOperations, RetryOn, RetryOptions } from './core/route-policy';
export { MirrorRouteBase, StageRendering } from './core/mirror-route-base';

// workloads (cdk8s-plus-27)
export * from './workloads/service-version';
export * from './workloads/httpbin-version';

// services: a Service with versions, shared by both APIs
export * from './services/mesh-service';

// the Istio API
export * from './istio/service-subsets';
export * from './istio/istio-gateway';
export * from './istio/mirror-route';
export * from './istio/grpc-mirror-route';
export * from './istio/access-logging';

// the Kubernetes Gateway API
export * from './gateway-api/gateway-api-gateway';
export * from './gateway-api/http-mirror-route';
export * from './gateway-api/gateway-implementation';
export * from './gateway-api/grpc-mirror-route';

// rollout plan
export * from './rollout/rollout-plan';
export { RolloutExecutor } from './rollout/executors/rollout-executor';
export { MirrorAnalysisOptions, RolloutRevision } from './rollout/executors/shared';
export { ArgoRolloutsOptions } from './rollout/executors/argo-rollouts';
export { FlaggerOptions } from './rollout/executors/flagger';

// the reference scenario
export * from './scenario/httpbin-mirror-chart';

// analysis
export * from './analysis/mesh-analyzer';
export * from './analysis/synth-hook';
