// CloudMarket pages: progressive enhancement only. Every page works without this file; with it,
// a form marked data-submit-once cannot be sent twice, and an order being provisioned updates by itself.
// A static file because the Content-Security-Policy allows no inline script (script-src 'self').
(function () {
  'use strict';

  // ---- forms that must be submitted once (placing an order) --------------------------------
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-submit-once')) return;
    if (form.getAttribute('data-submitted') === 'true') {
      event.preventDefault();
      return;
    }
    form.setAttribute('data-submitted', 'true');
    form.setAttribute('aria-busy', 'true');
    // Disabled only after the browser has read the form, so the clicked button's value is still sent.
    setTimeout(function () {
      form.querySelectorAll('button[type=submit], input[type=submit]').forEach(function (button) {
        button.disabled = true;
        var busy = button.getAttribute('data-busy-text');
        if (busy) button.textContent = busy;
      });
    }, 0);
  });

  // Coming back with the browser's back button shows the page as it was left: make it usable again.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    document.querySelectorAll('form[data-submitted]').forEach(function (form) {
      form.removeAttribute('data-submitted');
      form.removeAttribute('aria-busy');
      form.querySelectorAll('button[type=submit], input[type=submit]').forEach(function (b) { b.disabled = false; });
    });
  });

  // ---- live status ------------------------------------------------------------------------------
  // A region with data-live-orders="12,13" and data-live-signature (rendered by the server) is
  // followed: /orders/live answers the same signature; when it differs, the page is fetched again
  // and the region replaced by its new version, until no order in it is being provisioned.
  function follow(region) {
    var ids = region.getAttribute('data-live-orders');
    if (!ids || !region.id) return;
    var interval = parseInt(region.getAttribute('data-live-interval') || '1500', 10);
    var rendered = region.getAttribute('data-live-signature') || '';

    function busyTyping() {
      var active = document.activeElement;
      return active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    }

    function poll() {
      if (!document.body.contains(region)) return;
      fetch('/orders/live?ids=' + encodeURIComponent(ids), {
        credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }
      })
        .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
        .then(function (live) {
          if (live.signature !== rendered && !busyTyping()) return refresh(live);
          if (live.inFlight || live.signature !== rendered) setTimeout(poll, interval);
        })
        .catch(function () { setTimeout(poll, interval * 4); });
    }

    function refresh(live) {
      return fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' } })
        .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.text(); })
        .then(function (html) {
          var next = new DOMParser().parseFromString(html, 'text/html').getElementById(region.id);
          if (!next) { window.location.reload(); return; }
          var doc = next.ownerDocument;
          region.replaceWith(next);
          // Other parts of the page that show the same orders (data-live-part) are replaced too.
          document.querySelectorAll('[data-live-part]').forEach(function (part) {
            var fresh = part.id && doc.getElementById(part.id);
            if (fresh) part.replaceWith(fresh);
          });
          announce(live);
          follow(next);
        })
        .catch(function () { setTimeout(poll, interval * 4); });
    }

    setTimeout(poll, interval);
  }

  function announce(live) {
    var announcer = document.getElementById('live-announcer');
    if (!announcer || !live || !live.items) return;
    announcer.textContent = live.items.map(function (o) { return 'Order ' + o.id + ': ' + o.label; }).join('. ');
  }

  document.querySelectorAll('[data-live-orders]').forEach(follow);
})();
