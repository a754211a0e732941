// Emulator page glue: boots the device bundle and scales the TV frame to fit the window.
(function () {
  var client = window.StratusDevice.bootFromPage();
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
})();
