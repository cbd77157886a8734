// The developer portal (docs/portal.md): one page, views chosen by the URL fragment.
// Data comes from /portal/api/... (src/manage/portal.h); keys are fetched only by their
// owner, only from the JSON API, and are shown masked until asked for.
"use strict";

(() => {
  const {h, fill, request, errorText, announce, show, notice, field} = Meridian;
  const API = "/portal/api/";
  let session = {signedIn: false, csrfToken: "", tryIt: false};

  const call = (method, path, body) => request(method, API + path, body, session.csrfToken);

  async function loadSession() {
    const r = await call("GET", "session");
    if (r.status === 200) session = r.body;
    renderWho();
  }

  function renderWho() {
    const who = document.getElementById("who");
    if (session.signedIn) {
      fill(who,
        h("span", {}, "Signed in as ", h("strong", {}, session.user.email)),
        h("button", {type: "button", class: "link", id: "signout", onclick: signOut}, "Sign out"));
    } else {
      fill(who, h("a", {href: "#/signin"}, "Sign in"), h("a", {href: "#/signup"}, "Sign up"));
    }
  }

  async function signOut() {
    await call("POST", "signout");
    await loadSession();
    announce("Signed out.");
    location.hash = "#/";
  }

  // ---- catalog ----

  async function home() {
    const r = await call("GET", "products");
    show("Welcome, developer",
      h("div", {class: "hero"},
        h("p", {}, "Browse the published products and their APIs, sign up, subscribe to a product ",
          "to get your keys, and call the APIs from the try-it console."),
        session.signedIn ? h("a", {class: "button", href: "#/account"}, "My keys")
                         : h("a", {class: "button", href: "#/signup"}, "Sign up")),
      h("h2", {}, "Products"), productCards(r.status === 200 ? r.body.value : []));
  }

  function productCards(products) {
    if (!products.length) return h("p", {class: "muted"}, "No product is published yet.");
    return h("ul", {class: "cards"}, products.map((p) => h("li", {class: "card"},
      h("h3", {}, p.displayName),
      p.description ? h("p", {}, p.description) : null,
      h("p", {class: "muted"}, p.apis.length ? "APIs: " : "No API yet.",
        p.apis.map((a, i) => [i ? ", " : "", h("a", {href: "#/apis/" + encodeURIComponent(a.id)}, a.displayName)])),
      p.approvalRequired ? h("p", {class: "muted"}, "Subscriptions need an administrator's approval.") : null,
      subscribeButton(p))));
  }

  function subscribeButton(p) {
    if (!session.signedIn)
      return h("a", {href: "#/signin"}, "Sign in to subscribe to " + p.displayName);
    return h("button", {type: "button", "data-product": p.id, "aria-label": "Subscribe to " + p.displayName,
      onclick: async (ev) => {
        ev.target.disabled = true;
        const r = await call("POST", "subscriptions", {productId: p.id});
        if (r.status === 201) {
          announce("Subscribed to " + p.displayName + ".");
          location.hash = "#/account";
        } else {
          ev.target.disabled = false;
          ev.target.after(notice("error", errorText(r)));
        }
      }}, "Subscribe");
  }

  async function products() {
    const r = await call("GET", "products");
    show("Products", r.status === 200 ? productCards(r.body.value) : notice("error", errorText(r)));
  }

  async function apis() {
    const r = await call("GET", "apis");
    if (r.status !== 200) return show("APIs", notice("error", errorText(r)));
    const list = r.body.value;
    show("APIs", list.length ? h("table", {},
      h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "API"), h("th", {scope: "col"}, "Path"),
        h("th", {scope: "col"}, "Products"), h("th", {scope: "col"}, "Description"))),
      h("tbody", {}, list.map((a) => h("tr", {},
        h("td", {}, h("a", {href: "#/apis/" + encodeURIComponent(a.id)}, a.displayName)),
        h("td", {}, h("code", {}, "/" + a.path)),
        h("td", {}, a.products.map((p) => p.displayName).join(", ")),
        h("td", {}, a.description))))) : h("p", {class: "muted"}, "No API is published yet."));
  }

  function paramTable(caption, params) {
    if (!params || !params.length) return null;
    return h("table", {},
      h("caption", {class: "visually-hidden"}, caption),
      h("thead", {}, h("tr", {}, ["Name", "In", "Type", "Required", "Description"].map((t) => h("th", {scope: "col"}, t)))),
      h("tbody", {}, params.map((p) => h("tr", {},
        h("td", {}, h("code", {}, p.name)), h("td", {}, p.in), h("td", {}, p.type || "string"),
        h("td", {}, p.required ? "yes" : "no"),
        h("td", {}, p.description || "", p.values && p.values.length ? " (one of " + p.values.join(", ") + ")" : "")))));
  }

  function representations(reps) {
    if (!reps || !reps.length) return null;
    return h("ul", {}, reps.map((r) => h("li", {},
      h("code", {}, r.contentType), r.typeName ? [" — schema ", h("code", {}, r.typeName)] : null,
      r.examples ? h("pre", {}, JSON.stringify(r.examples, null, 2)) : null)));
  }

  function operation(api, op) {
    const req = op.request || {};
    const params = [].concat(
      (op.templateParameters || []).map((p) => Object.assign({in: "path"}, p)),
      (req.queryParameters || []).map((p) => Object.assign({in: "query"}, p)),
      (req.headers || []).map((p) => Object.assign({in: "header"}, p)));
    return h("section", {class: "op", "aria-labelledby": "op-" + op.id},
      h("h3", {id: "op-" + op.id}, h("span", {class: "method"}, op.method), " ",
        h("code", {}, "/" + api.path + op.urlTemplate), " — ", op.displayName),
      op.description ? h("p", {}, op.description) : null,
      paramTable("Parameters of " + op.displayName, params),
      req.representations && req.representations.length ? [h("h4", {}, "Request body"), representations(req.representations)] : null,
      op.responses && op.responses.length ? [h("h4", {}, "Responses"), h("ul", {}, op.responses.map((r) =>
        h("li", {}, h("strong", {}, String(r.statusCode)), r.description ? " " + r.description : "",
          representations(r.representations))))] : null);
  }

  async function api(id) {
    const r = await call("GET", "apis/" + encodeURIComponent(id));
    if (r.status !== 200) return show("API not found", notice("error", errorText(r)));
    const a = r.body;
    show(a.displayName,
      a.description ? h("p", {}, a.description) : null,
      h("p", {}, "Base path ", h("code", {}, "/" + a.path), ". ",
        a.subscriptionRequired ? ["Calls need a subscription key in the ", h("code", {}, a.keyHeader),
          " header (or the ", h("code", {}, a.keyQuery), " query parameter)."] : "Calls need no key."),
      h("p", {class: "muted"}, "In products: ", a.products.map((p) => p.displayName).join(", ")),
      h("h2", {}, "Operations"),
      a.operations.length ? a.operations.map((op) => operation(a, op)) : h("p", {class: "muted"}, "No operation."),
      await tryIt(a));
  }

  // ---- try-it ----

  async function tryIt(a) {
    const box = h("section", {class: "try panel", "aria-labelledby": "try-title"},
      h("h2", {id: "try-title"}, "Try it"));
    if (!session.tryIt) {
      box.append(h("p", {class: "muted"}, "The management plane was started without --global-endpoint: try-it is off."));
      return box;
    }
    if (!session.signedIn) {
      box.append(h("p", {}, h("a", {href: "#/signin"}, "Sign in"), " to call this API with your key."));
      return box;
    }
    const subs = await call("GET", "subscriptions");
    const productIds = new Set(a.products.map((p) => p.id));
    const mine = subs.status === 200 ? subs.body.value.filter((s) => productIds.has(s.productId) && s.state === "active") : [];
    const opSelect = h("select", {id: "try-op", name: "op"}, a.operations.map((op, i) =>
      h("option", {value: String(i)}, op.method + " " + op.urlTemplate + " — " + op.displayName)));
    const method = h("input", {id: "try-method", name: "method", value: "GET", required: true});
    const path = h("input", {id: "try-path", name: "path", required: true, class: "mono"});
    const sub = h("select", {id: "try-sub", name: "subscription"},
      mine.map((s) => h("option", {value: s.id}, s.displayName + " (" + s.productName + ")")),
      h("option", {value: ""}, "No key"));
    const headers = h("textarea", {id: "try-headers", name: "headers", rows: "3", placeholder: "Name: value (one per line)"});
    const body = h("textarea", {id: "try-body", name: "body", rows: "4"});
    const result = h("div", {id: "try-result", "aria-live": "polite"});
    function pick() {
      const op = a.operations[Number(opSelect.value)];
      if (!op) return;
      method.value = op.method;
      path.value = "/" + a.path + op.urlTemplate.replace(/\*$/, "");
    }
    opSelect.addEventListener("change", pick);
    pick();
    const form = h("form", {class: "stack wide", id: "try-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const pairs = headers.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
        const i = l.indexOf(":");
        return i > 0 ? [l.slice(0, i).trim(), l.slice(i + 1).trim()] : [l, ""];
      });
      fill(result, h("p", {}, "Sending…"));
      const r = await call("POST", "try", {subscriptionId: sub.value, apiId: a.id,
        method: method.value.trim().toUpperCase(), path: path.value.trim(), headers: pairs, body: body.value});
      if (r.status !== 200) {
        fill(result, notice("error", errorText(r)));
        return;
      }
      const res = r.body;
      fill(result,
        h("h3", {}, "Response"),
        h("p", {class: "response-head"}, h("span", {id: "try-status", class: res.status < 400 ? "status-ok" : "status-bad"},
          "HTTP " + res.status), h("span", {class: "muted"}, res.elapsedMs + " ms")),
        h("table", {class: "keys"}, h("caption", {class: "visually-hidden"}, "Response headers"),
          h("tbody", {}, res.headers.map(([n, v]) => h("tr", {}, h("th", {scope: "row"}, n), h("td", {}, v))))),
        h("pre", {id: "try-response-body", tabindex: "0", "aria-label": "Response body"}, res.body),
        res.truncated ? h("p", {class: "muted"}, "Only the first 256 KiB are shown.") : null);
      announce("Response " + res.status + ".");
    }},
      h("div", {}, h("label", {for: "try-op"}, "Operation"), opSelect),
      h("div", {class: "row"},
        h("div", {class: "narrow"}, h("label", {for: "try-method"}, "Method"), method),
        h("div", {}, h("label", {for: "try-path"}, "Path (on the global endpoint)"), path)),
      h("div", {}, h("label", {for: "try-sub"}, "Subscription (its primary key is sent)"), sub),
      mine.length ? null : h("p", {class: "muted"}, "You have no active subscription to a product holding this API: subscribe first."),
      h("div", {}, h("label", {for: "try-headers"}, "Headers"), headers),
      h("div", {}, h("label", {for: "try-body"}, "Body"), body),
      h("div", {}, h("button", {type: "submit", id: "try-send"}, "Send")));
    box.append(form, result);
    return box;
  }

  // ---- account ----

  function accountForm(kind) {
    const isUp = kind === "signup";
    const error = h("div", {});
    const form = h("form", {class: "stack", id: kind + "-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const data = Object.fromEntries(new FormData(form).entries());
      const r = await call("POST", kind, data);
      if (r.status === 200 || r.status === 201) {
        session = r.body;
        renderWho();
        announce(isUp ? "Account created; you are signed in." : "Signed in.");
        location.hash = "#/account";
      } else {
        fill(error, notice("error", errorText(r)));
      }
    }},
      isUp ? field("firstName", "First name", {autocomplete: "given-name", required: true}) : null,
      isUp ? field("lastName", "Last name", {autocomplete: "family-name", required: true}) : null,
      field("email", "Email", {type: "email", autocomplete: "email", required: true}),
      field("password", "Password" + (isUp ? " (at least 10 characters)" : ""),
        {type: "password", autocomplete: isUp ? "new-password" : "current-password", required: true, minlength: isUp ? "10" : null}),
      h("div", {}, h("button", {type: "submit"}, isUp ? "Create account" : "Sign in")));
    show(isUp ? "Sign up" : "Sign in", error, form,
      h("p", {}, isUp ? ["Already have an account? ", h("a", {href: "#/signin"}, "Sign in")]
                      : ["New here? ", h("a", {href: "#/signup"}, "Create an account")]));
  }

  function maskedKey(label, value) {
    const text = h("span", {class: "key", "data-secret": "true"}, "••••••••••••");
    const button = h("button", {type: "button", class: "secondary", "aria-pressed": "false", "aria-label": "Show " + label,
      onclick: () => {
        const shown = button.getAttribute("aria-pressed") === "true";
        button.setAttribute("aria-pressed", shown ? "false" : "true");
        text.textContent = shown ? "••••••••••••" : value;
        button.textContent = shown ? "Show" : "Hide";
      }}, "Show");
    return [text, " ", button];
  }

  async function account() {
    if (!session.signedIn) {
      show("My keys", h("p", {}, h("a", {href: "#/signin"}, "Sign in"), " to see your subscriptions and keys."));
      return;
    }
    const r = await call("GET", "subscriptions");
    if (r.status !== 200) return show("My keys", notice("error", errorText(r)));
    const subs = r.body.value;
    const status = h("div", {"aria-live": "polite"});
    function regen(s, which) {
      return h("button", {type: "button", class: "secondary", "aria-label": "Regenerate the " + which + " key of " + s.displayName,
        onclick: async () => {
          const rr = await call("POST", "subscriptions/" + encodeURIComponent(s.id) + "/regenerate", {key: which});
          if (rr.status === 200) { announce("The " + which + " key was regenerated."); await account(); }
          else fill(status, notice("error", errorText(rr)));
        }}, "Regenerate");
    }
    show("My keys",
      h("p", {}, session.user.firstName + " " + session.user.lastName + " — " + session.user.email),
      status,
      subs.length ? h("table", {class: "keys", id: "subscriptions"},
        h("thead", {}, h("tr", {}, ["Subscription", "Product", "State", "Primary key", "", "Secondary key", ""].map((t) => h("th", {scope: "col"}, t)))),
        h("tbody", {}, subs.map((s) => h("tr", {"data-subscription": s.id},
          h("td", {}, s.displayName), h("td", {}, s.productName), h("td", {}, s.state),
          h("td", {}, maskedKey("primary key of " + s.displayName, s.primaryKey)), h("td", {}, regen(s, "primary")),
          h("td", {}, maskedKey("secondary key of " + s.displayName, s.secondaryKey)), h("td", {}, regen(s, "secondary"))))))
        : h("p", {class: "muted"}, "No subscription yet: ", h("a", {href: "#/products"}, "subscribe to a product"), "."));
  }

  const go = Meridian.router([
    [/^#\/?$/, home],
    [/^#\/products$/, products],
    [/^#\/apis$/, apis],
    [/^#\/apis\/([^/]+)$/, api],
    [/^#\/signin$/, () => accountForm("signin")],
    [/^#\/signup$/, () => accountForm("signup")],
    [/^#\/account$/, account],
  ], () => show("Not found", h("p", {}, "No such page. ", h("a", {href: "#/"}, "Home"))));

  loadSession().then(go);
})();
