/* Helpdesk web chat page: vanilla JS, no build step, no external requests.
 *
 * Bot text is always set with textContent (never innerHTML): it may contain anything a person typed
 * into a ticket. Messages the person sends are shown at once and matched to the server's copy by
 * client_msg_id, so a resend after a lost answer never shows twice.
 *
 * Two modes (data-mode on <body>). "widget": the server decides whose chat this is (the visitor's session
 * cookie, or the signed-in staff member), so the page sends no chat_id at all. "demo": an identity picker,
 * and the page names the chat it speaks for.
 */
(function () {
  "use strict";

  var body = document.body;
  var BOT = body.dataset.bot;
  var API = body.dataset.api;
  var POLL_TIMEOUT_MS = (parseFloat(body.dataset.pollTimeout) || 25) * 1000;
  var MAX_PHOTO_BYTES = parseInt(body.dataset.maxUpload, 10) || 10 * 1024 * 1024;
  var STORE = "helpdesk.webchat." + BOT + ".";
  var VISITOR = "__visitor__";
  var WIDGET = body.dataset.mode === "widget";
  var LOGIN_URL = body.dataset.loginUrl || "";
  var BLOCKED_S = parseInt(body.dataset.blocked, 10) || 0;

  // The page's words in English and Russian, from the chats' catalogue (bots/webchat/pages.py, page_texts).
  var CATALOGUE = JSON.parse(document.getElementById("hd-texts").textContent);

  var el = {
    messages: document.getElementById("messages"),
    empty: document.getElementById("empty-notice"),
    status: document.getElementById("status"),
    statusText: document.getElementById("status-text"),
    identity: document.getElementById("identity"),
    form: document.getElementById("composer"),
    text: document.getElementById("text"),
    send: document.getElementById("send"),
    attach: document.getElementById("attach"),
    locate: document.getElementById("locate"),
    photo: document.getElementById("photo"),
    heading: document.querySelector(".brand h1"),
    whoLabel: document.getElementById("who-label"),
    langGroup: document.querySelector(".lang"),
    logo: document.querySelector(".brand .logo"),
    langHint: document.getElementById("lang-hint")
  };

  var state = {
    lang: load("lang") || ((navigator.language || "en").toLowerCase().indexOf("ru") === 0 ? "ru" : "en"),
    chatId: null,
    after: 0,
    epoch: null,
    gen: 0,
    poll: null,
    seen: {},
    pending: {},
    identities: [],
    identitiesFailed: false,
    fatal: null,
    queue: Promise.resolve(),
    status: "connecting"
  };

  // ---- small helpers --------------------------------------------------------------------------

  function t(key) { return (CATALOGUE[state.lang] || CATALOGUE.en)[key]; }
  function load(key) { try { return localStorage.getItem(STORE + key); } catch (e) { return null; } }
  function save(key, value) { try { localStorage.setItem(STORE + key, value); } catch (e) { /* private mode */ } }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function randomId(prefix) {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return prefix + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function visitorId() {
    var id = load("visitor");
    if (!id) { id = randomId("v-"); save("visitor", id); }
    return id;
  }

  function make(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // An inline pin icon rather than an emoji: not every machine has a colour emoji font.
  function pinIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "pin");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M12 2a7 7 0 0 0-7 7c0 5.25 7 13 7 13s7-7.75 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z");
    svg.appendChild(path);
    return svg;
  }

  function timeOf(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) d = new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function safeUrl(url) {
    return typeof url === "string" && /^(https?:\/\/|\/webchat\/files\/)/.test(url) ? url : null;
  }

  // A picture may also come inline (a report chart): only raster images, never SVG or other data.
  function safeImageUrl(url) {
    if (typeof url === "string" && /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+\/=]+$/.test(url)) return url;
    return safeUrl(url);
  }

  function nearBottom() {
    var m = el.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 120;
  }

  // Scrolling is smooth, so right after the page scrolled itself the view is still on its way down and
  // "near the bottom" says no: until then the reader counts as following the conversation.
  var autoScrolledUntil = 0;

  function following() {
    return nearBottom() || Date.now() < autoScrolledUntil;
  }

  function scrollTo(top) {
    autoScrolledUntil = Date.now() + 1500;
    el.messages.scrollTop = top;
  }

  function scrollDown(force) {
    if (force || following()) scrollTo(el.messages.scrollHeight);
  }

  function setStatus(s) {
    state.status = s;
    el.status.dataset.state = s;
    el.statusText.textContent = t(s);
  }

  function showNotice(text, isError) {
    var n = make("div", "notice" + (isError ? " error" : ""), text);
    el.messages.appendChild(n);
    scrollDown(true);
    if (isError) setTimeout(function () { n.remove(); }, 8000);
  }

  // ---- language -------------------------------------------------------------------------------

  function applyLang() {
    document.documentElement.lang = state.lang;
    // The heading and the tab's title speak the chat's language too, not only the messages.
    document.title = t("title" + BOT);
    el.heading.textContent = t("title" + BOT);
    el.logo.textContent = t("logo" + BOT).charAt(0);
    if (el.langHint) el.langHint.textContent = t("langHint");
    if (el.whoLabel) el.whoLabel.textContent = t("chatAs");
    el.langGroup.setAttribute("aria-label", t("language"));
    document.querySelectorAll(".lang-btn").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    });
    el.text.placeholder = t("placeholder");
    el.attach.title = t("attach"); el.attach.setAttribute("aria-label", t("attach"));
    el.locate.title = t("locate"); el.locate.setAttribute("aria-label", t("locate"));
    el.send.setAttribute("aria-label", t("send"));
    el.statusText.textContent = t(state.status);
    fillIdentities();
    updateEmpty();
  }

  // A problem that stops the chat until the person acts (reloads, waits, signs in): [key, seconds].
  function fatalText() {
    return state.fatal ? t(state.fatal[0]).replace("{s}", String(state.fatal[1] || "")) : "";
  }

  function updateEmpty() {
    var text = "";
    var isError = state.identitiesFailed || !!state.fatal;
    if (state.fatal) text = fatalText();
    else if (state.identitiesFailed) text = t("identitiesFailed");
    else if (!WIDGET && BOT === "staff" && !state.identities.length) text = t("noStaff");
    else if (!state.chatId) text = t("noIdentity");
    else if (!el.messages.querySelector(".msg")) text = BOT === "staff" ? t("emptyStaff") : t("emptyClient");
    el.empty.textContent = text;
    el.empty.classList.toggle("error", isError);
  }

  function stopChat(key, seconds) {
    state.fatal = [key, seconds];
    state.gen += 1;
    if (state.poll) state.poll.abort();
    [el.text, el.send, el.attach, el.locate].forEach(function (c) { c.disabled = true; });
    setStatus("stopped"); // not "reconnecting": the page waits for the person (reload, sign in)
    updateEmpty();
  }

  function retryAfter(r) {
    return Math.max(1, parseInt(r.headers.get("Retry-After"), 10) || 5);
  }

  // The query or form field that names the chat: only the demo names it; a widget's chat is the session's.
  function chatQuery() {
    return WIDGET ? "" : "chat_id=" + encodeURIComponent(state.chatId) + "&";
  }

  // ---- identity picker ------------------------------------------------------------------------

  function fillIdentities() {
    var sel = el.identity;
    if (!sel) return; // widget mode: no picker
    var current = load("identity");
    sel.textContent = "";
    if (BOT === "staff") {
      var placeholder = make("option", null, t("chooseEngineer"));
      placeholder.value = "";
      placeholder.disabled = true;
      sel.appendChild(placeholder);
    } else {
      var visitor = make("option", null, t("newVisitor"));
      visitor.value = VISITOR;
      sel.appendChild(visitor);
    }
    state.identities.forEach(function (item) {
      // A staff member's role in the page's language ("Ольга Соколова (руководитель)"), not the code.
      var role = item.role ? (t("role_" + item.role) || item.role) : "";
      var opt = make("option", null, role ? item.label + " (" + role + ")" : item.label);
      opt.value = item.id;
      sel.appendChild(opt);
    });
    var values = Array.prototype.map.call(sel.options, function (o) { return o.value; });
    if (current && values.indexOf(current) >= 0) sel.value = current;
    else if (BOT === "client") sel.value = VISITOR;
    else sel.value = state.identities.length ? state.identities[0].id : "";
  }

  function chatIdFromPicker() {
    if (WIDGET) return body.dataset.chatId || null;
    var v = el.identity.value;
    if (v === VISITOR) return visitorId();
    return v || null;
  }

  async function loadIdentities() {
    for (var attempt = 0; attempt < 5; attempt++) {
      try {
        var r = await fetch(API + "/identities", { headers: { Accept: "application/json" } });
        if (r.ok) {
          var data = await r.json();
          state.identities = (data.identities || []).filter(function (i) { return i && i.id; });
          state.identitiesFailed = false;
          return;
        }
      } catch (e) { /* the server may be starting; try again */ }
      await sleep(1000 * (attempt + 1));
    }
    state.identitiesFailed = true;
  }

  function switchChat() {
    var chatId = chatIdFromPicker();
    if (el.identity && el.identity.value) save("identity", el.identity.value);
    state.gen += 1;
    if (state.poll) state.poll.abort();
    state.chatId = chatId;
    state.after = 0;
    state.epoch = null;
    state.seen = {};
    state.pending = {};
    el.messages.querySelectorAll(".msg, .notice:not(#empty-notice)").forEach(function (n) { n.remove(); });
    var enabled = !!chatId;
    [el.text, el.send, el.attach, el.locate].forEach(function (c) { c.disabled = !enabled; });
    updateEmpty();
    if (chatId) pollLoop(state.gen);
  }

  // ---- rendering ------------------------------------------------------------------------------

  function renderMedia(bubble, media) {
    (media || []).forEach(function (m) {
      var url = m.kind === "photo" ? safeImageUrl(m.url) : safeUrl(m.url);
      if (url && m.kind === "photo") {
        var img = make("img");
        img.src = url;
        img.alt = m.caption || t("photo");
        img.loading = "lazy";
        // An inline image is one the bot drew (a report chart): shown as wide as the chat allows so that its
        // labels can be read, and opened at full size in the page (a browser will not open a data: URL).
        var drawn = url.indexOf("data:") === 0;
        if (drawn) img.className = "figure";
        img.addEventListener("click", function () {
          if (drawn) showFull(url, img.alt);
          else window.open(url, "_blank", "noopener");
        });
        img.addEventListener("load", function () { scrollDown(false); });
        bubble.appendChild(img);
      } else if (url) {
        var a = make("a", null, (m.caption || t("file")) + "\n");
        a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
        bubble.appendChild(a);
      } else {
        bubble.appendChild(document.createTextNode("[" + (m.kind === "photo" ? t("photo") : t("file")) + "]\n"));
      }
    });
  }

  // A picture at its full size over the page, scrolled when larger than the window; a click or Escape closes it.
  function showFull(url, alt) {
    var box = make("div", "lightbox");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", alt);
    var img = make("img");
    img.src = url;
    img.alt = alt;
    box.appendChild(img);
    function close() {
      box.remove();
      document.removeEventListener("keydown", onKey);
    }
    function onKey(e) { if (e.key === "Escape") close(); }
    box.addEventListener("click", close);
    document.addEventListener("keydown", onKey);
    document.body.appendChild(box);
  }

  function renderButtons(wrap, rows, requestLocation) {
    var all = (rows || []).slice();
    if (requestLocation) all.push([{ text: t("shareLocation"), action: "location" }]);
    if (!all.length) return;
    var box = make("div", "buttons");
    all.forEach(function (row) {
      var line = make("div", "button-row");
      row.forEach(function (b) {
        var url = safeUrl(b.url);
        var chip;
        if (url) {
          chip = make("a", "chip", b.text);
          chip.href = url; chip.target = "_blank"; chip.rel = "noopener noreferrer";
        } else {
          chip = make("button", "chip", b.text);
          chip.type = "button";
          if (b.action === "location") {
            chip.insertBefore(pinIcon(), chip.firstChild);
            chip.classList.add("locate");
          }
          chip.addEventListener("click", function () {
            if (b.action === "location") shareLocation(chip);
            else if (b.payload) pressButton(box, chip, b);
          });
        }
        line.appendChild(chip);
      });
      box.appendChild(line);
    });
    wrap.appendChild(box);
  }

  function addBubble(who, text, opts) {
    opts = opts || {};
    // A location asked for belongs to its question: once the bot says something else, its button is spent
    // (as Telegram's one-time keyboard), on the first visit and after a reload alike.
    if (who === "bot" && !opts.replace) spendLocationChips();
    var wrap = make("div", "msg " + who);
    var bubble = make("div", "bubble");
    renderMedia(bubble, opts.media);
    if (bubble.querySelector("img.figure")) wrap.classList.add("wide");
    if (opts.location) {
      bubble.appendChild(pinIcon());
      bubble.appendChild(document.createTextNode(t("location") + ": " +
        Number(opts.location.lat).toFixed(5) + ", " + Number(opts.location.lon).toFixed(5)));
    }
    if (opts.rich && opts.rich.length) renderRich(bubble, opts.rich);
    else if (text) bubble.appendChild(document.createTextNode(text));
    wrap.appendChild(bubble);
    if (who === "bot") renderButtons(wrap, opts.buttons, opts.requestLocation);
    var meta = make("div", "meta", opts.meta || timeOf(opts.at));
    wrap.appendChild(meta);
    if (opts.card) wrap.dataset.card = opts.card;
    // Whether the reader was following the conversation is known only before the bubble adds its height.
    // A live card brought up to date moves to the end of the conversation and into view: where it was first
    // posted may be far above by now, with its buttons off screen (Telegram edits it where it is instead).
    var follow = who === "user" || !!opts.replace || following();
    if (opts.replace) opts.replace.remove();
    el.messages.appendChild(wrap);
    updateEmpty();
    if (follow) showNewest(wrap);
    return wrap;
  }

  // Bring a new bubble into view: the end of the conversation, or the start of a reply taller than the view
  // (so it is read from its first line, not its last).
  function showNewest(wrap) {
    var m = el.messages;
    var top = wrap.offsetTop - m.offsetTop;
    if (wrap.offsetHeight > m.clientHeight - 16) {
      // Read from its first line: what comes right after (its "Did this help?") must not pull the view on.
      m.scrollTop = Math.max(0, top - 8);
      autoScrolledUntil = 0;
    } else {
      scrollTo(m.scrollHeight);
    }
  }

  // A KB article: lines of styled spans, built with DOM calls (text is never parsed as HTML).
  function renderRich(bubble, lines) {
    lines.forEach(function (spans, index) {
      if (index > 0) bubble.appendChild(document.createTextNode("\n"));
      (spans || []).forEach(function (s) {
        var node = document.createTextNode(String(s.t || ""));
        if (s.c) { var code = make("code"); code.appendChild(node); node = code; }
        if (s.i) { var em = make("em"); em.appendChild(node); node = em; }
        if (s.b) { var strong = make("strong"); strong.appendChild(node); node = strong; }
        var href = safeUrl(s.h);
        if (href && /^https?:/.test(href)) {
          var a = make("a"); a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
          a.appendChild(node); node = a;
        }
        bubble.appendChild(node);
      });
    });
  }

  function renderMessage(m) {
    if (state.seen[m.seq]) return;
    state.seen[m.seq] = true;
    if (m.from === "user") {
      var mine = m.client_msg_id && state.pending[m.client_msg_id];
      if (mine) return; // already on screen since it was sent
      addBubble("user", m.text, { media: m.media, location: m.location, at: m.at });
      return;
    }
    var cards = m.card ? cardsNamed(m.card) : [];
    if (m.card && m.card_new) cards.forEach(retireCard);
    addBubble("bot", m.text, {
      media: m.media, buttons: m.buttons, requestLocation: m.request_location, at: m.at, rich: m.rich,
      card: m.card, replace: m.card && !m.card_new && cards.length ? cards[cards.length - 1] : null
    });
  }

  // A job's live card (one per job, named by the server): later messages of the same name replace it.
  function cardsNamed(name) {
    return Array.prototype.filter.call(el.messages.querySelectorAll(".msg.bot[data-card]"), function (w) {
      return w.dataset.card === name;
    });
  }

  // An older card of a job that was posted again: its action buttons go (a map link stays).
  function retireCard(wrap) {
    wrap.querySelectorAll("button.chip").forEach(function (c) { c.remove(); });
    delete wrap.dataset.card;
  }

  // ---- long poll ------------------------------------------------------------------------------

  async function pollLoop(gen) {
    var backoff = 1000;
    // The first request answers at once (history so far, and "online"); the following ones wait.
    var quick = true;
    while (gen === state.gen) {
      var ctrl = new AbortController();
      state.poll = ctrl;
      var timer = setTimeout(function () { ctrl.abort(); }, POLL_TIMEOUT_MS + 15000);
      try {
        var url = API + "/messages?" + chatQuery() + "after=" + state.after + (quick ? "&wait=0" : "");
        var r = await fetch(url, { signal: ctrl.signal, headers: { Accept: "application/json" } });
        if (r.status === 401 || r.status === 403) { refused(r.status); return; }
        if (r.status === 429) {
          clearTimeout(timer);
          await sleep(retryAfter(r) * 1000);
          continue;
        }
        if (!r.ok) throw new Error("HTTP " + r.status);
        var data = await r.json();
        if (gen !== state.gen) return;
        setStatus("online");
        backoff = 1000;
        quick = false;
        if (state.epoch && data.epoch && data.epoch !== state.epoch) {
          // The server restarted with an empty history: numbering began again, so read it from the start.
          state.epoch = data.epoch;
          state.after = 0;
          state.seen = {};
          continue;
        }
        state.epoch = data.epoch || state.epoch;
        (data.messages || []).forEach(function (m) {
          renderMessage(m);
          if (m.seq > state.after) state.after = m.seq;
        });
      } catch (e) {
        if (gen !== state.gen) return;
        setStatus("offline");
        quick = true;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 15000);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  // ---- sending --------------------------------------------------------------------------------

  // One message at a time, in order: the engine must see them in the order they were typed.
  function enqueue(job) {
    state.queue = state.queue.then(job, job);
    return state.queue;
  }

  // No session (401) or another chat's (403): nothing on this page can work until it is reloaded, or a staff
  // member signs in again.
  function refused(status) {
    if (status === 401 && BOT === "staff" && WIDGET && LOGIN_URL) {
      stopChat("signedOut");
      window.location.assign(LOGIN_URL);
      return;
    }
    stopChat("sessionEnded");
  }

  async function post(path, init) {
    var last = null;
    for (var attempt = 0; attempt < 4; attempt++) {
      try {
        var r = await fetch(API + path, init());
        if (r.ok) return null;
        if (r.status === 401 || r.status === 403) { refused(r.status); return t(state.fatal[0]); }
        // Said in the page's language with the wait the server gives; resending at once cannot help.
        if (r.status === 429) return t("tooFast").replace("{s}", String(retryAfter(r)));
        var data = {};
        try { data = await r.json(); } catch (e) { /* not JSON */ }
        last = data.error || ("HTTP " + r.status);
        if (r.status < 500) return last; // our request was wrong: resending cannot help
      } catch (e) {
        last = String(e && e.message || e);
      }
      await sleep(800 * Math.pow(2, attempt));
    }
    return last;
  }

  function deliver(wrap, path, init, onFail, onSent) {
    var meta = wrap.querySelector(".meta");
    meta.textContent = t("sending");
    wrap.classList.remove("failed");
    return enqueue(async function () {
      var error = await post(path, init);
      if (!error) { meta.textContent = timeOf(); if (onSent) onSent(); return; }
      wrap.classList.add("failed");
      meta.textContent = t("notSent");
      meta.title = error;
      showNotice(error, true);
      if (onFail) onFail();
      meta.onclick = function () { meta.onclick = null; deliver(wrap, path, init, onFail, onSent); };
    });
  }

  function sendJson(fields, echo) {
    if (!state.chatId) return;
    var id = randomId("m");
    var payload = Object.assign({ client_msg_id: id, lang: state.lang }, fields);
    if (!WIDGET) payload.chat_id = state.chatId;
    state.pending[id] = true;
    var wrap = addBubble("user", echo.text, { location: echo.location, meta: t("sending") });
    var json = JSON.stringify(payload);
    return deliver(wrap, "/send", function () {
      return { method: "POST", headers: { "Content-Type": "application/json" }, body: json };
    }, echo.onFail, echo.onSent);
  }

  function sendText() {
    var text = el.text.value.trim();
    if (!text) return;
    el.text.value = "";
    autoGrow();
    sendJson({ text: text }, { text: text });
  }

  function pressButton(box, chip, b) {
    box.querySelectorAll("button.chip").forEach(function (c) { c.disabled = true; });
    chip.classList.add("pressed");
    function live() {
      chip.classList.remove("pressed");
      box.querySelectorAll("button.chip").forEach(function (c) { c.disabled = false; });
    }
    // A job's live card stays usable after a press (the server replaces it when the job's state changes);
    // any other message's buttons are spent once one of them is pressed.
    var card = box.parentNode && box.parentNode.dataset ? box.parentNode.dataset.card : null;
    sendJson({ payload: b.payload, label: b.text }, { text: b.text, onFail: live, onSent: card ? live : null });
  }

  function spendLocationChips() {
    el.messages.querySelectorAll("button.chip.locate").forEach(function (c) { c.disabled = true; });
  }

  // `chip`: the message's "Share location" button, spent once a location is sent (live again if it fails).
  function shareLocation(chip) {
    if (!state.chatId) return;
    if (!navigator.geolocation) { showNotice(t("noGeo"), true); return; }
    if (chip) chip.disabled = true;
    function live() { if (chip) chip.disabled = false; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      var loc = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      spendLocationChips();
      sendJson({ location: loc }, { location: loc, onFail: live });
    }, function (err) {
      live();
      showNotice(t("geoFailed") + (err && err.message ? err.message : ""), true);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function sendPhoto(file) {
    if (!state.chatId || !file) return;
    if (!/^image\/(jpeg|png|gif|webp)$/.test(file.type)) { showNotice(t("notImage"), true); return; }
    if (file.size > MAX_PHOTO_BYTES) { showNotice(t("tooBig").replace("{mb}", String(Math.floor(MAX_PHOTO_BYTES / 1048576))), true); return; }
    var id = randomId("m");
    state.pending[id] = true;
    var local = URL.createObjectURL(file);
    var wrap = addBubble("user", "", { meta: t("sending") });
    var bubble = wrap.querySelector(".bubble");
    var img = make("img");
    img.src = local; img.alt = t("photo");
    img.addEventListener("load", function () { scrollDown(true); });
    bubble.appendChild(img);
    var chatId = state.chatId, lang = state.lang;
    deliver(wrap, "/upload", function () {
      var form = new FormData();
      if (!WIDGET) form.append("chat_id", chatId);
      form.append("client_msg_id", id);
      form.append("lang", lang);
      form.append("photo", file, file.name || "photo");
      return { method: "POST", body: form };
    });
  }

  function autoGrow() {
    el.text.style.height = "auto";
    el.text.style.height = Math.min(el.text.scrollHeight, 140) + "px";
  }

  // ---- wiring ---------------------------------------------------------------------------------

  el.form.addEventListener("submit", function (e) { e.preventDefault(); sendText(); });
  el.text.addEventListener("keydown", function (e) {
    // Enter sends; Shift+Enter makes a new line; an IME composition is not finished yet.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendText(); }
  });
  el.text.addEventListener("input", autoGrow);
  el.attach.addEventListener("click", function () { el.photo.click(); });
  el.photo.addEventListener("change", function () {
    var file = el.photo.files && el.photo.files[0];
    el.photo.value = "";
    sendPhoto(file);
  });
  el.locate.addEventListener("click", function () { shareLocation(null); });
  if (el.identity) el.identity.addEventListener("change", switchChat);
  document.querySelectorAll(".lang-btn").forEach(function (b) {
    b.addEventListener("click", function () {
      state.lang = b.dataset.lang;
      save("lang", state.lang);
      var selected = el.identity ? el.identity.value : "";
      applyLang();
      if (selected) el.identity.value = selected;
    });
  });

  (async function start() {
    setStatus("connecting");
    applyLang();
    if (BLOCKED_S) {
      // No session could be given out (too many new chats from this network): say how long to wait.
      stopChat("tooManyChats", BLOCKED_S);
      return;
    }
    if (!WIDGET) {
      await loadIdentities();
      fillIdentities();
    }
    switchChat();
    scannedSticker();
    el.text.focus();
  })();

  // A scanned equipment sticker opens this page with ?eq=<code>: the chat starts the report about that unit
  // (the bot reads `eq-<code>`, docs/equipment.md). The parameter is dropped so a reload does not send it again.
  function scannedSticker() {
    var code = new URLSearchParams(window.location.search).get("eq");
    if (!code || !/^[A-Za-z0-9_-]{12}$/.test(code) || !state.chatId) return;
    sendJson({ text: "/start eq-" + code }, { text: t("scanned") });
    var params = new URLSearchParams(window.location.search);
    params.delete("eq");
    var rest = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
  }
})();
