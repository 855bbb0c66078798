import { ApiObject, Lazy, Testing } from 'cdk8s';
import { Deferred } from '../../src/core/deferred';

describe('Deferred', () => {
  test('renders render(of) when cdk8s resolves the value at synthesis, with the state of then', () => {
    const chart = Testing.chart();
    const source = { data: 'first' };
    const value = new Deferred((of: { data: string }) => ({ data: of.data }), source);
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, ...{ data: Lazy.any(value) } });
    source.data = 'changed after construction';
    expect(Testing.synth(chart)[0].data).toEqual({ data: 'changed after construction' });
  });

  test('renders from an `of` set after the value was handed to the object (the construct, right after super())', () => {
    const render = jest.fn((of: ApiObject) => of.name);
    const value = new Deferred(render);
    const chart = Testing.chart();
    const object = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, ...{ data: { self: Lazy.any(value) } } });
    value.of = object;
    expect(render).not.toHaveBeenCalled();
    expect(Testing.synth(chart)[0].data).toEqual({ self: 'cm' });
    expect(render).toHaveBeenCalledWith(object);
  });

  test('says it is a bug of the library when resolved before `of` is set, rather than rendering from undefined', () => {
    expect(() => new Deferred((of: object) => of).produce()).toThrow(/resolved before the construct it renders from was set \(a bug of cdk8s-traffic-mirror\)/);
  });
});
