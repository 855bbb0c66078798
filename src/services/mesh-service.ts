import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { addCheck, AppIndex, changed, claimObjects, objectKey } from '../core/app-index';
import { Deferred } from '../core/deferred';
import { LIBRARY_SERVICES } from '../core/mirror-route-base';
import { IMeshService, IServiceVersion, versionServiceName } from '../core/references';
import { checkArray, checkDnsLabel, checkLabelValue, checkOptionalDnsLabel, checkPort, checkServiceName, fail, isDnsLabel, isInstance, Subject, subjectOf } from '../core/validate';
import { ISTIO_PROTOCOLS, protocolFromPortName, WELL_KNOWN_TCP_PORTS } from './rules/protocols';

// The service layer: a Service with versions behind it and, if asked, one Service per version. It is neither Istio's
// nor the Gateway API's: each flavor adds what its API needs (the Istio flavor a DestinationRule with one subset per
// version, `ServiceSubsets`; the Gateway API routes the version Services written here).

/**
 * One port of a mesh service.
 */
export interface MeshServicePortOptions {
  /**
   * The port's name, which tells Istio its protocol: `<protocol>[-<suffix>]` with a protocol Istio knows
   * (`http`, `http2`, `https`, `grpc`, `grpc-web`, `mongo`, `mysql`, `redis`, `tcp`, `tls`, `udp`), e.g. `http`
   * or `grpc-api`; any name on a port Istio treats as TCP by number (25, 53, 3306, 27017). Without it Istio treats
   * HTTP as opaque TCP and cannot route or mirror it.
   */
  readonly name: string;
  /**
   * The port the Service exposes, and that routes name as their destination port.
   */
  readonly port: number;
  /**
   * The container port the Service forwards to.
   *
   * @default - the versions' `containerPort` when this is the only port, else the same as `port`
   */
  readonly targetPort?: number;
}

/**
 * Properties of a `MeshService`.
 */
export interface MeshServiceProps {
  /**
   * The `app` label the Service selects.
   *
   * @default - the `app` of the versions passed in `versions`
   */
  readonly app?: string;
  /**
   * The Service name, and so the host routes address (and, with the Istio API, the DestinationRule's name).
   *
   * @default - the app name
   */
  readonly name?: string;
  /**
   * The namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The port of a single-port service. Use `ports` for several.
   *
   * @default 80
   */
  readonly port?: number;
  /**
   * The name of the single port, with Istio's protocol prefix.
   *
   * @default 'http'
   */
  readonly portName?: string;
  /**
   * The container port the single port forwards to.
   *
   * @default - the versions' `containerPort`, else `port`
   */
  readonly targetPort?: number;
  /**
   * Every port of a multi-port service; mutually exclusive with `port`, `portName` and `targetPort`.
   *
   * @default - one port from `port`, `portName` and `targetPort`
   */
  readonly ports?: MeshServicePortOptions[];
  /**
   * The versions behind the service, each told apart by its `version` label (with the Istio API a DestinationRule
   * subset of that name, with the Gateway API the version's own Service). More can be added with `addVersion()`.
   *
   * @default - none
   */
  readonly versions?: IServiceVersion[];
  /**
   * Write one Service per version, named `<name>-<version>` (e.g. `httpbin-v1`), selecting exactly the `app` and
   * `version` labels, with the ports of this Service (same names, numbers and target ports).
   *
   * The Kubernetes Gateway API has no subsets: an HTTPRoute sends or mirrors traffic to one version by naming that
   * version's Service, so `HttpMirrorRoute` requires them for every version it targets. The Service is created with
   * the version (in the constructor or `addVersion()`), so a rollout plan's stages all contain the same Services.
   *
   * @default false
   */
  readonly versionServices?: boolean;
}

/**
 * Attributes of a service that this chart does not define, for `MeshService.fromServiceAttributes()`.
 */
export interface MeshServiceAttributes {
  /** The Service name. */
  readonly name: string;
  /**
   * The Service namespace.
   *
   * @default - the namespace of the chart of the imported reference
   */
  readonly namespace?: string;
  /**
   * The Service's ports, if known. Routes then check their ports against them.
   *
   * @default - unknown: routes must name a port explicitly
   */
  readonly ports?: number[];
  /**
   * The versions of the service (with the Istio API the DestinationRule subsets defined for it elsewhere; with the
   * Gateway API the versions whose `<name>-<version>` Services exist), if known. Routes then check their versions
   * against them.
   *
   * @default - unknown: versions are not checked
   */
  readonly versions?: string[];
}

