import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { applyRestricted, restrictedViolations } from '../../src/workloads/pod-security';
import { ServiceVersion, ServiceVersionProps, WorkloadSecurity } from '../../src/workloads/service-version';

// The Pod Security Standards, rule by rule, as the pod-security-admission library checks them
// (github.com/kubernetes/pod-security-admission at 8f84a87, policy/check_<name>.go; each rule's "Restricted Fields"
// and "Allowed Values" comment). Written here independently of src/workloads/pod-security.ts, so that the tests
// check the rendered pods against the standard, not the implementation against itself. Each rule returns whether the
// pod spec is allowed.

type Rule = (pod: any) => boolean;
const containersOf = (pod: any): any[] => [...pod.containers ?? [], ...pod.initContainers ?? [], ...pod.ephemeralContainers ?? []];
const everyContainer = (pod: any, ok: (sc: any, c: any) => boolean) => containersOf(pod).every(c => ok(c.securityContext ?? {}, c));
const podSc = (pod: any) => pod.securityContext ?? {};

const BASELINE: Record<string, Rule> = {
  // check_windowsHostProcess.go
  windowsHostProcess: pod => podSc(pod).windowsOptions?.hostProcess !== true && everyContainer(pod, sc => sc.windowsOptions?.hostProcess !== true),
  // check_hostNamespaces.go
  hostNamespaces: pod => !pod.hostNetwork && !pod.hostPID && !pod.hostIPC,
  // check_privileged.go
  privileged: pod => everyContainer(pod, sc => sc.privileged !== true),
  // check_capabilities_baseline.go
  capabilitiesBaseline: pod => everyContainer(pod, sc => (sc.capabilities?.add ?? []).every((c: string) => ['AUDIT_WRITE', 'CHOWN',
    'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'].includes(c))),
  // check_hostPathVolumes.go
  hostPathVolumes: pod => (pod.volumes ?? []).every((v: any) => v.hostPath === undefined),
  // check_hostPorts.go
  hostPorts: pod => containersOf(pod).every(c => (c.ports ?? []).every((p: any) => !p.hostPort)),
  // check_hostProbesAndhostLifecycle.go
  hostProbesAndHostLifecycle: pod => containersOf(pod).every(c => ['livenessProbe', 'readinessProbe', 'startupProbe'].every(p => !c[p]?.httpGet?.host && !c[p]?.tcpSocket?.host)
    && ['postStart', 'preStop'].every(h => !c.lifecycle?.[h]?.httpGet?.host && !c.lifecycle?.[h]?.tcpSocket?.host)),
  // check_appArmorProfile.go
  appArmorProfile: pod => [podSc(pod), ...containersOf(pod).map(c => c.securityContext ?? {})]
    .every(sc => sc.appArmorProfile === undefined || ['RuntimeDefault', 'Localhost'].includes(sc.appArmorProfile.type)),
  // check_seLinuxOptions.go
  seLinuxOptions: pod => [podSc(pod), ...containersOf(pod).map(c => c.securityContext ?? {})].every(sc => sc.seLinuxOptions === undefined
    || (['', undefined, 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(sc.seLinuxOptions.type)
      && !sc.seLinuxOptions.user && !sc.seLinuxOptions.role)),
  // check_procMount_baseline.go
  procMountBaseline: pod => pod.hostUsers === false || everyContainer(pod, sc => sc.procMount === undefined || sc.procMount === 'Default'),
  // check_seccompProfile_baseline.go
  seccompProfileBaseline: pod => [podSc(pod), ...containersOf(pod).map(c => c.securityContext ?? {})]
    .every(sc => sc.seccompProfile === undefined || ['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile.type)),
  // check_sysctls.go
  sysctls: pod => (podSc(pod).sysctls ?? []).every((s: any) => ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range',
    'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports',
    'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
    'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'].includes(s.name)),
};

const RESTRICTED: Record<string, Rule> = {
  ...BASELINE,
  // check_restrictedVolumes.go
  restrictedVolumes: pod => (pod.volumes ?? []).every((v: any) => Object.keys(v).filter(k => k !== 'name').every(k => ['configMap', 'csi',
    'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'].includes(k))),
  // check_allowPrivilegeEscalation.go (containers and init containers; ephemeral ones too since 1.25)
  allowPrivilegeEscalation: pod => everyContainer(pod, sc => sc.allowPrivilegeEscalation === false),
  // check_runAsNonRoot.go
  runAsNonRoot: pod => pod.hostUsers === false || (podSc(pod).runAsNonRoot !== false
    && everyContainer(pod, sc => sc.runAsNonRoot === true || (sc.runAsNonRoot === undefined && podSc(pod).runAsNonRoot === true))),
  // check_runAsUser.go
  runAsUser: pod => pod.hostUsers === false || (podSc(pod).runAsUser !== 0 && everyContainer(pod, sc => sc.runAsUser !== 0)),
  // check_seccompProfile_restricted.go
  seccompProfileRestricted: pod => {
    const ok = (p: any) => p !== undefined && ['RuntimeDefault', 'Localhost'].includes(p.type);
    if (podSc(pod).seccompProfile !== undefined && !ok(podSc(pod).seccompProfile)) return false;
    return everyContainer(pod, sc => (sc.seccompProfile !== undefined ? ok(sc.seccompProfile) : ok(podSc(pod).seccompProfile)));
  },
  // check_capabilities_restricted.go
  capabilitiesRestricted: pod => everyContainer(pod, sc => (sc.capabilities?.drop ?? []).includes('ALL')
    && (sc.capabilities?.add ?? []).every((c: string) => c === 'NET_BIND_SERVICE')),
  // check_procMount_restricted.go
  procMountRestricted: pod => everyContainer(pod, sc => sc.procMount === undefined || sc.procMount === 'Default'),
};

const reviews: ServiceVersionProps = { app: 'reviews', version: 'v2', image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2', containerPort: 9080 };

function podOf(build: (chart: any) => ServiceVersion): any {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart).find(m => m.kind === 'Deployment').spec.template.spec;
}

/** A pod spec that breaks `rule` (and only needs to break that one), for proving each rule can fail. */
const BREAKERS: Record<string, (pod: any) => void> = {
  windowsHostProcess: pod => { pod.securityContext.windowsOptions = { hostProcess: true }; },
  hostNamespaces: pod => { pod.hostPID = true; },
  privileged: pod => { pod.containers[0].securityContext.privileged = true; },
  capabilitiesBaseline: pod => { pod.containers[0].securityContext.capabilities.add = ['NET_RAW']; },
  hostPathVolumes: pod => { pod.volumes = [{ name: 'host', hostPath: { path: '/var/run' } }]; },
  hostPorts: pod => { pod.containers[0].ports = [{ containerPort: 9080, hostPort: 9080 }]; },
  hostProbesAndHostLifecycle: pod => { pod.containers[0].readinessProbe = { httpGet: { host: '10.0.0.1', port: 9080 } }; },
  appArmorProfile: pod => { pod.securityContext.appArmorProfile = { type: 'Unconfined' }; },
  seLinuxOptions: pod => { pod.securityContext.seLinuxOptions = { type: 'spc_t' }; },
  procMountBaseline: pod => { pod.containers[0].securityContext.procMount = 'Unmasked'; },
  seccompProfileBaseline: pod => { pod.securityContext.seccompProfile = { type: 'Unconfined' }; },
  sysctls: pod => { pod.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }]; },
  restrictedVolumes: pod => { pod.volumes = [{ name: 'nfs', nfs: { server: 'nfs.example.com', path: '/' } }]; },
  allowPrivilegeEscalation: pod => { delete pod.containers[0].securityContext.allowPrivilegeEscalation; },
  runAsNonRoot: pod => { pod.containers[0].securityContext.runAsNonRoot = false; },
  runAsUser: pod => { pod.containers[0].securityContext.runAsUser = 0; },
  seccompProfileRestricted: pod => { delete pod.securityContext.seccompProfile; },
  capabilitiesRestricted: pod => { pod.containers[0].securityContext.capabilities = { drop: ['NET_RAW'] }; },
  procMountRestricted: pod => { pod.containers[0].securityContext.procMount = 'Unmasked'; },
};

