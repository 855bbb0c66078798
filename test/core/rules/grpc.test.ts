import { GRPC_PROTOCOLS, grpcMethodMatchProblem, grpcPathMatch, grpcRegexAlternationProblem } from '../../../src/core/rules/grpc';

describe('grpcPathMatch: the path match Istio\'s createGRPCURIMatch (istio/istio 1.30.3 conversion.go) builds', () => {
  test.each([
    ['Exact', 'echo.Echo', 'Ping', { exact: '/echo.Echo/Ping' }],
    ['Exact', 'echo.Echo', undefined, { prefix: '/echo.Echo/' }],
    ['Exact', undefined, 'Ping', { regex: '/[^/]+/Ping' }],
    ['RegularExpression', 'echo\\..*', 'P.*', { regex: '/echo\\..*/P.*' }],
    ['RegularExpression', 'echo\\..*', undefined, { regex: '/echo\\..*/.+' }],
    ['RegularExpression', undefined, 'P.*', { regex: '/[^/]+/P.*' }],
  ])('%s service %s method %s -> %j', (type, service, method, expected) => {
    expect(grpcPathMatch(type, service, method)).toEqual(expected);
  });

  test('no service and no method (a headers-only match) is no path match', () => {
    expect(grpcPathMatch('Exact', undefined, undefined)).toBeUndefined();
  });
});

describe('grpcMethodMatchProblem: the GRPCMethodMatch CEL rules (gateway-api v1.6.1 apis/v1/grpcroute_types.go)', () => {
  test.each([
    ['echo.Echo', 'Ping'], ['.echo.Echo', 'Ping'], ['grpc.health.v1.Health', undefined], ['ECHO_1.e2', '_ping9'], [undefined, 'Ping'],
  ])('accepts exact service %s method %s', (service, method) => {
    expect(grpcMethodMatchProblem('Exact', service, method)).toBeUndefined();
  });

  test.each([
    ['echo/Echo', 'Ping', /^service "echo\/Echo" is not a gRPC service name/],
    ['echo..Echo', 'Ping', /^service "echo..Echo" is not a gRPC service name/],
    ['1echo.Echo', 'Ping', /^service "1echo.Echo" is not a gRPC service name/],
    ['echo.Echo', 'Ping-2', /^method "Ping-2" is not a gRPC method name/],
    ['echo.Echo', '', /^method must be 1 to 1024 characters long, got 0$/],
    [undefined, undefined, /^one or both of service and method must be given$/],
  ])('rejects exact service %s method %s', (service, method, message) => {
    expect(grpcMethodMatchProblem('Exact', service, method)).toMatch(message);
  });

  test('regular expressions are not held to the name syntax, but to the length', () => {
    expect(grpcMethodMatchProblem('RegularExpression', 'echo/.*', '[A-Z].*')).toBeUndefined();
    expect(grpcMethodMatchProblem('RegularExpression', 'e'.repeat(1025), undefined)).toMatch(/^service must be 1 to 1024 characters long, got 1025$/);
  });

  test('a top-level | in a regular expression is found, one inside a group or class or escaped is not', () => {
    expect(grpcRegexAlternationProblem('echo.Echo', 'Ping|Pong')).toMatch(/^method "Ping\|Pong" has a top-level "\|"/);
    expect(grpcRegexAlternationProblem('a|b', undefined)).toMatch(/^service "a\|b" has a top-level "\|"/);
    for (const ok of ['(Ping|Pong)', 'P[|]ng', 'P\\|ng', '(?:a|b)c', '[^]|]x']) {
      expect(grpcRegexAlternationProblem(undefined, ok)).toBeUndefined();
    }
    // The CEL rules accept it: only the constructs refuse it.
    expect(grpcMethodMatchProblem('RegularExpression', 'echo.Echo', 'Ping|Pong')).toBeUndefined();
  });

  test('the gRPC protocols are HTTP/2 ones', () => {
    expect(GRPC_PROTOCOLS).toEqual(['grpc', 'grpc-web', 'http2']);
  });
});
