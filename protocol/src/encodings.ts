/**
 * The one table of UI rectangle encodings, shared by the orchestrator's encoders and the device's
 * decoders. The number goes in each rectangle header of a UI frame.
 */
export var ENCODINGS = {
  png: 1
};

export function encodingName(id: number): string | null {
  for (var name in ENCODINGS) {
    if ((ENCODINGS as { [k: string]: number })[name] === id) return name;
  }
  return null;
}
