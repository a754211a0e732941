import { DEVICE_WS_PATH } from '@stratus/protocol';
import { StratusClient } from './client';
import { Display } from './display';
import { remoteKeyFor } from './keymap';
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
}

function param(name: string): string | null {
  var m = new RegExp('[?&]' + name + '=([^&#]*)').exec(window.location.search);
  return m ? decodeURIComponent(m[1].replace(/\+/g, ' ')) : null;
}

function defaultUrl(): string {
  var scheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
  return scheme + window.location.host + DEVICE_WS_PATH;
}

function forwardKeys(client: StratusClient, type: string, action: 'down' | 'up'): void {
  document.addEventListener(
    type,
    function (e) {
      var code = remoteKeyFor((e as KeyboardEvent).keyCode);
      if (code === null) return;
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
  var url = opts.url || defaultUrl();
  var client = new StratusClient(function () {
    return webSocketTransport(url);
  }, display, {
    screen: { width: opts.width, height: opts.height },
    token: opts.token,
    app: opts.app,
    model: opts.model
  });
  var status = opts.status;
  client.onstatus = function (s) {
    if (status) {
      status.textContent = s;
      status.className = s === 'live' ? 'status live' : 'status';
    }
  };
  forwardKeys(client, 'keydown', 'down');
  forwardKeys(client, 'keyup', 'up');
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

/** Boots from the page's query string: ?w=1280&h=720&app=portal&model=...&token=... */
export function bootFromPage(token?: string): StratusClient {
  var canvas = document.getElementById('stratus-layer') as HTMLCanvasElement;
  var width = parseInt(param('w') || '1280', 10);
  var height = parseInt(param('h') || '720', 10);
  return boot({
    canvas: canvas,
    status: document.getElementById('stratus-status'),
    width: width,
    height: height,
    token: token || param('token') || '',
    app: param('app') || undefined,
    model: param('model') || 'Stratus emulator'
  });
}
