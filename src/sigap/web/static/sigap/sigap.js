/* Sigap's own script: live updates over websockets, presence, shortcuts, canned responses.
   Plain JavaScript, no build step. htmx does the fetching and swapping. */
(function () {
  "use strict";
  // Translations (Django's JavaScript catalog, loaded when the page is not in Indonesian).
  var _ = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (f, a) { var i = 0; return f.replace(/%s/g, function () { return a[i++]; }); };
  var body = document.body;

  // A request refused for its rate (429) says so where its answer goes, when the element
  // asks for it (data-show-429: the portal's article suggestions); htmx swaps only 2xx.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var d = e.detail;
    if (d.xhr && d.xhr.status === 429 && d.elt && d.elt.hasAttribute("data-show-429")) {
      d.shouldSwap = true;
      d.isError = false;
    }
  });
  var livePath = body.dataset.live;
  var page = body.dataset.page;
  var socket = null, retry = 1000, presenceTimer = null, typingUntil = 0;
  var others = {};

  function send(obj) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(obj)); }

  function renderPresence() {
    var box = document.getElementById("presence");
    if (!box) return;
    var now = Date.now(), parts = [];
    Object.keys(others).forEach(function (id) {
      var o = others[id];
      if (o.until < now) { delete others[id]; return; }
      parts.push(o.name + (o.state === "typing" ? " (" + _("sedang mengetik…") + ")" : ""));
    });
    box.textContent = parts.length ? fmt(_("Juga membuka tiket ini: %s"), [parts.join(", ")]) : "";
    box.dataset.count = String(parts.length);
  }

  // Several changes in a burst (a bulk action, the SLA sweep) make one refresh.
  var pending = {};
  function refresh(id) {
    if (pending[id]) return;
    pending[id] = setTimeout(function () {
      delete pending[id];
      var el = document.getElementById(id);
      if (el && window.htmx) window.htmx.trigger(el, "live-refresh");
    }, 150);
  }

  function onMessage(ev) {
    var msg; try { msg = JSON.parse(ev.data); } catch (e) { return; }
    if (msg.type === "ticket.changed" || msg.type === "tickets.changed") {
      if (page === "inbox") {
        // Do not pull the list from under a user who is selecting tickets.
        if (document.querySelector("#inbox-rows input[name=tickets]:checked")) {
          document.getElementById("live-note").hidden = false;
        } else { refresh("inbox-rows"); }
      } else if (page === "ticket" || page === "portal-ticket") {
        refresh("ticket-live");
      }
    } else if (msg.type === "notification") {
      var badge = document.querySelector("[data-unread]");
      if (badge && typeof msg.unread === "number") badge.textContent = msg.unread ? String(msg.unread) : "";
      else if (badge) badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
      document.dispatchEvent(new CustomEvent("sigap:notification", { detail: msg }));  // notifications.js
    } else if (msg.type === "presence") {
      if (msg.state === "left") delete others[msg.user];
      else others[msg.user] = { name: msg.name, state: msg.state, until: Date.now() + 25000 };
      renderPresence();
    }
  }

  function connect() {
    if (!livePath || !("WebSocket" in window)) return;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + livePath;
    socket = new WebSocket(url);
    socket.onopen = function () {
      retry = 1000; body.dataset.liveConnected = "1";
      if (page === "ticket") {
        send({ presence: "viewing" });
        clearInterval(presenceTimer);
        presenceTimer = setInterval(function () {
          send({ presence: Date.now() < typingUntil ? "typing" : "viewing" }); renderPresence();
        }, 10000);
      } else {
        clearInterval(presenceTimer);
        presenceTimer = setInterval(function () { send({ ping: 1 }); }, 60000);  // "online"
      }
    };
    socket.onmessage = onMessage;
    socket.onclose = function (ev) {
      body.dataset.liveConnected = "";
      if (ev.code === 4403) return;
      setTimeout(connect, retry); retry = Math.min(retry * 2, 30000);
    };
  }

  document.addEventListener("input", function (ev) {
    if (page === "ticket" && ev.target && ev.target.tagName === "TEXTAREA") {
      var was = Date.now() < typingUntil;
      typingUntil = Date.now() + 5000;
      if (!was) send({ presence: "typing" });
    }
  });

  document.addEventListener("change", function (ev) {
    var t = ev.target;
    // a select that applies itself (language, agent status): no inline handler, the CSP
    // allows none
    if (t && t.dataset && t.dataset.autosubmit !== undefined && t.form) { t.form.submit(); return; }
    if (t && t.dataset && t.dataset.cannedTarget) {
      var opt = t.options[t.selectedIndex], area = document.getElementById(t.dataset.cannedTarget);
      if (opt && opt.dataset.body && area) {
        area.value = area.value ? area.value + "\n\n" + opt.dataset.body : opt.dataset.body;
        area.focus();
      }
    }
  });

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t && t.matches && t.matches("[data-refresh]")) {
      document.getElementById("live-note").hidden = true; refresh("inbox-rows");
    }
    if (t && t.matches && t.matches("[data-shortcuts-help]")) { ev.preventDefault(); toggleHelp(); }
  });

  // Keyboard shortcuts: j/k move in the inbox, Enter opens, r reply, n note, a assign to me,
  // / search, ? help. Never while typing in a field.
  var cursor = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#inbox-rows tr[data-ticket]")); }
  function move(step) {
    var list = rows(); if (!list.length) return;
    if (list[cursor]) list[cursor].classList.remove("selected");
    cursor = Math.max(0, Math.min(list.length - 1, cursor + step));
    list[cursor].classList.add("selected"); list[cursor].querySelector("a").focus();
  }
  function toggleHelp() {
    var el = document.getElementById("shortcuts-help");
    if (el) { el.remove(); return; }
    el = document.createElement("div"); el.id = "shortcuts-help"; el.className = "shortcuts-help";
    el.setAttribute("role", "dialog"); el.setAttribute("aria-label", _("Pintasan papan ketik"));
    el.innerHTML = "<strong>" + _("Pintasan") + "</strong><br><kbd>j</kbd>/<kbd>k</kbd> " +
      _("tiket berikut/sebelumnya") + " · <kbd>Enter</kbd> " + _("buka") + " · <kbd>r</kbd> " +
      _("balas") + " · <kbd>n</kbd> " + _("catatan internal") + " · <kbd>a</kbd> " +
      _("tangani saya") + " · <kbd>/</kbd> " + _("cari") + " · <kbd>?</kbd> " + _("bantuan") +
      " · <kbd>c</kbd> " + _("tiket baru");
    body.appendChild(el);
  }
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target && ev.target.tagName) || "";
    if (ev.ctrlKey || ev.metaKey || ev.altKey || /INPUT|TEXTAREA|SELECT/.test(tag)) return;
    var k = ev.key;
    if (k === "?") { toggleHelp(); return; }
    if (page === "inbox") {
      if (k === "j") { move(1); ev.preventDefault(); }
      else if (k === "k") { move(-1); ev.preventDefault(); }
      else if (k === "/") { var q = document.getElementById("id_q"); if (q) { q.focus(); ev.preventDefault(); } }
    } else if (page === "ticket") {
      var area = document.getElementById("reply-body");
      if ((k === "r" || k === "n") && area) {
        var radio = document.querySelector("input[name=kind][value=" + (k === "r" ? "reply" : "note") + "]");
        if (radio) radio.checked = true;
        area.focus(); ev.preventDefault();
      } else if (k === "a") {
        var f = document.getElementById("form-assign-me"); if (f) f.submit();
      }
    }
  });

  // "Next ticket" from a ticket page follows the inbox the agent came from.
  function rememberInbox() {
    try {
      sessionStorage.setItem("sigap-inbox", JSON.stringify(rows().map(function (r) { return r.dataset.ticket; })));
    } catch (e) { /* storage may be off */ }
  }
  function stepTicket(step) {
    var ids; try { ids = JSON.parse(sessionStorage.getItem("sigap-inbox") || "[]"); } catch (e) { ids = []; }
    var i = ids.indexOf(body.dataset.ticket);
    if (i >= 0 && ids[i + step]) location.href = "/tickets/" + ids[i + step] + "/";
  }
  if (page === "inbox") {
    rememberInbox();
    document.addEventListener("htmx:afterSwap", rememberInbox);
  }
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target && ev.target.tagName) || "";
    if (page !== "ticket" || ev.ctrlKey || ev.metaKey || ev.altKey || /INPUT|TEXTAREA|SELECT/.test(tag)) return;
    if (ev.key === "j") stepTicket(1);
    else if (ev.key === "k") stepTicket(-1);
  });

  // A suggested knowledge-base article goes into the reply box (the agent edits and sends).
  document.addEventListener("click", function (ev) {
    var button = ev.target && ev.target.closest ? ev.target.closest("[data-kb-insert]") : null;
    var area = document.getElementById("reply-body");
    if (!button || !area) return;
    area.value = (area.value ? area.value.replace(/\s+$/, "") + "\n\n" : "") + button.getAttribute("data-kb-insert");
    area.focus();
  });

  // Handling time for AHT: from the first keystroke or focus in the composer to sending.
  var replyForm = document.getElementById("form-reply");
  if (replyForm) {
    var started = null;
    var mark = function () { if (started === null) started = Date.now(); };
    replyForm.addEventListener("focusin", mark);
    replyForm.addEventListener("input", mark);
    replyForm.addEventListener("submit", function () {
      var field = replyForm.querySelector("input[name=handle_seconds]");
      if (field && started !== null) field.value = String(Math.min(14400, Math.round((Date.now() - started) / 1000)));
    });
  }

  // Go-to shortcuts: a link marked data-shortcut-go="c" (and aria-keyshortcuts) opens on its
  // key, from any workspace page; never while typing in a field or with a modifier.
  document.addEventListener("keydown", function (ev) {
    var t = ev.target, tag = (t && t.tagName) || "";
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing ||
        /INPUT|TEXTAREA|SELECT/.test(tag) || (t && t.isContentEditable)) return;
    var links = document.querySelectorAll("a[data-shortcut-go]");
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("data-shortcut-go") === ev.key) {
        ev.preventDefault(); location.href = links[i].href; return;
      }
    }
  });

  // "Tiket baru": Enter in the customer search searches instead of sending the form, and
  // typing a new customer's details chooses "new customer".
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.key !== "Enter" || !t || !t.dataset || !t.dataset.enterSearch) return;
    ev.preventDefault();
    var button = document.getElementById(t.dataset.enterSearch);
    if (button) button.click();
  });
  document.addEventListener("click", function (ev) {
    var b = ev.target && ev.target.closest ? ev.target.closest("[data-fill]") : null;
    var field = b && document.getElementById(b.getAttribute("data-fill"));
    if (!field) return;
    field.value = b.getAttribute("data-fill-value") || "";
    field.dispatchEvent(new Event("input", { bubbles: true }));  // the duplicate check runs
    var name = document.getElementById("id_new-name"); if (name) name.focus();
  });
  document.addEventListener("input", function (ev) {
    var box = ev.target && ev.target.closest ? ev.target.closest("[data-choose]") : null;
    var radio = box && document.getElementById(box.getAttribute("data-choose"));
    if (radio && !radio.checked) radio.checked = true;
  });

  connect();
})();

