/**
 * The one table of UI rectangle encodings, shared by the orchestrator's encoders and the device's
 * decoders. The number goes in each rectangle header of a UI frame; the name is what a device
 * lists in its hello's `encodings` to say it decodes it.
 */
export var ENCODINGS = {
  png: 1,
  jpeg: 2,
  copy: 3,
  kept: 4
};
