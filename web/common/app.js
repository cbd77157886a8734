// Shared helpers of the management plane's pages (portal, dashboard). Plain browser
// JavaScript, no build step. Pages never build HTML from strings: every text goes in with
// textContent (h() below), so nothing a user typed can become markup.
"use strict";

const Meridian = (() => {
  // h("p", {class: "muted"}, "text", child...) → an element. Attributes starting with "on"
  // are event listeners; `null`/`false` children are skipped.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else if (name === "text") el.textContent = value;
      else el.setAttribute(name, value === true ? "" : String(value));
    }
    return fill(el, ...children);
  }

  // Replaces el's children with `children` (nested arrays flattened; null, undefined and
  // false skipped; strings as text). Returns el.
  function fill(el, ...children) {
    el.replaceChildren();
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  // A JSON API call on this origin. Unsafe methods send the session's CSRF token
  // (X-CSRF-Token, src/manage/session.h). Resolves to {status, body}; body is the parsed
  // JSON or null.
  async function request(method, url, body, csrfToken) {
    const headers = {Accept: "application/json"};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (csrfToken && !["GET", "HEAD", "OPTIONS"].includes(method)) headers["X-CSRF-Token"] = csrfToken;
    const resp = await fetch(url, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let parsed = null;
    try { parsed = await resp.json(); } catch (e) { parsed = null; }
    return {status: resp.status, body: parsed};
  }

  // The message of an error answer {"error": {"message"}}.
  function errorText(r) {
    return (r.body && r.body.error && r.body.error.message) || ("The server answered " + r.status + ".");
  }

  // Screen readers hear `text` (a polite live region the page provides as #announce).
  function announce(text) {
    const region = document.getElementById("announce");
    if (region) { region.textContent = ""; setTimeout(() => { region.textContent = text; }, 30); }
  }

  // Hash routing: routes = [[/^#\/apis\/([^/]+)$/, (id) => ...], ...]; the first match runs.
  let hasNavigated = false;
  function router(routes, fallback) {
    window.addEventListener("hashchange", () => { hasNavigated = true; });
    async function go() {
      const hash = location.hash || "#/";
      for (const [pattern, view] of routes) {
        const m = hash.match(pattern);
        if (m) { await view(...m.slice(1).map(decodeURIComponent)); return; }
      }
      await fallback();
    }
    window.addEventListener("hashchange", go);
    return go;
  }

  // Replaces the contents of #main, sets the document title and, after a navigation
  // within the page, moves focus to the heading (keyboard and screen-reader users land at
  // the start of the new view; on first load focus stays at the top, on the skip link).
  function show(title, ...content) {
    const main = document.getElementById("main");
    fill(main, h("h1", {tabindex: "-1", id: "view-title"}, title), ...content);
    document.title = title + " — " + (document.body.dataset.site || "Meridian");
    if (hasNavigated) document.getElementById("view-title").focus();
  }

  function notice(kind, text) {
    return h("div", {class: "notice " + kind, role: kind === "error" ? "alert" : "status"}, text);
  }

  // A labelled form field: field("email", "Email", {type: "email", required: true}).
  function field(id, label, attrs, tag) {
    const input = h(tag || "input", Object.assign({id, name: id}, attrs || {}));
    return h("div", {}, h("label", {for: id}, label), input);
  }

  return {h, fill, request, errorText, announce, router, show, notice, field};
})();
