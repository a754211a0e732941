import { DEVICE_KEYSET, DEVICE_WS_PATH, isKnownKeyCode, TILE_CACHE_MAX_SLOTS, VK } from '@stratus/protocol/device';
import { StratusClient } from './client';
import { Display } from './display';
import { KEY_EXIT, remoteKeyFor } from './keymap';
import { DeviceProfile } from '@stratus/protocol/device';
import { capabilityReport } from './media/capability-probe';
import { Engine } from './media/device-player';
import { MediaHost } from './media/media-host';
import { webSocketTransport } from './transport';

export interface BootOptions {
  canvas: HTMLCanvasElement;
  status?: HTMLElement | null;
  width: number;
  height: number;
  /** Device credentials issued by the operator (or /dev/token in development). */
  token: string;
  app?: string;
  model?: string;
  url?: string;
  /**
   * "desktop" maps a PC keyboard to the remote (the emulator); "hbbtv" passes the terminal's own
   * key codes through, which already are the HbbTV ones.
   */
  keys?: 'desktop' | 'hbbtv';
  /** The element the players' <video>s go in, under the canvas; without it the box plays no media. */
  videoPlane?: HTMLElement | null;
  /** Forces hls.js or shaka for HLS/DASH even where the box plays them natively (?engine=). */
  engine?: Engine | null;
  /** Where the player libraries are served; they load only when a stream needs them. */
  vendorBase?: string;
  /** The emulated box (the emulator's profile picker); without it the browser reports itself. */
  profile?: DeviceProfile | null;
  /** No session until RED (?autostart=red): broadcast-related deployment. */
  autostart?: boolean;
  /** UI rectangle encodings to announce (?encodings=png); by default all this build decodes. */
  encodings?: string[];
  /** Tile cache slots of 64x64 pixels (16 KB of canvas each; ?tileCache=); 0 turns the cache off. */
  tileCache?: number;
}

/**
 * The emulator runs in a desktop browser: 2048 slots (32 MB) keep about eight 1280x720 screens. A
 * TV's browser gets 512 (8 MB, two screens) unless its URL asks for more.
 */
var EMULATOR_TILE_CACHE = 2048;
var TV_TILE_CACHE = 512;

function tileCacheParam(fallback: number): number {
  var v = param('tileCache');
  var n = v === null || v === undefined ? fallback : parseInt(v, 10);
  return n >= 0 && n <= TILE_CACHE_MAX_SLOTS ? n : fallback;
}

/** A terminal's key code as a remote key; some boxes send Backspace (8) for BACK. */
function hbbtvKey(keyCode: number): number | null {
  if (keyCode === 8) return VK.VK_BACK;
  return isKnownKeyCode(keyCode) ? keyCode : null;
}

function param(name: string): string | null {
  var m = new RegExp('[?&]' + name + '=([^&#]*)').exec(window.location.search);
  return m ? decodeURIComponent(m[1].replace(/\+/g, ' ')) : null;
}

function defaultUrl(): string {
  var scheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
  return scheme + window.location.host + DEVICE_WS_PATH;
}

function forwardKeys(client: StratusClient, type: string, action: 'down' | 'up', map: (keyCode: number) => number | null): void {
  document.addEventListener(
    type,
    function (e) {
      var code = map((e as KeyboardEvent).keyCode);
      if (code === KEY_EXIT) {
        e.preventDefault();
        client.sendKey(code, action);
        return;
      }
      // A key the app's keyset leaves out is the TV's (channel, volume): not sent, not prevented.
      if (code === null || !client.takesKey(code)) return;
      // Keeps BACK (Backspace) and the arrows from navigating or scrolling the device page.
      e.preventDefault();
      client.sendKey(code, action);
    },
    false
  );
}

