/* The operations dashboard (docs/dashboard.md): sign-in, the Locations page (map, live
 * status of every location, staged changes saved like the managed service's "Save"), and
 * the change log. Talks only to /dashboard/api/ (src/manage/dashboard.h) with the session
 * cookie; the CSRF token lives in this page's memory, never in storage. Every text from
 * the server goes into the page with textContent: nothing is parsed as HTML. */
"use strict";

(function () {
  var API = "/dashboard/api/";
  var POLL_MS = 2000;
  var SLIDER_MAX = 16;

  var csrf = null;
  var overview = null;
  var pollTimer = null;
  var isSaving = false;
  /* Changes not saved yet: slug → {displayName, units} to add, slug → {units?,
   * disableGateway?} to change, slug → true to delete. */
  var staged = {adds: {}, edits: {}, deletes: {}};
  var cards = {};

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function slugOf(name) { return String(name).toLowerCase().replace(/[^a-z0-9]/g, ""); }

  function banner(text, isError) {
    var b = $("banner");
    b.textContent = text || "";
    b.hidden = !text;
    b.className = "banner" + (isError ? " banner-error" : "");
  }

  /* fetch with the session cookie and, for writes, the CSRF token. Resolves to
   * {status, body, etag}; a 401 sends the page to sign-in. */
  function api(method, path, body, ifMatch) {
    var headers = {"Accept": "application/json"};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    if (ifMatch) headers["If-Match"] = ifMatch;
    return fetch(API + path, {method: method, headers: headers, credentials: "same-origin", cache: "no-store",
                              body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        return r.text().then(function (t) {
          var parsed = null;
          try { parsed = t ? JSON.parse(t) : null; } catch (e) { parsed = null; }
          if (r.status === 401 && path !== "signin") signedOut();
          return {status: r.status, body: parsed};
        });
      });
  }

  function errorText(res) {
    var e = res.body && res.body.error;
    return e && e.message ? e.message : "The management plane answered " + res.status + ".";
  }

  /* ---- views ---- */

  function show(view) {
    ["signin", "locations", "changes"].forEach(function (v) { $("view-" + v).hidden = v !== view; });
    ["locations", "changes"].forEach(function (v) {
      var a = $("nav-" + v);
      if (v === view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    document.title = "Meridian — " + (view === "signin" ? "sign in" : view);
  }

  function route() {
    if (!csrf) {
      show("signin");
      $("signin-key").focus();
      return;
    }
    var view = location.hash === "#/changes" ? "changes" : "locations";
    show(view);
    if (view === "changes") loadChanges();
  }

  function signedIn(session) {
    csrf = session.csrfToken;
    $("who-name").textContent = session.user;
    $("who").hidden = false;
    $("nav").hidden = false;
    if (!location.hash || location.hash === "#/signin") location.hash = "#/locations";
    route();
    poll();
  }

  function signedOut() {
    csrf = null;
    overview = null;
    clearTimeout(pollTimer);
    pollTimer = null;
    $("who").hidden = true;
    $("nav").hidden = true;
    location.hash = "#/signin";
    route();
  }

  /* ---- sign-in ---- */

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = $("signin-key");
    var key = input.value.trim();
    $("signin-error").hidden = true;
    $("signin-submit").disabled = true;
    api("POST", "signin", {key: key}).then(function (res) {
      $("signin-submit").disabled = false;
      input.value = ""; /* the key leaves the page as soon as it has been used */
      if (res.status === 200) {
        banner("");
        signedIn(res.body);
      } else {
        $("signin-error").textContent = errorText(res);
        $("signin-error").hidden = false;
        input.focus();
      }
    });
  });

  $("signout").addEventListener("click", function () {
    api("POST", "signout", {}).then(signedOut);
  });

  /* ---- polling ---- */

  function poll() {
    clearTimeout(pollTimer);
    if (!csrf) return;
    api("GET", "overview").then(function (res) {
      if (!csrf) return;
      $("main").classList.remove("stale");
      if (res.status === 200) {
        overview = res.body;
        banner(isSaving ? "Saving…" : "");
        render();
        if (!$("view-changes").hidden) loadChanges();
      } else if (res.status !== 401) {
        banner("Cannot read the service: " + errorText(res), true);
      }
    }, function () {
      /* What is shown is the last state read: greyed, so nobody takes it for live. */
      $("main").classList.add("stale");
      banner("The management plane does not answer (the dashboard runs on the primary only). " +
             "Showing the state of " + ($("updated").textContent.replace(/^Updated /, "") || "—") +
             "; retrying…", true);
    }).then(function () {
      if (csrf) pollTimer = setTimeout(poll, POLL_MS);
    });
  }

  /* ---- the Locations page ---- */

  /* The router's last probe of the location (status.probe: {"status": "Online" |
   * "Degraded" | "CheckingEndpoint" | "Disabled" | "Stopped", "checkedAt"}), when the router
   * reports to the management plane; null otherwise. A report older than PROBE_FRESH_S
   * (the router stopped reporting) is shown but not believed. */
  var PROBE_FRESH_S = 30;

  function probeOf(status) {
    var p = status.probe;
    if (!p || typeof p.status !== "string") return null;
    var age = p.checkedAt && overview ? (Date.parse(overview.time) - Date.parse(p.checkedAt)) / 1000 : 0;
    return {status: p.status, age: age, isFresh: !(age > PROBE_FRESH_S)};
  }

  /* The health shown: the management plane's (heartbeats), made worse by a fresh router
   * probe that does not find the location Online: seen within the probe time, before the
   * heartbeats go silent. */
  function shownHealth(p) {
    var h = p.status.health;
    if (h === "disabled" || h === "down") return h;
    var probe = probeOf(p.status);
    var isBad = probe && probe.isFresh && ["Degraded", "Stopped"].indexOf(probe.status) >= 0;
    return isBad ? "unreachable" : h;
  }

  function fmtRate(v) { return typeof v === "number" ? v.toFixed(1) + "/s" : "—"; }

  function newCard(slug) {
    var c = {};
    c.root = el("article", {class: "card location", "data-location": slug, "aria-labelledby": "loc-" + slug});
    var head = el("div", {class: "loc-head"});
    c.title = el("h2", {id: "loc-" + slug});
    c.badge = el("span", {class: "badge"});
    c.flags = el("span", {class: "flags"});
    head.append(c.title, c.badge, c.flags);
    c.root.appendChild(head);

    var stats = el("dl", {class: "stats"});
    function stat(label, key) {
      var d = el("div", {class: "stat stat-" + key});
      d.append(el("dt", {}, label));
      c[key] = el("dd", {});
      d.append(c[key]);
      stats.append(d);
    }
    stat("Units up", "units");
    stat("Revision served", "revision");
    stat("Requests", "requests");
    stat("Errors", "errors");
    stat("Router probe", "probes");
    c.root.appendChild(stats);

    c.unitList = el("ul", {class: "unit-list", "aria-label": "Units"});
    c.root.appendChild(c.unitList);

    var controls = el("div", {class: "controls"});
    var sliderId = "units-" + slug;
    var lab = el("label", {for: sliderId}, "Units: ");
    c.unitsOut = el("output", {for: sliderId});
    lab.appendChild(c.unitsOut);
    c.slider = el("input", {type: "range", id: sliderId, min: "1", max: String(SLIDER_MAX), step: "1",
                            class: "units-slider"});
    c.slider.addEventListener("input", function () {
      c.unitsOut.textContent = c.slider.value;
      stageEdit(slug, "units", parseInt(c.slider.value, 10));
    });
    var disId = "disable-" + slug;
    c.disable = el("input", {type: "checkbox", id: disId});
    var disLab = el("label", {for: disId, class: "check"});
    disLab.append(c.disable, document.createTextNode(" Gateway disabled"));
    c.disable.addEventListener("change", function () { stageEdit(slug, "disableGateway", c.disable.checked); });
    c.remove = el("button", {type: "button", class: "danger"}, "Delete");
    c.remove.addEventListener("click", function () { toggleDelete(slug); });
    controls.append(lab, c.slider, disLab, c.remove);
    c.root.appendChild(controls);
    c.note = el("p", {class: "unsaved", role: "status"});
    c.root.appendChild(c.note);
    return c;
  }

  /* The location as the page shows it: what the server has, with the staged changes over it. */
  function shownLocations() {
    var list = (overview ? overview.locations : []).map(function (l) { return l; });
    Object.keys(staged.adds).forEach(function (slug) {
      if (list.some(function (l) { return l.name === slug; })) return;
      var a = staged.adds[slug];
      list.push({name: slug, isNew: true, properties: {displayName: a.displayName, units: a.units,
        disableGateway: false, isPrimary: false, status: {health: "new", unitsUp: 0, units: []}}});
    });
    return list;
  }

  function updateCard(c, loc) {
    var slug = loc.name, p = loc.properties, st = p.status;
    var edit = staged.edits[slug] || {}, add = staged.adds[slug];
    var units = add ? add.units : edit.units !== undefined ? edit.units : p.units;
    var disabled = edit.disableGateway !== undefined ? edit.disableGateway : p.disableGateway;
    var health = loc.isNew ? "new" : shownHealth(p);

    c.title.textContent = p.displayName;
    c.flags.textContent = p.isPrimary ? "primary · management plane" : "";
    c.badge.textContent = loc.isNew ? "not saved" : health;
    c.badge.className = "badge health-" + health;
    c.root.setAttribute("data-health", health);
    c.root.setAttribute("data-units-up", String(st.unitsUp));

    c.units.textContent = loc.isNew ? "—" : st.unitsUp + " of " + p.units;
    if (st.revision === undefined) {
      c.revision.textContent = "—";
    } else if (!st.revisionsBehind) {
      c.revision.textContent = st.revision + " (current)";
    } else {
      c.revision.textContent = st.revision + " (" + st.revisionsBehind + " behind" +
        (st.lagSeconds === null ? "" : ", " + st.lagSeconds + " s") + ")";
    }
    c.requests.textContent = fmtRate(st.requestsPerSecond);
    c.errors.textContent = fmtRate(st.errorsPerSecond);
    var probe = probeOf(st);
    c.probes.textContent = !probe ? "—" : probe.status + (probe.isFresh ? "" : " (" + Math.round(probe.age) + " s ago)");

    /* One mark a configured unit (and any other that reported): up, lagging, silent or
     * not reported yet. */
    var byUnit = {};
    (st.units || []).forEach(function (u) { byUnit[u.unit] = u; });
    var count = Math.max(p.units, (st.units || []).reduce(function (m, u) { return Math.max(m, u.unit + 1); }, 0));
    var marks = [];
    for (var i = 0; i < count; i++) {
      var u = byUnit[i];
      var state = !u ? "waiting" : u.isSilent ? "silent" : u.isLagging ? "lagging" : "up";
      var text = "Unit " + i + ": " + state + (u ? ", revision " + u.revision + ", " + u.source +
        ", " + fmtRate(u.requestsPerSecond) : "");
      var li = el("li", {class: "unit unit-" + state, title: text});
      li.append(el("span", {class: "visually-hidden"}, text));
      marks.push(li);
    }
    c.unitList.replaceChildren.apply(c.unitList, marks);

    /* Controls follow the server unless the administrator is changing them. */
    if (document.activeElement !== c.slider) {
      c.slider.max = String(Math.max(SLIDER_MAX, units));
      c.slider.value = String(units);
    }
    c.unitsOut.textContent = String(units);
    c.disable.checked = !!disabled;
    c.remove.hidden = !!p.isPrimary;
    var isDeleting = !!staged.deletes[slug];
    c.remove.textContent = isDeleting ? "Keep" : "Delete";
    c.root.classList.toggle("deleting", isDeleting);
    var notes = [];
    if (add) notes.push("will be added with " + add.units + " unit" + (add.units === 1 ? "" : "s"));
    if (edit.units !== undefined) notes.push("units " + p.units + " → " + edit.units);
    if (edit.disableGateway !== undefined) notes.push(edit.disableGateway ? "will be disabled" : "will be enabled");
    if (isDeleting) notes.push("will be deleted");
    c.note.textContent = notes.length ? "Unsaved: " + notes.join(", ") + "." : "";
    c.root.classList.toggle("changed", notes.length > 0);
  }

  function render() {
    if (!overview) return;
    var svc = overview.service;
    $("service-meta").textContent = "Service " + svc.name + " · revision " + svc.revision + " · primary " +
      svc.location;
    $("updated").textContent = "Updated " + new Date().toLocaleTimeString();

    var list = shownLocations();
    var box = $("locations"), seen = {};
    list.forEach(function (loc) {
      var c = cards[loc.name] || (cards[loc.name] = newCard(loc.name));
      updateCard(c, loc);
      seen[loc.name] = true;
      box.appendChild(c.root); /* keeps the server's order: primary first */
    });
    Object.keys(cards).forEach(function (slug) {
      if (!seen[slug]) {
        cards[slug].root.remove();
        delete cards[slug];
      }
    });
    window.MeridianMap.render($("map"), list.filter(function (l) { return !l.isNew; }),
                              function (l) { return shownHealth(l.properties); });
    renderRegionChoices(list);
    renderRecent(overview.changes);
    renderPending();
  }

  function renderRegionChoices(list) {
    var select = $("add-region");
    var taken = {};
    list.forEach(function (l) { taken[l.name] = true; });
    var current = select.value;
    var options = window.MeridianRegions.catalog.filter(function (r) { return !taken[slugOf(r.name)]; })
      .map(function (r) { return el("option", {value: r.name}, r.name); });
    if (options.length === select.options.length &&
        options.every(function (o, i) { return o.value === select.options[i].value; })) return;
    select.replaceChildren.apply(select, options);
    if (current && !taken[slugOf(current)]) select.value = current;
  }

  function changeText(ch) {
    var verb = {PUT: "set", PATCH: "changed", DELETE: "deleted", POST: "ran"}[ch.method] || ch.method;
    return verb;
  }

  function renderRecent(changes) {
    var items = (changes || []).slice(0, 8).map(function (ch) {
      var li = el("li", {});
      li.append(el("span", {class: "rev"}, "r" + ch.revision), document.createTextNode(" "),
                el("time", {datetime: ch.time}, ch.time.replace("T", " ").replace("Z", "")),
                document.createTextNode(" " + ch.actor + " " + changeText(ch) + " "),
                el("code", {}, ch.path));
      return li;
    });
    if (!items.length) items.push(el("li", {}, "No changes yet."));
    $("recent").replaceChildren.apply($("recent"), items);
  }

  function loadChanges() {
    api("GET", "changes").then(function (res) {
      if (res.status !== 200) return;
      var rows = res.body.value.map(function (ch) {
        var tr = el("tr", {});
        [String(ch.revision), ch.time.replace("T", " ").replace("Z", ""), ch.actor, changeText(ch)].forEach(function (t) {
          tr.append(el("td", {}, t));
        });
        var td = el("td", {});
        td.append(el("code", {}, ch.path));
        tr.append(td);
        return tr;
      });
      $("changes-body").replaceChildren.apply($("changes-body"), rows);
    });
  }

  /* ---- staging and saving ---- */

  function serverLocation(slug) {
    return overview && overview.locations.filter(function (l) { return l.name === slug; })[0];
  }

  function stageEdit(slug, key, value) {
    if (staged.adds[slug]) {
      if (key === "units") staged.adds[slug].units = value;
    } else {
      var loc = serverLocation(slug);
      var edit = staged.edits[slug] || (staged.edits[slug] = {});
      if (loc && loc.properties[key] === value) delete edit[key];
      else edit[key] = value;
      if (!Object.keys(edit).length) delete staged.edits[slug];
    }
    render();
  }

  function toggleDelete(slug) {
    if (staged.adds[slug]) delete staged.adds[slug];
    else if (staged.deletes[slug]) delete staged.deletes[slug];
    else staged.deletes[slug] = true;
    render();
  }

  function pendingCount() {
    return Object.keys(staged.adds).length + Object.keys(staged.edits).length + Object.keys(staged.deletes).length;
  }

  function renderPending() {
    var n = pendingCount();
    $("save").disabled = n === 0 || isSaving;
    $("discard").disabled = n === 0 || isSaving;
    $("pending").textContent = n ? n + " unsaved change" + (n === 1 ? "" : "s") : "";
  }

  $("add-units").addEventListener("input", function () { $("add-units-value").textContent = $("add-units").value; });

  $("add-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var name = $("add-region").value;
    if (!name) return;
    staged.adds[slugOf(name)] = {displayName: name, units: parseInt($("add-units").value, 10)};
    $("add-units").value = "1";
    $("add-units-value").textContent = "1";
    render();
    $("save").focus();
  });

  $("discard").addEventListener("click", function () {
    staged = {adds: {}, edits: {}, deletes: {}};
    render();
  });

  /* Applies the staged changes one by one, as the REST API's writes (each is a revision);
   * stops at the first refusal and keeps what was not applied. */
  $("save").addEventListener("click", function () {
    var steps = [];
    Object.keys(staged.deletes).forEach(function (slug) {
      var loc = serverLocation(slug);
      steps.push({what: "delete " + slug, done: function () { delete staged.deletes[slug]; },
                  run: function () { return api("DELETE", "locations/" + slug, undefined, loc && loc.etag); }});
    });
    Object.keys(staged.edits).forEach(function (slug) {
      var loc = serverLocation(slug);
      steps.push({what: "change " + slug, done: function () { delete staged.edits[slug]; },
                  run: function () {
                    return api("PATCH", "locations/" + slug, {properties: staged.edits[slug]}, loc && loc.etag);
                  }});
    });
    Object.keys(staged.adds).forEach(function (slug) {
      var a = staged.adds[slug];
      steps.push({what: "add " + a.displayName, done: function () { delete staged.adds[slug]; },
                  run: function () {
                    return api("PUT", "locations/" + slug, {properties: {displayName: a.displayName, units: a.units}});
                  }});
    });
    isSaving = true;
    banner("Saving…");
    renderPending();
    var failed = null;
    steps.reduce(function (chain, step) {
      return chain.then(function () {
        if (failed) return;
        return step.run().then(function (res) {
          if (res.status >= 200 && res.status < 300) step.done();
          else failed = "Could not " + step.what + ": " + errorText(res);
        });
      });
    }, Promise.resolve()).then(function () {
      isSaving = false;
      banner(failed || "Saved.", !!failed);
      poll();
    });
  });

  window.addEventListener("hashchange", route);

  /* ---- start ---- */
  api("GET", "session").then(function (res) {
    if (res.status === 200) signedIn(res.body);
    else signedOut();
  }, function () {
    banner("The management plane does not answer.", true);
  });
})();
