// The inbox's few lines of progressive JavaScript: pages work without it;
// with it, the part of the page marked #live refreshes itself when the
// server's live stream says something changed, the title shows how many
// conversations wait, and a short tone sounds when one more does.
(() => {
  'use strict';
  const live = () => document.getElementById('live');
  const baseTitle = document.title;
  let waiting = -1;

  function beep() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.05;
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no sound is fine */ }
  }

  function badge() {
    const el = live();
    if (!el) return;
    const n = parseInt(el.dataset.waiting || '0', 10) || 0;
    document.title = (n > 0 ? '(' + n + ') ' : '') + baseTitle;
    if (waiting >= 0 && n > waiting) beep();
    waiting = n;
  }

  function scrollDown() {
    const t = document.getElementById('transcript');
    if (t && t.lastElementChild) t.lastElementChild.scrollIntoView({block: 'nearest'});
  }

  let busy = false;
  let again = false;

  function typingIn(el) {
    const a = document.activeElement;
    return a && el.contains(a) && (a.tagName === 'INPUT' || a.tagName === 'TEXTAREA');
  }

  async function refresh() {
    const el = live();
    if (!el) return;
    if (busy || typingIn(el)) { again = true; return; }
    busy = true;
    try {
      const r = await fetch(location.href, {credentials: 'same-origin', headers: {'Accept': 'text/html'}});
      if (r.redirected && r.url.indexOf('/inbox/signin') >= 0) { location.href = r.url; return; }
      if (!r.ok) return;
      const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
      const fresh = doc.getElementById('live');
      if (fresh) {
        live().replaceWith(document.adoptNode(fresh));
        badge();
        scrollDown();
      }
    } catch (e) {
      // The next change tries again.
    } finally {
      busy = false;
      if (again) { again = false; setTimeout(refresh, 50); }
    }
  }

  document.addEventListener('focusout', () => { if (again) { again = false; setTimeout(refresh, 50); } });

  function connect() {
    const el = live();
    if (!el || !window.EventSource) return;
    const es = new EventSource('/inbox/events?v=' + encodeURIComponent(el.dataset.version || ''));
    es.addEventListener('change', refresh);
  }

  // Choosing a canned reply fills the reply box, to edit before sending;
  // without JavaScript the form posts the choice and the server sends it.
  document.addEventListener('change', (e) => {
    const sel = e.target;
    if (sel.id !== 'reply-canned' || !sel.value) return;
    const box = document.getElementById('reply-text');
    if (box) { box.value = sel.selectedOptions[0].dataset.text || ''; box.focus(); }
  });

  function start() {
    badge();
    scrollDown();
    connect();
  }
  // A template's text follows its inputs as they are typed; the Preview
  // button does the same on the server without JavaScript.
  function templatePreviews() {
    document.querySelectorAll('form.template').forEach(function (form) {
      var quote = form.querySelector('blockquote.preview');
      if (!quote) return;
      var text = quote.getAttribute('data-text');
      function fill() {
        var vals = {};
        form.querySelectorAll('input[name=param]').forEach(function (i) {
          var label = form.querySelector('label[for="' + i.id + '"]');
          vals[i.getAttribute('data-n')] = i.value.trim() || '[' + (label ? label.textContent : '') + ']';
        });
        quote.textContent = text.replace(/\{\{\s*(\d+)\s*\}\}/g, function (m, n) { return n in vals ? vals[n] : m; });
      }
      form.addEventListener('input', fill);
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', templatePreviews); else templatePreviews();
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
