import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './wait';

const MAIN = join(__dirname, '..', '..', 'orchestrator', 'dist', 'src', 'main.js');

/**
 * An orchestrator node in its own process (`node orchestrator/dist/src/main.js`), so that a test
 * can kill it as a machine dies (kill -9). Its Chromium would outlive such a kill: every node is
 * started with a marker switch on its Chromium, and stop() ends whatever carries it. A killed node
 * cannot remove its Chromium profile or its bridge's work directory either: each node gets its own
 * TMPDIR, which stop() removes.
 */
export class NodeProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly marker: string,
    private readonly tmp: string,
    readonly url: string
  ) {}

  /** Starts a node with these flags (`--section.key=value`) on a free port; resolves once it listens. */
  static async start(flags: string[]): Promise<NodeProcess> {
    const marker = `--stratus-test-node=${randomBytes(6).toString('hex')}`;
    const tmp = mkdtempSync(join(tmpdir(), 'stratus-node-'));
    const child = spawn(process.execPath, ['--initial-old-space-size=256', MAIN, '--server.port=0', '--api.dataDir=', `--chromium.extraArgs=${marker}`, ...flags], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, TMPDIR: tmp }
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const url = await until(
        'the node to start',
        () => {
          if (child.exitCode !== null) throw new Error(`the node exited (${child.exitCode}): ${err.slice(-500)}`);
          return /Emulator: (http:\/\/\S+?)\/\s/.exec(err)?.[1];
        },
        60000
      );
      return new NodeProcess(child, marker, tmp, url);
    } catch (e) {
      await new NodeProcess(child, marker, tmp, '').stop();
      throw e;
    }
  }

  /** Kills the node at once, as a dying machine would: no drain, no goodbye to Redis or devices. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  /** Kills the node if it runs, and its Chromium with it. */
  async stop(): Promise<void> {
    this.kill();
    await new Promise<void>((resolve) => spawn('pkill', ['-9', '-f', this.marker]).on('close', () => resolve()));
    // Chromium's helpers may still be writing as they die: retried, as chromium.ts does.
    rmSync(this.tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
