/**
 * Loads a player library (hls.js, shaka-player) on first use only: most boxes play natively, and
 * a TV browser should not parse ~600 kB it never runs. Callbacks, not promises: this is ES5.
 */
var loaded: { [src: string]: boolean } = {};
var waiting: { [src: string]: Array<(err: string | null) => void> } = {};

export function loadScript(src: string, done: (err: string | null) => void): void {
  if (loaded[src]) {
    done(null);
    return;
  }
  if (waiting[src]) {
    waiting[src].push(done);
    return;
  }
  waiting[src] = [done];
  var script = document.createElement('script');
  script.src = src;
  function finish(err: string | null): void {
    var list = waiting[src] || [];
    delete waiting[src];
    if (!err) loaded[src] = true;
    for (var i = 0; i < list.length; i++) list[i](err);
  }
  script.onload = function () {
    finish(null);
  };
  script.onerror = function () {
    finish('could not load ' + src);
  };
  document.getElementsByTagName('head')[0].appendChild(script);
}
