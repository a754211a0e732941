// Emulator page glue: credentials, the device bundle, the TV frame scaled to fit, the on-screen
// remote and the stats overlay. Desktop only; still ES5 like everything the device loads.
(function () {
  var VK = window.StratusDevice.VK;
  // [label, key name, css class]
  var REMOTE = [
    ['', 'VK_RED', 'red'], ['', 'VK_GREEN', 'green'], ['', 'VK_YELLOW', 'yellow'], ['', 'VK_BLUE', 'blue'],
    ['INFO', 'VK_INFO'], ['▲', 'VK_UP'], ['BACK', 'VK_BACK'],
    ['◀', 'VK_LEFT'], ['OK', 'VK_ENTER'], ['▶', 'VK_RIGHT'],
    ['CH+', 'VK_CHANNEL_UP'], ['▼', 'VK_DOWN'], ['VOL+', 'VK_VOLUME_UP'],
    ['CH−', 'VK_CHANNEL_DOWN'], ['MUTE', 'VK_MUTE'], ['VOL−', 'VK_VOLUME_DOWN'],
    ['◀◀', 'VK_REWIND'], ['▶ ‖', 'VK_PLAY_PAUSE'], ['▶▶', 'VK_FAST_FWD'],
    ['▶', 'VK_PLAY'], ['‖', 'VK_PAUSE'], ['■', 'VK_STOP'],
    ['1', 'VK_1'], ['2', 'VK_2'], ['3', 'VK_3'], ['4', 'VK_4'], ['5', 'VK_5'], ['6', 'VK_6'],
    ['7', 'VK_7'], ['8', 'VK_8'], ['9', 'VK_9'], ['0', 'VK_0', 'wide']
  ];

  function buildRemote(client) {
    var box = document.getElementById('stratus-remote');
    var colours = document.createElement('div');
    colours.className = 'colours';
    box.appendChild(colours);
    for (var i = 0; i < REMOTE.length; i++) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = REMOTE[i][0];
      b.className = REMOTE[i][2] || '';
      b.setAttribute('data-key', REMOTE[i][1]);
      b.title = REMOTE[i][1];
      (i < 4 ? colours : box).appendChild(b);
    }
    // A button is a key: down on press, up on release, as a remote sends them.
    var held = null;
    box.addEventListener('mousedown', function (e) {
      var name = e.target && e.target.getAttribute && e.target.getAttribute('data-key');
      if (!name) return;
      e.preventDefault();
      held = VK[name];
      client.sendKey(held, 'down');
    }, false);
    function release() {
      if (held === null) return;
      client.sendKey(held, 'up');
      held = null;
    }
    box.addEventListener('mouseup', release, false);
    box.addEventListener('mouseleave', release, false);
  }

  function buildStats(client) {
    var panel = document.getElementById('stratus-stats');
    var graph = document.getElementById('st-graph').getContext('2d');
    var last = { bytes: 0, frames: 0, t: Date.now() };
    var timer = null;
    function text(id, v) { document.getElementById(id).textContent = v; }
    function update() {
      var s = client.stats, now = Date.now(), dt = (now - last.t) / 1000 || 1;
      var lat = s.inputToPaintMs;
      text('st-latency', lat.length ? lat[lat.length - 1].toFixed(0) + ' ms' : '–');
      var recent = lat.slice(-50).sort(function (a, b) { return a - b; });
      text('st-median', recent.length ? recent[recent.length >> 1].toFixed(0) + ' ms' : '–');
      text('st-bytes', ((s.uiBytes - last.bytes) / 1024 / dt).toFixed(1) + ' kB/s');
      text('st-fps', ((s.framesPainted - last.frames) / dt).toFixed(1));
      text('st-pending', String(client.framesPending));
      text('st-reconnects', String(s.reconnects));
      last = { bytes: s.uiBytes, frames: s.framesPainted, t: now };
      var pts = lat.slice(-60), w = 200, h = 48, max = 100;
      for (var i = 0; i < pts.length; i++) if (pts[i] > max) max = pts[i];
      graph.clearRect(0, 0, w, h);
      graph.strokeStyle = '#3a404c';
      graph.beginPath(); graph.moveTo(0, h - 60 / max * h); graph.lineTo(w, h - 60 / max * h); graph.stroke();
      graph.strokeStyle = '#fc6';
      graph.beginPath();
      for (var j = 0; j < pts.length; j++) {
        var x = pts.length > 1 ? j * (w - 1) / (pts.length - 1) : 0, y = h - pts[j] / max * h;
        if (j === 0) graph.moveTo(x, y); else graph.lineTo(x, y);
      }
      graph.stroke();
    }
    // The overlay refreshes once a second, and only while it is shown.
    function show(on) {
      panel.className = on ? '' : 'hidden';
      if (on && timer === null) timer = setInterval(update, 1000);
      if (!on && timer !== null) { clearInterval(timer); timer = null; }
    }
    document.addEventListener('keydown', function (e) {
      if (e.keyCode === 192) show(panel.className === 'hidden');
    }, false);
    show(true);
    update();
  }

  function param(name) {
    var m = new RegExp('[?&]' + name + '=([^&#]*)').exec(location.search);
    return m ? decodeURIComponent(m[1]) : null;
  }

  // The profile picker: each option is a box the emulator pretends to be. Picking one starts a
  // new session, because a device reports its capabilities once, in its hello.
  function buildPicker(client, list, current) {
    var select = document.getElementById('stratus-profile');
    var options = [{ id: 'host', name: 'This browser, as it is' }].concat(list);
    for (var i = 0; i < options.length; i++) {
      var o = document.createElement('option');
      o.value = options[i].id;
      o.textContent = options[i].name;
      if (options[i].id === current) o.selected = true;
      select.appendChild(o);
    }
    select.addEventListener('change', function () {
      var q = location.search.replace(/^\?/, '').split('&').filter(function (p) {
        return p && !/^(profile|w|h)=/.test(p);
      });
      q.push('profile=' + encodeURIComponent(select.value));
      client.close();
      location.search = '?' + q.join('&');
    }, false);
  }

  function start(token, profiles) {
    var list = (profiles && profiles.profiles) || [];
    var current = param('profile') || (profiles && profiles['default']) || 'host';
    var profile = null;
    for (var i = 0; i < list.length; i++) if (list[i].id === current) profile = list[i];
    if (!profile) current = 'host';
    var client = window.StratusDevice.bootFromPage(token, profile);
    window.stratusProfile = current;
    window.stratusClient = client;
    var tv = document.getElementById('stratus-tv');
    var stage = document.getElementById('stratus-stage');
    var canvas = document.getElementById('stratus-layer');
    function fit() {
      var w = canvas.width, h = canvas.height;
      tv.style.width = w + 'px';
      tv.style.height = h + 'px';
      var s = Math.min((stage.clientWidth - 48) / w, (stage.clientHeight - 48) / h);
      if (!(s > 0)) s = 1;
      tv.style.transform = 'translate(' + Math.round((stage.clientWidth - w * s) / 2) + 'px,' +
        Math.round((stage.clientHeight - h * s) / 2) + 'px) scale(' + s + ')';
    }
    window.addEventListener('resize', fit, false);
    client.onstatus = (function (inner) {
      return function (s) { inner(s); fit(); };
    })(client.onstatus);
    fit();
    buildRemote(client);
    buildStats(client);
    buildPicker(client, list, current);
  }

  function getJson(url, done) {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', url);
    xhr.onload = function () {
      var v = null;
      try { v = xhr.status === 200 ? JSON.parse(xhr.responseText) : null; } catch (e) { v = null; }
      done(v);
    };
    xhr.onerror = function () { done(null); };
    xhr.send();
  }

  // A token in the query string wins; otherwise ask the orchestrator for a development token,
  // which it only hands out in development mode.
  getJson('/device/profiles.json', function (profiles) {
    if (/[?&]token=/.test(location.search)) {
      start(undefined, profiles);
      return;
    }
    getJson('/dev/token', function (v) {
      start((v && v.token) || '', profiles);
    });
  });
})();
