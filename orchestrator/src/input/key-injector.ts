import { DOM_KEY } from '@stratus/protocol';
import { CDPSession } from 'puppeteer-core';

/**
 * Injects remote-control keys as trusted DOM keyboard events with HbbTV key codes. ENTER and digits
 * carry text, so buttons activate and inputs receive characters as on a TV browser.
 */
export class KeyInjector {
  private readonly held = new Set<number>();

  /** `watch` is the page's hang watchdog: a renderer that never takes the key is a hung one. */
  constructor(
    private readonly cdp: CDPSession,
    private readonly watch: <T>(call: Promise<T>) => Promise<T> = (call) => call
  ) {}

  async inject(code: number, action: 'down' | 'up'): Promise<void> {
    const key = DOM_KEY[code] ?? '';
    const text = code === 13 ? '\r' : code >= 48 && code <= 57 ? key : undefined;
    if (action === 'down') {
      const autoRepeat = this.held.has(code);
      this.held.add(code);
      await this.watch(this.cdp.send('Input.dispatchKeyEvent', {
        type: text ? 'keyDown' : 'rawKeyDown',
        windowsVirtualKeyCode: code,
        nativeVirtualKeyCode: code,
        key,
        text,
        unmodifiedText: text,
        autoRepeat
      }));
    } else {
      this.held.delete(code);
      await this.watch(this.cdp.send('Input.dispatchKeyEvent', {
        type: 'keyUp',
        windowsVirtualKeyCode: code,
        nativeVirtualKeyCode: code,
        key
      }));
    }
  }
}
