import { CarriedMedia, check, DrmEventParams, isMediaMethod, MEDIA_METHODS, MediaChannel, MediaEventParams, MediaLoadParams, StreamEventParams } from '@stratus/protocol/device';
import { DrmRelay } from './drm-relay';
import { BroadcastTuner } from './broadcast-tuner';
import { DevicePlayer, Done, Engine, PlayerHost } from './device-player';
import { ScriptedStreamEvents } from './stream-events';
import { terminalSupports } from './terminal';

/** Players a box keeps at once; a page that leaks media elements gets an error, not a dying box. */
var MAX_PLAYERS = 8;

interface Params {
  player: string;
  cmd: number;
  time?: number;
  rect?: { x: number; y: number; width: number; height: number };
  visible?: boolean;
  channel?: MediaChannel;
  volume?: number;
  muted?: boolean;
  rate?: number;
  loop?: boolean;
  targetURL?: string;
  eventName?: string;
  kind?: string;
  id?: string;
  on?: boolean;
  msgType?: string;
  msg?: string;
  drmSystemId?: string;
}

/**
 * The device end of the media proxy: keeps one DevicePlayer per cloud media element and carries
 * out the cloud's media.* requests on them.
 */
export class MediaHost {
  private players: { [id: string]: DevicePlayer | BroadcastTuner } = {};
  private count = 0;
  private host: PlayerHost;
  /** The emulator's scripted stream events, per broadcast player. */
  private streams: { [id: string]: ScriptedStreamEvents } = {};
  private drm: DrmRelay;
  /**
   * Players of a session this device was moved away from (carryOver): still playing, unknown to
   * the new session, until its app loads media of its own.
   */
  private carried: { [id: string]: DevicePlayer | BroadcastTuner } = {};

  constructor(
    plane: HTMLElement,
    vendorBase: string,
    forceEngine: Engine | null,
    emit: (e: MediaEventParams) => void,
    private emitStream: (e: StreamEventParams) => void = function () {},
    emitDrm: (e: DrmEventParams) => void = function () {}
  ) {
    var self = this;
    // A carried player's events would name a player the new session never made.
    this.host = {
      plane: plane,
      vendorBase: vendorBase,
      forceEngine: forceEngine,
      emit: function (e) {
        if (!Object.prototype.hasOwnProperty.call(self.carried, e.player)) emit(e);
      }
    };
    this.drm = new DrmRelay(plane, emitDrm);
  }

  /** The emulator's scripted stream events of a player (made on first use). */
  streamsOf(id: string): ScriptedStreamEvents {
    return this.streams[id] || (this.streams[id] = new ScriptedStreamEvents(id, this.emitStream));
  }

