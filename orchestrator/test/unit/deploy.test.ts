import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { mergeConfig, overridesFromEnv } from '../../src/config';
import { Metrics } from '../../src/ops/metrics';

const ROOT = join(__dirname, '..', '..', '..', '..');
const K8S = join(ROOT, 'deploy', 'k8s');

/** The Kubernetes kinds the manifests use, with the models that hold their schemas. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler
};

function manifests(): any[] {
  const out: any[] = [];
  for (const f of readdirSync(K8S).filter((n) => n.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(K8S, f), 'utf8'))) {
      expect(doc.errors, f).to.deep.equal([]);
      out.push(doc.toJS());
    }
  }
  return out;
}

/** The one manifest of this kind (of the Stratus nodes, where Redis has one too). */
function one(all: any[], kind: string, name = 'stratus'): any {
  const found = all.filter((m) => m.kind === kind && m.metadata.name === name);
  expect(found, kind).to.have.length(1);
  return found[0];
}

describe('deploy/: the container image and the Kubernetes manifests', () => {
  const all = manifests();

  it('every manifest is valid against its Kubernetes schema', () => {
    expect(all.length).to.be.greaterThan(0);
    for (const m of all) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      expect(Model, `${m.apiVersion} ${m.kind}`).to.not.equal(undefined);
      expect(() => new Model(m).validate(), `${m.kind} ${m.metadata?.name}`).to.not.throw();
    }
  });

  it('the schema check catches a broken manifest', () => {
    const d = structuredClone(one(all, 'Deployment'));
    d.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    expect(() => new Deployment(d).validate()).to.throw(/containerPort/);
  });

  it("the node's settings are real settings, and its grace period covers the drain and the shutdown", () => {
    const env: Record<string, string> = { ...one(all, 'ConfigMap', 'stratus-config').data };
    const container = one(all, 'Deployment').spec.template.spec.containers[0];
    // Values from the pod or a secret stand in as plausible ones.
    for (const e of container.env) env[e.name] = e.name === 'STRATUS_CLUSTER_PUBLIC_URL' ? 'http://10.0.0.7:8080' : (e.value ?? 'x'.repeat(40));
    // An unknown STRATUS_* setting would stop the node at start-up.
    const config = mergeConfig(overridesFromEnv({ ...env, STRATUS_AUTH_MODE: 'production' }));
    const pod = one(all, 'Deployment').spec.template.spec;
    expect(pod.terminationGracePeriodSeconds * 1000).to.be.greaterThan(config.ops.drainDeadlineMs + config.server.shutdownDeadlineMs);
    expect(container.ports[0].containerPort).to.equal(config.server.port);
    expect(pod.securityContext.runAsNonRoot).to.equal(true);
  });

  it("the nodes' directory is the Redis the manifests run", () => {
    const url = new URL(one(all, 'ConfigMap', 'stratus-config').data.STRATUS_CLUSTER_REDIS_URL);
    const service = one(all, 'Service', url.hostname);
    expect(service.spec.ports.map((p: { port: number }) => p.port)).to.include(Number(url.port));
    expect(one(all, 'Deployment', url.hostname).spec.template.metadata.labels).to.deep.equal(service.spec.selector);
  });

  it('probes the paths the node serves, and drains before it stops', () => {
    const container = one(all, 'Deployment').spec.template.spec.containers[0];
    expect(container.readinessProbe.httpGet.path).to.equal('/readyz');
    expect(container.livenessProbe.httpGet.path).to.equal('/livez');
    const [cmd, script] = container.lifecycle.preStop.exec.command;
    expect(cmd).to.equal('node');
    expect(existsSync(join(ROOT, script)), script).to.equal(true);
  });

  it('scales on a metric the node exports, and the budget and service select the pods', () => {
    const hpa = one(all, 'HorizontalPodAutoscaler');
    const metric = hpa.spec.metrics[0].pods.metric;
    const names = new Metrics({ sessionStates: () => ({ starting: 0, attached: 0, detached: 0, reserved: 0, closing: 0 }), ready: () => true, draining: () => false, transcodes: () => null })
      .registry.getMetricsAsArray()
      .map((m) => m.name);
    expect(names).to.include(metric.name);
    expect(['starting', 'attached', 'detached', 'reserved', 'closing']).to.include(metric.selector.matchLabels.state);
    const labels = one(all, 'Deployment').spec.template.metadata.labels;
    expect(one(all, 'Service').spec.selector).to.deep.equal(labels);
    expect(one(all, 'PodDisruptionBudget').spec.selector.matchLabels).to.deep.equal(labels);
    expect(hpa.spec.scaleTargetRef.name).to.equal(one(all, 'Deployment').metadata.name);
  });

  it('the image: Debian with its Chromium and ffmpeg, a non-root user, tini as PID 1, real settings', () => {
    const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    for (const f of froms) expect(f, 'a Debian (bookworm) base').to.match(/bookworm/);
    expect(text).to.match(/apt-get install[^\n]*\bchromium\b[^\n]*\bffmpeg\b[^\n]*\btini\b/);
    expect(text).to.match(/^USER (?!root)\S+$/m);
    expect(text).to.match(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    const env: Record<string, string> = {};
    for (const m of text.matchAll(/(STRATUS_[A-Z_]+)=(\S+)/g)) env[m[1]] = m[2];
    expect(Object.keys(env).length).to.be.greaterThan(0);
    expect(() => mergeConfig(overridesFromEnv({ ...env, STRATUS_AUTH_SECRET: 'x'.repeat(40) }))).to.not.throw();
  });
});
