// Kubernetes' restricted Pod Security Standard on a rendered pod spec: what `WorkloadSecurity.restricted()` adds to
// every container the pod has when it is rendered (containers added later with cdk8s-plus included), and what it
// refuses. Plain JSON in and out (no cdk8s-plus types), so it reads the pod exactly as the API server will.
//
// The rules are those of the pod-security-admission library that enforces the standard
// (github.com/kubernetes/pod-security-admission, policy/check_*.go at 8f84a87, the checks of api.LevelBaseline and
// api.LevelRestricted; the restricted level includes every baseline check). Each rule below names its check.
// Internal: not exported from index.ts.

/** The seccomp profile the restricted standard accepts by default (check_seccompProfile_restricted.go). */
const RUNTIME_DEFAULT = 'RuntimeDefault';
/** check_capabilities_restricted.go: the one capability a restricted container may add. */
const RESTRICTED_ADDABLE = ['NET_BIND_SERVICE'];
/** check_restrictedVolumes.go: the inline volume sources a restricted pod may use. */
const RESTRICTED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
/** check_sysctls.go: the "safe" sysctls. */
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_slow_start_after_idle',
  'net.ipv4.tcp_notsent_lowat'];

/**
 * Sets what the restricted standard requires and cdk8s-plus-27 cannot express (its security contexts have no
 * `capabilities` and no `seccompProfile`): `capabilities.drop: [ALL]` on every container and init container, and a
 * `RuntimeDefault` seccomp profile on the pod unless the pod already names an allowed one. Mutates and returns `podSpec`.
 */
export function applyRestricted(podSpec: any): any {
  podSpec.securityContext = podSpec.securityContext ?? {};
  if (podSpec.securityContext.seccompProfile === undefined) {
    podSpec.securityContext.seccompProfile = { type: RUNTIME_DEFAULT };
  }
  for (const c of allContainers(podSpec)) {
    c.securityContext = c.securityContext ?? {};
    const capabilities = c.securityContext.capabilities ?? {};
    const drop: string[] = capabilities.drop ?? [];
    c.securityContext.capabilities = { ...capabilities, drop: drop.includes('ALL') ? drop : [...drop, 'ALL'] };
  }
  return podSpec;
}

/**
 * What in `podSpec` the restricted Pod Security Standard forbids, one message per problem (field, value, fix);
 * empty when the pod is admitted at level restricted.
 */
