import { DeviceInfo, HelloResult, PROTOCOL_VERSION } from '@stratus/protocol';
import { now } from './clock';
import { AppliedFrame, Display } from './display';
import { Transport } from './transport';

export interface ClientOptions {
  screen: { width: number; height: number };
  token: string;
  app?: string;
  model?: string;
}

/** What the client has measured; the emulator's overlay and the tests read it. */
export interface ClientStats {
  framesPainted: number;
  framesDropped: number;
  uiBytes: number;
  keysSent: number;
  keyframeRequests: number;
  /** Key-to-paint samples, in ms, for keys whose effect has been painted. */
  inputToPaintMs: number[];
  decodeMs: number[];
  lastError: { code: string; message: string } | null;
}

var MAX_SAMPLES = 1000;

function push(list: number[], v: number): void {
  list.push(v);
  if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
}

/**
 * The device end of one session: says hello, feeds UI frames to the display and acknowledges them
 * once painted, and sends remote-control keys. One instance per connection.
 */
export class StratusClient {
  session: HelloResult | null = null;
  stats: ClientStats = {
    framesPainted: 0,
    framesDropped: 0,
    uiBytes: 0,
    keysSent: 0,
    keyframeRequests: 0,
    inputToPaintMs: [],
    decodeMs: [],
    lastError: null
  };
  onstatus: ((status: string) => void) | null = null;
  onpainted: ((f: AppliedFrame) => void) | null = null;
  private keySeq = 0;
  /** Send times of key-downs not yet seen painted, by seq. */
  private keyTimes: { [seq: number]: number } = {};
  private paintedSeq = 0;
  private rpcId = 0;

  constructor(
    private transport: Transport,
    private display: Display,
    private opts: ClientOptions
  ) {
    var self = this;
    transport.onopen = function () {
      self.status('connected');
      self.request('session.hello', {
        protocol: PROTOCOL_VERSION,
        screen: opts.screen,
        app: opts.app,
        model: opts.model,
        token: opts.token,
        encodings: ['png']
      });
    };
    transport.ontext = function (text) {
      self.onText(text);
    };
    transport.onbinary = function (data) {
      self.stats.uiBytes += data.byteLength;
      self.display.push(data);
    };
    transport.onclose = function (code, reason) {
      self.status('disconnected (' + code + (reason ? ' ' + reason : '') + ')');
    };
    display.onapplied = function (f) {
      self.onApplied(f);
    };
    display.onbroken = function (reason) {
      self.stats.keyframeRequests++;
      self.notify('ui.keyframe', { reason: reason, code: 'STRATUS_TILE_DECODE_FAILED' });
    };
  }

  /** Sends a remote-control key. Returns its seq. */
  sendKey(code: number, action: 'down' | 'up'): number {
    var seq = ++this.keySeq;
    if (action === 'down') this.keyTimes[seq] = now();
    this.stats.keysSent++;
    this.notify('input.key', { code: code, action: action, seq: seq });
    return seq;
  }

  close(): void {
    this.transport.close(1000, 'bye');
  }

  private onApplied(f: AppliedFrame): void {
    var inputToPaintMs: number | undefined;
    if (f.painted) {
      this.stats.framesPainted++;
      push(this.stats.decodeMs, f.decodeMs);
      var t = now();
      // Every key this frame is the first to include has now been painted.
      for (var s = this.paintedSeq + 1; s <= f.header.inputSeq; s++) {
        if (this.keyTimes[s] !== undefined) {
          var ms = t - this.keyTimes[s];
          if (inputToPaintMs === undefined) inputToPaintMs = ms;
          push(this.stats.inputToPaintMs, ms);
          delete this.keyTimes[s];
        }
      }
      if (f.header.inputSeq > this.paintedSeq) this.paintedSeq = f.header.inputSeq;
    } else {
      this.stats.framesDropped++;
    }
    var ack: { frame: number; decodeMs: number; inputToPaintMs?: number } = {
      frame: f.header.frame,
      decodeMs: Math.round(f.decodeMs * 100) / 100
    };
    if (inputToPaintMs !== undefined) ack.inputToPaintMs = Math.round(inputToPaintMs * 100) / 100;
    this.notify('ui.ack', ack);
    if (this.onpainted) this.onpainted(f);
  }

  private onText(text: string): void {
    var msg: {
      id?: number | string;
      result?: HelloResult;
      error?: { message: string; data?: { code: string } };
      method?: string;
      params?: { code: string; message: string };
    };
    try {
      msg = JSON.parse(text);
    } catch (e) {
      this.status('protocol error');
      return;
    }
    if (msg.method && msg.id !== undefined) {
      this.answer(msg.id, msg.method);
      return;
    }
    if (msg.method === 'session.error' && msg.params) {
      this.stats.lastError = { code: msg.params.code, message: msg.params.message };
      this.status('error ' + msg.params.code);
      return;
    }
    if (msg.id !== undefined && msg.result) {
      this.session = msg.result;
      this.display.resize(msg.result.layer.width, msg.result.layer.height);
      this.status('live');
      return;
    }
    if (msg.id !== undefined && msg.error) {
      var code = msg.error.data ? msg.error.data.code : 'STRATUS_INTERNAL';
      this.stats.lastError = { code: code, message: msg.error.message };
      this.status('error ' + code);
    }
  }

  /** Answers a cloud-to-device request. */
  private answer(id: number | string, method: string): void {
    if (method === 'device.info') {
      var info: DeviceInfo = {
        screen: this.opts.screen,
        model: this.opts.model || 'unknown',
        framesPainted: this.stats.framesPainted,
        uiBytes: this.stats.uiBytes
      };
      this.transport.send(JSON.stringify({ jsonrpc: '2.0', id: id, result: info }));
      return;
    }
    this.transport.send(
      JSON.stringify({ jsonrpc: '2.0', id: id, error: { code: -32601, message: 'No such method: ' + method, data: { code: 'STRATUS_UNKNOWN_METHOD' } } })
    );
  }

  private request(method: string, params: object): void {
    this.transport.send(JSON.stringify({ jsonrpc: '2.0', id: ++this.rpcId, method: method, params: params }));
  }

  private notify(method: string, params: object): void {
    this.transport.send(JSON.stringify({ jsonrpc: '2.0', method: method, params: params }));
  }

  private status(s: string): void {
    if (this.onstatus) this.onstatus(s);
  }
}
