/**
 * The one table of UI rectangle encodings, shared by the orchestrator's encoders and the device's
 * decoders. The number goes in each rectangle header of a UI frame.
 */
export var ENCODINGS = {
  png: 1
};