/**
 * A Kubernetes Service with versions behind it: the service routes send traffic to and mirror traffic to.
 *
 * The Service selects `app`, so it reaches every version's pods. Routes tell the versions apart by their `version`
 * label: with the Istio API (`MirrorRoute`) through a DestinationRule subset per version, which the route adds to the
 * service when it first addresses a version (`ServiceSubsets`, where a traffic policy can be set too); with the
 * Kubernetes Gateway API (`HttpMirrorRoute`) through one Service per version (`versionServices`). A route may also
 * target the service itself, without a version: every pod it selects (a separate shadow service, e.g.
 * `httpbin-shadow`).
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/service/
 */
export class MeshService extends ApiObject implements IMeshService {

  /**
   * Refers to a service defined outside this chart (another chart, another team's namespace, plain YAML).
   *
   * @param scope the chart (or any construct inside one) that refers to the service
   * @param id the construct id, unique among `scope`'s children (no Kubernetes object is written)
   * @param attrs what is known of the service: name, namespace, ports and versions
   */
  public static fromServiceAttributes(scope: Construct, id: string, attrs: MeshServiceAttributes): IMeshService {
    return new ImportedMeshService(scope, id, attrs);
  }

  /**
   * `instanceof` as for any class (the prototype chain). cdk8s's `ApiObject` answers `instanceof` for every API
   * object (any copy of cdk8s), which its subclasses would inherit: any Service would be a `MeshService`.
   *
   * @internal
   */
  public static [Symbol.hasInstance](o: unknown): o is MeshService {
    return isInstance(this, o);
  }

  public readonly serviceName: string;
  public readonly namespace?: string;
  public readonly definedElsewhere = false;
  /** The `app` label the Service selects. */
  public readonly app: string;
  /** Whether the service writes one Service per version (`versionServices`). */
  public readonly versionServices: boolean;
  private readonly ports: MeshServicePortOptions[];
  private readonly versionServiceChecks: Array<() => string[]> = [];
  private readonly attached: IServiceVersion[] = [];

