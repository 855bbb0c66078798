import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  checkCount, checkDnsLabel, checkDnsSubdomain, checkHost, checkInteger, checkLabelKey, checkLabelValue, checkOptionalDnsLabel, checkPercent,
  checkPort, fail, INT32_MAX, isDnsLabel,
} from '../../src/core/validate';

function scope(): Construct {
  return new Construct(Testing.chart(), 'thing');
}

describe('fail', () => {
  test('prefixes the message with the construct path', () => {
    expect(() => fail(scope(), 'something is wrong')).toThrow(/^test\/thing: something is wrong$/);
  });
});

describe('checkDnsLabel', () => {
  test.each(['a', 'httpbin', 'httpbin-v1', '0abc'])('accepts %j and returns it', value => {
    expect(checkDnsLabel(scope(), 'name', value)).toBe(value);
  });

  test('accepts 63 characters', () => {
    expect(checkDnsLabel(scope(), 'name', 'a'.repeat(63))).toBe('a'.repeat(63));
  });

  test.each([
    ['it is empty', ''],
    ['it has uppercase letters', 'Httpbin'],
    ['it has a dot', 'httpbin.v1'],
    ['it has an underscore', 'httpbin_v1'],
    ['it starts with a dash', '-httpbin'],
    ['it ends with a dash', 'httpbin-'],
    ['it is longer than 63 characters', 'a'.repeat(64)],
  ])('fails when %s', (_, value) => {
    expect(() => checkDnsLabel(scope(), 'name', value)).toThrow(new RegExp(`^test/thing: name must be a DNS label .*got ${JSON.stringify(value)}$`));
  });
});

describe('checkOptionalDnsLabel', () => {
  test('passes undefined through', () => {
    expect(checkOptionalDnsLabel(scope(), 'namespace', undefined)).toBeUndefined();
  });

  test('returns a valid label', () => {
    expect(checkOptionalDnsLabel(scope(), 'namespace', 'team-a')).toBe('team-a');
  });

  test('fails when the value is set and not a DNS label', () => {
    expect(() => checkOptionalDnsLabel(scope(), 'namespace', 'Team_A')).toThrow(/^test\/thing: namespace must be a DNS label.*got "Team_A"$/);
  });
});

describe('checkLabelValue', () => {
  test.each(['v1', 'V1', 'a', 'my_app.v2-beta'])('accepts %j and returns it', value => {
    expect(checkLabelValue(scope(), 'version', value)).toBe(value);
  });

  test('accepts 63 characters', () => {
    expect(checkLabelValue(scope(), 'version', 'a'.repeat(63))).toBe('a'.repeat(63));
  });

  test.each([
    ['it is empty', ''],
    ['it has a space', 'v 1'],
    ['it has a slash', 'v1/v2'],
    ['it starts with a dash', '-v1'],
    ['it ends with a dot', 'v1.'],
    ['it is longer than 63 characters', 'a'.repeat(64)],
  ])('fails when %s', (_, value) => {
    expect(() => checkLabelValue(scope(), 'version', value))
      .toThrow(new RegExp(`^test/thing: version must be a non-empty Kubernetes label value .*got ${JSON.stringify(value)}$`));
  });
});

describe('checkLabelKey', () => {
  test.each(['app', 'version', 'app.kubernetes.io/name', 'example.com/team_a', 'a'.repeat(63)])('accepts %s', key => {
    expect(checkLabelKey(scope(), 'podLabels', key)).toBe(key);
  });
  test.each(['', 'bad key', '/name', 'Example.com/x', 'example.com/', '-app', 'a'.repeat(64)])('fails when the key is %j', key => {
    expect(() => checkLabelKey(scope(), 'podLabels', key)).toThrow(`test/thing: podLabels has an invalid label key ${JSON.stringify(key)}`);
  });
});

describe('checkHost', () => {
  test.each(['httpbin', 'httpbin.example.com', 'a-b.c-d.example'])('accepts %j with or without wildcards allowed', value => {
    expect(checkHost(scope(), 'hosts', value, false)).toBe(value);
    expect(checkHost(scope(), 'hosts', value, true)).toBe(value);
  });

  test.each(['*', '*.example.com'])('accepts the wildcard %j when wildcards are allowed', value => {
    expect(checkHost(scope(), 'hosts', value, true)).toBe(value);
  });

  test.each(['*', '*.example.com'])('fails when the wildcard %j is given where wildcards are not allowed', value => {
    expect(() => checkHost(scope(), 'hosts', value, false)).toThrow(
      new RegExp(`^test/thing: hosts must be a lowercase DNS name such as "httpbin.example.com", got ${JSON.stringify(value).replace('*', '\\*')}$`),
    );
  });

  test.each([
    ['it is empty', ''],
    ['it has uppercase letters', 'HTTPBIN.example.com'],
    ['it has a port', 'httpbin.example.com:443'],
    ['it has an empty label', 'httpbin..example.com'],
    ['the wildcard is not the whole first label', 'foo*.example.com'],
    ['there are two wildcards', '*.*.example.com'],
    ['the wildcard has no domain', '*.'],
    ['it is longer than 253 characters', `${'a'.repeat(60)}.`.repeat(5).slice(0, 254)],
  ])('fails when %s', (_, value) => {
    expect(() => checkHost(scope(), 'hosts', value, true)).toThrow(/^test\/thing: hosts must be a lowercase DNS name/);
    expect(() => checkHost(scope(), 'hosts', value, true)).toThrow(`(a leading "*." wildcard is allowed), got ${JSON.stringify(value)}`);
  });
});

