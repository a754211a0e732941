import { VK } from '@stratus/protocol/device';

/**
 * EXIT on the remote. HbbTV gives it no key code: the terminal ends the app itself, and so does the
 * device client (it never reaches the cloud app). The value is outside every VK_ and DOM key code.
 */
export var KEY_EXIT = 0x10000;

/**
 * The emulator's keyboard-to-remote mapping, by KeyboardEvent.keyCode (which every browser has).
 * The README's table documents it; change both together.
 */
export var KEYBOARD_TO_REMOTE: { [keyCode: number]: number } = {
  37: VK.VK_LEFT,
  38: VK.VK_UP,
  39: VK.VK_RIGHT,
  40: VK.VK_DOWN,
  13: VK.VK_ENTER,
  8: VK.VK_BACK, // Backspace
  27: VK.VK_BACK, // Escape
  82: VK.VK_RED, // R
  71: VK.VK_GREEN, // G
  89: VK.VK_YELLOW, // Y
  66: VK.VK_BLUE, // B
  80: VK.VK_PLAY_PAUSE, // P
  83: VK.VK_STOP, // S
  70: VK.VK_FAST_FWD, // F
  87: VK.VK_REWIND, // W
  73: VK.VK_INFO, // I
  33: VK.VK_PAGE_UP,
  34: VK.VK_PAGE_DOWN,
  190: VK.VK_NEXT, // .
  188: VK.VK_PREV, // ,
  187: VK.VK_VOLUME_UP, // =
  189: VK.VK_VOLUME_DOWN, // -
  77: VK.VK_MUTE, // M
  36: VK.VK_CHANNEL_UP, // Home
  35: VK.VK_CHANNEL_DOWN, // End
  88: KEY_EXIT // X
};
for (var d = 0; d <= 9; d++) {
  KEYBOARD_TO_REMOTE[48 + d] = VK['VK_' + d];
  KEYBOARD_TO_REMOTE[96 + d] = VK['VK_' + d]; // numeric keypad
}

export function remoteKeyFor(keyCode: number): number | null {
  return Object.prototype.hasOwnProperty.call(KEYBOARD_TO_REMOTE, String(keyCode)) ? KEYBOARD_TO_REMOTE[keyCode] : null;
}
