import { isErrorCode, RpcErrorObject, rpcRequest, RpcRequest, StratusError } from '@stratus/protocol';

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: StratusError) => void;
  timer: NodeJS.Timeout;
  /** Made at the call site, so a timeout's stack shows who called. */
  timeout: StratusError;
}

/**
 * Cloud-to-channel requests awaiting their response: matched by id, each with its own timeout.
 * They belong to the channel, not to one socket: a request made during a drop goes out with the
 * replay after the resume. All are rejected when the channel closes, so none is left pending.
 */
export class PendingCalls {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  get size(): number {
    return this.pending.size;
  }

  call(send: (message: RpcRequest) => void, method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const id = this.nextId++;
    const timeout = new StratusError(
      'STRATUS_RPC_TIMEOUT',
      `${method} got no answer from the device within ${timeoutMs} ms; raise control.rpcTimeoutMs if the device is slow.`
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(timeout);
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer, timeout });
      send(rpcRequest(id, method, params));
    });
  }

  has(id: unknown): boolean {
    return typeof id === 'number' && this.pending.has(id);
  }

  /** Settles the call a device response answers. False when no call has that id (e.g. timed out). */
  settle(id: unknown, result: unknown, error?: RpcErrorObject): boolean {
    const p = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!p) return false;
    clearTimeout(p.timer);
    this.pending.delete(id as number);
    if (error) {
      // A device that answers with no code we know reports its own failure.
      const claimed = String(error.data?.code);
      const code = isErrorCode(claimed) ? claimed : 'STRATUS_DEVICE_ERROR';
      p.reject(new StratusError(code, `${p.method}: ${String(error.message).slice(0, 200)}`));
    } else {
      p.resolve(result);
    }
    return true;
  }

  rejectAll(reason: StratusError): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.pending.clear();
  }
}
