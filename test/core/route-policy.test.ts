import { Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { checkTimeout, istioDuration, resolveHeaderOperations, resolveRetries } from '../../src/core/route-policy';

const scope = (): Construct => new Construct(Testing.chart(), 'route');

describe('checkTimeout', () => {
  test('returns whole milliseconds', () => {
    expect(checkTimeout(scope(), 'timeout', Duration.seconds(1.5))).toBe(1500);
    expect(checkTimeout(scope(), 'timeout', Duration.millis(1))).toBe(1);
  });

  test.each([[Duration.millis(0), '0ms'], [Duration.millis(0.5), '0.5ms']])('fails when the timeout is %p', (d, shown) => {
    expect(() => checkTimeout(scope(), 'timeout', d)).toThrow(`test/route: timeout must be a positive whole number of milliseconds (Istio's precision), got ${shown}`);
  });
});

describe('istioDuration', () => {
  test('writes whole milliseconds as seconds with up to millisecond precision', () => {
    expect(istioDuration(250)).toBe('0.25s');
    expect(istioDuration(1)).toBe('0.001s');
    expect(istioDuration(1500)).toBe('1.5s');
    expect(istioDuration(10000)).toBe('10s');
    expect(istioDuration(checkTimeout(scope(), 'connectTimeout', Duration.millis(250)))).toBe('0.25s');
  });
});

describe('resolveRetries', () => {
  test('copies attempts, per-try timeout and conditions into the model', () => {
    const retryOn = ['5xx', '503'];
    const model = resolveRetries(scope(), { attempts: 3, perTryTimeout: Duration.millis(250), retryOn }, 1000);
    expect(model).toEqual({ attempts: 3, perTryTimeoutMillis: 250, retryOn: ['5xx', '503'] });
    retryOn.push('reset');
    expect(model.retryOn).toEqual(['5xx', '503']);
  });

  test('leaves unset options unset, so Istio applies its defaults', () => {
    expect(resolveRetries(scope(), { attempts: 2 }, undefined)).toEqual({ attempts: 2, perTryTimeoutMillis: undefined, retryOn: undefined });
  });

  test.each([-1, 1.5, 2147483648])('fails when attempts is %p', attempts => {
    expect(() => resolveRetries(scope(), { attempts }, undefined)).toThrow(`test/route: retries.attempts must be a non-negative integer (0 turns retries off), got ${attempts}`);
  });

  test('fails when the per-try timeout is not shorter than the route timeout', () => {
    expect(() => resolveRetries(scope(), { attempts: 2, perTryTimeout: Duration.seconds(1) }, 1000))
      .toThrow(/^test\/route: retries.perTryTimeout \(1000ms\) must be shorter than timeout \(1000ms\)/);
  });

  test('fails when a condition is not an Envoy retry policy or status code', () => {
    expect(() => resolveRetries(scope(), { attempts: 1, retryOn: ['5XX'] }, undefined)).toThrow(/"5XX" is not a retry condition/);
    expect(() => resolveRetries(scope(), { attempts: 1, retryOn: ['600'] }, undefined)).toThrow(/"600" is not a retry condition/);
  });

  test('fails when retries are off but conditions are given', () => {
    expect(() => resolveRetries(scope(), { attempts: 0, perTryTimeout: Duration.millis(100) }, undefined))
      .toThrow(/retries.attempts is 0 \(retries off\) but perTryTimeout or retryOn is set/);
  });
});

describe('resolveHeaderOperations', () => {
  test('copies set, add and remove', () => {
    const set = { 'x-env': 'prod' };
    const model = resolveHeaderOperations(scope(), 'requestHeaders', { set, add: { 'x-trace': 'on' }, remove: ['x-debug'] });
    expect(model).toEqual({ set: { 'x-env': 'prod' }, add: { 'x-trace': 'on' }, remove: ['x-debug'] });
    set['x-env'] = 'dev';
    expect(model.set).toEqual({ 'x-env': 'prod' });
  });

  test.each([
    ['a name with a space', { set: { 'x env': '1' } }, /^test\/route: requestHeaders: "x env" is not an HTTP header name/],
    ['a pseudo-header', { remove: [':authority'] }, /":authority" cannot be changed with header operations/],
    ['the Host header', { add: { Host: 'a' } }, /"Host" cannot be changed with header operations; Istio uses the route's rewrite.authority/],
    ['a value with a line break', { set: { 'x-a': 'a\r\nx-b: b' } }, /requestHeaders.set\["x-a"\] must be a header value without line breaks/],
    ['a header both removed and set', { set: { 'x-a': '1' }, remove: ['X-A'] }, /header "X-A" is both removed and set or added/],
  ])('fails when given %s', (_, ops, message) => {
    expect(() => resolveHeaderOperations(scope(), 'requestHeaders', ops)).toThrow(message);
  });
});
