// Emulator page glue: gets credentials, boots the device bundle, scales the TV frame to fit.
(function () {
  function start(token) {
    var client = window.StratusDevice.bootFromPage(token);
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
  }
  // A token in the query string wins; otherwise ask the orchestrator for a development token,
  // which it only hands out in development mode.
  if (/[?&]token=/.test(location.search)) {
    start();
    return;
  }
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/dev/token');
  xhr.onload = function () {
    var token = '';
    try { token = JSON.parse(xhr.responseText).token || ''; } catch (e) { token = ''; }
    start(token);
  };
  xhr.onerror = function () { start(''); };
  xhr.send();
})();
