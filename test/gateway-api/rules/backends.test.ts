import { versionServiceName } from '../../../src/core/references';
import { mirrorShare } from '../../../src/gateway-api/rules/backends';

describe('backends rules', () => {
  test('version Service names are <service>-<version>', () => {
    expect(versionServiceName('httpbin', 'v1')).toBe('httpbin-v1');
  });
  test('whole percentages are percent, decimals the smallest power-of-ten fraction', () => {
    expect(mirrorShare(10)).toEqual({ percent: 10 });
    expect(mirrorShare(12.5)).toEqual({ fraction: { numerator: 125, denominator: 1000 } });
    expect(mirrorShare(0.01)).toEqual({ fraction: { numerator: 1, denominator: 10000 } });
    expect(mirrorShare(33.3)).toEqual({ fraction: { numerator: 333, denominator: 1000 } });
    expect(mirrorShare(1e-9)).toBeUndefined();
  });
});
