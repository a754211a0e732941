/**
 * The one table of UI rectangle encodings, shared by the orchestrator's encoders and the device's
 * decoders. The number goes in each rectangle header of a UI frame; the name is what a device
 * lists in its hello's `encodings` to say it decodes it.
 */
export var ENCODINGS = {
  png: 1,
  jpeg: 2,
  copy: 3,
  kept: 4,
  /** Save the layer's pixels under the rectangle, as the frame has drawn them so far, in a tile cache slot. */
  stash: 5,
  /** Draw a tile cache slot's pixels at the rectangle. */
  cached: 6,
  /**
   * A cross-fade the device draws itself: the kept layer and tile cache slots, weighted, over a
   * colour (fade.ts). A live motion between two pictures the device holds costs bytes, not pictures.
   */
  fade: 7
};

/**
 * The device's tile cache, for `stash` and `cached` rectangles (payload: u16 slot, big-endian).
 * A device that lists both says in its hello's `tileCache` how many tiles of at most
 * TILE_CACHE_TILE pixels square it keeps (16 KB of canvas each) for as long as its connection
 * lasts; the orchestrator alone decides what goes in which slot, so the device needs no
 * bookkeeping. Tiles are stashed from a TILE_CACHE_TILE grid of the layer and drawn anywhere on it:
 * what a TV UI shows once (a focus ring's old place, a photo visited before, a row scrolled back)
 * comes back from there instead of being encoded and sent again. A 1280x720 screen is 240 tiles.
 */
export var TILE_CACHE_TILE = 64;
/** Most slots a hello may ask for (64 MB of canvas). */
export var TILE_CACHE_MAX_SLOTS = 4096;
/**
 * The device keeps its slots on canvases of TILE_CACHE_PAGE_SLOTS each, TILE_CACHE_COLUMNS a row
 * (2048 x 1024 pixels: old TV browsers refuse larger canvases), made as the slots are first used.
 */
export var TILE_CACHE_COLUMNS = 32;
export var TILE_CACHE_PAGE_SLOTS = 512;
