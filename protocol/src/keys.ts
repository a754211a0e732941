/**
 * HbbTV / OIPF key codes (the de facto values of real terminals).
 * Apps should read the `KeyEvent.VK_*` constants the cloud page defines, never hard-code these.
 */
export var VK: { [name: string]: number } = {
  VK_LEFT: 37,
  VK_UP: 38,
  VK_RIGHT: 39,
  VK_DOWN: 40,
  VK_ENTER: 13,
  VK_BACK: 461,
  VK_RED: 403,
  VK_GREEN: 404,
  VK_YELLOW: 405,
  VK_BLUE: 406,
  VK_0: 48,
  VK_1: 49,
  VK_2: 50,
  VK_3: 51,
  VK_4: 52,
  VK_5: 53,
  VK_6: 54,
  VK_7: 55,
  VK_8: 56,
  VK_9: 57,
  VK_PLAY: 415,
  VK_PAUSE: 19,
  VK_PLAY_PAUSE: 402,
  VK_STOP: 413,
  VK_FAST_FWD: 417,
  VK_REWIND: 412,
  VK_NEXT: 425,
  VK_PREV: 424,
  VK_INFO: 457,
  VK_PAGE_UP: 33,
  VK_PAGE_DOWN: 34,
  // OIPF DAE values, for remotes that have these keys (the emulator's does).
  VK_CHANNEL_UP: 427,
  VK_CHANNEL_DOWN: 428,
  VK_VOLUME_UP: 447,
  VK_VOLUME_DOWN: 448,
  VK_MUTE: 449
};

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
