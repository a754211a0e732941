/**
 * The media proxy's page half. It makes media elements, HbbTV A/V Control objects and the
 * video/broadcast object proxies of a player on the device:
 *
 * - calls become requests through a CDP binding (rpc.ts), which the orchestrator forwards as media.*;
 * - device events come back through the inbox and update a state mirror, so getters answer at
 *   once (currentTime is extrapolated between reports), and the DOM events fire as a browser would;
 * - the element's layout box is tracked and sent as the device's video window (video-window.ts);
 * - MediaSource is hidden, so MSE player libraries fall back to src playback (mse-policy.ts).
 *
 * docs/media.md describes the behaviour; orchestrator/test/e2e/media*.test.ts check it.
 */
import type { MediaEventParams, StreamEventParams } from '@stratus/protocol';
import type { CloudPageConfig } from '../config';
import { BroadcastPlayer, Lineup } from './broadcast';
import { CanPlay, installDecodingInfo } from './can-play';
import { usePreferredLanguages } from './components';
import { followDocument } from './dom-follow';
import { installElementApi } from './element-api';
import { useCanPlay } from './element-player';
import { hideMse } from './mse-policy';
import { installObjectApi } from './object-api';
import { connect, Failure, settle } from './rpc';
import { holeKey, installHoleStyle } from './video-hole';
import { players } from './video-window';

/** What the inbox offers for media: answers to calls, device events, and the support question. */
export interface MediaInbox {
  support(type: unknown): string;
  reply(id: number, error: Failure | null, result: unknown): void;
  event(e: MediaEventParams): void;
  /** A stream event the device relays to a broadcast object. */
  streamEvent(e: StreamEventParams): void;
  /** The second capture of the video hole: paint every hole of this document in key n. */
  holeKey(n: 1 | 2): number;
}

/** Installs the proxy; null when this document has no binding (the proxy stays out). */
export function installMediaProxy(media: NonNullable<CloudPageConfig['media']>, languages: { audio: string; subtitle: string }): MediaInbox | null {
  if (!connect(media.binding)) return null;
  usePreferredLanguages(languages.audio, languages.subtitle);
  const canPlay = new CanPlay(media.support);
  useCanPlay(canPlay);
  installElementApi(canPlay);
  hideMse();
  installObjectApi(new Lineup(media.channels));
  followDocument();
  installHoleStyle();
  installDecodingInfo(canPlay);
  return {
    support: (type) => canPlay.route(String(type)),
    reply: (id, error, result) => settle(id, error, result),
    event: (e) => {
      const p = players.get(e.player);
      if (!p) return;
      if (e.type === 'tracks') {
        p.onTracks(e);
        return;
      }
      p.onDevice(e);
      p.refreshHole();
    },
    streamEvent: (e) => {
      const p = players.get(e.player);
      if (p instanceof BroadcastPlayer) p.onStreamEvent(e);
    },
    holeKey
  };
}
