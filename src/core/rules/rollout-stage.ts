/**
 * The file that marks a folder as one stage of a rollout plan: `MirrorRolloutPlan.synth()` writes it into every stage
 * folder, and the validation plugin (src/cli/validation-plugin.ts) analyzes the manifests of a folder that has it as a
 * set of their own. The stages of a plan are alternative states of the same objects: analyzed together with each other
 * or with the app's own output (`dist/plan/` is inside cdk8s's `dist/`), every object is defined several times (TM0006).
 *
 * Pure (no cdk8s): the plugin runs inside the cdk8s CLI. The name starts with a dot and has no `.yaml`/`.json`
 * extension, so `kubectl apply -f <folder>`, Argo CD and Flux, which read only manifest extensions, skip it.
 */
export const ROLLOUT_STAGE_MARKER = '.cdk8s-traffic-mirror-stage';

/** The marker's content: what the file is, for a reader who finds it in a stage folder. */
export function rolloutStageMarkerText(stage: string): string {
  return `Stage ${stage} of a MirrorRolloutPlan (cdk8s-traffic-mirror): the manifests of this folder are one deployable `
    + 'set, the alternative to the other stages; the mesh analysis checks them on their own.\n';
}