  /**
   * Defines a `MeshService` (writes a Service, and one per version with `versionServices`).
   *
   * @param scope the chart (or any construct inside one) this belongs to
   * @param id the construct id, unique among `scope`'s children (part of the generated names: renaming it renames the objects)
   * @param props ports and versions; all optional
   */
  constructor(scope: Construct, id: string, props: MeshServiceProps = {}) {
    // The service is the Service object itself (one construct per object, as the generated classes are), so its props
    // are checked before the object is created: errors name the service's path all the same.
    const subject = subjectOf(scope, id);
    if (props.versions !== undefined) checkArray(subject, 'versions', props.versions);
    if (props.ports !== undefined) checkArray(subject, 'ports', props.ports);
    const selected = props.app ?? props.versions?.[0]?.app;
    if (selected === undefined) {
      fail(subject, 'app is required when no versions are given: set app (the pod label the Service selects) or pass versions');
    }
    const app = checkLabelValue(subject, 'app', selected);
    const serviceName = checkServiceName(subject, props.name === undefined ? 'name (default: the app name)' : 'name', props.name ?? app);
    const namespace = checkOptionalDnsLabel(subject, 'namespace', props.namespace ?? Chart.of(scope).namespace);
    const ports = checkPorts(subject, props);
    // The ports render with the versions attached by then (a single port's targetPort follows their containerPort).
    const renderedPorts = new Deferred(MeshService.portsOf);
    super(scope, id, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: serviceName, namespace, labels: { app } },
      spec: {
        selector: { app },
        ports: Lazy.any(renderedPorts),
      },
    });
    renderedPorts.of = this;
    this.app = app;
    this.serviceName = serviceName;
    this.namespace = namespace;
    this.ports = ports;
    this.versionServices = props.versionServices ?? false;
    // After the Service, so that version Services follow it in the output.
    for (const version of props.versions ?? []) {
      this.addVersion(version);
    }
    claimObjects(this, [{ apiVersion: 'v1', kind: 'Service', namespace: this.namespace, name: this.serviceName,
      rename: props.name === undefined ? 'name (default: the app name)' : 'name' }]);
    addCheck(this, MeshService.problemsOf);
  }

  /** The Service: this service itself (the one construct that writes it). */
  public get service(): ApiObject {
    return this;
  }

  /**
   * Adds a version behind the service: its pods must carry this service's `app` label, and its `version` label
   * tells it apart (an Istio subset name, part of the version's Service name with the Gateway API), so it must be a
   * DNS label (e.g. `v1-2`, not `v1.2`).
   *
   * @param version a `ServiceVersion` (or any `IServiceVersion`) of this service's app
   */
  public addVersion(version: IServiceVersion): void {
    // A version label may be any label value (`v1.2` is fine on a Deployment), but here it becomes a DestinationRule
    // subset name, which Istio's validateSubsetName requires to be a DNS-1123 label (the API server would reject the
    // rule), and part of the version's Service name with the Gateway API.
    if (!isDnsLabel(version.version)) {
      const suggestion = version.version.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
      fail(this, `version ${JSON.stringify(version.version)} cannot be attached: its version label becomes a DestinationRule subset name `
        + '(Istio) and part of a Service name (Gateway API), which must be a DNS label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 '
        + `characters); give the version a label such as ${JSON.stringify(suggestion || 'v1')}`);
    }
    if (version.app !== this.app) {
      fail(this, `version ${JSON.stringify(version.version)} has app label ${JSON.stringify(version.app)}, `
        + `but this service selects app ${JSON.stringify(this.app)}: give the version app "${this.app}" or use another service`);
    }
    if (this.attached.some(v => v.version === version.version)) {
      fail(this, `version ${JSON.stringify(version.version)} is already attached: each version label must be unique per service`);
    }
    if (this.versionServices) {
      this.addVersionService(version.version);
    }
    this.attached.push(version);
    changed();
  }

  /**
   * The name of the Service of one version (`<name>-<version>`), when the service writes version Services
   * (`versionServices`); undefined otherwise.
   *
   * @param version the version label, e.g. `v1`
   */
  public versionServiceName(version: string): string | undefined {
    return this.versionServices ? versionServiceName(this.serviceName, version) : undefined;
  }

  /** The version labels, in the order the versions were added. */
  public get versionNames(): string[] | undefined {
    return this.attached.map(v => v.version);
  }

  /** The versions, in the order they were added (a copy). */
  public get versions(): IServiceVersion[] | undefined {
    return [...this.attached];
  }

  /**
   * The name of the Service's port `port` (which tells Istio its protocol), or undefined when the Service has no such port.
   *
   * @param port the port number
   */
  public portName(port: number): string | undefined {
    return this.ports.find(p => p.port === port)?.name;
  }

  /** The Service's port numbers. */
  public get portNumbers(): number[] | undefined {
    return this.ports.map(p => p.port);
  }

  /** The Service of one version: the same ports, selecting exactly `app` and `version`. */
  private addVersionService(version: string): void {
    const name = versionServiceName(this.serviceName, version);
    if (name.length > 63 || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
      fail(this, `the Service of version ${JSON.stringify(version)} would be named ${JSON.stringify(name)} (<service>-<version>), which is not a `
        + 'Service name (an RFC 1035 label: lowercase letters, digits and \'-\', starting with a letter, at most 63 characters): '
        + 'shorten the service name or the version label');
    }
    const labels = { app: this.app, version };
    new ApiObject(this, `version-${version}`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: this.namespace, labels },
      spec: { selector: { ...labels }, ports: Lazy.any(new Deferred(MeshService.portsOf, this)) },
    });
    // The name is derived, not chosen: say where it comes from when it collides with another object of the app.
    const index = AppIndex.of(this);
    const key = objectKey('v1', 'Service', this.namespace, name);
    index.claim(key, this);
    this.versionServiceChecks.push(() => {
      const others = index.owners(key).filter(o => o !== this);
      return others.length === 0 ? [] : [`the Service of version ${version} is named ${name} (<service>-<version>), but `
        + `${others.map(o => o.node.path).join(', ')} also defines a Service ${this.namespace ?? 'default'}/${name}: `
        + 'rename one of them (the other Service, this service or the version label)'];
    });
  }

  /** The check of `service` (`addCheck`): its versions, and the names of its version Services. */
  private static problemsOf(service: MeshService): string[] {
    return [...service.validateVersions(), ...service.versionServiceChecks.flatMap(c => c())];
  }

  /** The rendered ports of `service` (see `Deferred`). */
  private static portsOf(service: MeshService): any[] {
    return service.renderPorts();
  }

  private versionContainerPort(): number | undefined {
    const declared = [...new Set(this.attached.map(v => v.containerPort).filter((p): p is number => p !== undefined))];
    return declared.length === 1 ? declared[0] : undefined;
  }

  private renderPorts(): any[] {
    const single = this.ports.length === 1;
    return this.ports.map(p => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort ?? (single ? this.versionContainerPort() : undefined) ?? p.port,
      protocol: protocolFromPortName(p.name, p.port) === 'udp' ? 'UDP' : 'TCP',
    }));
  }

  /**
   * A Service port whose target port no version's container declares sends its requests to a port nothing listens
   * on (connection refused). Only versions that declare their ports count: a container may listen on a port it does
   * not declare, so a version without declared ports is not judged.
   */
  private targetPortProblems(): string[] {
    const declaring = this.attached.map(v => ({ v, ports: v.containerPorts ?? (v.containerPort === undefined ? [] : [v.containerPort]) }))
      .filter(d => d.ports.length > 0);
    if (declaring.length === 0) return [];
    const problems: string[] = [];
    for (const port of this.renderPorts()) {
      if (!declaring.some(d => d.ports.includes(port.targetPort))) {
        const listed = declaring.map(d => `${d.v.version}: ${d.ports.join(', ')}`).join('; ');
        const prop = this.ports.length === 1 ? 'targetPort' : `ports[${this.ports.findIndex(p => p.name === port.name)}].targetPort`;
        problems.push(`port ${port.name} (${port.port}) forwards to targetPort ${port.targetPort}, which no version's container exposes `
          + `(${listed}): set ${prop} to the port the containers listen on`);
      }
    }
    return problems;
  }

  private validateVersions(): string[] {
    const errors: string[] = [];
    if (this.attached.length === 0) {
      errors.push(`service ${this.serviceName} has no versions, so its Service selects no pods of this app: pass versions or call addVersion() `
        + '(a workload applied by other means too, e.g. ServiceVersion.fromDeploymentName())');
    }
    const declared = new Set(this.attached.map(v => v.containerPort).filter(p => p !== undefined));
    if (this.ports.length === 1 && this.ports[0].targetPort === undefined && declared.size > 1) {
      errors.push(`versions of ${this.serviceName} listen on different container ports (${[...declared].join(', ')}): set targetPort`);
    } else {
      errors.push(...this.targetPortProblems());
    }
    for (const v of this.attached) {
      if ((v.namespace ?? '') !== (this.namespace ?? '')) {
        errors.push(`version ${v.version} is in namespace ${v.namespace ?? '(none)'} but the service is in ${this.namespace ?? '(none)'}: `
          + 'a Service only selects pods of its own namespace');
      }
    }
    return errors;
  }
}

