'use strict';
// The generated input of the analyzer-large-input section of `npm run bench`: one multi-document YAML file of about
// `mb` megabytes (written to a temp file, never committed), shaped like a real mesh: per app a Deployment per
// version, a Service, a DestinationRule with a subset per version and a VirtualService that mirrors v1 to v2, in
// 50 namespaces, plus a shared Gateway every 100 apps. Every reference resolves, so the analysis has no findings
// and the time is the analyzer's own, not the formatting of findings.

function app(i) {
  const ns = `team-${i % 50}`;
  const name = `app-${i}`;
  const deployment = v => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}-${v}
  namespace: ${ns}
  labels:
    app: ${name}
    version: ${v}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ${name}
      version: ${v}
  template:
    metadata:
      labels:
        app: ${name}
        version: ${v}
    spec:
      containers:
        - name: ${name}
          image: registry.example.com/${name}:${v}
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
`;
  return [deployment('v1'), deployment('v2'), `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    app: ${name}
  ports:
    - name: http
      port: 80
      targetPort: 8080
`, `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  host: ${name}
  subsets:
    - name: v1
      labels:
        version: v1
    - name: v2
      labels:
        version: v2
`, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  hosts:
    - ${name}
  http:
    - route:
        - destination:
            host: ${name}
            subset: v1
            port:
              number: 80
      mirror:
        host: ${name}
        subset: v2
        port:
          number: 80
      mirrorPercentage:
        value: 10
`];
}

/** The YAML text, at least `mb` megabytes, and its object count. */
function largeInput(mb) {
  const parts = [];
  let bytes = 0;
  for (let i = 0; bytes < mb * 1e6; i++) {
    for (const doc of app(i)) {
      parts.push(doc);
      bytes += doc.length + 4;
    }
  }
  return { text: parts.join('---\n'), objects: parts.length };
}

module.exports = { largeInput };
