import { ISTIO_PROTOCOLS, protocolFromPortName } from '../../../src/services/rules/protocols';

describe('protocolFromPortName', () => {
  test('every protocol of Istio\'s protocol.Parse is listed once', () => {
    expect([...ISTIO_PROTOCOLS].sort()).toEqual(['grpc', 'grpc-web', 'http', 'http2', 'http_proxy', 'https', 'mongo', 'mysql', 'redis', 'tcp', 'tls', 'udp']);
  });

  test.each([
    ['http', 80, 'http'],
    ['http-web', 8080, 'http'],
    ['HTTP2-api', 8080, 'http2'],
    ['grpc-web', 8080, 'grpc-web'],
    ['grpc-webui', 8080, 'grpc-web'],
    ['grpc-api', 8080, 'grpc'],
    ['udp-dns', 5353, 'udp'],
    ['db', 3306, 'tcp'],
    ['', 53, 'tcp'],
  ])('%p on port %p is %p, as Istio\'s ConvertProtocol reads it', (name, port, protocol) => {
    expect(protocolFromPortName(name, port)).toBe(protocol);
  });

  test.each([['web', 8080], ['httpx', 80], ['', 8080], ['web-http', 80]])('%p on port %p tells Istio no protocol', (name, port) => {
    expect(protocolFromPortName(name, port)).toBeUndefined();
  });
});
