import * as os from 'os';
import * as cdk8s from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import * as istio from '../../imports/networking.istio.io';
import * as lib from '../../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const scenario = require('../../bench/scenario');

/** The constructs of each chart of an app, by chart id. */
function constructsPerChart(app: cdk8s.App): Map<string, number> {
  const counts = new Map<string, number>();
  for (const chart of app.node.children.filter((c): c is cdk8s.Chart => c instanceof cdk8s.Chart)) {
    counts.set(chart.node.id, chart.node.findAll().length);
  }
  return counts;
}

function validations(app: cdk8s.App): IConstruct[] {
  return app.node.findAll().filter(c => ((c.node as any)._validations ?? []).length > 0);
}

describe('the bench scenario (bench/scenario.js)', () => {
  const outdir = os.tmpdir();

  test('the library and the hand-written peer write the same manifests', () => {
    const library = scenario.buildLibrary(cdk8s, lib, 'chart-per-service', 3, outdir);
    const peer = scenario.buildPeer(cdk8s, kplus, istio, 'chart-per-service', 3, outdir);
    expect(library.synthYaml()).toEqual(peer.synthYaml());
  });

  // cdk8s walks and validates the whole app once per chart it writes (App._synthChart), so with a chart per service the
  // synthesis is quadratic in the constructs of the app: a service of the library must not have more constructs than
  // the same objects written by hand (#14 §4), nor a validation of its own.
  test('a service chart of the library has no more constructs than the hand-written one, and no validation of its own', () => {
    const library = scenario.buildLibrary(cdk8s, lib, 'chart-per-service', 2, outdir);
    const peer = scenario.buildPeer(cdk8s, kplus, istio, 'chart-per-service', 2, outdir);
    const ours = constructsPerChart(library);
    const theirs = constructsPerChart(peer);
    // chart + 2 x (cdk8s-plus Deployment + its KubeDeployment) + Service + DestinationRule + VirtualService
    expect(theirs.get('svc-0')).toBe(8);
    expect(ours.get('svc-0')).toBeLessThanOrEqual(theirs.get('svc-0')!);
    expect(ours.get('svc-1')).toBeLessThanOrEqual(theirs.get('svc-1')!);
    // The library's checks run from the app's one validation, on its root (src/core/app-index.ts).
    expect(validations(library).map(c => c.node.path)).toEqual(['']);
  });

  // bench/run.js reports this pass apart from the cold samples (#14 §4): it must time cdk8s's walk of the whole app that
  // `chart.toJson()` makes (App._synthChart), on a chart with nothing to render, and leave the app as it was.
  test('perChartPass times App._synthChart on an empty chart and removes that chart afterwards', () => {
    const app: cdk8s.App = scenario.buildLibrary(cdk8s, lib, 'chart-per-service', 2, outdir);
    const before = app.synthYaml();
    const children = app.node.children.map(c => c.node.id);
    const synthChart = jest.spyOn(cdk8s.App as any, '_synthChart');
    try {
      const r = scenario.perChartPass(cdk8s, app, { warm: 2, batches: 3, per: 4 });
      expect(r.calls).toBe(2 + 3 * 4);
      expect(synthChart).toHaveBeenCalledTimes(r.calls);
      const probes = new Set(synthChart.mock.calls.map(([chart]) => chart as cdk8s.Chart));
      expect([...probes].map(c => [c.node.id, c.node.children.length])).toEqual([['bench-per-chart-pass', 0]]);
      expect(r.minMs).toBeGreaterThan(0);
      expect(r.minMs).toBeLessThanOrEqual(r.medianMs);
      // The app's constructs, the probe not counted: 2 service charts of 8 and the gateway chart of 3, and the app.
      expect(r.nodes).toBe(1 + 2 * 8 + 3);
    } finally {
      synthChart.mockRestore();
    }
    expect(app.node.children.map(c => c.node.id)).toEqual(children);
    expect(app.synthYaml()).toEqual(before);
  });
});
