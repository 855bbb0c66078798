import { GRPC_PROTOCOLS } from '../core/rules/grpc';
import { ModelBackend } from '../core/route-model';
import { MeshService } from './mesh-service';
import { convertProtocol } from './rules/protocols';

// What a gRPC route asks of a service's port, whichever API routes it: a protocol that carries HTTP/2.

/**
 * Why a backend's port cannot carry gRPC calls, or undefined when it can (or when its protocol is not known here: a service
 * defined elsewhere, whose written Service the analyzer checks). Istio takes the protocol from the port name
 * (`kube.ConvertProtocol`); the gRPC ones are `grpc`, `grpc-web` and `http2`.
 */
export function grpcPortProblem(b: ModelBackend): string | undefined {
  if (!(b.service instanceof MeshService)) return undefined;
  const name = b.service.portName(b.port);
  if (name === undefined) return undefined;
  const port = { port: b.port, name };
  const protocol = convertProtocol(port.port, name, 'TCP', undefined);
  if (protocol !== undefined && GRPC_PROTOCOLS.includes(protocol)) return undefined;
  return `port ${b.port} of service ${b.service.serviceName} is named ${JSON.stringify(port.name)}, so Istio treats it as ${protocol ?? 'unknown'} `
    + `${protocol === 'http' ? '(HTTP/1.1 to the pods, which gRPC servers refuse)' : '(not routed as HTTP: no route or mirror applies)'}; `
    + `gRPC needs a port of protocol ${GRPC_PROTOCOLS.join(', ')}: name it "grpc" (or "grpc-<suffix>") in ${b.service.node.path}`;
}
