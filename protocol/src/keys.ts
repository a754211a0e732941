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