export function restrictedViolations(podSpec: any): string[] {
  const problems: string[] = [];
  const pod = podSpec.securityContext ?? {};
  const where = (c: any, kind: string) => `${kind} ${JSON.stringify(c.name)}`;
  // Baseline (check_hostNamespaces.go, check_hostPathVolumes.go via check_restrictedVolumes.go, check_sysctls.go).
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (podSpec[field] === true) problems.push(`${field} is true: the pod must not share the host's namespaces (set ${field} false)`);
  }
  for (const s of pod.sysctls ?? []) {
    if (!SAFE_SYSCTLS.includes(s.name)) problems.push(`sysctl ${JSON.stringify(s.name)} is not one of the safe sysctls: remove it`);
  }
  // check_restrictedVolumes.go (which includes the baseline's hostPath check).
  for (const v of podSpec.volumes ?? []) {
    const sources = Object.keys(v).filter(k => k !== 'name');
    const bad = sources.filter(s => !RESTRICTED_VOLUME_SOURCES.includes(s));
    if (bad.length > 0) {
      problems.push(`volume ${JSON.stringify(v.name)} is a ${bad.join('/')} volume: only ${RESTRICTED_VOLUME_SOURCES.join(', ')} volumes are `
        + 'allowed (use a persistentVolumeClaim instead)');
    }
  }
  // check_seccompProfile_restricted.go: pod level set (to an allowed type), or every container.
  const seccompOk = (p: any) => p !== undefined && (p.type === RUNTIME_DEFAULT || p.type === 'Localhost');
  if (pod.seccompProfile !== undefined && !seccompOk(pod.seccompProfile)) {
    problems.push(`the pod's seccompProfile.type is ${JSON.stringify(pod.seccompProfile.type)}: use RuntimeDefault or Localhost`);
  }
  checkSelinuxAndWindows(pod, 'the pod', problems);
  // check_runAsNonRoot.go: true on the pod, or on every container. check_runAsUser.go: never 0.
  if (pod.runAsNonRoot === false) problems.push('the pod sets runAsNonRoot false: the restricted standard requires true');
  if (pod.runAsUser === 0) problems.push('the pod sets runAsUser 0 (root): use a non-zero user id');
  for (const [c, kind] of allContainers(podSpec).map((x, i) => [x, i < (podSpec.containers ?? []).length ? 'container' : 'init container'])) {
    const sc = c.securityContext ?? {};
    const name = where(c, kind);
    if (sc.privileged === true) problems.push(`${name} is privileged: set privileged false`);
    if (sc.allowPrivilegeEscalation !== false) {
      problems.push(`${name} does not set allowPrivilegeEscalation false (got ${JSON.stringify(sc.allowPrivilegeEscalation)}): set it to false`);
    }
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot === undefined && pod.runAsNonRoot !== true)) {
      problems.push(`${name} may run as root (runAsNonRoot is ${JSON.stringify(sc.runAsNonRoot)} and the pod's is `
        + `${JSON.stringify(pod.runAsNonRoot)}): set runAsNonRoot true`);
    }
    if (sc.runAsUser === 0) problems.push(`${name} sets runAsUser 0 (root): use a non-zero user id`);
    const added: string[] = sc.capabilities?.add ?? [];
    // check_capabilities_restricted.go (stricter than the baseline's default set).
    const badAdds = added.filter(a => !RESTRICTED_ADDABLE.includes(a));
    if (badAdds.length > 0) problems.push(`${name} adds capabilities ${badAdds.join(', ')}: only NET_BIND_SERVICE may be added`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${name} does not drop ALL capabilities: add "ALL" to capabilities.drop`);
    if (sc.seccompProfile !== undefined ? !seccompOk(sc.seccompProfile) : !seccompOk(pod.seccompProfile)) {
      problems.push(`${name} has no RuntimeDefault or Localhost seccomp profile (its own or the pod's): set seccompProfile.type RuntimeDefault`);
    }
    if (sc.procMount !== undefined && sc.procMount !== 'Default') {
      problems.push(`${name} sets procMount ${JSON.stringify(sc.procMount)}: use Default (check_procMount_restricted.go)`);
    }
    checkSelinuxAndWindows(sc, name, problems);
    for (const p of c.ports ?? []) {
      if (p.hostPort !== undefined && p.hostPort !== 0) problems.push(`${name} uses hostPort ${p.hostPort}: remove it (use a Service)`);
    }
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const host = c[probe]?.httpGet?.host ?? c[probe]?.tcpSocket?.host;
      if (host !== undefined && host !== '') problems.push(`${name}'s ${probe} sets host ${JSON.stringify(host)}: probe the pod itself (no host)`);
    }
  }
  return problems;
}

/** check_seLinuxOptions.go, check_windowsHostProcess.go, check_appArmorProfile.go on one security context. */
function checkSelinuxAndWindows(sc: any, name: string, problems: string[]): void {
  const se = sc.seLinuxOptions;
  if (se?.type !== undefined && se.type !== '' && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(se.type)) {
    problems.push(`${name} sets seLinuxOptions.type ${JSON.stringify(se.type)}: use container_t or leave it unset`);
  }
  if ((se?.user ?? '') !== '' || (se?.role ?? '') !== '') problems.push(`${name} sets seLinuxOptions.user or role: leave them unset`);
  if (sc.windowsOptions?.hostProcess === true) problems.push(`${name} sets windowsOptions.hostProcess true: remove it`);
  if (sc.appArmorProfile !== undefined && !['RuntimeDefault', 'Localhost'].includes(sc.appArmorProfile.type)) {
    problems.push(`${name} sets appArmorProfile.type ${JSON.stringify(sc.appArmorProfile.type)}: use RuntimeDefault or Localhost`);
  }
}

function allContainers(podSpec: any): any[] {
  return [...podSpec.containers ?? [], ...podSpec.initContainers ?? []];
}
