/**
 * The application manager (`application/oipfApplicationManager`) and the app's Application
 * object, with its privateData and Keyset (HbbTV TS 102 796 / OIPF DAE vol. 5, 7.2). The keyset
 * goes to the orchestrator, which from then on delivers only those keys and tells the device.
 */
import { KEYSET, KEYSET_ALL } from '@stratus/protocol/page';
import { announce, cloudError } from '../tasks';
import { call } from '../media/rpc';
import { Backing, oipfType } from './oipf-objects';
import { nativeSetTimeout } from '../natives';

export const APPLICATION_MANAGER = 'application/oipfApplicationManager';

/** What the Application object needs from the rest of the cloud page. */
export interface ApplicationHost {
  /** The channel the app's broadcast is on, as an OIPF Channel object; null without one. */
  currentChannel(): object | null;
  /** Whether the app may replace itself with `url` (createApplication). */
  mayStart(url: string): boolean;
}

const HIDDEN_SHEET = new CSSStyleSheet();
// The body's background paints the whole canvas, which the root's opacity does not reach.
HIDDEN_SHEET.replaceSync(':root { opacity: 0 !important; } :root, body { background: transparent !important; }');

class Keyset {
  readonly RED = KEYSET.RED;
  readonly GREEN = KEYSET.GREEN;
  readonly YELLOW = KEYSET.YELLOW;
  readonly BLUE = KEYSET.BLUE;
  readonly NAVIGATION = KEYSET.NAVIGATION;
  readonly VCR = KEYSET.VCR;
  readonly SCROLL = KEYSET.SCROLL;
  readonly INFO = KEYSET.INFO;
  readonly NUMERIC = KEYSET.NUMERIC;
  readonly ALPHA = KEYSET.ALPHA;
  readonly OTHER = KEYSET.OTHER;
  readonly maximumValue = KEYSET_ALL;
  readonly maximumOtherKeys: number[] = [];
  readonly supportsPointer = false;
  value = 0;
  otherKeys: number[] = [];
  /** Sets the keys the app receives; answers the value the terminal granted. */
  setValue(value: number, otherKeys?: number[]): number {
    this.value = (Number(value) | 0) & KEYSET_ALL;
    this.otherKeys = Array.isArray(otherKeys) ? otherKeys.map(Number).filter((k) => Number.isInteger(k) && k >= 0 && k <= 65535).slice(0, 64) : [];
    // The session's keys are the app's, not a frame's inside it (an ad, a player).
    if (window.top === window) call('page', 'keyset', { value: this.value, otherKeys: this.otherKeys }).catch(() => undefined);
    return this.value;
  }
}

/** The document's one Application, made when the app first asks for it. */
let owner: Record<string, unknown> | null = null;

/** `manager` (and its backing `mgr`): the application manager object the app first asked; it hears load errors. */
function application(host: ApplicationHost, manager: HTMLObjectElement, mgr: Backing): Record<string, unknown> {
  if (owner) return owner;
  const keyset = new Keyset();
  let visible = true;
  const privateData = {
    keyset,
    get currentChannel() {
      return host.currentChannel();
    },
    /** Bytes the app may still use: the JS heap's headroom where Chromium tells it. */
    getFreeMem(): number {
      const m = (performance as unknown as { memory?: { jsHeapSizeLimit: number; usedJSHeapSize: number } }).memory;
      return m ? Math.max(0, m.jsHeapSizeLimit - m.usedJSHeapSize) : 256 * 1024 * 1024;
    }
  };
  owner = {
    get visible() {
      return visible;
    },
    active: true,
    privateData,
    /** Shows the app: its layer is painted again. */
    show(): boolean {
      visible = true;
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== HIDDEN_SHEET);
      return true;
    },
    /** Hides the app: the layer is transparent (the broadcast shows), the session goes on. */
    hide(): boolean {
      visible = false;
      if (!document.adoptedStyleSheets.includes(HIDDEN_SHEET)) document.adoptedStyleSheets = [...document.adoptedStyleSheets, HIDDEN_SHEET];
      return true;
    },
    activateInput(): void {
      /* The app always has input focus in the cloud. */
    },
    deactivateInput(): void {
      /* As above. */
    },
    /**
     * Replaces the running app with the one at `uri`, when the catalogue allows it (same origin);
     * anything else gets ApplicationLoadError on the manager and a coded cloud-browser error, and
     * no navigation.
     */
    createApplication(uri: unknown, _createChild?: boolean): object | null {
      let url: URL | null = null;
      try {
        url = new URL(String(uri), document.baseURI);
      } catch {
        url = null;
      }
      if (!url || !/^https?:$/.test(url.protocol) || !host.mayStart(url.href)) {
        announce(manager, () => mgr.onApplicationLoadError, 'ApplicationLoadError', [null], { application: null });
        cloudError('STRATUS_APP_NOT_ALLOWED', `createApplication(${String(uri).slice(0, 200)}): not allowed for this app`, 'cloud');
        return null;
      }
      const target = url.href;
      nativeSetTimeout(() => location.assign(target), 0);
      return owner;
    },
    /** Ends the app: the session closes and the device is told why (STRATUS_APP_EXITED). */
    destroyApplication(): void {
      if (window.top === window) call('page', 'exit', {}).catch(() => undefined);
    },
    getChildApplications(): object[] {
      return [];
    }
  };
  return owner;
}

export function installApplicationManager(host: ApplicationHost): void {
  oipfType(APPLICATION_MANAGER, ['getOwnerApplication', 'onApplicationLoadError', 'onLowMemory', 'onApplicationLoaded', 'onApplicationUnloaded'], (el) => {
    const b: Backing = {
      onApplicationLoadError: null,
      onLowMemory: null,
      onApplicationLoaded: null,
      onApplicationUnloaded: null,
      getOwnerApplication: (doc?: unknown) => (doc === undefined || doc === document ? application(host, el, b) : null)
    };
    return b;
  });
}
