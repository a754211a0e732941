#!/usr/bin/env node
'use strict';
// Issues device credentials with the orchestrator's configured secret (STRATUS_AUTH_SECRET and
// the other STRATUS_* variables, as the orchestrator reads them).
//   npm run token -- <deviceId> [ttlSeconds]
const { mergeConfig, overridesFromEnv } = require('@stratus/orchestrator');
const { issueDeviceToken } = require('@stratus/orchestrator/dist/src/auth/device-token');

const [deviceId, ttl = '2592000'] = process.argv.slice(2);
if (!deviceId) {
  console.error('usage: npm run token -- <deviceId> [ttlSeconds]');
  process.exit(2);
}
try {
  const config = mergeConfig(overridesFromEnv(process.env));
  if (config.auth.mode === 'development') console.error('warning: signed with the INSECURE development secret');
  console.log(issueDeviceToken(config.auth.secret, deviceId, Number(ttl)));
} catch (err) {
  console.error(`token: [${err.code || 'ERROR'}] ${err.message}`);
  process.exit(1);
}
