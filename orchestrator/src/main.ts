import { mergeConfig, overridesFromArgv, overridesFromEnv } from './config';
import { isStratusError } from '@stratus/protocol';
import { Orchestrator } from './orchestrator';

async function main(): Promise<void> {
  let orchestrator: Orchestrator;
  try {
    const config = mergeConfig(overridesFromEnv(process.env), overridesFromArgv(process.argv.slice(2)));
    orchestrator = await Orchestrator.start(config);
  } catch (err) {
    const code = isStratusError(err) ? err.code : 'STRATUS_INTERNAL';
    console.error(`stratus: cannot start [${code}]: ${(err as Error).message}`);
    process.exit(1);
  }
  const log = orchestrator.log;
  log.info({ url: orchestrator.baseUrl, mode: orchestrator.config.auth.mode }, 'orchestrator up');
  // For the person who ran `npm start`, on standard error: standard output is the JSON log.
  if (orchestrator.config.auth.mode === 'development') {
    console.error('stratus: INSECURE development mode: the built-in auth secret is public. Set STRATUS_AUTH_MODE=production and STRATUS_AUTH_SECRET for real devices.');
  }
  console.error(`Stratus orchestrator is up.`);
  console.error(`Emulator: ${orchestrator.emulatorUrl}`);
  console.error(`Open it in desktop Chrome; arrow keys, Enter and Backspace (BACK) drive the remote.`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down');
    // The orchestrator keeps its own deadline; this is the backstop should anything else hang.
    setTimeout(() => process.exit(1), orchestrator.config.server.shutdownDeadlineMs + 2000).unref();
    orchestrator.close().then(() => process.exit(0), () => process.exit(1));
  };
  // SIGTERM (Kubernetes, systemd) drains first: devices move to other nodes, then the node stops.
  // A second signal, or Ctrl-C, stops at once.
  process.on('SIGTERM', () => {
    if (orchestrator.health().draining) return stop();
    void orchestrator.drain().then(stop, stop);
  });
  process.on('SIGINT', stop);
}

void main();
