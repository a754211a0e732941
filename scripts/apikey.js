#!/usr/bin/env node
'use strict';
// Makes an API key in the orchestrator's store (api.dataDir, from STRATUS_API_DATA_DIR or the
// default), for the first call to the integration API; the rest are made through the API itself.
//   npm run apikey -- <scope> [label]      scope: operator | broadcaster:<name>
// A running orchestrator picks the key up on its first use.
const { mergeConfig, overridesFromEnv, SCOPE_PATTERN } = require('@stratus/orchestrator');
const { ApiKeys } = require('@stratus/orchestrator/dist/src/api/api-keys');
const { JsonStore } = require('@stratus/orchestrator/dist/src/api/json-store');

const [scope, label = 'cli'] = process.argv.slice(2);
if (!scope || !SCOPE_PATTERN.test(scope)) {
  console.error('usage: npm run apikey -- <operator | broadcaster:NAME> [label]');
  process.exit(2);
}
try {
  const config = mergeConfig(overridesFromEnv(process.env));
  if (!config.api.dataDir) throw Object.assign(new Error('api.dataDir is empty: keys would not outlive this command'), { code: 'STRATUS_CONFIG_INVALID' });
  const { key, info } = new ApiKeys(new JsonStore(config.api.dataDir, 'api-keys.json')).create(scope, label);
  console.error(`API key ${info.id} (${info.scope}) stored in ${config.api.dataDir}/api-keys.json; the secret is shown once:`);
  console.log(key);
} catch (err) {
  console.error(`apikey: [${err.code || 'ERROR'}] ${err.message}`);
  process.exit(1);
}
