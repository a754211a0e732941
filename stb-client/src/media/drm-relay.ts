import { DRM_MESSAGE_MAX, DrmEventParams } from '@stratus/protocol/device';
import { Done } from './device-player';
import { terminalFactory, terminalSupports } from './terminal';

/** The parts of an OIPF DRM agent object (DAE 7.6.1) the relay uses. */
interface OipfDrmAgent extends HTMLElement {
  sendDRMMessage(msgType: string, msg: string, drmSystemId: string): string;
  onDRMMessageResult: ((msgID: string, resultMsg: string, resultCode: number) => void) | null;
  onDRMSystemMessage: ((msg: string, drmSystemId: string) => void) | null;
  onDRMSystemStatusChange: ((drmSystemId: string) => void) | null;
  DRMSystemStatus?(drmSystemId: string): number;
}

var DRM_AGENT = 'application/oipfDrmAgent';
/** OIPF DRM message result codes: 1 unknown error, 5 unknown DRM system. */
var RESULT_UNKNOWN_ERROR = 1;
var RESULT_UNKNOWN_SYSTEM = 5;

/**
 * DRM runs where the media plays: the cloud app's DRM agent messages go to the terminal's own
 * agent, its results come back as the answers, and its system messages and status changes go to
 * the cloud agents that have talked to it. Without a terminal agent (the emulator), every message
 * gets "unknown DRM system", as a terminal without that system answers.
 */
export class DrmRelay {
  private agent: OipfDrmAgent | null = null;
  /** Cloud agents waiting for a result, by the terminal's message id. */
  private pending: { [msgID: string]: Done } = {};
  /** Cloud agents that sent messages: they hear the terminal's system messages. */
  private agents: { [player: string]: boolean } = {};

  constructor(
    private plane: HTMLElement,
    private emit: (e: DrmEventParams) => void
  ) {}

  private terminalAgent(): OipfDrmAgent | null {
    if (this.agent || !terminalSupports(DRM_AGENT)) return this.agent;
    var o = document.createElement('object') as unknown as OipfDrmAgent;
    o.setAttribute('type', DRM_AGENT);
    o.style.position = 'absolute';
    o.style.width = '0';
    o.style.height = '0';
    this.plane.appendChild(o);
    var self = this;
    o.onDRMMessageResult = function (msgID, resultMsg, resultCode) {
      var done = self.pending[msgID];
      if (!done) return;
      delete self.pending[msgID];
      done(null, { resultMsg: String(resultMsg || '').slice(0, DRM_MESSAGE_MAX), resultCode: typeof resultCode === 'number' ? resultCode : RESULT_UNKNOWN_ERROR });
    };
    o.onDRMSystemMessage = function (msg, drmSystemId) {
      self.broadcast({ type: 'message', drmSystemId: String(drmSystemId || '').slice(0, 256), msg: String(msg || '').slice(0, DRM_MESSAGE_MAX) });
    };
    o.onDRMSystemStatusChange = function (drmSystemId) {
      var id = String(drmSystemId || '').slice(0, 256);
      var status = 1;
      try {
        if (o.DRMSystemStatus) status = o.DRMSystemStatus(id);
      } catch (e) {
        status = 3;
      }
      self.broadcast({ type: 'status', drmSystemId: id, status: status >= 0 && status <= 3 ? status : 1 });
    };
    this.agent = o;
    return o;
  }

  private broadcast(e: { type: DrmEventParams['type']; drmSystemId: string; msg?: string; status?: number }): void {
    for (var player in this.agents) {
      if (!Object.prototype.hasOwnProperty.call(this.agents, player)) continue;
      var out: DrmEventParams = { player: player, type: e.type, drmSystemId: e.drmSystemId };
      if (e.msg !== undefined) out.msg = e.msg;
      if (e.status !== undefined) out.status = e.status;
      this.emit(out);
    }
  }

  send(player: string, msgType: string, msg: string, drmSystemId: string, done: Done): void {
    this.agents[player] = true;
    var agent = this.terminalAgent();
    if (!agent) {
      done(null, { resultMsg: '', resultCode: RESULT_UNKNOWN_SYSTEM });
      return;
    }
    try {
      this.pending[String(agent.sendDRMMessage(msgType, msg, drmSystemId))] = done;
    } catch (e) {
      done(null, { resultMsg: String((e as Error).message || e).slice(0, 500), resultCode: RESULT_UNKNOWN_ERROR });
    }
  }

  /** A cloud agent's document went away. */
  forget(player: string): void {
    delete this.agents[player];
  }

  releaseAll(): void {
    this.agents = {};
    this.pending = {};
  }
}

/** The DRM systems the terminal declares in its own capabilities (`<drm DRMSystemID=...>`). */
export function terminalDrmSystems(): string[] {
  var out: string[] = [];
  var f = terminalFactory();
  try {
    var caps = f && f.createCapabilitiesObject ? f.createCapabilitiesObject() : null;
    var xml = caps && caps.xmlCapabilities;
    var list = xml ? xml.getElementsByTagName('drm') : null;
    for (var i = 0; list && i < list.length && out.length < 16; i++) {
      var id = list[i].getAttribute('DRMSystemID');
      if (id) out.push(id.slice(0, 256));
    }
  } catch (e) {
    // A terminal without the capabilities object declares no DRM system.
  }
  return out;
}