describe('Pod Security Standards', () => {
  const restrictedPod = () => podOf(chart => new ServiceVersion(chart, 'reviews-v2', { ...reviews, security: WorkloadSecurity.restricted({ user: 1000 }) }));

  test.each(Object.keys(RESTRICTED))('WorkloadSecurity.restricted() meets the restricted rule %s', rule => {
    expect(RESTRICTED[rule](restrictedPod())).toBe(true);
  });

  test.each(Object.keys(BASELINE))('WorkloadSecurity.imageDefaults() meets the baseline rule %s', rule => {
    expect(BASELINE[rule](podOf(chart => new ServiceVersion(chart, 'reviews-v2', reviews)))).toBe(true);
  });

  test('WorkloadSecurity.imageDefaults() is not restricted: it may run as root and keeps the image\'s capabilities and seccomp', () => {
    const pod = podOf(chart => new ServiceVersion(chart, 'reviews-v2', reviews));
    const broken = Object.keys(RESTRICTED).filter(rule => !RESTRICTED[rule](pod));
    expect(broken).toEqual(['runAsNonRoot', 'seccompProfileRestricted', 'capabilitiesRestricted']);
  });

  test.each(Object.keys(RESTRICTED))('each rule can fail, and the restricted check reports it: %s', rule => {
    const pod = restrictedPod();
    BREAKERS[rule](pod);
    expect(RESTRICTED[rule](pod)).toBe(false);
    expect(restrictedViolations(pod)).not.toEqual([]);
  });

  test('a restricted pod stays restricted with containers and init containers added through cdk8s-plus', () => {
    const pod = podOf(chart => {
      const version = new ServiceVersion(chart, 'reviews-v2', { ...reviews, security: WorkloadSecurity.restricted({ user: 1000 }) });
      version.deployment.addContainer({ name: 'metrics', image: 'ghcr.io/example/exporter:1', portNumber: 9102 });
      version.deployment.addInitContainer({ name: 'migrate', image: 'ghcr.io/example/migrate:1' });
      version.deployment.addVolume(kplus.Volume.fromEmptyDir(chart, 'scratch', 'scratch'));
      return version;
    });
    expect(pod.containers.map((c: any) => c.name)).toEqual(['reviews', 'metrics']);
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['migrate']);
    expect(Object.keys(RESTRICTED).filter(rule => !RESTRICTED[rule](pod))).toEqual([]);
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    }
  });

  test('applyRestricted keeps capabilities a container already drops and an allowed seccomp profile of the pod', () => {
    const pod = applyRestricted({
      securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/reviews.json' } },
      containers: [{ name: 'a', securityContext: { capabilities: { drop: ['NET_RAW'], add: ['NET_BIND_SERVICE'] } } }],
    });
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'profiles/reviews.json' });
    expect(pod.containers[0].securityContext.capabilities).toEqual({ drop: ['NET_RAW', 'ALL'], add: ['NET_BIND_SERVICE'] });
  });

  describe('fails at synth when a restricted pod breaks the standard', () => {
    test.each([
      ['a privileged container is added', (v: ServiceVersion) => v.deployment.addContainer({ name: 'debug', image: 'busybox:1', securityContext: { privileged: true } }),
        /container "debug" is privileged: set privileged false/],
      ['a container may escalate privileges', (v: ServiceVersion) => v.deployment.addContainer({ name: 'x', image: 'busybox:1', securityContext: { allowPrivilegeEscalation: true } }),
        /container "x" does not set allowPrivilegeEscalation false \(got true\)/],
      ['an init container may run as root', (v: ServiceVersion) => v.deployment.addInitContainer({ name: 'init', image: 'busybox:1', securityContext: { ensureNonRoot: false } }),
        /init container "init" may run as root .*set runAsNonRoot true/],
      ['a container runs as user 0', (v: ServiceVersion) => v.deployment.addContainer({ name: 'x', image: 'busybox:1', securityContext: { user: 0 } }),
        /container "x" sets runAsUser 0 \(root\)/],
      ['a hostPath volume is added', (v: ServiceVersion) => v.deployment.addVolume(kplus.Volume.fromHostPath(v, 'host', 'host', { path: '/var/run' })),
        /volume "host" is a hostPath volume: only configMap, .* volumes are allowed/],
    ])('when %s', (_, mutate, message) => {
      const chart = Testing.chart();
      const version = new ServiceVersion(chart, 'reviews-v2', { ...reviews, security: WorkloadSecurity.restricted({ user: 1000 }) });
      mutate(version);
      // Not anchored: newer cdk8s versions (2.70) prefix an error thrown while rendering with "Failed serializing construct at path ...".
      expect(() => Testing.synth(chart)).toThrow(/test\/reviews-v2: WorkloadSecurity.restricted\(\) promises the restricted Pod Security Standard, but the pod breaks it: /);
      expect(() => Testing.synth(chart)).toThrow(message);
    });
  });
});
