import { AddressInfo } from 'node:net';
import { bridgeApp, MediaBridge } from '@stratus/media-bridge';
import { mergeConfig, overridesFromArgv, overridesFromEnv } from './config';
import { isStratusError } from '@stratus/protocol';
import { bridgeOptions } from './orchestrator';

/**
 * The media-bridge on its own (`npm run bridge`), for a transcoding host apart from the
 * orchestrators. Same config as the orchestrator: bridge.* (host, port, token, limits) and
 * media.allowPrivate. Orchestrators reach it with bridge.mode=remote and bridge.url.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = mergeConfig(overridesFromEnv(process.env), overridesFromArgv(process.argv.slice(2)));
  } catch (err) {
    console.error(`stratus-bridge: cannot start [${isStratusError(err) ? err.code : 'STRATUS_INTERNAL'}]: ${(err as Error).message}`);
    process.exit(1);
  }
  const bridge = new MediaBridge(bridgeOptions(config));
  const server = bridgeApp(bridge, config.bridge.token).listen(config.bridge.port, config.bridge.host);
  server.on('error', (err) => {
    console.error(`stratus-bridge: cannot listen: ${err.message}`);
    process.exit(1);
  });
  server.on('listening', () => {
    const a = server.address() as AddressInfo;
    console.log(`Stratus media-bridge is up on http://${a.address}:${a.port} (orchestrators: --bridge.mode=remote --bridge.url=...)`);
    if (!config.bridge.token) console.warn('stratus-bridge: no bridge.token set: anyone who reaches this port can start transcodes.');
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    bridge.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
