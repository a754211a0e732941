/**
 * HTMLObjectElement's HbbTV API: an `<object>` of an A/V type becomes an A/V Control object, one
 * of type video/broadcast a broadcast object. Their properties, handlers and methods are defined
 * on the prototype and answered by the object's player; other objects keep the native behaviour.
 */
import { collection } from '../collection';
import { announce } from '../tasks';
import { AV_TYPES, AvPlayer, objType } from './av-control';
import { BroadcastPlayer, Lineup } from './broadcast';
import { announceComponents, COMPONENT_TYPES, getComponents, getCurrentActiveComponents, selectComponent, unselectComponent } from './components';
import { define } from './define';
import type { Player } from './player';
import { players, scheduleWindows } from './video-window';

const OBJECT = HTMLObjectElement.prototype;
const nativeData = Object.getOwnPropertyDescriptor(OBJECT, 'data')!;
const objects = new WeakMap<HTMLObjectElement, Player>();
let lineup = new Lineup([]);

/** The object's player for its current type, made or replaced as the type requires. */
export function objectPlayer(el: HTMLObjectElement): Player | null {
  const type = objType(el);
  const kind = type === 'video/broadcast' ? 'broadcast' : AV_TYPES.includes(type) ? 'av' : null;
  let p = objects.get(el) ?? null;
  if (p && ((kind === 'broadcast') !== p instanceof BroadcastPlayer || !kind)) {
    p.release();
    p = null;
    objects.delete(el);
  }
  if (!p && kind) {
    p = kind === 'broadcast' ? new BroadcastPlayer(el, lineup) : new AvPlayer(el);
    objects.set(el, p);
    announceComponents(p as AvPlayer | BroadcastPlayer);
    // An object Chromium has no plugin for paints an opaque grey placeholder over the video
    // window, unless it has fallback content: a comment is enough, and shows nothing.
    el.appendChild(document.createComment(' Stratus: this object plays on the device '));
  }
  if (p instanceof AvPlayer && el.hasAttribute('data')) {
    // Keep the object from loading its data natively (it would decode in the cloud).
    p.data = nativeData.get!.call(el) as string;
    el.removeAttribute('data');
  }
  return p;
}

/** A removed object's player, if it has one, gives its device player back. */
export function detachObject(el: HTMLObjectElement): void {
  const p = objects.get(el);
  if (p instanceof AvPlayer) p.unload();
  else if (p instanceof BroadcastPlayer && p.loaded) {
    p.release();
    p.setState(0);
  }
}

function av(el: HTMLObjectElement): AvPlayer | null {
  const p = objectPlayer(el);
  return p instanceof AvPlayer ? p : null;
}

function bc(el: HTMLObjectElement): BroadcastPlayer | null {
  const p = objectPlayer(el);
  return p instanceof BroadcastPlayer ? p : null;
}

function method(name: string, fn: (el: HTMLObjectElement, args: unknown[]) => unknown): void {
  define(OBJECT, name, {
    value: function (this: HTMLObjectElement, ...args: unknown[]) {
      return fn(this, args);
    },
    writable: true
  });
}

function notSupported(name: string): never {
  throw new DOMException(`${name}() is not available on this object`, 'NotSupportedError');
}

const AV_PROPS: Record<string, (p: AvPlayer) => unknown> = {
  playState: (p) => p.playState,
  playPosition: (p) => Math.round(p.position() * 1000),
  playTime: (p) => (p.state.duration === p.state.duration && p.state.duration !== Infinity ? Math.round(p.state.duration * 1000) : 0),
  speed: (p) => (p.playState === 1 ? p.speed : 0),
  error: (p) => p.error
};

const BC_PROPS: Record<string, (p: BroadcastPlayer) => unknown> = {
  playState: (p) => p.playState,
  // The channel presented, or (right after bindToCurrentChannel or setChannel) about to be, as on a terminal.
  currentChannel: (p) => (p.channel ? lineup.channelObject(p.channel) : null),
  // Present and following of the channel presented (a collection, as OIPF's ProgrammeCollection).
  programmes: (p) => {
    const list = p.current ? lineup.programmes(p.current, Date.now()) : [];
    return collection(list);
  }
};

/**
 * The channel the app's broadcast is on (privateData.currentChannel): a broadcast object's
 * current or pending channel, else the line-up's first, which the device shows at start.
 */
export function currentChannelObject(): object | null {
  for (const p of players.values()) {
    if (p instanceof BroadcastPlayer && p.channel) return lineup.channelObject(p.channel);
  }
  return lineup.channels[0] ? lineup.channelObject(lineup.channels[0]) : null;
}

