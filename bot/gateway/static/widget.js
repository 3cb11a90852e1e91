/* isee-assistant web widget: one <script src=".../widget.js" defer> tag adds a chat launcher and
 * panel to any page. Vanilla JS, no build step; styles live in a shadow root, away from the host
 * page's CSS. Options (data- attributes of the script tag):
 *   data-title     panel title (default "Trợ lý ảo dịch vụ công")
 *   data-color     main colour, #rgb or #rrggbb (default #b3261e)
 *   data-position  "right" (default) or "left"
 *   data-open      "true" opens the panel on load (the full page at / uses it)
 * The API base is the script's own origin. Every text from the assistant goes in with textContent:
 * no HTML from the server is ever interpreted. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__iseeWidget) return;
  window.__iseeWidget = true;

  var API = new URL(script.src, location.href).origin + "/api/v1";
  var COLOR = /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(script.dataset.color || "") ? script.dataset.color : "#b3261e";
  var SIDE = script.dataset.position === "left" ? "left" : "right";
  var TITLE = script.dataset.title || "Trợ lý ảo dịch vụ công";
  var STORE_KEY = "isee-widget-sender";
  var OPEN_KEY = "isee-widget-open";
  var URL_RE = /https?:\/\/[^\s<>"']+/g;
  var TEXT = {
    launcher: "Trò chuyện với trợ lý ảo", close: "Đóng trợ lý ảo", input: "Câu hỏi của anh/chị",
    placeholder: "Nhập câu hỏi, ví dụ: đăng ký khai sinh cần gì?", send: "Gửi",
    log: "Hội thoại với trợ lý ảo", typing: "Trợ lý ảo đang trả lời…", source: "Nguồn: ",
    greeting: "Xin chào", you: "Anh/chị: ", bot: "Trợ lý: ",
    offline: "Dạ, thiết bị đang mất kết nối mạng. Tin nhắn của anh/chị sẽ được gửi tự động khi có mạng trở lại.",
    failed: "Dạ, đã có lỗi xảy ra. Anh/chị vui lòng thử lại sau ít phút.",
    subtitle: "Hỏi về thủ tục hành chính, giấy tờ, lệ phí, tra cứu hồ sơ"
  };

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,'Segoe UI',Roboto,Arial,sans-serif}",
    ".launcher{position:fixed;bottom:20px;" + SIDE + ":20px;z-index:2147483000;width:60px;height:60px;border-radius:50%;border:0;background:var(--c);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3);display:flex;align-items:center;justify-content:center}",
    ".launcher svg{width:30px;height:30px;fill:currentColor}",
    ".launcher:focus-visible,button:focus-visible,input:focus-visible,a:focus-visible,.log:focus-visible{outline:3px solid #1a4fd6;outline-offset:2px}",
    ".panel{position:fixed;bottom:92px;" + SIDE + ":20px;z-index:2147483000;width:min(380px,calc(100vw - 24px));height:min(580px,calc(100vh - 112px));display:flex;flex-direction:column;background:#fff;color:#1f1f1f;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden;font-size:15px}",
    ".panel[hidden]{display:none}",
    "@media (max-width:480px){.panel{inset:0;width:100vw;height:100%;border-radius:0}}",
    ".head{background:var(--c);color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}",
    "h2{margin:0;font-size:16px;flex:1}",
    ".head p{margin:2px 0 0;font-size:12px}",
    ".close{background:transparent;border:0;color:#fff;font-size:24px;line-height:1;width:40px;height:40px;cursor:pointer;border-radius:8px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px}",
    ".msg{max-width:88%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.45;margin:0}",
    ".user{align-self:flex-end;background:#dbe7ff}",
    ".bot{align-self:flex-start;background:#f0f0f0}",
    ".notice{align-self:center;background:#fff4d6;color:#5c4300;font-size:14px}",
    ".error{align-self:flex-start;background:#fde7e7;color:#8a1c1c}",
    ".msg a{color:#0b50b8}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".buttons{display:flex;flex-wrap:wrap;gap:6px}",
    ".buttons button{border:1px solid var(--c);color:var(--c);background:#fff;border-radius:16px;padding:6px 12px;cursor:pointer;font-size:14px}",
    ".typing{padding:0 14px 8px;color:#555;font-size:13px;min-height:22px}",
    "form{display:flex;border-top:1px solid #ddd}",
    "input{flex:1;min-width:0;border:0;padding:14px;font-size:16px;color:#1f1f1f}",
    "form button{border:0;background:var(--c);color:#fff;padding:0 18px;font-size:16px;cursor:pointer}"
  ].join("\n");

  var host = document.createElement("aside");
  host.setAttribute("aria-label", TITLE);
  host.id = "isee-widget";
  var root = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent = CSS;
  root.appendChild(style);
  host.style.setProperty("--c", COLOR);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "isee-panel", "aria-label": TEXT.launcher });
  var SVG = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  var bubblePath = document.createElementNS(SVG, "path");
  bubblePath.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z");
  icon.append(bubblePath);
  launcher.append(icon);
  var panel = el("div", { id: "isee-panel", class: "panel", role: "dialog", "aria-label": TITLE, hidden: "" });
  var header = el("div", { class: "head" });
  var heading = el("div");
  heading.style.flex = "1";
  heading.append(el("h2", {}, TITLE), el("p", {}, TEXT.subtitle));
  var closeBtn = el("button", { type: "button", class: "close", "aria-label": TEXT.close }, "×");
  header.append(heading, closeBtn);
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": TEXT.log, tabindex: "0" });
  var typing = el("div", { class: "typing", role: "status" });
  var form = el("form");
  var input = el("input", { type: "text", autocomplete: "off", maxlength: "1000", "aria-label": TEXT.input, placeholder: TEXT.placeholder });
  var sendBtn = el("button", { type: "submit" }, TEXT.send);
  form.append(input, sendBtn);
  panel.append(header, log, typing, form);
  root.append(launcher, panel);

  function newSender() {
    var id = crypto.randomUUID ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return "web:" + id;
  }
  var sender = localStorage.getItem(STORE_KEY);
  if (!sender || !/^web:[A-Za-z0-9-]{16,60}$/.test(sender)) {
    sender = newSender();
    localStorage.setItem(STORE_KEY, sender);
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function safeUrl(raw) {
    try {
      var u = new URL(raw);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) { return null; }
  }

  function link(href, text) {
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, text);
  }

  // Text with its http(s) URLs made into links; everything stays text nodes.
  function linkified(node, text) {
    var last = 0;
    text.replace(URL_RE, function (match, offset) {
      var url = match.replace(/[.,;:!?)\]]+$/, "");
      if (offset > last) node.append(document.createTextNode(text.slice(last, offset)));
      var href = safeUrl(url);
      node.append(href ? link(href, url) : document.createTextNode(url));
      last = offset + url.length;
      return match;
    });
    if (last < text.length) node.append(document.createTextNode(text.slice(last)));
    return node;
  }

  function bubble(text, cls, who) {
    var p = el("p", { class: "msg " + cls });
    if (cls !== "bot") lastBot = null;
    if (who) p.append(el("span", { class: "sr" }, who));
    linkified(p, text);
    log.append(p);
    scrollDown();
    return p;
  }

  // Rasa sends an answer's source link as a message of its own: it joins the answer's bubble.
  var lastBot = null;
  function renderReply(reply, live) {
    if (reply.text) lastBot = bubble(reply.text, "bot", TEXT.bot);
    var href = reply.link && safeUrl(reply.link);
    if (href) {
      if (!lastBot) lastBot = bubble("", "bot", TEXT.bot);
      var src = el("span", { class: "source" });
      src.append(document.createTextNode((lastBot.childNodes.length > 1 ? "\n" : "") + TEXT.source), link(href, href));
      lastBot.append(src);
    }
    if (live && reply.buttons && reply.buttons.length) {
      var row = el("div", { class: "buttons", role: "group", "aria-label": "Gợi ý" });
      reply.buttons.forEach(function (b) {
        var btn = el("button", { type: "button" }, b.title);
        btn.addEventListener("click", function () { submit(b.payload, b.title); input.focus(); });
        row.append(btn);
      });
      log.append(row);
    }
    scrollDown();
  }

  function clearSuggestions() {
    log.querySelectorAll(".buttons").forEach(function (row) { row.remove(); });
  }

  // Messages wait here, in order, until the server has answered them: nothing is lost offline.
  var queue = [];
  var busy = false;
  var retryDelay = 1000;
  var retryTimer = null;
  var noticeShown = null;

  function submit(message, shown) {
    clearSuggestions();
    bubble(shown || message, "user", TEXT.you);
    queue.push({ message: message, shown: shown || null });
    pump();
  }

  function offlineNotice() {
    if (!noticeShown) noticeShown = bubble(TEXT.offline, "notice");
  }

  function retryLater() {
    offlineNotice();
    clearTimeout(retryTimer);
    retryTimer = setTimeout(pump, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function pump() {
    if (busy || !queue.length) return;
    if (navigator.onLine === false) { offlineNotice(); return; }
    busy = true;
    typing.textContent = TEXT.typing;
    var item = queue[0];
    fetch(API + "/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: item.message, shown: item.shown })
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
      queue.shift();
      retryDelay = 1000;
      if (noticeShown) { noticeShown.remove(); noticeShown = null; }
      if (r.ok) r.body.replies.forEach(function (reply) { renderReply(reply, true); });
      else bubble((r.body.error && r.body.error.message) || TEXT.failed, "error");
    }, function () {
      busy = false;
      typing.textContent = "";
      retryLater();
      return "retry";
    }).then(function (outcome) {
      if (outcome === "retry") return;
      busy = false;
      typing.textContent = "";
      pump();
    });
  }

  window.addEventListener("online", function () {
    clearTimeout(retryTimer);
    retryDelay = 1000;
    pump();
  });

  var restored = false;
  function restore() {
    return fetch(API + "/history?sender=" + encodeURIComponent(sender)).then(function (res) {
      return res.ok ? res.json() : { turns: [] };
    }).then(function (body) {
      if (busy || queue.length) return;
      log.textContent = "";
      body.turns.forEach(function (turn, i) {
        if (turn.user) bubble(turn.user, "user", TEXT.you);
        turn.replies.forEach(function (reply) { renderReply(reply, i === body.turns.length - 1); });
      });
      if (!body.turns.length && !restored) submit("xin chào", TEXT.greeting);
      restored = true;
    }, function () {
      if (!restored) offlineNotice();
    });
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    sessionStorage.setItem(OPEN_KEY, "1");
    input.focus();
    restore();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    sessionStorage.removeItem(OPEN_KEY);
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (ev) { if (ev.key === "Escape") close(); });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    submit(text);
  });

  document.body.append(host);
  if (script.dataset.open === "true" || sessionStorage.getItem(OPEN_KEY)) open();
})();
