import { ImplementationChoice, parseImplementation, profileOfGatewayClass } from './rules/implementations';

/**
 * Which implementation of the Kubernetes Gateway API runs a Gateway or a route (and, optionally, its version), so that
 * a route that needs a mirroring feature the implementation does not have (or silently ignores) fails at synth time.
 *
 * The profiles (what each implementation supports, with the conformance report or code each fact is read from) are in
 * `src/gateway-api/rules/implementations.ts`; the README's "Where mirroring works" table summarizes them. Without a
 * version, a route is judged as of the newest version this library knows.
 *
 * @example
 * // HTTPRoutes reach a version through its own Service: httpbin-v1, httpbin-v2 (versionServices).
 * const web = new MeshService(chart, 'web', { port: 8000, versions: [v1, v2], versionServices: true });
 * const webGateway = new GatewayApiGateway(chart, 'web-gateway', {
 *   name: 'web-gateway', hostname: 'web.example.com', credentialName: 'web-credential',
 * });
 * new HttpMirrorRoute(chart, 'web-route', {
 *   destination: { service: web, version: 'v1' },
 *   mirror: { service: web, version: 'v2' },
 *   mirrorPercent: 10,
 *   gateways: [webGateway],
 *   implementation: GatewayImplementation.of('contour', '1.33'), // fails: Contour ignores the percentage
 * });
 *
 * @see https://gateway-api.sigs.k8s.io/implementations/
 */
export class GatewayImplementation {
  /** Istio (class `istio`); the profile follows Istio's Gateway API conversion (pilot/pkg/config/kube/gateway). */
  public static readonly ISTIO = GatewayImplementation.of('istio');
  /** Envoy Gateway (class `eg`). */
  public static readonly ENVOY_GATEWAY = GatewayImplementation.of('envoy-gateway');
  /** NGINX Gateway Fabric (class `nginx`). */
  public static readonly NGINX_GATEWAY_FABRIC = GatewayImplementation.of('nginx-gateway-fabric');
  /** kgateway (class `kgateway`). */
  public static readonly KGATEWAY = GatewayImplementation.of('kgateway');
  /** Contour (class `contour`): ignores mirror percentages and mirrors every request. */
  public static readonly CONTOUR = GatewayImplementation.of('contour');
  /** Cilium (class `cilium`). */
  public static readonly CILIUM = GatewayImplementation.of('cilium');
  /** GKE's Gateway controller (classes `gke-l7-*`): no multiple mirrors. */
  public static readonly GKE = GatewayImplementation.of('gke');
  /** Linkerd (GAMMA mesh routes): its policy controller rejects RequestMirror. */
  public static readonly LINKERD = GatewayImplementation.of('linkerd');
  /** Kong (Kong Operator, class `kong`): no mirroring. */
  public static readonly KONG = GatewayImplementation.of('kong');
  /** Traefik (class `traefik`): no mirroring. */
  public static readonly TRAEFIK = GatewayImplementation.of('traefik');

  /**
   * The implementation named `name`, optionally at `version`.
   *
   * @param name one of istio, envoy-gateway, nginx-gateway-fabric, kgateway, contour, cilium, gke, linkerd, kong, traefik
   * @param version the release, e.g. `1.28` or `v2.2.1`
   */
  public static of(name: string, version?: string): GatewayImplementation {
    const text = typeof name === 'string' ? (version === undefined ? name : `${name}@${version}`) : String(name);
    const choice = parseImplementation(text);
    if (typeof choice === 'string') throw new Error(`GatewayImplementation: ${choice}`);
    return new GatewayImplementation(choice);
  }

  /**
   * The implementation a well-known `gatewayClassName` means (`istio`, `eg`, `nginx`, `kgateway`, `contour`,
   * `cilium`, `gke-l7-*`, `kong`, `traefik`), or undefined for any other class.
   *
   * @param gatewayClassName the Gateway's class
   */
  public static fromGatewayClassName(gatewayClassName: string): GatewayImplementation | undefined {
    const profile = profileOfGatewayClass(gatewayClassName);
    return profile === undefined ? undefined : new GatewayImplementation({ profile });
  }

  /** The implementation's name, e.g. `istio`. */
  public readonly name: string;
  /** The version, when given. */
  public readonly version?: string;
  /** The profile and version, for the rules. */
  private readonly choice: ImplementationChoice;

  private constructor(choice: ImplementationChoice) {
    this.choice = choice;
    this.name = choice.profile.name;
    this.version = choice.version;
  }

  /**
   * The same implementation at `version`.
   *
   * @param version the release, e.g. `1.28` or `v2.2.1`
   */
  public withVersion(version: string): GatewayImplementation {
    return GatewayImplementation.of(this.name, version);
  }

  /** `name` or `name@version`, as the CLI's `--implementation` takes it. */
  public toString(): string {
    return this.version === undefined ? this.name : `${this.name}@${this.version}`;
  }

  /** The profile and version. @internal */
  public _choice(): ImplementationChoice {
    return this.choice;
  }
}
