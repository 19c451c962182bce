/* Sigap live chat widget. One tag on any page:
 *   <script src="https://sigap.example/static/livechat/widget.js" data-sigap-chat></script>
 * No framework. The conversation survives reloads and reconnects: the signed token and the
 * messages not yet acknowledged live in localStorage, a reconnect resumes after the last
 * server id the page has shown (a new page load from the beginning); every
 * message carries a client id, so a resend is stored once. Protocol: livechat/consumers.py.
 * The token only names the chat: the server also wants this browser's HttpOnly cookie
 * (set on the socket's handshake), so the token alone opens nothing elsewhere. The email
 * typed in the form is unverified until the visitor enters the code mailed to it
 * ("Kirim kode"; livechat/views.py code_send, code_check).
 *
 * Per page, on the script tag (defaults from the brand and the settings, SIGAP_CHAT_*):
 *   data-lang="en"   the language (else the page's <html lang>; Indonesian otherwise)
 *   data-brand="kode" the brand the chats' tickets belong to (else the default brand);
 *                    its name, colour and greeting are the widget's defaults
 *   data-name="…"    the title; data-color="#1a73e8" its colour; data-greeting="…"
 *                    (each overrides the brand's)
 * The strings come from /chat/widget/?lang=… (Django's gettext, livechat/widget.py); the
 * language also goes with the start, the resume and the forms, so the server's messages
 * (the bot, notices, errors) are said in it.
 * The chatbot's replies carry a card (livechat BotCard): a short text, the article as a
 * link ("Baca selengkapnya") and quick-reply buttons; "Bicara dengan petugas" stays in
 * view while the bot has the chat.
 * While the visitor writes their question, help-centre articles that may answer it are
 * suggested (/bantuan/saran/, kb/views_public.py); the start form has a token (``form``,
 * kept over reloads) that its links carry, so an opened article is noted, and the chat
 * started from that form uses it as its start id, so the server knows it was filed after
 * all (the dashboard's deflection figure, kb/feedback.py). Once the chat starts (the
 * visitor talks to the bot or an agent) the suggestions go, and a late answer is dropped.
 * A screen reader hears how many were found (a status line), not the list at each keystroke;
 * past the server's limit (429) the line says so, in the page's language.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-sigap-chat]");
  if (!script || window.SigapChat) return;
  window.SigapChat = {loading: true};  // one widget per page, even before it is built
  var origin = new URL(script.src, location.href).origin;
  var WS_URL = origin.replace(/^http/, "ws") + "/ws/livechat/";
  var KEY = "sigap-chat:" + origin;
  var data = script.dataset || {};
  var pageLang = (data.lang || document.documentElement.lang || "id").toLowerCase();
  var LANG = pageLang.indexOf("en") === 0 ? "en" : "id";
  var BRAND = String(data.brand || "").slice(0, 50);
  var BRAND_Q = BRAND ? "&brand=" + encodeURIComponent(BRAND) : "";  // its look, its articles
  var STRINGS = {};
  function t(s) { return STRINGS[s] || s; }
  function fmt(s, args) { var i = 0; return t(s).replace(/%s/g, function () { return String(args[i++]); }); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function hexColor(v) { return /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(v || "") ? v : ""; }
  // White or near-black text on the brand colour, whichever contrasts more (WCAG).
  function inkOn(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h.replace(/./g, "$&$&");
    var lum = [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var L = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return (1.05 / (L + 0.05)) >= ((L + 0.05) / 0.0623) ? "#fff" : "#1d1d1d";
  }

  function load() {
    try {
      var s = JSON.parse(localStorage.getItem(KEY) || "{}");
      return {token: s.token || "", pending: s.pending || [], start: s.start || null, open: !!s.open, form: s.form || ""};
    } catch (e) {
      return {token: "", pending: [], start: null, open: false, form: ""};
    }
  }
  var store = load();
  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) { /* private mode */ }
  }
  function newId() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function main(cfg) {
  STRINGS = cfg.strings || {};
  var COLOR = hexColor(data.color) || hexColor(cfg.color) || "#0b6e4f";
  var INK = inkOn(COLOR);
  var NAME = data.name || cfg.name || t("Live chat");
  var GREETING = data.greeting || cfg.greeting || t("Halo! Isi data berikut agar kami dapat membalas Anda.");
  var CSS = [
    ":host{all:initial;--c:" + COLOR + ";--ink:" + INK + "}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:var(--c);color:var(--ink);border:0;border-radius:24px;padding:12px 18px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.25)}",
    ".panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:340px;max-width:calc(100vw - 40px);height:480px;max-height:calc(100vh - 100px);background:#fff;color:#1d1d1d;border-radius:10px;box-shadow:0 4px 24px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}",
    ".panel[hidden],[hidden]{display:none!important}",
    ".proposal-card{display:flex;gap:8px;margin-top:6px}.proposal-card a{padding:6px 10px;border-radius:6px;border:1px solid #0b6e4f;color:#0b6e4f;text-decoration:none}.proposal-card a.accept{background:#0b6e4f;color:#fff}",
    "header{background:var(--c);color:var(--ink);padding:10px 12px;display:flex;align-items:center;gap:8px}",
    "header .t{flex:1}header h2{display:block;color:var(--ink);margin:0;font-size:15px;font-weight:700}header .sub{font-size:12px;color:var(--ink)}",
    "header button{background:transparent;color:var(--ink);border:0;font-size:20px;cursor:pointer;min-width:32px;min-height:32px}",
    ":focus-visible{outline:3px solid #1d1d1d;outline-offset:2px;box-shadow:0 0 0 5px #fff}",
    ".notice{background:#fff7d6;color:#4a3b00;padding:8px 12px;font-size:13px}",
    "form.prechat{padding:12px;overflow:auto;display:flex;flex-direction:column;gap:8px}",
    "label{display:flex;flex-direction:column;gap:2px;color:#333}",
    "input,textarea{border:1px solid #888;border-radius:6px;padding:6px 8px;color:#1d1d1d;background:#fff;width:100%}",
    "button.primary{background:var(--c);color:var(--ink);border:0;border-radius:6px;padding:8px 12px;cursor:pointer}",
    ".bot-more{display:inline-block;margin-top:4px;color:#0b5394}",
    ".quick{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}.quick button{background:#fff;color:#1d1d1d;border:1px solid var(--c);border-radius:14px;padding:4px 10px;cursor:pointer}",
    ".quick button:disabled{opacity:.6;cursor:default}",
    ".human{margin:0 8px 6px;align-self:flex-start;background:#fff;color:#1d1d1d;border:1px solid #555;border-radius:14px;padding:4px 12px;cursor:pointer}",
    ".err{color:#a00000;margin:0;min-height:1em}",
    ".vh{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".suggest{background:#f4f8f6;border:1px solid #cfe3d9;border-radius:6px;padding:6px 8px}.suggest h3{margin:0 0 4px;font-size:13px;font-weight:700}",
    ".suggest ul{margin:0;padding:0 0 0 16px;display:block}.suggest li{max-width:none;padding:2px 0;border-radius:0;white-space:normal}.suggest .snip{display:block;font-size:12px;color:#444}.suggest p{margin:4px 0 0;font-size:12px;color:#444}",
    ".chat{flex:1;display:flex;flex-direction:column;min-height:0}",
    "ol{list-style:none;margin:0;padding:10px;flex:1;overflow:auto;display:flex;flex-direction:column;gap:6px}",
    "li{max-width:85%;padding:6px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}",
    "li.visitor{align-self:flex-end;background:#dff3ea}li.agent{align-self:flex-start;background:#eef0f3}",
    "li.system{align-self:center;background:#fff7d6;font-size:13px}",
    "li.system.bot{align-self:flex-start;background:#eef0f3;font-size:14px}",
    "li .who{display:block;font-size:12px;font-weight:600;color:#444}li .st{display:block;font-size:11px;color:#555;text-align:right}",
    "li.failed{outline:1px solid #a00000}",
    ".typing{margin:0 10px 4px;font-size:12px;color:#555;font-style:italic}",
    "form.compose{display:flex;gap:6px;padding:8px;border-top:1px solid #ddd}",
    "form.compose textarea{flex:1;resize:none}",
    ".attach{background:#fff;border:1px solid #888;border-radius:6px;cursor:pointer;padding:0 8px}",
    "li a{color:#0b5394;display:block}li a.bot-more{display:inline-block}",
    ".foot{display:flex;justify-content:space-between;align-items:center;padding:0 8px 8px}",
    ".link{background:none;border:0;color:#0b5394;text-decoration:underline;cursor:pointer;padding:0;font-size:12px}",
    ".ended{padding:8px 12px;background:#f3f3f3}",
    ".verify{background:#eef6fb;color:#1d1d1d;padding:8px 12px;font-size:13px;display:flex;flex-direction:column;gap:6px}",
    ".verify p{margin:0}.verify form{display:flex;gap:6px;align-items:flex-end}.verify label{flex:1}"
  ].join("\n");

  var HTML =
    '<button type="button" class="launcher" aria-expanded="false" aria-controls="sigap-chat-panel">' + esc(t("Chat dengan kami")) + '</button>' +
    '<section class="panel" id="sigap-chat-panel" role="dialog" aria-labelledby="sigap-chat-title" hidden>' +
    '<header><div class="t"><h2 id="sigap-chat-title">' + esc(NAME) + '</h2><span class="sub" data-sub role="status">' + esc(t("Kami siap membantu")) + '</span></div>' +
    '<button type="button" class="close" aria-label="' + esc(t("Tutup")) + '">×</button></header>' +
    '<div class="notice" data-notice role="status" hidden></div>' +
    '<form class="prechat" novalidate>' +
    '<p>' + esc(GREETING) + '</p>' +
    '<label>' + esc(t("Nama")) + '<input name="name" autocomplete="name" required></label>' +
    '<label>' + esc(t("Email")) + '<input name="email" type="email" autocomplete="email"></label>' +
    '<label>' + esc(t("Nomor HP")) + '<input name="phone" type="tel" autocomplete="tel"></label>' +
    '<label>' + esc(t("Apa yang bisa kami bantu?")) + '<textarea name="body" rows="3" required></textarea></label>' +
    '<section class="suggest" data-suggest aria-labelledby="sigap-suggest-h" hidden></section>' +
    '<p class="vh" data-suggest-status role="status" aria-live="polite"></p>' +
    '<p class="err" data-err role="alert"></p>' +
    '<button type="submit" class="primary">' + esc(t("Mulai chat")) + '</button></form>' +
    '<div class="chat" hidden>' +
    '<div class="verify" data-verify hidden><p data-verify-text></p>' +
    '<button type="button" class="link" data-code-send>' + esc(t("Kirim kode")) + '</button>' +
    '<form data-code-form hidden novalidate><label>' + esc(t("Kode verifikasi")) + '<input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6"></label>' +
    '<button type="submit" class="primary">' + esc(t("Verifikasi")) + '</button></form>' +
    '<p class="err" data-verr role="alert"></p></div>' +
    '<ol data-msgs aria-live="polite" aria-label="' + esc(t("Pesan")) + '" tabindex="0"></ol>' +
    '<p class="typing" data-typing hidden>' + esc(t("Petugas sedang mengetik…")) + '</p>' +
    '<div class="ended" data-ended hidden><p>' + esc(t("Percakapan telah berakhir. Terima kasih!")) + '</p>' +
    '<div class="survey" data-survey hidden><p data-survey-q></p><p data-survey-choices></p></div>' +
    '<button type="button" class="primary" data-new>' + esc(t("Mulai percakapan baru")) + '</button></div>' +
    '<button type="button" class="human" data-human hidden>' + esc(t("Bicara dengan petugas")) + '</button>' +
    '<form class="compose"><textarea name="body" rows="2" aria-label="' + esc(t("Pesan")) + '" placeholder="' + esc(t("Tulis pesan…")) + '"></textarea>' +
    '<button type="button" class="attach" data-attach aria-label="' + esc(t("Lampirkan berkas")) + '" title="' + esc(t("Lampirkan berkas")) + '">' + esc(t("Berkas")) + '</button>' +
    '<input type="file" data-file hidden aria-label="' + esc(t("Berkas lampiran")) + '">' +
    '<button type="submit" class="primary">' + esc(t("Kirim")) + '</button></form>' +
    '<div class="foot"><span class="err" data-cerr role="alert"></span><button type="button" class="link" data-end>' + esc(t("Akhiri percakapan")) + '</button></div>' +
    "</div></section>";

  var host = document.createElement("div");
  host.setAttribute("data-sigap-chat-root", "");
  var root = host.attachShadow({mode: "open"});
  root.innerHTML = "<style>" + CSS + "</style>" + HTML;
  document.body.appendChild(host);
  function $(sel) { return root.querySelector(sel); }

  var launcher = $(".launcher"), panel = $(".panel"), prechat = $("form.prechat"), chatBox = $(".chat");
  var list = $("[data-msgs]"), compose = $("form.compose"), typingEl = $("[data-typing]");
  var ws = null, connected = false, retry = 0, retryTimer = null, typingTimer = null, typingOn = false;
  // ``last``: the highest server id this page has shown; a reconnect resumes after it, a
  // new page load (nothing shown yet) from the start of the conversation.
  var seen = {}, byCid = {}, last = 0, agentRead = 0, status = "", readSent = 0, typingHide = null;

  function setOpen(open, focus) {
    store.open = open;
    save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) markRead();
    if (!focus) return;
    // Keyboard: opening moves focus into the window (its first field), closing back.
    if (open) {
      var first = prechat.hidden ? compose.elements.body : prechat.elements.name;
      if (first && !first.disabled) first.focus();
    } else {
      launcher.focus();
    }
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden, true); });
  $(".close").addEventListener("click", function () { setOpen(false, true); });
  panel.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { ev.stopPropagation(); setOpen(false, true); }
  });

  function showChat(inChat) {
    prechat.hidden = inChat;
    chatBox.hidden = !inChat;
    if (inChat) stopSuggesting();  // the visitor now talks to the bot or an agent
  }

  function statusText(m) {
    if (!m.id) return m.failed ? t("Gagal terkirim") : t("Mengirim…");
    return m.id <= agentRead ? t("Dibaca") : t("Terkirim");
  }

  function render(m) {
    var li = document.createElement("li");
    li.className = m.from + (m.bot ? " bot" : "");
    if (m.from !== "visitor") {
      var who = document.createElement("span");
      who.className = "who";
      // the bot's name is the server's (Indonesian); said in the page's language here
      who.textContent = m.from === "system" && m.name === "Asisten Sigap" ? t("Asisten Sigap") : m.name;
      li.appendChild(who);
    }
    if (m.bot) botCard(li, m.bot);
    else if (m.body) li.appendChild(document.createTextNode(m.body));
    if (m.card) li.appendChild(proposalCard(m.card));
    (m.attachments || []).forEach(function (a) {
      var link = document.createElement("a");
      link.href = origin + a.url;
      link.textContent = fmt("Lampiran: %s (%s KB)", [a.name, Math.max(1, Math.round(a.size / 1024))]);
      link.setAttribute("download", a.name);
      li.appendChild(link);
    });
    if (m.from === "visitor") {
      var st = document.createElement("span");
      st.className = "st";
      li.appendChild(st);
    }
    li._msg = m;
    return li;
  }
  // The chatbot's reply: a short text, the article's link, quick replies (a tap sends the
  // choice's text; only the latest reply's buttons stay live).
  function botCard(li, card) {
    li.appendChild(document.createTextNode(card.text || ""));
    if (card.article) {
      li.appendChild(document.createElement("br"));
      var a = document.createElement("a");
      a.className = "bot-more";
      a.href = card.article.url; a.target = "_blank"; a.rel = "noopener";
      a.textContent = (card.article.more || t("Baca selengkapnya")) + ": " + card.article.title;
      li.appendChild(a);
    }
    if ((card.choices || []).length) {
      var box = document.createElement("div");
      box.className = "quick";
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", t("Pilihan jawaban"));
      card.choices.forEach(function (c) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = c.label;
        b.setAttribute("data-quick", "");
        b.addEventListener("click", function () {
          if (status === "ended") return;
          sendText(c.send || c.label);
        });
        box.appendChild(b);
      });
      li.appendChild(box);
    }
  }
  // Buttons of older bot replies and the "talk to a person" one follow the conversation.
  function botState() {
    var kids = list.children, latest = null, handedOver = false, hasBot = false;
    for (var i = 0; i < kids.length; i++) {
      var m = kids[i]._msg;
      if (m.bot) { hasBot = true; latest = kids[i]; if (!m.bot.human) handedOver = true; }
      else if (m.from === "agent") handedOver = true;
    }
    Array.prototype.forEach.call(list.querySelectorAll("[data-quick]"), function (b) {
      b.disabled = !latest || !latest.contains(b) || handedOver || status === "ended";
    });
    $("[data-human]").hidden = !hasBot || handedOver || status !== "waiting";
  }

  // An offered proposal: its two signed answer links (the page asks to confirm).
  function proposalCard(card) {
    var box = document.createElement("div");
    box.className = "proposal-card";
    box.setAttribute("data-proposal", String(card.proposal));
    if (card.open) {
      [["accept", t("Terima usulan")], ["reject", t("Tolak")]].forEach(function (pair) {
        var a = document.createElement("a");
        a.href = card[pair[0]]; a.target = "_blank"; a.rel = "noopener";
        a.className = pair[0]; a.textContent = pair[1];
        a.setAttribute("data-answer", pair[0]);
        box.appendChild(a);
      });
    } else {
      box.textContent = fmt("Usulan: %s", [card.status]);
    }
    return box;
  }
  function refresh(li) {
    var st = li.querySelector(".st");
    if (st) st.textContent = statusText(li._msg);
    if (li._msg.id) li.setAttribute("data-id", String(li._msg.id));
    li.classList.toggle("failed", !!li._msg.failed);
  }
  function place(li) {
    // Keep server order; messages still sending stay at the end.
    var id = li._msg.id, kids = list.children;
    if (id) {
      for (var i = 0; i < kids.length; i++) {
        var other = kids[i]._msg;
        if (!other.id || other.id > id) { list.insertBefore(li, kids[i]); return; }
      }
    }
    list.appendChild(li);
  }
  function scroll() { list.scrollTop = list.scrollHeight; }

  function addLocal(cid, body) {
    var li = render({id: 0, cid: cid, from: "visitor", name: "", body: body});
    byCid[cid] = li;
    refresh(li);
    list.appendChild(li);
    scroll();
  }

  function addMessage(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    if (m.id > last) last = m.id;
    var li = m.cid && byCid[m.cid];
    if (li && (m.attachments || []).length) {  // an upload: show the stored file's link
      li.remove();
      li = render(m);
      byCid[m.cid] = li;
    } else if (li) {
      li._msg.id = m.id;
      li._msg.failed = false;
      li.remove();
    } else {
      li = render(m);
      if (m.cid) byCid[m.cid] = li;
    }
    refresh(li);
    place(li);
    scroll();
    if (m.from !== "visitor") { typingEl.hidden = true; markRead(); }
    botState();
  }

  function markRead() {
    if (panel.hidden || document.hidden || !connected) return;
    var max = 0;
    Array.prototype.forEach.call(list.children, function (li) {
      if (li._msg.from !== "visitor" && li._msg.id > max) max = li._msg.id;
    });
    if (max > readSent) { readSent = max; send({type: "read", up_to: max}); }
  }
  document.addEventListener("visibilitychange", markRead);

  function applyState(s) {
    lastState = s;
    status = s.status;
    agentRead = s.agent_read || agentRead;
    var sub = $("[data-sub]");
    if (s.status === "active" && s.agent) sub.textContent = fmt("Anda dilayani oleh %s", [s.agent]);
    else if (s.status === "ended") sub.textContent = fmt("Percakapan berakhir · %s", [s.ticket]);
    else sub.textContent = fmt("Menunggu petugas… · %s", [s.ticket]);
    var notice = $("[data-notice]");
    notice.textContent = s.notice || "";
    notice.hidden = !s.notice;
    var ended = s.status === "ended";
    $("[data-ended]").hidden = !ended;
    compose.hidden = ended;
    $("[data-end]").hidden = ended;
    Array.prototype.forEach.call(list.children, refresh);
    showVerify(s);
    botState();
  }

  // The typed email is a claim until the visitor enters the code mailed to it.
  var verifyEl = $("[data-verify]"), codeForm = $("[data-code-form]"), codeSent = false;
  function showVerify(s) {
    verifyEl.hidden = !s.email;
    if (!s.email) return;
    if (s.verified) {
      $("[data-verify-text]").textContent = fmt("Email %s terverifikasi.", [s.email]);
      $("[data-code-send]").hidden = true;
      codeForm.hidden = true;
      $("[data-verr]").textContent = "";
      return;
    }
    $("[data-verify-text]").textContent = codeSent
      ? fmt("Kode sudah kami kirim ke %s. Masukkan 6 angka kodenya.", [s.email])
      : fmt("Email %s belum diverifikasi. Kirim kode ke email itu agar percakapan ini terhubung dengan data Anda.", [s.email]);
    $("[data-code-send]").hidden = false;
    $("[data-code-send]").textContent = codeSent ? t("Kirim ulang kode") : t("Kirim kode");
    codeForm.hidden = !codeSent;
  }
  function post(path, fields) {
    var form = new FormData();
    form.append("token", store.token);
    form.append("lang", LANG);
    Object.keys(fields).forEach(function (k) { form.append(k, fields[k]); });
    return fetch(origin + path, {method: "POST", body: form, credentials: "include"}).then(function (r) {
      return r.json().then(function (d) {
        if (!r.ok) throw new Error(d.error ? d.error.message : t("Terjadi kesalahan."));
        return d;
      });
    });
  }
  var lastState = null;
  $("[data-code-send]").addEventListener("click", function () {
    $("[data-verr]").textContent = "";
    post("/chat/verifikasi/kode/", {}).then(function () {
      codeSent = true;
      if (lastState) showVerify(lastState);
      codeForm.elements.code.focus();
    }).catch(function (e) { $("[data-verr]").textContent = e.message; });
  });
  codeForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var code = codeForm.elements.code.value.trim();
    if (!/^\d{6}$/.test(code)) { $("[data-verr]").textContent = t("Kode terdiri dari 6 angka."); return; }
    $("[data-verr]").textContent = "";
    post("/chat/verifikasi/", {code: code}).then(function (d) {
      codeForm.elements.code.value = "";
      applyState(d.state);
    }).catch(function (e) { $("[data-verr]").textContent = e.message; });
  });

  // The rating after the chat: one tap opens the signed survey link with the score.
  function showSurvey(card) {
    var box = $("[data-survey]");
    $("[data-survey-q]").textContent = card.question;
    var choices = $("[data-survey-choices]");
    choices.textContent = "";
    card.choices.forEach(function (c) {
      var a = document.createElement("a");
      a.href = c.url; a.target = "_blank"; a.rel = "noopener";
      a.className = "score"; a.textContent = String(c.score);
      a.setAttribute("aria-label", fmt("Beri nilai %s", [c.score]));
      a.setAttribute("data-score", String(c.score));
      choices.appendChild(a); choices.appendChild(document.createTextNode(" "));
    });
    box.hidden = false;
  }

  function send(obj) {
    if (ws && connected) ws.send(JSON.stringify(obj));
  }
  function flushPending() {
    store.pending.forEach(function (p) { send({type: "message", cid: p.cid, body: p.body}); });
  }

  function connect() {
    if (ws) return;
    clearTimeout(retryTimer);
    ws = new WebSocket(WS_URL);
    ws.onopen = function () {
      connected = true;
      retry = 0;
      if (store.token) send({type: "resume", token: store.token, after: last, lang: LANG});
      else if (store.start) send(Object.assign({type: "start", lang: LANG, brand: BRAND}, store.start));
    };
    ws.onmessage = function (ev) {
      var d = JSON.parse(ev.data);
      if (d.type === "started") {
        store.token = d.token;
        store.start = null;
        save();
      } else if (d.type === "ready") {
        applyState(d.state);
        d.messages.forEach(addMessage);
        host.setAttribute("data-ready", "1");
        flushPending();
        markRead();
      } else if (d.type === "message") {
        addMessage(d.message);
      } else if (d.type === "ack") {
        store.pending = store.pending.filter(function (p) { return p.cid !== d.cid; });
        save();
        var li = byCid[d.cid];
        if (li && !li._msg.id) { li._msg.id = d.id; seen[d.id] = true; refresh(li); }
      } else if (d.type === "typing") {
        typingEl.hidden = !d.on;
        clearTimeout(typingHide);
        if (d.on) typingHide = setTimeout(function () { typingEl.hidden = true; }, 8000);
      } else if (d.type === "read") {
        agentRead = Math.max(agentRead, d.up_to);
        Array.prototype.forEach.call(list.children, refresh);
      } else if (d.type === "state") {
        applyState(d.state);
      } else if (d.type === "survey") {
        showSurvey(d.survey);
      } else if (d.type === "error") {
        onError(d);
      }
    };
    ws.onclose = function () {
      ws = null;
      connected = false;
      host.removeAttribute("data-ready");
      if (!store.token && !store.start) return;
      retry = Math.min(retry + 1, 6);
      retryTimer = setTimeout(connect, Math.min(500 * Math.pow(2, retry - 1), 10000));
    };
  }

  function onError(d) {
    if (d.code === "not_found") {  // the token no longer opens a chat: start afresh
      reset();
      return;
    }
    if (store.start && !store.token) {  // the start was refused: back to the form
      store.start = null;
      save();
      list.innerHTML = "";
      showChat(false);
      $("[data-err]").textContent = d.message || t("Terjadi kesalahan.");
      if (ws) ws.close();
      return;
    }
    if (d.cid && byCid[d.cid] && d.code !== "no_chat") {  // refused for good: not resent
      store.pending = store.pending.filter(function (p) { return p.cid !== d.cid; });
      save();
      byCid[d.cid]._msg.failed = true;
      refresh(byCid[d.cid]);
    }
    $("[data-cerr]").textContent = d.message || "";
  }

  // Help-centre articles for the question being written (debounced, the latest wins).
  var suggestEl = $("[data-suggest]"), suggestStatus = $("[data-suggest-status]");
  var suggestTimer = null, suggestQ = "", suggestSaid = "";
  function formToken() {
    if (!store.form) { store.form = newId(); save(); }
    return store.form;
  }
  function suggest() {
    var q = prechat.elements.body.value.trim().slice(0, 400);
    if (prechat.hidden || q === suggestQ) return;
    suggestQ = q;
    if (q.length < 4) { showSuggestions([]); return; }
    var url = origin + "/bantuan/saran/?lang=" + LANG + "&t=" + formToken() + BRAND_Q + "&q=" + encodeURIComponent(q);
    fetch(url).then(function (r) { return r.ok || r.status === 429 ? r.json() : {}; }).catch(function () { return {}; }).then(function (d) {
      if (q !== suggestQ || prechat.hidden) return;  // typed on, or the chat has started
      if (d.error) { showSuggestions([]); say(d.error.message || ""); suggestQ = ""; return; }
      showSuggestions(d.articles || []);
    });
  }
  function say(text) {  // the status line a screen reader reads out, once per change
    if (!suggestStatus || text === suggestSaid) return;
    suggestSaid = text;
    suggestStatus.textContent = text;
  }
  function stopSuggesting() {
    if (!suggestEl) return;  // not built yet
    clearTimeout(suggestTimer);
    suggestQ = "";
    showSuggestions([]);
  }
  function showSuggestions(found) {
    suggestEl.textContent = "";
    suggestEl.hidden = !found.length;
    say(found.length ? fmt("Artikel yang mungkin menjawab pertanyaan Anda: %s", [found.length]) : "");
    if (!found.length) return;
    var h = document.createElement("h3"), ul = document.createElement("ul"), note = document.createElement("p");
    h.id = "sigap-suggest-h";
    h.textContent = t("Mungkin ini menjawab pertanyaan Anda");
    found.forEach(function (a) {
      var li = document.createElement("li"), link = document.createElement("a"), snip = document.createElement("span");
      link.href = a.url; link.target = "_blank"; link.rel = "noopener"; link.lang = a.lang;
      link.textContent = a.title;
      link.setAttribute("data-suggestion", "");
      snip.className = "snip"; snip.lang = a.lang; snip.textContent = a.snippet;
      li.appendChild(link); li.appendChild(snip); ul.appendChild(li);
    });
    note.textContent = t("Artikel terbuka di tab baru. Bila belum terjawab, lanjutkan mengisi formulir ini.");
    suggestEl.appendChild(h); suggestEl.appendChild(ul); suggestEl.appendChild(note);
  }
  prechat.elements.body.addEventListener("input", function () {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 500);
  });

  function reset() {
    store = {token: "", pending: [], start: null, open: store.open, form: ""};
    suggestQ = "";
    showSuggestions([]);
    save();
    seen = {}; byCid = {}; last = 0; agentRead = 0; readSent = 0; codeSent = false; lastState = null;
    verifyEl.hidden = true;
    list.innerHTML = "";
    $("[data-notice]").hidden = true;
    $("[data-sub]").textContent = t("Kami siap membantu");
    $("[data-human]").hidden = true;
    showChat(false);
    if (ws) ws.close();
  }

  prechat.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = prechat.elements;
    var data = {name: f.name.value.trim(), email: f.email.value.trim(), phone: f.phone.value.trim(), body: f.body.value.trim()};
    var err = "";
    if (!data.name) err = t("Nama wajib diisi.");
    else if (!data.email && !data.phone) err = t("Isi email atau nomor HP agar kami dapat membalas.");
    else if (!data.body) err = t("Tulis pesan Anda.");
    $("[data-err]").textContent = err;
    if (err) return;
    data.cid = formToken();  // the form's token: the server marks its suggestions filed
    store.start = data;
    save();
    showChat(true);
    addLocal(data.cid, data.body);
    compose.elements.body.focus();
    if (ws && connected) send(Object.assign({type: "start", lang: LANG, brand: BRAND}, data));
    else connect();
  });

  function sendMessage() {
    var ta = compose.elements.body, body = ta.value.trim();
    if (!body) return;
    ta.value = "";
    sendText(body);
  }
  function sendText(body) {
    var cid = newId();
    store.pending.push({cid: cid, body: body});
    save();
    addLocal(cid, body);
    send({type: "message", cid: cid, body: body});
    stopTyping();
  }
  compose.addEventListener("submit", function (ev) { ev.preventDefault(); sendMessage(); });
  $("[data-human]").addEventListener("click", function () {
    $("[data-human]").hidden = true;
    sendText(t("Bicara dengan petugas"));
    compose.elements.body.focus();
  });
  compose.elements.body.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); sendMessage(); }
  });
  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingOn) { typingOn = false; send({type: "typing", on: false}); }
  }
  compose.elements.body.addEventListener("input", function () {
    if (!typingOn) { typingOn = true; send({type: "typing", on: true}); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 3000);
  });
  var fileInput = $("[data-file]");
  $("[data-attach]").addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files[0];
    if (!file || !store.token) return;
    var cid = newId(), form = new FormData();
    form.append("token", store.token);
    form.append("cid", cid);
    form.append("lang", LANG);
    form.append("file", file);
    addLocal(cid, fmt("Mengunggah %s…", [file.name]));
    fileInput.value = "";
    fetch(origin + "/chat/lampiran/", {method: "POST", body: form, credentials: "include"}).then(function (r) {
      return r.json().then(function (d) {
        if (!r.ok) throw new Error(d.error ? d.error.message : t("Gagal mengunggah."));
        var li = byCid[cid];
        if (li && !li._msg.id) { li._msg.id = d.id; refresh(li); }
      });
    }).catch(function (e) {
      var li = byCid[cid];
      if (li && !li._msg.id) { li._msg.failed = true; refresh(li); }
      $("[data-cerr]").textContent = e.message || t("Gagal mengunggah.");
    });
  });
  $("[data-end]").addEventListener("click", function () { send({type: "end"}); });
  $("[data-new]").addEventListener("click", reset);
  setInterval(function () { send({type: "ping"}); }, 25000);

  // Resume after a reload; a start that was never confirmed is sent again (same cid).
  if (store.token || store.start) {
    showChat(true);
    if (store.start && !store.token) addLocal(store.start.cid, store.start.body);
    store.pending.forEach(function (p) { addLocal(p.cid, p.body); });
    connect();
  }
  if (store.open) setOpen(true);

  host.setAttribute("data-lang", LANG);
  window.SigapChat = {
    open: function () { setOpen(true); },
    drop: function () { if (ws) ws.close(); },  // for tests and debugging: reconnects
    get connected() { return connected; },
    get lastId() { return last; }
  };
  }

  // The strings in the page's language first (Indonesian built in, if they cannot come).
  fetch(origin + "/chat/widget/?lang=" + LANG + BRAND_Q).then(function (r) {
    return r.ok ? r.json() : {};
  }).catch(function () { return {}; }).then(main);
})();