  /** Handles a cloud request if it is a media one; false if it is not. */
  handle(method: string, params: unknown, done: Done): boolean {
    if (!isMediaMethod(method)) return false;
    var why = check(MEDIA_METHODS[method], params);
    if (why) {
      done({ code: 'STRATUS_INVALID_PARAMS', message: why });
      return true;
    }
    var p = params as Params;
    if (method === 'media.drm') {
      // A DRM agent is no player: its messages go to the terminal's agent.
      this.drm.send(p.player, p.msgType as string, p.msg as string, p.drmSystemId as string, done);
      return true;
    }
    if (method === 'media.load' || method === 'media.tune') this.releaseCarried();
    var player = this.players[p.player];
    if (method === 'media.load' || method === 'media.tune') {
      var created = !player;
      if (created) {
        var self = this;
        var answer = done;
        // A player whose first load fails holds no decoder; it does not count against the limit.
        done = function (err, result) {
          if (err) self.release(p.player);
          answer(err, result);
        };
        if (this.count >= MAX_PLAYERS) {
          done({ code: 'STRATUS_MEDIA_UNSUPPORTED', message: 'the device plays at most ' + MAX_PLAYERS + ' media at once' });
          return true;
        }
        var kind = method === 'media.tune' ? 'broadcast' : (params as MediaLoadParams).kind;
        // A terminal with a tuner presents channels itself; the emulator plays their streams.
        if (method === 'media.tune' && terminalSupports('video/broadcast')) player = new BroadcastTuner(p.player, this.host.plane, this.host.emit);
        else player = new DevicePlayer(p.player, kind, this.host);
        this.players[p.player] = player;
        this.count++;
      }
      if (method === 'media.tune') {
        var streams = player instanceof DevicePlayer ? this.streamsOf(p.player) : null;
        var tuned = done;
        if (streams) streams.stop();
        player.tune(p.channel as MediaChannel, p.cmd, function (err, result) {
          if (!err && streams) streams.start(p.channel as MediaChannel);
          tuned(err, result);
        });
      }
      else if (player instanceof DevicePlayer) player.load(params as MediaLoadParams, done);
      else done({ code: 'STRATUS_MEDIA_UNSUPPORTED', message: 'player ' + p.player + ' is a broadcast tuner' });
      return true;
    }
    if (!player) {
      // Releasing what is already gone is fine; anything else names a player that never was.
      if (method === 'media.release') {
        this.drm.forget(p.player);
        done(null, {});
      }
      else done({ code: 'STRATUS_MEDIA_UNKNOWN_PLAYER', message: p.player });
      return true;
    }
    if (method === 'media.select') {
      player.select(p.cmd, p.kind as string, p.id as string, !!p.on, done);
      return true;
    }
    if (player instanceof DevicePlayer) {
      if (method === 'media.play') {
        player.play(p.cmd, done);
        return true;
      }
      if (method === 'media.pause') player.pause(p.cmd);
      if (method === 'media.seek') player.seek(p.cmd, p.time as number);
    }
    switch (method) {
      case 'media.subscribe':
      case 'media.unsubscribe':
        var on = method === 'media.subscribe';
        if (player instanceof BroadcastTuner) {
          if (on) player.subscribe(p.targetURL as string, p.eventName as string, this.emitStream);
          else player.unsubscribe(p.targetURL as string, p.eventName as string);
        } else if (on) this.streamsOf(p.player).subscribe(p.targetURL as string, p.eventName as string);
        else this.streamsOf(p.player).unsubscribe(p.targetURL as string, p.eventName as string);
        break;
      case 'media.stop':
        player.stop(p.cmd);
        break;
      case 'media.set':
        player.set(p.cmd, p);
        break;
      case 'media.window':
        player.setWindow(p.cmd, p.rect as Params['rect'] & object, p.visible as boolean);
        break;
      case 'media.release':
        this.release(p.player);
        break;
    }
    done(null, {});
    return true;
  }

  private release(id: string): void {
    this.drm.forget(id);
    if (this.streams[id]) this.streams[id].stop();
    delete this.streams[id];
    var player = this.players[id];
    if (!player) return;
    player.release();
    delete this.players[id];
    this.count--;
  }

  /**
   * The session moved to another node (a drain): its players keep playing, so the viewer's video
   * does not stop, until the new session's app loads or tunes media of its own.
   */
  carryOver(): void {
    for (var id in this.players) if (Object.prototype.hasOwnProperty.call(this.players, id)) this.carried[id] = this.players[id];
    for (var s in this.streams) if (Object.prototype.hasOwnProperty.call(this.streams, s)) this.streams[s].stop();
    this.streams = {};
    this.players = {};
    this.count = 0;
  }

  private releaseCarried(): void {
    for (var id in this.carried) if (Object.prototype.hasOwnProperty.call(this.carried, id)) this.carried[id].release();
    this.carried = {};
  }

  /** What the carried players play, for the new session's hello (at most 8). */
  carriedState(): CarriedMedia {
    var out: CarriedMedia = [];
    for (var id in this.carried) if (Object.prototype.hasOwnProperty.call(this.carried, id) && out.length < 8) out.push(this.carried[id].carried());
    return out;
  }

  /** Players carried over from a session the device was moved away from, for the tests. */
  get carriedCount(): number {
    var n = 0;
    for (var id in this.carried) if (Object.prototype.hasOwnProperty.call(this.carried, id)) n++;
    return n;
  }

  /** The session is over: stop every player and free its decoder. */
  releaseAll(): void {
    this.releaseCarried();
    for (var s in this.streams) if (Object.prototype.hasOwnProperty.call(this.streams, s)) this.streams[s].stop();
    this.streams = {};
    this.drm.releaseAll();
    for (var id in this.players) if (Object.prototype.hasOwnProperty.call(this.players, id)) this.players[id].release();
    this.players = {};
    this.count = 0;
  }

  /** For the tests and the emulator's overlay. */
  player(id: string): DevicePlayer | BroadcastTuner | null {
    return this.players[id] || null;
  }

  get ids(): string[] {
    var out: string[] = [];
    for (var id in this.players) if (Object.prototype.hasOwnProperty.call(this.players, id)) out.push(id);
    return out;
  }
}
