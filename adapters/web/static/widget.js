// Concierge web chat widget.
//
// Plain JavaScript for current browsers, no dependencies, no request to any
// other origin. It talks to the routes described in adapters/web/web.go:
// POST /chat/{bot}/api/messages to send, GET …/api/messages for history and
// GET …/api/events (Server-Sent Events) for live messages.
//
// Everything that comes from a message is put in the page with textContent
// or as an attribute value, never as HTML, so markup in a message is shown as
// typed. Links are followed only when they are http or https.
(function () {
  'use strict';

  var STRINGS = {
    en: {
      subtitle: 'Shop assistant',
      language: 'Language',
      placeholder: 'Write a message…',
      send: 'Send',
      empty: 'Ask about a product, compare two, or follow an order.',
      transcript: 'Conversation',
      testPayment: 'TEST PAYMENT',
      testPaymentNote: 'No real money will be taken.',
      pay: 'Pay',
      total: 'Total',
      order: 'Order',
      handoff: 'A person will answer you',
      agent: 'Advisor',
      connectionLost: 'Connection lost… reconnecting',
      failed: 'Not sent.',
      retry: 'Retry'
    },
    fr: {
      subtitle: 'Votre conseiller',
      language: 'Langue',
      placeholder: 'Écrivez votre message…',
      send: 'Envoyer',
      empty: 'Demandez un produit, comparez-en deux ou suivez une commande.',
      transcript: 'Conversation',
      testPayment: 'PAIEMENT TEST',
      testPaymentNote: 'Aucun argent ne sera débité.',
      pay: 'Payer',
      total: 'Total',
      order: 'Commande',
      handoff: 'Une personne va vous répondre',
      agent: 'Conseiller',
      connectionLost: 'Connexion perdue… reconnexion',
      failed: 'Message non envoyé.',
      retry: 'Réessayer'
    },
    zh: {
      subtitle: '购物助手',
      language: '语言',
      placeholder: '输入消息…',
      send: '发送',
      empty: '可以咨询商品、比较两款商品或查询订单。',
      transcript: '对话',
      testPayment: '测试支付',
      testPaymentNote: '不会实际扣款。',
      pay: '支付',
      total: '合计',
      order: '订单',
      handoff: '客服人员将为您解答',
      agent: '客服',
      connectionLost: '连接已断开，正在重新连接…',
      failed: '发送失败。',
      retry: '重试'
    }
  };

  // Retry delays of a POST that met a network error or a 5xx, in ms. The
  // same client id is sent each time, so the server processes it once.
  var SEND_RETRIES = [1000, 2000, 4000, 8000, 15000];
  var SEND_TIMEOUT = 15000;
  var RECONNECT_MAX = 15000;
  var STATUS_DELAY = 1500; // a reconnect faster than this shows no banner
  var TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

  var root = document.getElementById('chat');
  if (!root) return;
  var bot = root.dataset.bot || '';
  var api = '/chat/' + encodeURIComponent(bot) + '/api/';
  var transcript = document.getElementById('transcript');
  var form = document.getElementById('chat-form');
  var input = document.getElementById('chat-input');
  var sendButton = document.getElementById('chat-send');
  var picker = document.getElementById('chat-locale');
  var statusBar = document.getElementById('chat-status');

  var store = storage();
  var session = loadSession();
  var locale = initialLocale();

  var seen = new Set(); // seq of every entry shown
  var lastSeq = 0; // the highest seq shown: the cursor for after=
  var queue = []; // outgoing messages, sent one at a time, in order
  var sending = false;

  // ---- identity, storage and language ----

  function storage() {
    try {
      var k = '__concierge__';
      window.localStorage.setItem(k, k);
      window.localStorage.removeItem(k);
      return window.localStorage;
    } catch (e) {
      // Private modes may refuse storage: keep the session for this page only.
      var mem = {};
      return {
        getItem: function (k) { return Object.prototype.hasOwnProperty.call(mem, k) ? mem[k] : null; },
        setItem: function (k, v) { mem[k] = String(v); }
      };
    }
  }

  // newId returns 32 hex characters (128 random bits).
  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') {
      return window.crypto.randomUUID().replace(/-/g, '');
    }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x < 16 ? '0' : '') + x.toString(16); }).join('');
  }

  function loadSession() {
    var key = 'concierge.session.' + bot;
    var s = store.getItem(key);
    if (!s || !TOKEN.test(s)) {
      s = newId();
      store.setItem(key, s);
    }
    return s;
  }

  function offered() {
    return Array.prototype.map.call(picker.options, function (o) { return o.value; });
  }

  function base(tag) {
    return String(tag || '').toLowerCase().split(/[-_]/)[0];
  }

  function initialLocale() {
    var list = offered();
    var chosen = store.getItem('concierge.locale.' + bot);
    if (chosen && list.indexOf(chosen) >= 0) return chosen;
    var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < langs.length; i++) {
      var l = base(langs[i]);
      if (list.indexOf(l) >= 0) return l;
    }
    var d = root.dataset.defaultLocale;
    return list.indexOf(d) >= 0 ? d : (list[0] || 'en');
  }

  function t(key) {
    var s = STRINGS[locale] || STRINGS.en;
    return s[key] || STRINGS.en[key] || key;
  }

  // label gives el a translatable text that applyLocale keeps current.
  function label(el, key) {
    el.dataset.i18n = key;
    el.textContent = t(key);
    return el;
  }

  function applyLocale() {
    document.documentElement.lang = locale;
    picker.value = locale;
    document.querySelectorAll('[data-i18n]').forEach(function (el) {
      el.textContent = t(el.dataset.i18n);
    });
    input.placeholder = t('placeholder');
    transcript.setAttribute('aria-label', t('transcript'));
    picker.setAttribute('aria-label', t('language'));
  }

  // ---- small DOM helpers ----

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // safeURL returns u resolved against the page when it is http or https.
  function safeURL(u) {
    if (typeof u !== 'string' || u === '') return null;
    try {
      var x = new URL(u, window.location.href);
      return x.protocol === 'http:' || x.protocol === 'https:' ? x.href : null;
    } catch (e) {
      return null;
    }
  }

  // image shows a picture served by this server; any other gets a
  // placeholder, since the widget makes no request to another origin.
  function image(src, alt, className) {
    var url = safeURL(src);
    if (!url || new URL(url).origin !== window.location.origin) return el('div', 'img-placeholder');
    var img = el('img', className);
    img.alt = alt || '';
    img.loading = 'lazy';
    img.decoding = 'async';
    img.addEventListener('error', function () {
      img.replaceWith(el('div', 'img-placeholder'));
    });
    img.src = url;
    return img;
  }

  function formatTime(at) {
    var d = new Date(at);
    if (isNaN(d.getTime())) return null;
    try {
      return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(d);
    } catch (e) {
      return d.toTimeString().slice(0, 5);
    }
  }

  // ---- rendering messages ----

  function bubble(text) {
    return el('div', 'bubble', text);
  }

  function buttons(list) {
    var row = el('div', 'buttons');
    (list || []).forEach(function (b) {
      if (!b || !b.label) return;
      if (b.value) {
        var btn = el('button', null, b.label);
        btn.type = 'button';
        btn.dataset.value = b.value;
        btn.addEventListener('click', function () { send(b.label, b.value, btn); });
        row.appendChild(btn);
        return;
      }
      var url = safeURL(b.url);
      if (url) {
        var a = el('a', 'button-link', b.label);
        a.href = url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        row.appendChild(a);
      }
    });
    return row.childNodes.length ? row : null;
  }

  function card(c) {
    var box = el('article', 'card');
    box.dataset.sku = c.sku || '';
    box.appendChild(image(c.image, c.title, 'card-image'));
    var body = el('div', 'card-body');
    body.appendChild(el('h3', 'card-title', c.title));
    if (c.price_text) body.appendChild(el('p', 'card-price', c.price_text));
    if (c.stock_text) {
      var stock = el('p', 'card-stock', c.stock_text);
      if (typeof c.stock === 'number' && c.stock <= 0) stock.classList.add('out');
      else if (typeof c.stock === 'number' && c.stock <= 3) stock.classList.add('low');
      body.appendChild(stock);
    }
    if (c.description) body.appendChild(el('p', 'card-desc', c.description));
    var row = buttons(c.buttons);
    if (row) body.appendChild(row);
    box.appendChild(body);
    return box;
  }

  function cards(list) {
    var row = el('div', 'cards');
    (list || []).forEach(function (c) { if (c) row.appendChild(card(c)); });
    return row;
  }

  // pager shows where a page of cards sits in a longer list: the page
  // indicator ("2/4") between the buttons to the pages around it. The
  // next page arrives as a new message (the widget never rewrites one it
  // has shown; the message's replaces field is for channels that edit),
  // so the buttons of every page stay usable.
  function pager(p) {
    if (!p || typeof p.page !== 'number' || typeof p.pages !== 'number' || p.pages < 2) return null;
    var row = el('div', 'buttons pager');
    var prev = p.prev ? buttons([p.prev]) : null;
    if (prev) row.appendChild(prev.firstChild);
    var ind = el('span', 'pager-page', p.page + '/' + p.pages);
    ind.setAttribute('aria-current', 'page');
    row.appendChild(ind);
    var next = p.next ? buttons([p.next]) : null;
    if (next) row.appendChild(next.firstChild);
    return row;
  }

  function comparison(cmp) {
    var products = (cmp && cmp.products) || [];
    var wrap = el('div', 'comparison-wrap');
    var table = el('table', 'comparison');
    var head = el('thead');
    var hr = el('tr');
    hr.appendChild(el('th'));
    products.forEach(function (p) {
      var th = el('th');
      th.scope = 'col';
      th.dataset.sku = p.sku || '';
      if (p.image) th.appendChild(image(p.image, '', 'col-image'));
      th.appendChild(el('span', 'col-title', p.title));
      if (p.price_text) th.appendChild(el('span', 'col-price', p.price_text));
      hr.appendChild(th);
    });
    head.appendChild(hr);
    table.appendChild(head);

    var body = el('tbody');
    ((cmp && cmp.rows) || []).forEach(function (r) {
      var tr = el('tr');
      var th = el('th', null, r.label);
      th.scope = 'row';
      tr.appendChild(th);
      products.forEach(function (_, i) {
        tr.appendChild(el('td', null, (r.values && r.values[i]) || ''));
      });
      body.appendChild(tr);
    });
    table.appendChild(body);

    var rows = products.map(function (p) { return buttons(p.buttons); });
    if (rows.some(Boolean)) {
      var foot = el('tfoot');
      var fr = el('tr');
      fr.appendChild(el('th'));
      rows.forEach(function (row) {
        var td = el('td');
        if (row) td.appendChild(row);
        fr.appendChild(td);
      });
      foot.appendChild(fr);
      table.appendChild(foot);
    }
    wrap.appendChild(table);
    return wrap;
  }

  function lines(list) {
    var ul = el('ul', 'lines');
    (list || []).forEach(function (l) {
      var li = el('li');
      li.dataset.sku = l.sku || '';
      li.appendChild(el('span', 'line-title', l.title + ' × ' + l.quantity));
      li.appendChild(el('span', 'line-total', l.total_text));
      ul.appendChild(li);
    });
    return ul;
  }

  function totalRow(text) {
    var row = el('div', 'total-row');
    row.appendChild(label(el('span'), 'total'));
    row.appendChild(el('span', null, text));
    return row;
  }

  function cart(c) {
    var box = el('div', 'cart');
    box.appendChild(lines(c.lines));
    box.appendChild(totalRow(c.total_text));
    return box;
  }

  function payment(p) {
    var box = el('div', 'payment');
    box.dataset.order = p.order || '';
    if (p.sandbox) {
      box.dataset.sandbox = 'true';
      var badge = label(el('span', 'sandbox-badge'), 'testPayment');
      badge.title = t('testPaymentNote');
      box.appendChild(badge);
    }
    if (p.amount_text) box.appendChild(el('div', 'payment-amount', p.amount_text));
    var url = safeURL(p.url);
    if (url) {
      var a = el('a', 'pay-button');
      if (p.label) a.textContent = p.label;
      else label(a, 'pay');
      a.href = url;
      a.rel = 'noopener';
      box.appendChild(a);
    }
    return box;
  }

  function order(o) {
    var box = el('div', 'order');
    box.dataset.order = o.id || '';
    box.dataset.state = o.state || '';
    var head = el('div', 'order-head');
    var title = el('span');
    title.appendChild(label(el('span'), 'order'));
    title.appendChild(document.createTextNode(' '));
    title.appendChild(el('span', 'order-id', o.id));
    head.appendChild(title);
    if (o.state_text) head.appendChild(el('span', 'order-state', o.state_text));
    box.appendChild(head);
    box.appendChild(lines(o.lines));
    box.appendChild(totalRow(o.total_text));
    return box;
  }

  function handoff(m) {
    var box = el('div', 'handoff-notice');
    box.setAttribute('role', 'note');
    box.appendChild(el('span', 'handoff-icon'));
    var body = el('div');
    body.appendChild(label(el('strong', 'handoff-title'), 'handoff'));
    if (m.text) body.appendChild(el('p', 'handoff-text', m.text));
    box.appendChild(body);
    return box;
  }

  // render builds the element of one transcript entry. A kind it does not
  // know shows as text, which every message carries.
  function render(entry) {
    var m = entry.message || {};
    var kind = String(m.kind || 'text');
    var box = el('div', 'msg');
    box.dataset.from = String(entry.from || 'bot');
    box.dataset.kind = kind;
    box.dataset.seq = String(entry.seq);
    if (entry.from === 'agent') box.appendChild(label(el('span', 'msg-author'), 'agent'));

    var known = ['text', 'handoff', 'cards', 'comparison', 'cart', 'payment', 'order'].indexOf(kind) >= 0;
    var text = known ? m.text : (m.fallback || m.text);
    if (kind === 'handoff') {
      box.appendChild(handoff(m));
    } else if (text) {
      box.appendChild(bubble(text));
    }
    if (kind === 'cards' && m.cards) {
      box.appendChild(cards(m.cards));
      var pg = pager(m.pager);
      if (pg) box.appendChild(pg);
    }
    if (kind === 'comparison' && m.comparison) box.appendChild(comparison(m.comparison));
    if (kind === 'cart' && m.cart) box.appendChild(cart(m.cart));
    if (kind === 'payment' && m.payment) box.appendChild(payment(m.payment));
    if (kind === 'order' && m.order) box.appendChild(order(m.order));
    var row = buttons(m.buttons);
    if (row) box.appendChild(row);

    var time = formatTime(entry.at);
    if (time) {
      var meta = el('time', 'meta', time);
      meta.dateTime = entry.at;
      box.appendChild(meta);
    }
    return box;
  }

  // ---- the transcript ----

  function nearBottom() {
    return transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < transcript.clientHeight;
  }

  function scrollToEnd() {
    transcript.scrollTop = transcript.scrollHeight;
  }

  function updateEmpty() {
    var hint = transcript.querySelector('.empty-hint');
    if (hint) hint.hidden = !!transcript.querySelector('.msg');
  }

  // place puts box in seq order: before the first entry with a greater seq,
  // or before the messages still being sent, or at the end.
  function place(box, seq) {
    var all = transcript.querySelectorAll('.msg');
    for (var i = 0; i < all.length; i++) {
      var m = all[i];
      var s = m.dataset.seq ? Number(m.dataset.seq) : NaN;
      if ((!isNaN(s) && s > seq) || (isNaN(s) && m.classList.contains('pending'))) {
        transcript.insertBefore(box, m);
        return;
      }
    }
    transcript.appendChild(box);
  }

  // ownCopy finds the bubble shown while sending the customer message that
  // entry is the stored copy of: by client id, or else the oldest one with
  // the same text.
  function ownCopy(entry) {
    var mine = transcript.querySelectorAll('.msg[data-client-id]:not([data-seq])');
    var text = ((entry.message && entry.message.text) || '').trim();
    var byText = null;
    for (var i = 0; i < mine.length; i++) {
      if (entry.id && mine[i].dataset.clientId === entry.id) return mine[i];
      if (!byText && !entry.id && mine[i].dataset.text === text) byText = mine[i];
    }
    return byText;
  }

  function show(entry) {
    if (!entry || typeof entry.seq !== 'number' || seen.has(entry.seq)) return;
    seen.add(entry.seq);
    if (entry.seq > lastSeq) lastSeq = entry.seq;
    var stick = nearBottom();
    var box = entry.from === 'customer' ? ownCopy(entry) : null;
    if (box) {
      box.dataset.seq = String(entry.seq);
      box.classList.remove('pending', 'failed');
      var err = box.querySelector('.msg-error');
      if (err) err.remove();
    } else {
      place(render(entry), entry.seq);
    }
    updateEmpty();
    if (stick) scrollToEnd();
  }

  function showAll(list) {
    (list || []).slice().sort(function (a, b) { return a.seq - b.seq; }).forEach(show);
  }

  // ---- sending ----

  function send(text, value, pressed) {
    text = String(text || '').trim();
    if (!text && !value) return;
    var item = { id: newId(), text: text, value: value || '', pressed: pressed || null };
    var box = el('div', 'msg pending');
    box.dataset.from = 'customer';
    box.dataset.kind = 'text';
    box.dataset.clientId = item.id;
    box.dataset.text = text;
    box.appendChild(bubble(text));
    var time = formatTime(new Date().toISOString());
    if (time) box.appendChild(el('time', 'meta', time));
    item.box = box;
    transcript.appendChild(box);
    updateEmpty();
    scrollToEnd();
    if (pressed) pressed.disabled = true;
    queue.push(item);
    pump();
  }

  async function pump() {
    if (sending) return;
    sending = true;
    while (queue.length) {
      var item = queue[0];
      var ok = await deliver(item);
      queue.shift();
      if (item.pressed) item.pressed.disabled = false;
      if (ok) {
        item.box.classList.remove('pending', 'failed');
      } else {
        failed(item);
      }
    }
    sending = false;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // deliver POSTs item until the server takes it, says it never will (4xx),
  // or the retries run out.
  async function deliver(item) {
    var body = JSON.stringify({
      session: session,
      id: item.id,
      text: item.text,
      value: item.value || undefined,
      locale: /^[a-z]{2,3}$/.test(locale) ? locale : undefined
    });
    for (var attempt = 0; attempt <= SEND_RETRIES.length; attempt++) {
      if (attempt > 0) await sleep(SEND_RETRIES[attempt - 1]);
      var ctl = typeof AbortController === 'function' ? new AbortController() : null;
      var timer = ctl ? setTimeout(function () { ctl.abort(); }, SEND_TIMEOUT) : null;
      try {
        var res = await fetch(api + 'messages', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
          body: body,
          credentials: 'same-origin',
          cache: 'no-store',
          signal: ctl ? ctl.signal : undefined
        });
        if (res.ok) return true;
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return false;
      } catch (e) {
        // A network error or a timeout: the server may or may not have it,
        // and the same id makes a second try harmless.
      } finally {
        if (timer) clearTimeout(timer);
      }
    }
    return false;
  }

  function failed(item) {
    var box = item.box;
    if (box.dataset.seq) return; // the server's copy arrived meanwhile
    box.classList.remove('pending');
    box.classList.add('failed');
    if (box.querySelector('.msg-error')) return;
    var line = el('div', 'msg-error');
    line.setAttribute('role', 'alert');
    line.appendChild(label(el('span'), 'failed'));
    var retry = label(el('button'), 'retry');
    retry.type = 'button';
    retry.addEventListener('click', function () {
      line.remove();
      box.classList.remove('failed');
      box.classList.add('pending');
      item.pressed = null;
      queue.push(item); // the same id: if the first try did land, it is not processed twice
      pump();
    });
    line.appendChild(retry);
    box.appendChild(line);
    scrollToEnd();
  }

  // ---- receiving: history, then the event stream ----

  var source = null;
  var connecting = false;
  var reconnectTimer = null;
  var reconnectDelay = 1000;
  var statusTimer = null;

  function query() {
    return '?session=' + encodeURIComponent(session) + '&after=' + lastSeq;
  }

  async function loadHistory() {
    var res = await fetch(api + 'messages' + query(), {
      headers: { 'Accept': 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store'
    });
    if (!res.ok) throw new Error('history: HTTP ' + res.status);
    var body = await res.json();
    showAll(body && Array.isArray(body.messages) ? body.messages : []);
  }

  function setLost(lost) {
    if (!lost) {
      clearTimeout(statusTimer);
      statusTimer = null;
      statusBar.hidden = true;
      statusBar.removeAttribute('data-i18n');
      statusBar.textContent = '';
      return;
    }
    if (statusTimer || !statusBar.hidden) return;
    statusTimer = setTimeout(function () {
      statusTimer = null;
      label(statusBar, 'connectionLost');
      statusBar.hidden = false;
    }, STATUS_DELAY);
  }

  // connect loads what was missed since lastSeq, then listens from there.
  // EventSource would reconnect by itself, but with the after= it was
  // opened with; closing it and opening a new one keeps the cursor right.
  async function connect() {
    if (connecting) return;
    connecting = true;
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (source) {
      source.close();
      source = null;
    }
    try {
      await loadHistory();
    } catch (e) {
      connecting = false;
      reconnect();
      return;
    }
    var es = new EventSource(api + 'events' + query());
    source = es;
    es.addEventListener('message', function (ev) {
      var entry;
      try {
        entry = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      show(entry);
    });
    es.addEventListener('open', function () {
      reconnectDelay = 1000;
      setLost(false);
    });
    es.addEventListener('error', function () {
      if (source !== es) return;
      es.close();
      source = null;
      reconnect();
    });
    connecting = false;
  }

  function reconnect() {
    setLost(true);
    if (reconnectTimer) return;
    reconnectTimer = setTimeout(connect, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX);
  }

  function reconnectNow() {
    if (source && source.readyState !== EventSource.CLOSED) return;
    reconnectDelay = 1000;
    connect();
  }

  // ---- wiring ----

  function resize() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight + 2, 140) + 'px';
  }

  function updateSend() {
    sendButton.disabled = input.value.trim() === '';
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = ''; // cleared at once, so a second press finds nothing to send
    resize();
    updateSend();
    send(text, '', null);
    input.focus();
  });

  // Enter sends, Shift+Enter breaks the line; Enter that confirms an IME
  // composition (pinyin, for one) only confirms it. Browsers insert nothing
  // after a cancelled keydown, but synthetic key events (automation, some
  // virtual keyboards) may still deliver the line break: it is dropped until
  // the key comes up.
  var enterSent = false;
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      enterSent = true;
      if (typeof form.requestSubmit === 'function') form.requestSubmit();
      else form.dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });
  input.addEventListener('beforeinput', function (ev) {
    if (enterSent && (ev.inputType === 'insertLineBreak' || ev.inputType === 'insertParagraph' ||
        (ev.inputType === 'insertText' && /^[\r\n]+$/.test(ev.data || '')))) {
      ev.preventDefault();
    }
  });
  input.addEventListener('keyup', function (ev) {
    if (ev.key === 'Enter') enterSent = false;
  });

  input.addEventListener('input', function () {
    resize();
    updateSend();
  });

  picker.addEventListener('change', function () {
    locale = picker.value;
    store.setItem('concierge.locale.' + bot, locale);
    applyLocale();
  });

  window.addEventListener('online', reconnectNow);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') reconnectNow();
  });

  applyLocale();
  updateSend();
  connect().then(scrollToEnd);
})();
