/**
 * The socket the client talks through, injected so tests can use a plain object. The real one is
 * a WebSocket (RFC 6455, available on HbbTV 2.0) with binary messages as ArrayBuffers.
 */
export interface Transport {
  send(text: string): void;
  close(code?: number, reason?: string): void;
  onopen: (() => void) | null;
  ontext: ((text: string) => void) | null;
  onbinary: ((data: ArrayBuffer) => void) | null;
  onclose: ((code: number, reason: string) => void) | null;
}

export function webSocketTransport(url: string): Transport {
  var ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  var t: Transport = {
    send: function (text) {
      if (ws.readyState === 1) ws.send(text);
    },
    close: function (code, reason) {
      ws.close(code, reason);
    },
    onopen: null,
    ontext: null,
    onbinary: null,
    onclose: null
  };
  ws.onopen = function () {
    if (t.onopen) t.onopen();
  };
  ws.onmessage = function (ev) {
    if (typeof ev.data === 'string') {
      if (t.ontext) t.ontext(ev.data);
    } else if (t.onbinary) {
      t.onbinary(ev.data as ArrayBuffer);
    }
  };
  ws.onclose = function (ev) {
    if (t.onclose) t.onclose(ev.code, ev.reason);
  };
  return t;
}