export function installObjectApi(channels: Lineup): void {
  lineup = channels;
  define(OBJECT, 'data', {
    get(this: HTMLObjectElement) {
      const p = av(this);
      return p ? p.data : nativeData.get!.call(this);
    },
    set(this: HTMLObjectElement, v: string) {
      const p = av(this);
      if (!p) {
        nativeData.set!.call(this, v);
        return;
      }
      // data = "" unloads, as src = "" does: nothing is fetched, the device's player goes.
      if (String(v) === '') {
        p.unload();
        p.data = '';
        return;
      }
      const a = document.createElement('a');
      a.href = String(v);
      p.data = a.href;
    }
  });
  for (const name of new Set([...Object.keys(AV_PROPS), ...Object.keys(BC_PROPS)])) {
    define(OBJECT, name, {
      get(this: HTMLObjectElement) {
        const a = av(this);
        if (a && AV_PROPS[name]) return AV_PROPS[name](a);
        const b = bc(this);
        if (b && BC_PROPS[name]) return BC_PROPS[name](b);
        return undefined;
      }
    });
  }
  for (const name of Object.keys(COMPONENT_TYPES)) {
    define(OBJECT, name, {
      get(this: HTMLObjectElement) {
        return objectPlayer(this) ? COMPONENT_TYPES[name] : undefined;
      }
    });
  }
  for (const name of ['onPlayStateChange', 'onChannelChangeSucceeded', 'onChannelChangeError', 'onSelectedComponentChanged', 'onComponentChanged']) {
    define(OBJECT, name, {
      get(this: HTMLObjectElement) {
        const p = objectPlayer(this) as unknown as Record<string, unknown> | null;
        return p && name in p ? p[name] : undefined;
      },
      set(this: HTMLObjectElement, v: unknown) {
        const p = objectPlayer(this) as unknown as Record<string, unknown> | null;
        if (p && name in p) p[name] = v;
      }
    });
  }
  method('play', (el, [speed]) => (av(el) ?? notSupported('play')).play(speed as number));
  method('seek', (el, [ms]) => (av(el) ?? notSupported('seek')).seek(ms as number));
  method('stop', (el) => {
    const a = av(el);
    if (a) return a.stop();
    const b = bc(el) ?? notSupported('stop');
    if (b.playState === 2 || b.playState === 1) {
      b.send('stop');
      b.setState(3);
    }
    return undefined;
  });
  method('setFullScreen', (el, [full]) => {
    objectPlayer(el) ?? notSupported('setFullScreen');
    el.style.cssText += full ? ';position:fixed;left:0;top:0;width:100vw;height:100vh' : '';
    scheduleWindows();
  });
  method('bindToCurrentChannel', (el) => {
    const b = bc(el) ?? notSupported('bindToCurrentChannel');
    const ch = b.current ?? lineup.channels[0] ?? null;
    if (ch && (b.playState === 0 || b.playState === 3)) b.tune(ch);
    return ch ? lineup.channelObject(ch) : null;
  });
  method('setChannel', (el, [channel]) => {
    const b = bc(el) ?? notSupported('setChannel');
    if (channel === null) {
      b.release();
      b.current = null;
      b.setState(0);
      return;
    }
    const ch = lineup.entry(channel);
    if (!ch) {
      announce(el, () => b.onChannelChangeError, 'ChannelChangeError', [channel, 5], { channel, errorState: 5 });
      return;
    }
    b.tune(ch);
  });
  method('nextChannel', (el) => (bc(el) ?? notSupported('nextChannel')).step(1));
  method('prevChannel', (el) => (bc(el) ?? notSupported('prevChannel')).step(-1));
  method('release', (el) => {
    const b = bc(el) ?? notSupported('release');
    b.release();
    b.setState(0);
  });
  method('getChannelConfig', (el) => {
    bc(el) ?? notSupported('getChannelConfig');
    return { channelList: lineup.channelList };
  });
  method('createChannelObject', (el, [idType, onid, tsid, sid]) => {
    bc(el) ?? notSupported('createChannelObject');
    const ch = lineup.byTriplet(onid, tsid, sid);
    return ch ? lineup.channelObject(ch) : Object.freeze({ idType, onid, tsid, sid, ccid: '', name: '' });
  });
  method('addStreamEventListener', (el, [targetURL, eventName, listener]) =>
    (bc(el) ?? notSupported('addStreamEventListener')).addStreamListener(String(targetURL), String(eventName), listener)
  );
  method('removeStreamEventListener', (el, [targetURL, eventName, listener]) =>
    (bc(el) ?? notSupported('removeStreamEventListener')).removeStreamListener(String(targetURL), String(eventName), listener)
  );
  method('getComponents', (el, [type]) => getComponents(objectPlayer(el) ?? notSupported('getComponents'), type));
  method('getCurrentActiveComponents', (el, [type]) => getCurrentActiveComponents(objectPlayer(el) ?? notSupported('getCurrentActiveComponents'), type));
  method('selectComponent', (el, [c]) => selectComponent(objectPlayer(el) ?? notSupported('selectComponent'), c));
  method('unselectComponent', (el, [c]) => unselectComponent(objectPlayer(el) ?? notSupported('unselectComponent'), c));
  method('getVolume', (el) => (bc(el) ?? notSupported('getVolume')).volume);
  method('setVolume', (el, [v]) => {
    const b = bc(el) ?? notSupported('setVolume');
    const n = Math.max(0, Math.min(100, Number(v)));
    b.volume = n;
    b.send('set', { volume: n / 100 });
    return true;
  });
}