/** Checks the ports of a `MeshService` (errors name `subject`, the service about to be created). */
function checkPorts(subject: Subject, props: MeshServiceProps): MeshServicePortOptions[] {
  if (props.ports !== undefined && (props.port !== undefined || props.portName !== undefined || props.targetPort !== undefined)) {
    fail(subject, 'ports cannot be combined with port, portName or targetPort: list every port in ports');
  }
  const ports = props.ports ?? [{ name: props.portName ?? 'http', port: props.port ?? 80, targetPort: props.targetPort }];
  if (ports.length === 0) {
    fail(subject, 'ports must list at least one port');
  }
  const seenNames = new Set<string>();
  const seenNumbers = new Set<number>();
  // Each message names the prop the user wrote: `port`/`portName`/`targetPort` of a single port, `ports[i]...` of several.
  const prop = (i: number, field: 'name' | 'port' | 'targetPort') => (props.ports === undefined
    ? { name: 'portName', port: 'port', targetPort: 'targetPort' }[field] : `ports[${i}].${field}`);
  for (const [i, p] of ports.entries()) {
    checkDnsLabel(subject, prop(i, 'name'), p.name);
    checkPort(subject, prop(i, 'port'), p.port);
    // The same rule as the analyzer's IST0118, so a port this construct writes is never reported there.
    if (protocolFromPortName(p.name, p.port) === undefined) {
      fail(subject, `port name ${JSON.stringify(p.name)} does not tell Istio its protocol: name it <protocol>[-<suffix>] with one of `
        + `${ISTIO_PROTOCOLS.filter(proto => isDnsLabel(proto)).join(', ')} (e.g. "http" or "http-web"); only ports `
        + `${WELL_KNOWN_TCP_PORTS.join(', ')} may have other names (Istio treats them as TCP)`);
    }
    if (p.targetPort !== undefined) {
      checkPort(subject, prop(i, 'targetPort'), p.targetPort);
    }
    if (seenNames.has(p.name) || seenNumbers.has(p.port)) {
      fail(subject, `port ${p.name} (${p.port}) is listed twice: port names and numbers must be unique`);
    }
    seenNames.add(p.name);
    seenNumbers.add(p.port);
  }
  return ports;
}

class ImportedMeshService extends Construct implements IMeshService {

  public readonly serviceName: string;
  public readonly namespace?: string;
  public readonly portNumbers?: number[];
  public readonly versionNames?: string[];
  public readonly definedElsewhere = true;

  constructor(scope: Construct, id: string, attrs: MeshServiceAttributes) {
    super(scope, id);
    this.serviceName = checkServiceName(this, 'name', attrs.name);
    this.namespace = checkOptionalDnsLabel(this, 'namespace', attrs.namespace ?? Chart.of(this).namespace);
    this.portNumbers = attrs.ports?.map(p => checkPort(this, 'ports', p));
    this.versionNames = attrs.versions === undefined ? undefined : [...attrs.versions];
  }
}

LIBRARY_SERVICES.add(MeshService);
LIBRARY_SERVICES.add(ImportedMeshService);
