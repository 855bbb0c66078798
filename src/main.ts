import { App } from 'cdk8s';
import { HttpbinMirrorChart } from './httpbin-mirror-chart';

// The app that `cdk8s synth` runs (see cdk8s.yaml): the reference scenario into dist/.
// MIRROR_PERCENT selects the stage: unset = mirror 100% to v2; 0 = route only (stage 1); any value in [0, 100].

function mirrorPercentFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') {
    return 100;
  }
  const percent = Number(value);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new Error(`MIRROR_PERCENT must be a number between 0 and 100, got ${JSON.stringify(value)}`);
  }
  return percent;
}

const app = new App();
new HttpbinMirrorChart(app, 'httpbin-mirror', { mirrorPercent: mirrorPercentFromEnv(process.env.MIRROR_PERCENT) });
app.synth();
