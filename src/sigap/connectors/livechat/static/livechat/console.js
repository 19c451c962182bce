/* Sigap live chat console for agents, a workspace over the full width: the queue (with
 * how long each chat has waited), the open chat (several may be open; one shows at a
 * time), the panel beside it (the customer, canned responses: livechat/views.py side;
 * articles matching the visitor's last message: kb suggestions, "Sisipkan ke balasan"),
 * replies, internal notes, typing, read receipts, transfer to a colleague online or to a
 * team's queue, and end (after a confirmation). A new chat in the queue rings (when the
 * box is ticked), is announced to screen readers and counts in the tab's title while the
 * page is not in view. Protocol: livechat/consumers.py.
 * The email a visitor typed is marked "Belum diverifikasi" until the visitor proves it
 * with a code or the agent links the chat to a customer (livechat/services.py).
 */
(function () {
  "use strict";
  // Translations (Django's JavaScript catalog, loaded when the page is not in Indonesian).
  var _ = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (f, a) { var i = 0; return f.replace(/%s/g, function () { return a[i++]; }); };
  var el = document.getElementById("lc-console");
  if (!el) return;
  var me = Number(el.dataset.user), supervisor = el.dataset.supervisor === "1";
  var ticketUrl = el.dataset.ticketUrl;
  var WS_URL = location.origin.replace(/^http/, "ws") + el.dataset.ws;
  var waitingEl = el.querySelector("[data-lc-waiting]"), mineEl = el.querySelector("[data-lc-mine]");
  var panelsEl = el.querySelector("[data-lc-panels]"), connEl = el.querySelector("[data-lc-conn]");
  var tpl = document.getElementById("lc-panel");
  var chats = {}, panels = {}, pending = {}, ws = null, connected = false, retry = 0, agents = [], teams = [];
  var active = 0, unread = {}, fresh = 0, alerts = 0, baseTitle = document.title, suggestTimer = null;
  var sideBody = el.querySelector("[data-lc-side-body]"), suggestBox = el.querySelector("[data-lc-suggest]");
  var articlesEl = el.querySelector("[data-lc-articles]"), announceEl = el.querySelector("[data-lc-announce]");
  var emptyEl = el.querySelector("[data-lc-empty]"), soundBox = el.querySelector("[data-lc-sound]");

  function newId() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function send(obj) { if (ws && connected) ws.send(JSON.stringify(obj)); }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function waited(iso) {
    var minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 1) return _("baru saja");
    if (minutes < 60) return fmt(_("%s mnt"), [minutes]);
    return fmt(_("%s jam %s mnt"), [Math.floor(minutes / 60), minutes % 60]);
  }
  function li(text, buttonText, onClick, chatId, waitingSince) {
    var item = document.createElement("li");
    item.setAttribute("data-chat", String(chatId));
    var span = document.createElement("span");
    span.textContent = text;
    if (waitingSince) {
      var w = document.createElement("span");
      w.className = "lc-wait";
      w.setAttribute("data-since", waitingSince);
      span.appendChild(w);
    }
    item.appendChild(span);
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = buttonText;
    b.addEventListener("click", onClick);
    item.appendChild(b);
    return item;
  }

  function renderLists() {
    waitingEl.innerHTML = "";
    mineEl.innerHTML = "";
    var ids = Object.keys(chats).map(Number), waitingCount = 0;
    ids.sort(function (a, b) {  // the queue: longest waiting first
      return (Date.parse(chats[a].queued_at) - Date.parse(chats[b].queued_at)) || (a - b);
    });
    ids.forEach(function (id) {
      var c = chats[id];
      var label = c.name + " · " + c.reference + " — " + c.subject.replace(/^Live chat: /, "") +
        (c.verified ? "" : " (" + _("Belum diverifikasi") + ")");
      if (c.status === "waiting") {
        waitingCount++;
        var extra = (c.team ? " · " + fmt(_("untuk tim %s"), [c.team]) : "") +
          (c.offline ? " (" + _("masuk saat tidak ada petugas") + ")" : "");
        waitingEl.appendChild(li(label + extra, _("Ambil"), function () {
          send({type: "pickup", chat: id});
        }, id, c.queued_at));
      } else if (c.status === "active" && (c.agent === me || supervisor)) {
        var who = c.agent === me ? "" : " (" + c.agent_name + ")";
        var item = li(label + who, _("Buka"), function () { openPanel(id); }, id);
        if (id === active) item.classList.add("lc-current");
        if (unread[id]) item.classList.add("lc-unread");
        mineEl.appendChild(item);
      }
    });
    el.querySelector("[data-lc-waiting-count]").textContent = waitingCount ? "(" + waitingCount + ")" : "";
    if (!waitingEl.children.length) waitingEl.innerHTML = "<li>" + _("Tidak ada chat yang menunggu.") + "</li>";
    tick();
  }
  // How long each waiting chat has waited, kept current.
  function tick() {
    Array.prototype.forEach.call(waitingEl.querySelectorAll("[data-since]"), function (w) {
      var since = w.getAttribute("data-since");
      w.textContent = fmt(_("Menunggu %s"), [waited(since)]);
      w.classList.toggle("lc-long", Date.now() - Date.parse(since) > 5 * 60000);
    });
  }
  setInterval(tick, 15000);

  // A new chat in the queue: a sound, a spoken announcement, the count in the title.
  function beep() {
    if (!soundBox || !soundBox.checked) return;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx(), now = ctx.currentTime;
      [0, 0.2].forEach(function (at, i) {
        var osc = ctx.createOscillator(), gain = ctx.createGain();
        osc.frequency.value = i ? 1175 : 880;
        gain.gain.setValueAtTime(0.15, now + at);
        gain.gain.exponentialRampToValueAtTime(0.001, now + at + 0.18);
        osc.connect(gain); gain.connect(ctx.destination);
        osc.start(now + at); osc.stop(now + at + 0.2);
      });
      setTimeout(function () { ctx.close(); }, 800);
    } catch (e) { /* no audio: the title and the announcement remain */ }
  }
  function alertNew(c) {
    alerts++;
    document.body.dataset.lcAlerts = String(alerts);
    announceEl.textContent = fmt(_("Chat baru dari %s"), [c.name]);
    beep();
    if (document.hidden || !document.hasFocus()) {
      fresh++;
      document.title = "(" + fresh + ") " + _("Chat baru") + " · " + baseTitle;
    }
  }
  function seenAlerts() {
    if (document.hidden) return;
    fresh = 0;
    document.title = baseTitle;
  }
  window.addEventListener("focus", seenAlerts);

  function updateChat(c) {
    var before = chats[c.id];
    chats[c.id] = c;
    if (c.status === "ended" && !panels[c.id]) delete chats[c.id];
    if (c.status !== "waiting" && c.agent !== me && !supervisor && !panels[c.id]) delete chats[c.id];
    renderLists();
    if (c.status === "waiting" && (!before || before.status !== "waiting")) alertNew(c);
    if (c.status === "active" && c.agent === me && (!before || before.agent !== me)) openPanel(c.id);
    if (panels[c.id]) panelState(panels[c.id]);
    if (c.id === active && before && before.identity !== c.identity) loadSide(c.id);
  }

  function panelState(p) {
    var c = chats[p.id];
    if (!c) return;
    var text = {waiting: _("Menunggu"), active: fmt(_("Dilayani %s"), [c.agent_name]), ended: _("Selesai")}[c.status] || c.status;
    p.stateEl.textContent = text;
    var mine = c.status === "active" && (c.agent === me || supervisor);
    p.send.disabled = !mine;
    p.transfer.disabled = !mine;
    p.end.textContent = c.status === "ended" ? _("Tutup") : _("Akhiri chat");
    p.body.disabled = c.status === "ended";
    p.visitorRead = Math.max(p.visitorRead, c.visitor_read || 0);
    identity(p, c, mine);
    refreshAll(p);
  }

  // What the visitor typed is a claim: say so, and offer to link the chat to the customer
  // who has that address (after the agent has checked who the visitor is).
  function identity(p, c, mine) {
    if (c.verified) {
      p.identity.textContent = c.identity === "linked" ? _("Dihubungkan petugas ke pelanggan") : _("Email terverifikasi");
      p.identity.className = "lc-identity lc-verified";
    } else {
      p.identity.textContent = _("Belum diverifikasi") + (c.email ? ": " + c.email : "");
      p.identity.className = "lc-identity lc-unverified";
    }
    var canLink = !c.verified && !!c.match && mine;
    p.link.hidden = !canLink;
    if (canLink) p.link.textContent = fmt(_("Hubungkan ke %s (#%s)"), [c.match.name, c.match.id]);
  }

  function refreshAll(p) {
    Array.prototype.forEach.call(p.list.children, function (item) { refresh(p, item); });
  }
  function refresh(p, item) {
    var m = item._msg, st = item.querySelector(".lc-st");
    if (m.id) item.setAttribute("data-id", String(m.id));
    if (!st) return;
    if (!m.id) st.textContent = m.failed ? _("Gagal") : _("Mengirim…");
    else if (m.kind === "note") st.textContent = _("Catatan internal");
    else st.textContent = m.id <= p.visitorRead ? _("Dibaca") : _("Terkirim");
  }

  function renderMessage(m) {
    var item = document.createElement("li");
    item.className = "lc-msg lc-" + m.from + (m.kind === "note" ? " lc-note" : "");
    var who = document.createElement("span");
    who.className = "lc-who";
    who.textContent = m.kind === "note" ? fmt(_("%s (catatan)"), [m.name]) : m.name;
    item.appendChild(who);
    var body = document.createElement("span");
    body.className = "lc-body";
    body.textContent = m.body;
    item.appendChild(body);
    (m.attachments || []).forEach(function (a) {
      var link = document.createElement("a");
      link.href = a.url;
      link.className = "lc-file";
      link.textContent = fmt(_("Lampiran: %s (%s KB)"), [a.name, Math.max(1, Math.round(a.size / 1024))]);
      item.appendChild(link);
    });
    if (m.from === "agent" || m.local) {
      var st = document.createElement("span");
      st.className = "lc-st";
      item.appendChild(st);
    }
    item._msg = m;
    return item;
  }

  function addMessage(p, m) {
    if (p.seen[m.id]) return;
    p.seen[m.id] = true;
    p.last = Math.max(p.last, m.id);
    var item = m.cid && p.byCid[m.cid];
    if (item && (m.attachments || []).length) {
      item.remove();
      item = renderMessage(m);
      p.byCid[m.cid] = item;
    } else if (item) {
      item._msg.id = m.id;
      item.remove();
    } else {
      item = renderMessage(m);
    }
    var kids = p.list.children, placed = false;
    for (var i = 0; i < kids.length; i++) {
      if (!kids[i]._msg.id || kids[i]._msg.id > m.id) { p.list.insertBefore(item, kids[i]); placed = true; break; }
    }
    if (!placed) p.list.appendChild(item);
    refresh(p, item);
    p.list.scrollTop = p.list.scrollHeight;
    if (m.from === "visitor") { p.typing.hidden = true; markRead(p); }
  }

  function markRead(p) {
    if (document.hidden || !connected) return;
    var max = 0;
    Array.prototype.forEach.call(p.list.children, function (item) {
      if (item._msg.from === "visitor" && item._msg.id > max) max = item._msg.id;
    });
    if (max > p.readSent) { p.readSent = max; send({type: "read", chat: p.id, up_to: max}); }
  }

  // One open chat shows at a time, with its panel beside it.
  function activate(id) {
    active = id;
    delete unread[id];
    Object.keys(panels).forEach(function (k) { panels[k].root.hidden = Number(k) !== id; });
    emptyEl.hidden = !!panels[id];
    renderLists();
    loadSide(id);
    suggest(id);
  }
  function loadSide(id) {
    fetch(el.dataset.sideUrl.replace("/0/", "/" + id + "/"), {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.text() : "";
    }).then(function (html) { if (active === id) sideBody.innerHTML = html; });
  }
  function lastVisitorText(p) {
    var kids = p.list.children;
    for (var i = kids.length - 1; i >= 0; i--) {
      var m = kids[i]._msg;
      if (m.from === "visitor" && m.body) return m.body;
    }
    return "";
  }
  // Articles for the visitor's last message (the knowledge base's suggestions).
  function suggest(id) {
    var p = panels[id], c = chats[id];
    if (!p || !c) return;
    var url = el.dataset.suggestUrl.replace("/0/", "/" + c.ticket + "/") + "?q=" + encodeURIComponent(lastVisitorText(p).slice(0, 400));
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) {
      if (active !== id) return;
      suggestBox.innerHTML = html;
      articlesEl.hidden = !html;
    });
  }
  function insertReply(text) {
    var p = panels[active];
    if (!p || p.body.disabled) return;
    var ta = p.body, at = ta.selectionStart || ta.value.length;
    var before = ta.value.slice(0, at), after = ta.value.slice(ta.selectionEnd || at);
    var glue = before && !/\s$/.test(before) ? "\n" : "";
    ta.value = before + glue + text + after;
    ta.focus();
    ta.selectionStart = ta.selectionEnd = (before + glue + text).length;
  }
  el.querySelector("[data-lc-side]").addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-canned-insert],[data-kb-insert]");
    if (!b) return;
    ev.preventDefault();
    insertReply(b.getAttribute("data-canned-insert") || b.getAttribute("data-kb-insert"));
  });

  function openPanel(id) {
    if (panels[id]) { activate(id); panels[id].body.focus(); return; }
    var c = chats[id];
    var node = tpl.content.firstElementChild.cloneNode(true);
    node.setAttribute("data-chat", String(id));
    var p = {
      id: id, root: node, last: 0, seen: {}, byCid: {}, visitorRead: 0, readSent: 0, typingOn: false, typingTimer: null,
      list: node.querySelector("[data-messages]"), typing: node.querySelector("[data-typing]"),
      stateEl: node.querySelector("[data-state]"), body: node.querySelector("[data-body]"),
      send: node.querySelector("[data-send]"), note: node.querySelector("[data-note]"),
      transfer: node.querySelector("[data-transfer]"), transferTo: node.querySelector("[data-transfer-to]"),
      end: node.querySelector("[data-end]"),
      identity: node.querySelector("[data-identity]"), link: node.querySelector("[data-link]")
    };
    node.querySelector("[data-name]").textContent = c.name + (c.email ? " <" + c.email + ">" : "") + (c.phone ? " " + c.phone : "");
    var link = node.querySelector("[data-ticket]");
    link.href = ticketUrl.replace("/0/", "/" + c.ticket + "/");
    link.textContent = fmt(_("Tiket %s"), [c.reference]);
    panels[id] = p;
    panelsEl.appendChild(node);
    panelState(p);
    fillAgents(p);
    activate(id);

    function post(kind) {
      var body = p.body.value.trim();
      if (!body) return;
      p.body.value = "";
      var cid = newId();
      pending[cid] = {chat: id, kind: kind, body: body};
      var item = renderMessage({id: 0, cid: cid, from: "agent", kind: kind, name: _("Anda"), body: body, local: true});
      p.byCid[cid] = item;
      p.list.appendChild(item);
      refresh(p, item);
      p.list.scrollTop = p.list.scrollHeight;
      send({type: kind, chat: id, cid: cid, body: body});
      stopTyping(p);
    }
    node.querySelector("[data-compose]").addEventListener("submit", function (ev) { ev.preventDefault(); post("reply"); });
    p.body.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); post("reply"); }
    });
    p.note.addEventListener("click", function () { post("note"); });
    p.link.addEventListener("click", function () {
      var m = chats[id] && chats[id].match;
      if (!m) return;
      var ask = fmt(_("Hubungkan percakapan ini ke %s (#%s)? Lakukan hanya setelah Anda memastikan identitas pengunjung."), [m.name, m.id]);
      if (window.confirm(ask)) send({type: "link", chat: id, customer: m.id});
    });
    var fileInput = node.querySelector("[data-file]");
    node.querySelector("[data-attach]").addEventListener("click", function () { fileInput.click(); });
    fileInput.addEventListener("change", function () {
      var file = fileInput.files[0];
      if (!file) return;
      var cid = newId(), form = new FormData();
      form.append("cid", cid);
      form.append("file", file);
      form.append("body", p.body.value.trim());
      p.body.value = "";
      fileInput.value = "";
      var item = renderMessage({id: 0, cid: cid, from: "agent", kind: "reply", name: _("Anda"), body: fmt(_("Mengunggah %s…"), [file.name]), local: true});
      p.byCid[cid] = item;
      p.list.appendChild(item);
      refresh(p, item);
      fetch(el.dataset.uploadUrl.replace("/0/", "/" + id + "/"), {
        method: "POST", body: form, headers: {"X-CSRFToken": csrfToken()}, credentials: "same-origin"
      }).then(function (r) {
        return r.json().then(function (d) {
          if (!r.ok) throw new Error(d.error ? d.error.message : _("Gagal mengunggah."));
        });
      }).catch(function (e) {
        item._msg.failed = true;
        refresh(p, item);
        connEl.textContent = e.message;
      });
    });
    p.body.addEventListener("input", function () {
      if (!p.typingOn) { p.typingOn = true; send({type: "typing", chat: id, on: true}); }
      clearTimeout(p.typingTimer);
      p.typingTimer = setTimeout(function () { stopTyping(p); }, 3000);
    });
    p.transfer.addEventListener("click", function () {
      var pick = p.transferTo.value.split(":"), target = Number(pick[1]);
      if (!target) return;
      if (pick[0] === "t") send({type: "transfer", chat: id, team: target});
      else send({type: "transfer", chat: id, to: target});
    });
    p.end.addEventListener("click", function () {
      if (chats[id] && chats[id].status === "ended") { close(id); return; }
      var ask = fmt(_("Akhiri chat dengan %s? Pengunjung tidak dapat membalas lagi di jendela chat ini; tiketnya tetap terbuka."), [chats[id] ? chats[id].name : ""]);
      if (window.confirm(ask)) send({type: "end", chat: id});
    });
    send({type: "open", chat: id, after: 0});
    send({type: "agents"});
  }

  function close(id) {
    var p = panels[id];
    if (!p) return;
    p.root.remove();
    delete panels[id];
    if (chats[id] && chats[id].status === "ended") delete chats[id];
    if (active === id) {
      var next = Object.keys(panels).map(Number)[0];
      if (next) activate(next);
      else { active = 0; emptyEl.hidden = false; sideBody.innerHTML = ""; suggestBox.innerHTML = ""; articlesEl.hidden = true; }
    }
    renderLists();
  }

  function stopTyping(p) {
    clearTimeout(p.typingTimer);
    if (p.typingOn) { p.typingOn = false; send({type: "typing", chat: p.id, on: false}); }
  }

  function fillAgents(p) {
    var current = p.transferTo.value;
    var agentsBox = p.transferTo.querySelector("[data-transfer-agents]"), teamsBox = p.transferTo.querySelector("[data-transfer-teams]");
    agentsBox.innerHTML = "";
    teamsBox.innerHTML = "";
    agents.forEach(function (a) {
      var o = document.createElement("option");
      o.value = "u:" + a.id;
      o.textContent = a.name;
      agentsBox.appendChild(o);
    });
    teams.forEach(function (t) {
      var o = document.createElement("option");
      o.value = "t:" + t.id;
      o.textContent = fmt(_("Tim %s"), [t.name]);
      teamsBox.appendChild(o);
    });
    p.transferTo.value = current;
  }

  function onMessage(d) {
    var p = d.chat && panels[d.chat];
    if (d.type === "chats") {
      chats = {};
      d.chats.forEach(function (c) { chats[c.id] = c; });
      renderLists();
      Object.keys(chats).forEach(function (id) {
        if (chats[id].status === "active" && chats[id].agent === me) openPanel(Number(id));
      });
      Object.keys(panels).forEach(function (id) {  // reconnected: fetch what was missed, resend
        send({type: "open", chat: Number(id), after: panels[id].last});
      });
      Object.keys(pending).forEach(function (cid) {
        var x = pending[cid];
        send({type: x.kind, chat: x.chat, cid: cid, body: x.body});
      });
    } else if (d.type === "chat") {
      updateChat(d.chat);
    } else if (d.type === "history" && p) {
      d.messages.forEach(function (m) { addMessage(p, m); });
      if (d.chat === active) suggest(d.chat);
    } else if (d.type === "message" && p) {
      addMessage(p, d.message);
      if (d.message.from === "visitor") {
        if (d.chat !== active) { unread[d.chat] = true; renderLists(); }
        else { clearTimeout(suggestTimer); suggestTimer = setTimeout(function () { suggest(d.chat); }, 600); }
      }
    } else if (d.type === "ack") {
      delete pending[d.cid];
      if (p && p.byCid[d.cid] && !p.byCid[d.cid]._msg.id) {
        p.byCid[d.cid]._msg.id = d.id;
        p.seen[d.id] = true;
        refresh(p, p.byCid[d.cid]);
      }
    } else if (d.type === "typing" && p) {
      p.typing.hidden = !d.on;
    } else if (d.type === "read" && p) {
      p.visitorRead = Math.max(p.visitorRead, d.up_to);
      refreshAll(p);
    } else if (d.type === "agents") {
      agents = d.agents;
      teams = d.teams || [];
      Object.keys(panels).forEach(function (id) { fillAgents(panels[id]); });
    } else if (d.type === "error") {
      if (d.cid && pending[d.cid] && d.code !== "not_found") delete pending[d.cid];
      connEl.textContent = d.message;
      connEl.setAttribute("role", "alert");
    }
  }

  function connect() {
    ws = new WebSocket(WS_URL);
    ws.onopen = function () {
      connected = true;
      retry = 0;
      connEl.textContent = _("Terhubung.");
      connEl.setAttribute("role", "status");
      document.body.dataset.lcConnected = "1";
    };
    ws.onmessage = function (ev) { onMessage(JSON.parse(ev.data)); };
    ws.onclose = function () {
      connected = false;
      ws = null;
      document.body.dataset.lcConnected = "0";
      connEl.textContent = _("Koneksi terputus, menyambung ulang…");
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, Math.min(500 * Math.pow(2, retry - 1), 10000));
    };
  }
  document.addEventListener("visibilitychange", function () {
    Object.keys(panels).forEach(function (id) { markRead(panels[id]); });
    if (!document.hidden && document.hasFocus()) seenAlerts();
  });
  setInterval(function () { send({type: "ping"}); send({type: "agents"}); }, 25000);
  connect();
  window.SigapConsole = {drop: function () { if (ws) ws.close(); }};
})();
