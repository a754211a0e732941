#!/usr/bin/env node
'use strict';
// Drains the node on this machine and waits until it holds no session: Kubernetes' preStop hook
// (deploy/k8s/stratus.yaml). It reads the same STRATUS_* variables as the orchestrator.
//   npm run drain            (or: node scripts/drain.js [baseUrl])
// Exit 0 once drained, 1 when the node could not be asked, 2 when its deadline passed first.
const { mergeConfig, overridesFromEnv } = require('@stratus/orchestrator');

async function main() {
  const config = mergeConfig(overridesFromEnv(process.env));
  const base = process.argv[2] || `${config.server.tlsCert ? 'https' : 'http'}://127.0.0.1:${config.server.port}`;
  if (!config.auth.operatorToken) throw new Error('STRATUS_AUTH_OPERATOR_TOKEN is not set: the operator API is off');
  const res = await fetch(`${base}/operator/drain`, { method: 'POST', headers: { authorization: `Bearer ${config.auth.operatorToken}` } });
  if (res.status !== 200) throw new Error(`the node answered ${res.status} to the drain`);
  // The node moves its sessions by itself; this only waits for it, a little past its own deadline.
  const until = Date.now() + config.ops.drainDeadlineMs + 5000;
  for (;;) {
    const health = await (await fetch(`${base}/readyz`)).json();
    if (health.sessions === 0) return 0;
    if (Date.now() > until) {
      console.error(`drain: ${health.sessions} sessions left at the deadline`);
      return 2;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`drain: ${err.message}`);
    process.exit(1);
  }
);
