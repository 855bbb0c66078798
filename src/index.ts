export * as istio from '../imports/networking.istio.io';
export * from './service-version';
export * from './httpbin-version';
export * from './mesh-service';
export * from './istio-gateway';
export { RouteTarget } from './route-model';
export * from './mirror-route';
export * from './httpbin-mirror-chart';
export * from './mesh-analyzer';
