/**
 * Ends a session nobody uses. One timer per session, re-armed only when it fires early: activity
 * just moves a timestamp, so a busy session does not churn timers.
 */
export class IdleTimer {
  private timer: NodeJS.Timeout | null = null;
  private lastActivity = Date.now();

  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: () => void
  ) {}

  start(): void {
    this.lastActivity = Date.now();
    this.arm(this.timeoutMs);
  }

  /** Something happened: the idle period starts again. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** How long nothing has happened. */
  get idleForMs(): number {
    return Date.now() - this.lastActivity;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      const idleFor = Date.now() - this.lastActivity;
      if (idleFor >= this.timeoutMs) this.onIdle();
      else this.arm(this.timeoutMs - idleFor);
    }, ms);
  }
}
