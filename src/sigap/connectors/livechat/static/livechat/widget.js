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
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-sigap-chat]");
  if (!script || window.SigapChat) return;
  var origin = new URL(script.src, location.href).origin;
  var WS_URL = origin.replace(/^http/, "ws") + "/ws/livechat/";
  var KEY = "sigap-chat:" + origin;

  function load() {
    try {
      var s = JSON.parse(localStorage.getItem(KEY) || "{}");
      return {token: s.token || "", pending: s.pending || [], start: s.start || null, open: !!s.open};
    } catch (e) {
      return {token: "", pending: [], start: null, open: false};
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

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:#0b6e4f;color:#fff;border:0;border-radius:24px;padding:12px 18px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.25)}",
    ".panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:340px;max-width:calc(100vw - 40px);height:480px;max-height:calc(100vh - 100px);background:#fff;color:#1d1d1d;border-radius:10px;box-shadow:0 4px 24px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}",
    ".panel[hidden],[hidden]{display:none!important}",
    ".proposal-card{display:flex;gap:8px;margin-top:6px}.proposal-card a{padding:6px 10px;border-radius:6px;border:1px solid #0b6e4f;color:#0b6e4f;text-decoration:none}.proposal-card a.accept{background:#0b6e4f;color:#fff}",
    "header{background:#0b6e4f;color:#fff;padding:10px 12px;display:flex;align-items:center;gap:8px}",
    "header .t{flex:1}header strong{display:block;color:#fff}header .sub{font-size:12px;color:#e6f4ee}",
    "header button{background:transparent;color:#fff;border:0;font-size:20px;cursor:pointer}",
    ".notice{background:#fff7d6;color:#4a3b00;padding:8px 12px;font-size:13px}",
    "form.prechat{padding:12px;overflow:auto;display:flex;flex-direction:column;gap:8px}",
    "label{display:flex;flex-direction:column;gap:2px;color:#333}",
    "input,textarea{border:1px solid #888;border-radius:6px;padding:6px 8px;color:#1d1d1d;background:#fff;width:100%}",
    "button.primary{background:#0b6e4f;color:#fff;border:0;border-radius:6px;padding:8px 12px;cursor:pointer}",
    ".err{color:#a00000;margin:0;min-height:1em}",
    ".chat{flex:1;display:flex;flex-direction:column;min-height:0}",
    "ol{list-style:none;margin:0;padding:10px;flex:1;overflow:auto;display:flex;flex-direction:column;gap:6px}",
    "li{max-width:85%;padding:6px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}",
    "li.visitor{align-self:flex-end;background:#dff3ea}li.agent{align-self:flex-start;background:#eef0f3}",
    "li.system{align-self:center;background:#fff7d6;font-size:13px}",
    "li .who{display:block;font-size:12px;font-weight:600;color:#444}li .st{display:block;font-size:11px;color:#555;text-align:right}",
    "li.failed{outline:1px solid #a00000}",
    ".typing{margin:0 10px 4px;font-size:12px;color:#555;font-style:italic}",
    "form.compose{display:flex;gap:6px;padding:8px;border-top:1px solid #ddd}",
    "form.compose textarea{flex:1;resize:none}",
    ".attach{background:#fff;border:1px solid #888;border-radius:6px;cursor:pointer;padding:0 8px}",
    "li a{color:#0b5394;display:block}",
    ".foot{display:flex;justify-content:space-between;align-items:center;padding:0 8px 8px}",
    ".link{background:none;border:0;color:#0b5394;text-decoration:underline;cursor:pointer;padding:0;font-size:12px}",
    ".ended{padding:8px 12px;background:#f3f3f3}",
    ".verify{background:#eef6fb;color:#1d1d1d;padding:8px 12px;font-size:13px;display:flex;flex-direction:column;gap:6px}",
    ".verify p{margin:0}.verify form{display:flex;gap:6px;align-items:flex-end}.verify label{flex:1}"
  ].join("\n");

  var HTML =
    '<button type="button" class="launcher" aria-expanded="false">Chat dengan kami</button>' +
    '<section class="panel" role="dialog" aria-label="Live chat" hidden>' +
    '<header><div class="t"><strong>Live chat</strong><span class="sub" data-sub>Kami siap membantu</span></div>' +
    '<button type="button" class="close" aria-label="Tutup">×</button></header>' +
    '<div class="notice" data-notice role="status" hidden></div>' +
    '<form class="prechat" novalidate>' +
    '<p>Halo! Isi data berikut agar kami dapat membalas Anda.</p>' +
    '<label>Nama<input name="name" autocomplete="name" required></label>' +
    '<label>Email<input name="email" type="email" autocomplete="email"></label>' +
    '<label>Nomor HP<input name="phone" type="tel" autocomplete="tel"></label>' +
    '<label>Apa yang bisa kami bantu?<textarea name="body" rows="3" required></textarea></label>' +
    '<p class="err" data-err role="alert"></p>' +
    '<button type="submit" class="primary">Mulai chat</button></form>' +
    '<div class="chat" hidden>' +
    '<div class="verify" data-verify hidden><p data-verify-text></p>' +
    '<button type="button" class="link" data-code-send>Kirim kode</button>' +
    '<form data-code-form hidden novalidate><label>Kode verifikasi<input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6"></label>' +
    '<button type="submit" class="primary">Verifikasi</button></form>' +
    '<p class="err" data-verr role="alert"></p></div>' +
    '<ol data-msgs aria-live="polite" aria-label="Pesan"></ol>' +
    '<p class="typing" data-typing hidden>Petugas sedang mengetik…</p>' +
    '<div class="ended" data-ended hidden><p>Percakapan telah berakhir. Terima kasih!</p>' +
    '<div class="survey" data-survey hidden><p data-survey-q></p><p data-survey-choices></p></div>' +
    '<button type="button" class="primary" data-new>Mulai percakapan baru</button></div>' +
    '<form class="compose"><textarea name="body" rows="2" aria-label="Pesan" placeholder="Tulis pesan…"></textarea>' +
    '<button type="button" class="attach" data-attach aria-label="Lampirkan berkas" title="Lampirkan berkas">Berkas</button>' +
    '<input type="file" data-file hidden aria-label="Berkas lampiran">' +
    '<button type="submit" class="primary">Kirim</button></form>' +
    '<div class="foot"><span class="err" data-cerr role="alert"></span><button type="button" class="link" data-end>Akhiri percakapan</button></div>' +
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

  function setOpen(open) {
    store.open = open;
    save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) markRead();
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  $(".close").addEventListener("click", function () { setOpen(false); });

  function showChat(inChat) {
    prechat.hidden = inChat;
    chatBox.hidden = !inChat;
  }

  function statusText(m) {
    if (!m.id) return m.failed ? "Gagal terkirim" : "Mengirim…";
    return m.id <= agentRead ? "Dibaca" : "Terkirim";
  }

  function render(m) {
    var li = document.createElement("li");
    li.className = m.from;
    if (m.from !== "visitor") {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = m.name;
      li.appendChild(who);
    }
    if (m.body) li.appendChild(document.createTextNode(m.body));
    if (m.card) li.appendChild(proposalCard(m.card));
    (m.attachments || []).forEach(function (a) {
      var link = document.createElement("a");
      link.href = origin + a.url;
      link.textContent = "Lampiran: " + a.name + " (" + Math.max(1, Math.round(a.size / 1024)) + " KB)";
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
  // An offered proposal: its two signed answer links (the page asks to confirm).
  function proposalCard(card) {
    var box = document.createElement("div");
    box.className = "proposal-card";
    box.setAttribute("data-proposal", String(card.proposal));
    if (card.open) {
      [["accept", "Terima usulan"], ["reject", "Tolak"]].forEach(function (pair) {
        var a = document.createElement("a");
        a.href = card[pair[0]]; a.target = "_blank"; a.rel = "noopener";
        a.className = pair[0]; a.textContent = pair[1];
        a.setAttribute("data-answer", pair[0]);
        box.appendChild(a);
      });
    } else {
      box.textContent = "Usulan: " + card.status;
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
    if (s.status === "active" && s.agent) sub.textContent = "Anda dilayani oleh " + s.agent;
    else if (s.status === "ended") sub.textContent = "Percakapan berakhir · " + s.ticket;
    else sub.textContent = "Menunggu petugas… · " + s.ticket;
    var notice = $("[data-notice]");
    notice.textContent = s.notice || "";
    notice.hidden = !s.notice;
    var ended = s.status === "ended";
    $("[data-ended]").hidden = !ended;
    compose.hidden = ended;
    $("[data-end]").hidden = ended;
    Array.prototype.forEach.call(list.children, refresh);
    showVerify(s);
  }

  // The typed email is a claim until the visitor enters the code mailed to it.
  var verifyEl = $("[data-verify]"), codeForm = $("[data-code-form]"), codeSent = false;
  function showVerify(s) {
    verifyEl.hidden = !s.email;
    if (!s.email) return;
    if (s.verified) {
      $("[data-verify-text]").textContent = "Email " + s.email + " terverifikasi.";
      $("[data-code-send]").hidden = true;
      codeForm.hidden = true;
      $("[data-verr]").textContent = "";
      return;
    }
    $("[data-verify-text]").textContent = codeSent
      ? "Kode sudah kami kirim ke " + s.email + ". Masukkan 6 angka kodenya."
      : "Email " + s.email + " belum diverifikasi. Kirim kode ke email itu agar percakapan ini terhubung dengan data Anda.";
    $("[data-code-send]").hidden = false;
    $("[data-code-send]").textContent = codeSent ? "Kirim ulang kode" : "Kirim kode";
    codeForm.hidden = !codeSent;
  }
  function post(path, fields) {
    var form = new FormData();
    form.append("token", store.token);
    Object.keys(fields).forEach(function (k) { form.append(k, fields[k]); });
    return fetch(origin + path, {method: "POST", body: form, credentials: "include"}).then(function (r) {
      return r.json().then(function (d) {
        if (!r.ok) throw new Error(d.error ? d.error.message : "Terjadi kesalahan.");
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
    if (!/^\d{6}$/.test(code)) { $("[data-verr]").textContent = "Kode terdiri dari 6 angka."; return; }
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
      if (store.token) send({type: "resume", token: store.token, after: last});
      else if (store.start) send(Object.assign({type: "start"}, store.start));
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
      $("[data-err]").textContent = d.message || "Terjadi kesalahan.";
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

  function reset() {
    store = {token: "", pending: [], start: null, open: store.open};
    save();
    seen = {}; byCid = {}; last = 0; agentRead = 0; readSent = 0; codeSent = false; lastState = null;
    verifyEl.hidden = true;
    list.innerHTML = "";
    $("[data-notice]").hidden = true;
    $("[data-sub]").textContent = "Kami siap membantu";
    showChat(false);
    if (ws) ws.close();
  }

  prechat.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = prechat.elements;
    var data = {name: f.name.value.trim(), email: f.email.value.trim(), phone: f.phone.value.trim(), body: f.body.value.trim()};
    var err = "";
    if (!data.name) err = "Nama wajib diisi.";
    else if (!data.email && !data.phone) err = "Isi email atau nomor HP agar kami dapat membalas.";
    else if (!data.body) err = "Tulis pesan Anda.";
    $("[data-err]").textContent = err;
    if (err) return;
    data.cid = newId();
    store.start = data;
    save();
    showChat(true);
    addLocal(data.cid, data.body);
    if (ws && connected) send(Object.assign({type: "start"}, data));
    else connect();
  });

  function sendMessage() {
    var ta = compose.elements.body, body = ta.value.trim();
    if (!body) return;
    ta.value = "";
    var cid = newId();
    store.pending.push({cid: cid, body: body});
    save();
    addLocal(cid, body);
    send({type: "message", cid: cid, body: body});
    stopTyping();
  }
  compose.addEventListener("submit", function (ev) { ev.preventDefault(); sendMessage(); });
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
    form.append("file", file);
    addLocal(cid, "Mengunggah " + file.name + "…");
    fileInput.value = "";
    fetch(origin + "/chat/lampiran/", {method: "POST", body: form, credentials: "include"}).then(function (r) {
      return r.json().then(function (d) {
        if (!r.ok) throw new Error(d.error ? d.error.message : "Gagal mengunggah.");
        var li = byCid[cid];
        if (li && !li._msg.id) { li._msg.id = d.id; refresh(li); }
      });
    }).catch(function (e) {
      var li = byCid[cid];
      if (li && !li._msg.id) { li._msg.failed = true; refresh(li); }
      $("[data-cerr]").textContent = e.message || "Gagal mengunggah.";
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

  window.SigapChat = {
    open: function () { setOpen(true); },
    drop: function () { if (ws) ws.close(); },  // for tests and debugging: reconnects
    get connected() { return connected; },
    get lastId() { return last; }
  };
})();
