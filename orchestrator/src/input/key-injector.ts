import { CDPSession } from 'puppeteer-core';

/** DOM `key` values (UI Events) for the keys that have one; the rest keep keyCode only. */
const KEY_NAMES: Record<number, string> = {
  37: 'ArrowLeft',
  38: 'ArrowUp',
  39: 'ArrowRight',
  40: 'ArrowDown',
  13: 'Enter',
  33: 'PageUp',
  34: 'PageDown',
  403: 'ColorF0Red',
  404: 'ColorF1Green',
  405: 'ColorF2Yellow',
  406: 'ColorF3Blue',
  415: 'MediaPlay',
  19: 'Pause',
  402: 'MediaPlayPause',
  413: 'MediaStop',
  417: 'MediaFastForward',
  412: 'MediaRewind',
  425: 'MediaTrackNext',
  424: 'MediaTrackPrevious',
  457: 'Info',
  427: 'ChannelUp',
  428: 'ChannelDown',
  447: 'AudioVolumeUp',
  448: 'AudioVolumeDown',
  449: 'AudioVolumeMute',
  // BACK is deliberately not "BrowserBack": it must reach the app and never mean history.back().
  461: 'GoBack'
};

/**
 * Injects remote-control keys as trusted DOM keyboard events with HbbTV key codes. ENTER and digits
 * carry text, so buttons activate and inputs receive characters as on a TV browser.
 */
export class KeyInjector {
  private readonly held = new Set<number>();

  constructor(private readonly cdp: CDPSession) {}

  async inject(code: number, action: 'down' | 'up'): Promise<void> {
    const key = KEY_NAMES[code] ?? (code >= 48 && code <= 57 ? String(code - 48) : '');
    const text = code === 13 ? '\r' : code >= 48 && code <= 57 ? key : undefined;
    if (action === 'down') {
      const autoRepeat = this.held.has(code);
      this.held.add(code);
      await this.cdp.send('Input.dispatchKeyEvent', {
        type: text ? 'keyDown' : 'rawKeyDown',
        windowsVirtualKeyCode: code,
        nativeVirtualKeyCode: code,
        key,
        text,
        unmodifiedText: text,
        autoRepeat
      });
    } else {
      this.held.delete(code);
      await this.cdp.send('Input.dispatchKeyEvent', {
        type: 'keyUp',
        windowsVirtualKeyCode: code,
        nativeVirtualKeyCode: code,
        key
      });
    }
  }
}