describe('checkPort', () => {
  test.each([1, 80, 8000, 65535])('accepts %d', value => {
    expect(checkPort(scope(), 'port', value)).toBe(value);
  });

  test.each([
    ['it is 0', 0],
    ['it is negative', -80],
    ['it is above 65535', 65536],
    ['it is not an integer', 80.5],
    ['it is NaN', NaN],
  ])('fails when %s', (_, value) => {
    expect(() => checkPort(scope(), 'port', value))
      .toThrow(`test/thing: port must be an integer port number between 1 and 65535, got ${value}`);
  });
});

describe('checkPercent', () => {
  test.each([0, 12.5, 100])('accepts %d', value => {
    expect(checkPercent(scope(), 'mirrorPercent', value)).toBe(value);
  });

  test.each([
    ['it is negative', -1],
    ['it is above 100', 100.5],
    ['it is NaN', NaN],
    ['it is infinite', Infinity],
  ])('fails when %s', (_, value) => {
    expect(() => checkPercent(scope(), 'mirrorPercent', value))
      .toThrow(`test/thing: mirrorPercent must be a number between 0 and 100 (a percentage of requests), got ${value}`);
  });
});

describe('checkCount', () => {
  test.each([0, 1, 3])('accepts %d', value => {
    expect(checkCount(scope(), 'replicas', value)).toBe(value);
  });

  test.each([
    ['it is negative', -1],
    ['it is not an integer', 1.5],
    ['it is NaN', NaN],
  ])('fails when %s', (_, value) => {
    expect(() => checkCount(scope(), 'replicas', value)).toThrow(`test/thing: replicas must be a non-negative integer, got ${value}`);
  });
});

describe('checkDnsSubdomain', () => {
  test.each(['bookinfo-credential', 'wildcard.example.com'])('accepts %j', value => {
    expect(checkDnsSubdomain(scope(), 'credentialName', value)).toBe(value);
  });

  test('accepts 253 characters', () => {
    const name = `${'a'.repeat(63)}.`.repeat(4).slice(0, 253);
    expect(checkDnsSubdomain(scope(), 'credentialName', name)).toBe(name);
  });

  test.each([
    ['it is empty', ''],
    ['it has uppercase letters', 'Bookinfo'],
    ['it has an underscore', 'bookinfo_credential'],
    ['it ends with a dot', 'bookinfo.'],
    ['it is longer than 253 characters', 'a'.repeat(254)],
  ])('fails when %s', (_, value) => {
    expect(() => checkDnsSubdomain(scope(), 'credentialName', value))
      .toThrow(new RegExp(`^test/thing: credentialName must be a Kubernetes object name .*got ${JSON.stringify(value)}$`));
  });
});

describe('isDnsLabel', () => {
  test.each(['v1', 'v1-2', 'a', 'x'.repeat(63)])('accepts %j', value => {
    expect(isDnsLabel(value)).toBe(true);
  });

  test.each(['', 'v1.2', 'V2', 'v2_beta', '-v1', 'v1-', 'x'.repeat(64)])('rejects %j', value => {
    expect(isDnsLabel(value)).toBe(false);
  });
});

describe('checkInteger', () => {
  test('returns an integer in range, limits included', () => {
    expect(checkInteger(scope(), 'n', 0, 0, INT32_MAX)).toBe(0);
    expect(checkInteger(scope(), 'n', INT32_MAX, 0, INT32_MAX)).toBe(INT32_MAX);
    expect(checkInteger(scope(), 'n', 5, 1, 10)).toBe(5);
  });

  test.each([[12.5, 'got 12.5'], [-1, 'got -1'], [101, 'got 101'], [Number.NaN, 'got NaN']])('fails when the value is %p', (value, shown) => {
    expect(() => checkInteger(scope(), 'maxEjectionPercent', value, 0, 100))
      .toThrow(`test/thing: maxEjectionPercent must be a non-negative integer (at most 100), ${shown}`);
  });

  test('fails with the range when the minimum is not 0', () => {
    expect(() => checkInteger(scope(), 'n', 0, 1, 10)).toThrow('test/thing: n must be an integer between 1 and 10, got 0');
  });
});
