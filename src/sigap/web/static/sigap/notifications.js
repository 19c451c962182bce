/* Notifications in the workspace: the bell's menu (live: sigap.js announces each push as a
   "sigap:notification" event) and @mentions in the composer (a textarea with
   data-mentions suggests colleagues who may see the ticket). Plain JavaScript, no build. */
(function () {
  "use strict";
  var _ = window.gettext || function (s) { return s; };

  // --- the bell's menu ------------------------------------------------------------------
  var menu = null;

  function bell() { return document.getElementById("bell"); }

  function loadMenu() {
    var b = bell();
    if (!menu || !b) return;
    fetch(b.getAttribute("href") + "menu/", { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (menu && html) menu.innerHTML = html; });
  }

  function place() {
    var b = bell();
    if (!menu || !b) return;
    var r = b.getBoundingClientRect();  // fixed: whatever the top bar's own positioning
    menu.style.top = (r.bottom + 6) + "px";
    menu.style.left = Math.max(8, Math.min(r.left, document.documentElement.clientWidth - menu.offsetWidth - 8)) + "px";
  }

  function openMenu() {
    var b = bell();
    menu = document.createElement("div");
    menu.id = "notif-menu";
    menu.className = "notif-menu";
    menu.setAttribute("role", "region");
    menu.setAttribute("aria-label", _("Notifikasi"));
    menu.textContent = _("Memuat…");
    b.insertAdjacentElement("afterend", menu);  // next in the tab order
    b.setAttribute("aria-expanded", "true");
    place();
    loadMenu();
  }

  function closeMenu() {
    if (!menu) return;
    menu.remove(); menu = null;
    var b = bell();
    if (b) { b.setAttribute("aria-expanded", "false"); }
  }

  document.addEventListener("click", function (ev) {
    var b = bell();
    if (b && b.contains(ev.target)) {
      if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;  // a new tab: the page
      ev.preventDefault();
      if (menu) closeMenu(); else openMenu();
    } else if (menu && !menu.contains(ev.target)) {
      closeMenu();
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && menu) { closeMenu(); var b = bell(); if (b) b.focus(); }
  });
  document.addEventListener("sigap:notification", loadMenu);
  window.addEventListener("resize", place);
  window.addEventListener("scroll", place, { passive: true });
  var b0 = bell();
  if (b0) { b0.setAttribute("aria-haspopup", "true"); b0.setAttribute("aria-expanded", "false"); }

  // --- @mentions in the composer ----------------------------------------------------------
  var box = null, area = null, items = [], active = -1, timer = null, asked = "";

  function isReply(t) {
    var kind = t.form && t.form.querySelector("input[name=kind]:checked");
    return kind && kind.value === "reply";  // only internal notes notify
  }

  function term(t) {
    var before = t.value.slice(0, t.selectionStart);
    var m = /(^|[\s(\[,;:])@([\w.+-]{0,40})$/.exec(before);
    return m ? m[2] : null;
  }

  function url(t) {
    if (t.dataset.mentions) return t.dataset.mentions;
    var id = document.body.dataset.ticket;
    return id ? "/tickets/" + id + "/mentions/" : null;
  }

  function close() {
    if (box) box.remove();
    box = null; items = []; active = -1;
    if (area) { area.removeAttribute("aria-activedescendant"); area.removeAttribute("aria-controls"); }
  }

  function highlight(i) {
    if (!box || !items.length) return;
    active = (i + items.length) % items.length;
    Array.prototype.forEach.call(box.children, function (li, j) { li.setAttribute("aria-selected", j === active ? "true" : "false"); });
    area.setAttribute("aria-activedescendant", "mention-opt-" + active);
  }

  function choose(i) {
    var u = items[i];
    if (!u || !area) return;
    var pos = area.selectionStart, before = area.value.slice(0, pos), after = area.value.slice(pos);
    var start = before.lastIndexOf("@");
    var insert = "@" + u.username + " ";
    area.value = before.slice(0, start) + insert + after.replace(/^[\w.+-]*\s?/, "");
    var caret = start + insert.length;
    area.setSelectionRange(caret, caret);
    area.focus();
    close();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function show(t, users) {
    close();
    area = t; items = users;
    if (!users.length) return;
    box = document.createElement("ul");
    box.id = "mention-list";
    box.className = "mention-list";
    box.setAttribute("role", "listbox");
    box.setAttribute("aria-label", _("Sebut rekan"));
    users.forEach(function (u, i) {
      var li = document.createElement("li");
      li.id = "mention-opt-" + i;
      li.setAttribute("role", "option");
      li.dataset.username = u.username;
      var name = document.createElement("strong"); name.textContent = u.name;
      var handle = document.createElement("span"); handle.textContent = " @" + u.username + " · " + u.role;
      li.appendChild(name); li.appendChild(handle);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(i); });
      box.appendChild(li);
    });
    t.insertAdjacentElement("afterend", box);
    t.setAttribute("aria-controls", "mention-list");
    highlight(0);
  }

  function suggest(t) {
    var q = term(t), u = url(t);
    if (q === null || !u || isReply(t)) { close(); return; }
    asked = q;
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(u + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { users: [] }; })
        .then(function (data) { if (asked === q && term(t) === q) show(t, data.users || []); })
        .catch(close);
    }, 120);
  }

  document.addEventListener("input", function (ev) {
    var t = ev.target;
    if (t && t.tagName === "TEXTAREA" && t.dataset.mentions !== undefined) {
      t.setAttribute("aria-autocomplete", "list");
      suggest(t);
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (!box || ev.target !== area) return;
    if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(active + 1); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(active - 1); }
    else if (ev.key === "Enter" || ev.key === "Tab") { ev.preventDefault(); choose(active); }
    else if (ev.key === "Escape") { ev.preventDefault(); ev.stopPropagation(); close(); }
  }, true);
  document.addEventListener("focusout", function (ev) { if (ev.target === area) setTimeout(close, 150); });
})();
