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
    var clicked = event.submitter;
    // Disabled only after the browser has read the form, so the clicked button's value is still sent.
    setTimeout(function () {
      form.querySelectorAll('button[type=submit], input[type=submit]').forEach(function (button) {
        button.disabled = true;
        // Only the button that was pressed says what is happening (a form may have several).
        var busy = button.getAttribute('data-busy-text');
        if (busy && (!clicked || clicked === button)) button.textContent = busy;
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

  // ---- totals that follow a form ---------------------------------------------------------------
  // A form with data-quote="Name" is posted in the background with Name=true when a field changes (the
  // same post as its "Update total" button, which adds nothing), and its #offer-total is replaced by the
  // server's answer: the total always comes from the server's pricing, never from arithmetic here.
  var quoteTimer = null;
  function requote(form) {
    var field = form.getAttribute('data-quote');
    var data = new FormData(form);
    data.set(field, 'true');
    fetch(form.getAttribute('action') || window.location.href, { method: 'POST', body: data, credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('offer-total');
        var current = document.getElementById('offer-total');
        if (fresh && current) current.replaceWith(fresh);
      })
      .catch(function () { /* the Update total button still works */ });
  }
  ['input', 'change'].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var form = event.target && event.target.form;
      if (!form || !form.hasAttribute('data-quote') || event.target.closest('#offer-total')) return;
      clearTimeout(quoteTimer);
      quoteTimer = setTimeout(function () { requote(form); }, 300);
    });
  });

  // ---- live status ------------------------------------------------------------------------------
  // A region with data-live-orders="12,13" and data-live-signature (rendered by the server) is
  // followed: /orders/live answers the same signature; when it differs, the page is fetched again
  // and the region replaced by its new version, until no order in it is being provisioned. While
  // nothing changes, the polls come further apart (up to 4 × data-live-interval); after
  // data-live-idle-ms without a change they stop, and the region's [data-live-stopped] notice (with
  // a Refresh link) is shown: an order stuck at a vendor is not polled for days.
  function follow(region) {
    var ids = region.getAttribute('data-live-orders');
    if (!ids || !region.id) return;
    var interval = parseInt(region.getAttribute('data-live-interval') || '1500', 10);
    var idleLimit = parseInt(region.getAttribute('data-live-idle-ms') || '120000', 10);
    var rendered = region.getAttribute('data-live-signature') || '';
    var lastSeen = rendered;
    var changedAt = Date.now();
    var delay = interval;

    function busyTyping() {
      var active = document.activeElement;
      return active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    }

    function next(wait) {
      if (Date.now() - changedAt >= idleLimit) return pause();
      setTimeout(poll, Math.max(wait || 0, delay));
      delay = Math.min(Math.round(delay * 1.5), interval * 4);
    }

    function pause() {
      region.setAttribute('data-live-state', 'paused');
      var notice = region.querySelector('[data-live-stopped]');
      if (notice) notice.hidden = false;
    }

    function poll() {
      if (!document.body.contains(region)) return;
      fetch('/orders/live?ids=' + encodeURIComponent(ids), {
        credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }
      })
        .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
        .then(function (live) {
          if (live.signature !== lastSeen) {
            // Something moved: look again soon, whether or not the region can be replaced right now.
            lastSeen = live.signature;
            changedAt = Date.now();
            delay = interval;
          }
          if (live.signature !== rendered && !busyTyping()) return refresh(live);
          if (live.inFlight || live.signature !== rendered) next();
        })
        .catch(function () { next(interval * 4); });
    }

    function refresh(live) {
      return fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' } })
        .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.text(); })
        .then(function (html) {
          var replacement = new DOMParser().parseFromString(html, 'text/html').getElementById(region.id);
          if (!replacement) { window.location.reload(); return; }
          var doc = replacement.ownerDocument;
          replaceKeepingPlace(region, replacement);
          // Messages about the page as it was (a toast, a refusal) are stale once its orders moved on.
          document.querySelectorAll('[data-stale-on-change]').forEach(function (el) { el.remove(); });
          // Other parts of the page that show the same orders (data-live-part) are replaced too.
          document.querySelectorAll('[data-live-part]').forEach(function (part) {
            var fresh = part.id && doc.getElementById(part.id);
            if (fresh) replaceKeepingPlace(part, fresh);
          });
          announce(live);
          follow(replacement);
        })
        .catch(function () { next(interval * 4); });
    }

    next();
  }

  // A replaced region keeps the keyboard's place and its open <details>: each is found again in the new
  // region by its nearest element with an id (a list's row is "order-12", its details row
  // "order-12-details") and the path of children below it. Without this, focus fell to the page's body
  // whenever an order in the list moved on, and a keyboard user tabbing through the list lost their place.
  function replaceKeepingPlace(old, fresh) {
    var active = document.activeElement;
    var focused = active && active !== old && old.contains(active) ? placeOf(old, active) : null;
    var open = Array.prototype.map.call(old.querySelectorAll('details[open]'), function (d) { return placeOf(old, d); });
    old.replaceWith(fresh);
    open.forEach(function (place) {
      var details = find(fresh, place);
      if (details && details.tagName === 'DETAILS') details.open = true;
    });
    var again = focused && find(fresh, focused);
    if (again && typeof again.focus === 'function') again.focus({ preventScroll: true });
  }

  function placeOf(root, element) {
    var path = [];
    var node = element;
    for (; node !== root && !node.id; node = node.parentElement)
      path.unshift(Array.prototype.indexOf.call(node.parentElement.children, node));
    return { id: node === root ? null : node.id, path: path };
  }

  function find(root, place) {
    var node = place.id ? root.querySelector('#' + CSS.escape(place.id)) : root;
    for (var i = 0; node && i < place.path.length; i++) node = node.children[place.path[i]];
    return node;
  }

  function announce(live) {
    var announcer = document.getElementById('live-announcer');
    if (!announcer || !live || !live.items) return;
    announcer.textContent = live.items.map(function (o) { return 'Order ' + o.id + ': ' + o.label; }).join('. ');
  }

  document.querySelectorAll('[data-live-orders]').forEach(follow);
})();