/** Starts a device: connects, composites the UI layer, and maps the keyboard to the remote. */
export function boot(opts: BootOptions): StratusClient {
  var display = new Display(opts.canvas);
  display.resize(opts.width, opts.height);
  display.tileSlots = opts.tileCache || 0;
  var url = opts.url || defaultUrl();
  var client = new StratusClient(function (to) {
    return webSocketTransport(to || url);
  }, display, {
    screen: { width: opts.width, height: opts.height },
    token: opts.token,
    app: opts.app,
    model: opts.model,
    // A box without a video plane plays no media, so it claims none.
    media: opts.videoPlane ? capabilityReport(opts.profile || null) : undefined,
    encodings: opts.encodings,
    autostart: opts.autostart
  });
  if (opts.videoPlane) {
    client.media = new MediaHost(
      opts.videoPlane,
      opts.vendorBase || '/device/vendor/',
      opts.engine || null,
      function (e) {
        client.mediaEvent(e);
      },
      function (e) {
        client.streamEvent(e);
      },
      function (e) {
        client.drmEvent(e);
      }
    );
  }
  var status = opts.status;
  client.onstatus = function (s) {
    if (status) {
      status.textContent = s;
      status.className = s === 'live' ? 'status live' : 'status';
    }
  };
  client.onstatus(client.lastStatus);
  var map = opts.keys === 'hbbtv' ? hbbtvKey : remoteKeyFor;
  forwardKeys(client, 'keydown', 'down', map);
  forwardKeys(client, 'keyup', 'up', map);
  // A script error on the device page is a device error the cloud app should hear about.
  window.addEventListener(
    'error',
    function (e) {
      client.reportError('client', 'SCRIPT_ERROR', String((e as ErrorEvent).message || 'script error'));
    },
    false
  );
  return client;
}

function engineParam(): Engine | null {
  var e = param('engine');
  return e === 'native' || e === 'hls.js' || e === 'shaka' ? e : null;
}

/**
 * Boots from the page's query string: ?w=1280&h=720&app=portal&model=...&token=... A profile's
 * screen is the default size; w and h still win.
 */
export function bootFromPage(token?: string, profile?: DeviceProfile | null): StratusClient {
  var canvas = document.getElementById('stratus-layer') as HTMLCanvasElement;
  var width = parseInt(param('w') || String(profile ? profile.screen.width : 1280), 10);
  var height = parseInt(param('h') || String(profile ? profile.screen.height : 720), 10);
  return boot({
    canvas: canvas,
    status: document.getElementById('stratus-status'),
    width: width,
    height: height,
    token: token || param('token') || '',
    app: param('app') || undefined,
    model: param('model') || (profile ? 'Stratus emulator (' + profile.name + ')' : 'Stratus emulator'),
    videoPlane: document.getElementById('stratus-video-plane'),
    engine: engineParam(),
    profile: profile || null,
    // ?encodings=png: a box that decodes PNG only (every frame lossless).
    encodings: param('encodings') ? (param('encodings') as string).split(',') : undefined,
    tileCache: tileCacheParam(EMULATOR_TILE_CACHE),
    autostart: param('autostart') === 'red'
  });
}

interface OipfApplication {
  show(): void;
  privateData: { keyset: { setValue(mask: number, otherKeys?: number[]): void } };
}

/**
 * Boots as an HbbTV 2.0 application: shows the app, asks the terminal for the colour, navigation,
 * VCR and numeric keys, and takes the terminal's key codes as they are. The token comes in the
 * application URL from the AIT (?token=...).
 */
export function bootHbbTV(): StratusClient {
  var mgr = document.getElementById('stratus-appmgr') as unknown as { getOwnerApplication?: (d: Document) => OipfApplication };
  var app: OipfApplication | null = null;
  try {
    app = mgr && mgr.getOwnerApplication ? mgr.getOwnerApplication(document) : null;
  } catch (e) {
    app = null;
  }
  var register = function (value: number, otherKeys?: number[]): void {
    try {
      if (app) app.privateData.keyset.setValue(value, otherKeys);
    } catch (e) {
      // An old terminal without keysets delivers every key anyway.
    }
  };
  if (app) {
    register(DEVICE_KEYSET);
    app.show();
  }
  var client = boot({
    canvas: document.getElementById('stratus-layer') as HTMLCanvasElement,
    status: document.getElementById('stratus-status'),
    width: 1280,
    height: 720,
    token: param('token') || '',
    app: param('app') || undefined,
    model: navigator.userAgent.slice(0, 128),
    keys: 'hbbtv',
    videoPlane: document.getElementById('stratus-video-plane'),
    tileCache: tileCacheParam(TV_TILE_CACHE),
    autostart: param('autostart') === 'red'
  });
  // The terminal gives the cloud app the keys it asked for, and keeps the rest for the TV.
  client.onkeyset = function (k) {
    if (k) register(k.value, k.otherKeys);
    else register(DEVICE_KEYSET);
  };
  return client;
}
