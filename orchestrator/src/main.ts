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
  if (orchestrator.config.auth.mode === 'development') {
    console.warn('stratus: INSECURE development mode: the built-in auth secret is public. Set STRATUS_AUTH_MODE=production and STRATUS_AUTH_SECRET for real devices.');
  }
  console.log(`Stratus orchestrator is up.`);
  console.log(`Emulator: ${orchestrator.emulatorUrl}`);
  console.log(`Open it in desktop Chrome; arrow keys, Enter and Backspace (BACK) drive the remote.`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('stratus: shutting down');
    // The orchestrator keeps its own deadline; this is the backstop should anything else hang.
    setTimeout(() => process.exit(1), orchestrator.config.server.shutdownDeadlineMs + 2000).unref();
    orchestrator.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
