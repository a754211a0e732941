/**
 * HbbTV / OIPF key codes (the de facto values of real terminals), each remote key once: its code,
 * and the DOM `key` value (UI Events) the cloud page's keyboard events carry. Apps should read the
 * `KeyEvent.VK_*` constants the cloud page defines, never hard-code these.
 */
var REMOTE_KEYS: { [name: string]: [number, string] } = {
  VK_LEFT: [37, 'ArrowLeft'],
  VK_UP: [38, 'ArrowUp'],
  VK_RIGHT: [39, 'ArrowRight'],
  VK_DOWN: [40, 'ArrowDown'],
  VK_ENTER: [13, 'Enter'],
  VK_BACK: [461, 'GoBack'],
  VK_RED: [403, 'ColorF0Red'],
  VK_GREEN: [404, 'ColorF1Green'],
  VK_YELLOW: [405, 'ColorF2Yellow'],
  VK_BLUE: [406, 'ColorF3Blue'],
  VK_0: [48, '0'],
  VK_1: [49, '1'],
  VK_2: [50, '2'],
  VK_3: [51, '3'],
  VK_4: [52, '4'],
  VK_5: [53, '5'],
  VK_6: [54, '6'],
  VK_7: [55, '7'],
  VK_8: [56, '8'],
  VK_9: [57, '9'],
  VK_PLAY: [415, 'MediaPlay'],
  VK_PAUSE: [19, 'Pause'],
  VK_PLAY_PAUSE: [402, 'MediaPlayPause'],
  VK_STOP: [413, 'MediaStop'],
  VK_FAST_FWD: [417, 'MediaFastForward'],
  VK_REWIND: [412, 'MediaRewind'],
  VK_NEXT: [425, 'MediaTrackNext'],
  VK_PREV: [424, 'MediaTrackPrevious'],
  VK_INFO: [457, 'Info'],
  VK_PAGE_UP: [33, 'PageUp'],
  VK_PAGE_DOWN: [34, 'PageDown'],
  // OIPF DAE values, for remotes that have these keys (the emulator's does).
  VK_CHANNEL_UP: [427, 'ChannelUp'],
  VK_CHANNEL_DOWN: [428, 'ChannelDown'],
  VK_VOLUME_UP: [447, 'AudioVolumeUp'],
  VK_VOLUME_DOWN: [448, 'AudioVolumeDown'],
  VK_MUTE: [449, 'AudioVolumeMute']
};

/** The codes by name: `KeyEvent.VK_*` in the cloud page. */
export var VK: { [name: string]: number } = {};
/** The DOM `key` value of each code. BACK is "GoBack", never "BrowserBack": it must reach the app. */
export var DOM_KEY: { [code: number]: string } = {};
for (var keyName in REMOTE_KEYS) {
  if (!Object.prototype.hasOwnProperty.call(REMOTE_KEYS, keyName)) continue;
  VK[keyName] = REMOTE_KEYS[keyName][0];
  DOM_KEY[REMOTE_KEYS[keyName][0]] = REMOTE_KEYS[keyName][1];
}

/** HbbTV keyset masks, for Keyset.setValue on a terminal. */
export var KEYSET = {
  RED: 0x1,
  GREEN: 0x2,
  YELLOW: 0x4,
  BLUE: 0x8,
  NAVIGATION: 0x10,
  VCR: 0x20,
  SCROLL: 0x40,
  INFO: 0x80,
  NUMERIC: 0x100,
  ALPHA: 0x200,
  OTHER: 0x400
};

/** What the Stratus device app asks the terminal for: colour, navigation, VCR and numeric keys. */
export var DEVICE_KEYSET =
  KEYSET.RED | KEYSET.GREEN | KEYSET.YELLOW | KEYSET.BLUE | KEYSET.NAVIGATION | KEYSET.VCR | KEYSET.NUMERIC;

var allowed: { [code: string]: boolean } = {};
for (var name in VK) {
  if (Object.prototype.hasOwnProperty.call(VK, name)) allowed[String(VK[name])] = true;
}

/** True for the key codes a device may send: the VK_* table above and nothing else. */
export function isKnownKeyCode(code: number): boolean {
  return allowed[String(code)] === true;
}

/**
 * The keyset bit each key belongs to (HbbTV TS 102 796, the Keyset object): colour keys their
 * own bit, the arrows with ENTER and BACK NAVIGATION, transport keys VCR, page keys SCROLL, INFO,
 * digits NUMERIC. Keys in none (channel, volume, mute) reach an app only as OTHER keys it lists.
 */
var KEYSET_BIT: { [code: string]: number } = {};
function bit(mask: number, names: string[]): void {
  for (var i = 0; i < names.length; i++) KEYSET_BIT[String(VK[names[i]])] = mask;
}
bit(KEYSET.RED, ['VK_RED']);
bit(KEYSET.GREEN, ['VK_GREEN']);
bit(KEYSET.YELLOW, ['VK_YELLOW']);
bit(KEYSET.BLUE, ['VK_BLUE']);
bit(KEYSET.NAVIGATION, ['VK_UP', 'VK_DOWN', 'VK_LEFT', 'VK_RIGHT', 'VK_ENTER', 'VK_BACK']);
bit(KEYSET.VCR, ['VK_PLAY', 'VK_PAUSE', 'VK_PLAY_PAUSE', 'VK_STOP', 'VK_FAST_FWD', 'VK_REWIND', 'VK_NEXT', 'VK_PREV']);
bit(KEYSET.SCROLL, ['VK_PAGE_UP', 'VK_PAGE_DOWN']);
bit(KEYSET.INFO, ['VK_INFO']);
bit(KEYSET.NUMERIC, ['VK_0', 'VK_1', 'VK_2', 'VK_3', 'VK_4', 'VK_5', 'VK_6', 'VK_7', 'VK_8', 'VK_9']);

/** Every keyset bit: what Keyset.maximumValue reports. */
export var KEYSET_ALL = 0x7ff;

/** An app's keyset, as it set it: the mask, and the OTHER keys it listed. */
export interface AppKeyset {
  value: number;
  otherKeys: number[];
}

/** Whether the app's keyset takes the key; no keyset (the app never set one) takes every key. */
export function keysetTakes(keyset: AppKeyset | null, code: number): boolean {
  if (!keyset) return true;
  var b = KEYSET_BIT[String(code)];
  if (b) return (keyset.value & b) !== 0;
  if ((keyset.value & KEYSET.OTHER) === 0) return false;
  for (var i = 0; i < keyset.otherKeys.length; i++) if (keyset.otherKeys[i] === code) return true;
  return false;
}