/* The ticket page as a workbench: "Langkah berikutnya" leads to the current step's form; a
   form shown again with an error gets the focus; the composer warns when the customer or
   someone else wrote since the page was drawn (the server checks again on sending). */
(function () {
  "use strict";
  if (document.body.dataset.page !== "ticket") return;
  function focusIn(box) {
    if (!box) return;
    if (box.tagName === "DETAILS") box.open = true;
    var target = box.querySelector(".has-error input, .has-error textarea, .has-error select, [role=alert]") ||
      box.querySelector("input:not([type=hidden]), textarea, select");
    box.scrollIntoView({ block: "start" });
    if (target) {
      if (!target.matches("input, textarea, select")) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    }
  }
  document.addEventListener("click", function (ev) {
    var link = ev.target && ev.target.closest ? ev.target.closest("[data-goto-step]") : null;
    if (!link) return;
    ev.preventDefault();
    var box = document.getElementById(link.getAttribute("data-goto-step"));
    focusIn(box);
    if (box && history.replaceState) history.replaceState(null, "", "#" + box.id);
  });
  var shownAgain = document.querySelector("[data-open-form]");
  if (shownAgain) focusIn(shownAgain);
  function checkNews() {
    var live = document.getElementById("ticket-live");
    var form = document.getElementById("form-reply");
    var note = document.querySelector("[data-composer-news]");
    if (!live || !form || !note) return;
    var newest = parseInt(live.getAttribute("data-newest-others") || "0", 10);
    var seen = parseInt(form.getAttribute("data-seen-others") || "0", 10);
    note.hidden = !(newest > seen);
  }
  document.addEventListener("htmx:afterSettle", checkNews);
  // The side column loads after the page: a link to one of its parts (#classify, #calls,
  // the page after saving a form there) scrolls to it once it is in.
  var hashDone = false;
  document.addEventListener("htmx:afterSettle", function () {
    if (hashDone || !location.hash || location.hash.length < 2) return;
    var target = document.getElementById(location.hash.slice(1));
    if (target && target.closest("[data-side]")) { hashDone = true; target.scrollIntoView({ block: "start" }); }
  });
})();

/* The top bar's menus (<details data-menu>): one open at a time, closed by a click
   elsewhere or Escape (focus goes back to the menu's button). */
(function () {
  "use strict";
  function menus() { return Array.prototype.slice.call(document.querySelectorAll("details[data-menu][open]")); }
  document.addEventListener("click", function (ev) {
    menus().forEach(function (m) { if (!m.contains(ev.target)) m.removeAttribute("open"); });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    menus().forEach(function (m) { m.removeAttribute("open"); var s = m.querySelector("summary"); if (s) s.focus(); });
  });
})();
