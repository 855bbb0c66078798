export * as istio from '../imports/networking.istio.io';
