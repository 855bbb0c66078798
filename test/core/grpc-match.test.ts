import { GrpcMethodMatchType, grpcMatchProblems } from '../../src/core/grpc-match';
import { StringMatch } from '../../src/core/request-match';

describe('grpcMatchProblems: what every flavor refuses in a gRPC match', () => {
  test('a method, headers (exact or regex), or both are fine', () => {
    expect(grpcMatchProblems({ method: { service: 'echo.Echo', method: 'Ping' } }, 'm')).toEqual([]);
    expect(grpcMatchProblems({ headers: { 'x-a': StringMatch.exact('1'), 'x-b': StringMatch.regex('b.*') } }, 'm')).toEqual([]);
    expect(grpcMatchProblems({ method: { method: 'Ping', type: GrpcMethodMatchType.REGULAR_EXPRESSION }, headers: { 'x-a': StringMatch.exact('1') } }, 'm')).toEqual([]);
  });

  test('the wire values of the match types are the Gateway API\'s', () => {
    expect(Object.values(GrpcMethodMatchType)).toEqual(['Exact', 'RegularExpression']);
  });

  test('reports an empty match, an unknown type, header names, prefix header matches and non-StringMatch values', () => {
    expect(grpcMatchProblems({}, 'm')).toEqual(['m has no conditions: give method or headers (an empty match matches every call)']);
    expect(grpcMatchProblems({ headers: {} }, 'm')).toEqual([expect.stringMatching(/^m has no conditions/)]);
    expect(grpcMatchProblems({ method: { service: 'echo.Echo', type: 'Prefix' as GrpcMethodMatchType } }, 'm'))
      .toEqual(['m.method.type must be GrpcMethodMatchType.EXACT or REGULAR_EXPRESSION, got "Prefix"']);
    expect(grpcMatchProblems({ headers: { 'X-A': StringMatch.exact('1') } }, 'm')).toEqual([expect.stringMatching(/^m\.headers: "X-A" is not a lowercase HTTP header name/)]);
    expect(grpcMatchProblems({ headers: { 'x-a': StringMatch.prefix('1') } }, 'm')).toEqual([expect.stringMatching(/^m\.headers\["x-a"\] is a prefix match, which gRPC routes do not support/)]);
    expect(grpcMatchProblems({ headers: { 'x-a': 'yes' as unknown as StringMatch } }, 'm'))
      .toEqual(['m.headers["x-a"] must be a StringMatch (e.g. StringMatch.exact(\'yes\')), got "yes"']);
  });
});
