/** Bumped on any incompatible change to the messages or the UI frame layout. */
export var PROTOCOL_VERSION = 2;

/** The path of the device WebSocket on the orchestrator. */
export var DEVICE_WS_PATH = '/stratus/device';
