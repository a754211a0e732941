import { AppKeyset, keysetTakes, StratusError } from '@stratus/protocol';
import { Rect } from '../layer/damage';
import { KeyInjector } from './key-injector';
import { KeyWord, NO_WORD } from '../layer/layer-types';

/** Where a key's effect goes once it is delivered: the UI layer (layer-stream.ts). */
export interface InputSink {
  /** Resolves once the capture running now, if any, has finished. */
  settled(): Promise<void>;
  /** Resolves once no capture runs, and starts none until inputDelivered(). */
  holdForInput(): Promise<void>;
  /** `at`: when (ms since the epoch) the page had taken the key, before its hint was asked for. */
  inputDelivered(seq: number, keyDown: boolean, hint: Rect | null, at?: number, word?: KeyWord): void;
}

/**
 * The page's answer for a key-down it has just taken (cloud-page/src/damage-hint.ts): where it
 * repaints, when it can tell, and its word on the key. `hint(since)` takes Date.now() from before
 * the injection.
 */
export interface KeyHint {
  rect: Rect | null;
  word: KeyWord;
}

/**
 * A session's keys, from any of its channels, into the page: strictly in arrival order, as
 * trusted DOM events, each followed by word to the UI layer that frames from now on include it
 * (with the page's damage hint for a key-down, when it has one).
 */
export class InputPipeline {
  /** Highest input.key seq from the device: frames name it so the device can time its keys. */
  keySeq = 0;
  keys = 0;
  /** Keys the app's keyset did not take: never delivered (a terminal keeps them for the TV). */
  keysOutsideKeyset = 0;
  /** The HbbTV keyset the app set; null (every key) until it sets one. */
  keyset: AppKeyset | null = null;
  /** Every key taken, from any channel (the session's idle timer listens). */
  onKey: (() => void) | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private injector: KeyInjector | null = null;
  private sink: InputSink | null = null;
  private hint: ((since: number) => Promise<KeyHint>) | null = null;
  /** The app's page is being re-created (suspend()): keys go nowhere until open(). */
  private suspended = false;
  /** Keys pressed while the app was being reloaded: dropped, as a TV drops keys while an app starts. */
  keysWhileReloading = 0;

  /** The page is ready for keys; `hint` is null where damage hints are off. */
  open(injector: KeyInjector, sink: InputSink, hint: ((since: number) => Promise<KeyHint>) | null): void {
    this.injector = injector;
    this.sink = sink;
    this.hint = hint;
    this.suspended = false;
  }

  /**
   * The page died and a new one loads the app: keys taken meanwhile are dropped, and a key whose
   * delivery the dead page never confirmed is no error of the device's.
   */
  suspend(): void {
    this.injector = null;
    this.suspended = true;
  }

  /** Resolves once every key taken so far has been injected and handed on. */
  drained(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  close(): void {
    this.injector = null;
    this.sink = null;
    this.suspended = false;
  }

  /**
   * Injects a key. `seq` is the device's input number; a control client's keys have none and
   * leave the frames' input numbering alone. Rejects with STRATUS_OUT_OF_ORDER while the app loads.
   */
  key(code: number, action: 'down' | 'up', seq?: number): Promise<void> {
    const injector = this.injector;
    const sink = this.sink;
    if (this.suspended && sink) {
      this.keys++;
      this.keysWhileReloading++;
      if (seq !== undefined) this.keySeq = Math.max(this.keySeq, seq);
      const inputSeq = this.keySeq;
      // The device's key numbering moves on, as for a key outside the keyset.
      const dropped = this.chain.then(() => sink.inputDelivered(inputSeq, false, null));
      this.chain = dropped.catch(() => undefined);
      return dropped;
    }
    if (!injector || !sink) return Promise.reject(new StratusError('STRATUS_OUT_OF_ORDER', 'the app is still loading'));
    this.keys++;
    if (seq !== undefined) this.keySeq = Math.max(this.keySeq, seq);
    const inputSeq = this.keySeq;
    if (this.onKey) this.onKey();
    const hint = action === 'down' ? this.hint : null;
    const taken = keysetTakes(this.keyset, code);
    if (!taken) this.keysOutsideKeyset++;
    const run = this.chain.then(async () => {
      if (!taken) {
        // Not the app's: nothing happens in the page, but the device's key numbering moves on.
        sink.inputDelivered(inputSeq, false, null);
        return;
      }
      // Apps act on keydown. Injecting the keyup while the keydown's capture runs only slows that
      // capture (measured ~4 ms), so the keyup waits for it; the order of keys is unchanged.
      if (action === 'up') await sink.settled();
      // A key-down's frame is captured after its hint is in, from nothing that ran before it.
      else await sink.holdForInput();
      let where: KeyHint = { rect: null, word: NO_WORD };
      let at: number | undefined;
      try {
        const before = Date.now();
        await injector.inject(code, action);
        at = Date.now();
        if (hint) where = await hint(before);
      } catch (err) {
        // The page died under the key: the reload is the answer, not a device error.
        if (this.injector !== injector) return;
        throw err;
      } finally {
        sink.inputDelivered(inputSeq, action === 'down', where.rect, at, where.word);
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
