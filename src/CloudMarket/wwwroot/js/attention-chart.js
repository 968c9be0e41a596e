// The charts of Needs attention: each <canvas data-chart="{…}"> carries its whole Chart.js configuration,
// rendered by the server, so this file only draws it. A static file because the Content-Security-Policy
// allows no inline script; Chart.js itself is served from wwwroot/lib/chartjs (MIT, see its LICENSE.md).
(function () {
  'use strict';

  function draw() {
    if (typeof window.Chart === 'undefined') return;
    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      try {
        new window.Chart(canvas, JSON.parse(canvas.getAttribute('data-chart')));
        canvas.setAttribute('data-chart-drawn', 'true');
      } catch (e) {
        // A chart that cannot be drawn leaves the numbers under "The numbers" to read.
        canvas.setAttribute('data-chart-drawn', 'false');
      }
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
})();
