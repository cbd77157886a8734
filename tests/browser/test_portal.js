// The developer portal in a real browser (docs/portal.md): a developer signs up,
// subscribes to a product, gets a key, calls an API from try-it through the global
// endpoint and sees the response. A screenshot of every page goes to artifacts/portal-*.
"use strict";

const assert = require("node:assert/strict");
const {test, before, after} = require("node:test");
const h = require("./harness");

let up, browser;

// An imported API (OpenAPI 3): its parameters and representations show in the portal.
const PETS = {
  openapi: "3.0.3",
  info: {title: "Pets", version: "1"},
  paths: {
    "/pets/{petId}": {
      get: {
        operationId: "getPet", summary: "Get a pet", description: "One pet by its id.",
        parameters: [
          {name: "petId", in: "path", required: true, schema: {type: "integer"}, description: "The pet's id"},
          {name: "fields", in: "query", schema: {type: "string", enum: ["name", "all"]}},
        ],
        responses: {"200": {description: "The pet", content: {"application/json": {
          schema: {$ref: "#/components/schemas/Pet"}, example: {id: 7, name: "Rex"}}}}},
      },
    },
    "/pets": {
      post: {
        operationId: "addPet", summary: "Add a pet",
        requestBody: {content: {"application/json": {schema: {$ref: "#/components/schemas/Pet"}}}},
        responses: {"201": {description: "Created"}},
      },
    },
  },
  components: {schemas: {Pet: {type: "object", properties: {id: {type: "integer"}, name: {type: "string"}}}}},
};

before(async () => {
  up = await h.startUp();
  browser = await h.launchBrowser();
  // A published product "Gold" holding up's echo API, which now needs a key (up's own
  // demo product "Starter" holds "orders"), an imported API in it, and a product that is
  // not published.
  let r = await up.admin("PATCH", "/apis/echo", {properties: {subscriptionRequired: true,
    description: "Answers every request with what it received."}});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await up.admin("PUT", "/products/gold", {properties: {displayName: "Gold",
    description: "Everything to get going.", state: "published", subscriptionRequired: true}});
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await up.admin("PUT", "/products/gold/apis/echo");
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await up.admin("PUT", "/apis/pets", {properties: {path: "pets", format: "openapi+json",
    value: JSON.stringify(PETS), serviceUrl: "http://contoso-other.com/", subscriptionRequired: true}});
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await up.admin("PUT", "/products/gold/apis/pets");
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await up.admin("PUT", "/products/hidden", {properties: {displayName: "Hidden product",
    state: "notPublished"}});
  assert.equal(r.status, 201, JSON.stringify(r.body));
});

after(async () => {
  if (browser) await browser.close();
  if (up) await up.stop();
});

test("a developer signs up, subscribes, gets a key and calls an API from try-it", async () => {
  const page = await h.newPage(browser);
  const email = `ada.${Date.now()}@example.com`;
  const password = "correct horse battery staple";

  await page.goto(up.portal);
  await page.getByRole("heading", {name: "Welcome, developer"}).waitFor();
  assert.ok(await page.getByText("Gold").first().isVisible());
  assert.equal(await page.getByText("Hidden product").count(), 0, "unpublished products stay hidden");
  await h.screenshot(page, "portal-home");

  await page.getByRole("link", {name: "Sign up"}).first().click();
  await page.getByRole("heading", {name: "Sign up"}).waitFor();
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Lovelace");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await h.screenshot(page, "portal-signup");
  await page.getByRole("button", {name: "Create account"}).click();
  await page.getByRole("heading", {name: "My keys"}).waitFor();
  await page.getByText("No subscription yet").waitFor();
  assert.ok(await page.getByText("Signed in as").isVisible());

  // The session cookie: HttpOnly and SameSite=Strict, invisible to scripts.
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "meridian_session");
  assert.ok(session && session.httpOnly && session.sameSite === "Strict", JSON.stringify(cookies));
  assert.equal(await page.evaluate(() => document.cookie), "");

  await page.getByRole("link", {name: "Products"}).click();
  await page.getByRole("heading", {name: "Products"}).waitFor();
  await h.screenshot(page, "portal-products");
  await page.getByRole("button", {name: "Subscribe to Gold"}).click();
  await page.getByRole("heading", {name: "My keys"}).waitFor();
  const row = page.locator("#subscriptions tbody tr");
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  // Keys are masked until asked for.
  assert.ok(!(await page.locator("#subscriptions").innerText()).match(/[0-9a-f]{32}/));
  await page.getByRole("button", {name: "Show primary key of Gold"}).click();
  const key = (await row.first().locator("[data-secret]").first().innerText()).trim();
  assert.match(key, /^[0-9a-f]{32}$/);
  await h.screenshot(page, "portal-keys");

  // The key is the subscription's, owned by the new user (management API view).
  const subId = await row.first().getAttribute("data-subscription");
  const secrets = await up.admin("POST", `/subscriptions/${subId}/listSecrets`);
  assert.equal(secrets.body.primaryKey, key);
  const sub = await up.admin("GET", `/subscriptions/${subId}`);
  assert.equal(sub.body.properties.scope, "/products/gold");
  assert.match(sub.body.properties.ownerId, /\/users\/dev-[0-9a-f]{16}$/);

  // Regenerating the primary key changes it.
  await page.getByRole("button", {name: "Regenerate the primary key of Gold"}).click();
  await page.getByRole("button", {name: "Show primary key of Gold"}).click();
  await h.waitUntil(async () => (await row.first().locator("[data-secret]").first().innerText()).trim() !== key,
    5000, "the new primary key");
  const newKey = (await row.first().locator("[data-secret]").first().innerText()).trim();
  assert.match(newKey, /^[0-9a-f]{32}$/);
  assert.equal((await up.admin("POST", `/subscriptions/${subId}/listSecrets`)).body.primaryKey, newKey);

  await page.getByRole("link", {name: "APIs"}).click();
  await page.getByRole("heading", {name: "APIs"}).waitFor();
  await h.screenshot(page, "portal-apis");
  await page.getByRole("link", {name: "Echo"}).click();
  await page.getByRole("heading", {name: "Echo", exact: true}).waitFor();
  await page.getByRole("heading", {name: "Try it"}).waitFor();
  assert.ok(await page.getByText("Ocp-Apim-Subscription-Key").first().isVisible());
  assert.ok(await page.getByRole("heading", {name: "GET /echo/* — GET anything"}).isVisible());
  await h.screenshot(page, "portal-api");

  // Try-it: GET /echo/hello through the global endpoint with the developer's key.
  await page.getByLabel("Path (on the global endpoint)").fill("/echo/hello?from=portal");
  await page.getByLabel("Headers").fill("X-Trace: browser-test");
  await page.getByRole("button", {name: "Send"}).click();
  const status = page.locator("#try-status");
  await status.waitFor({timeout: 15000 * h.TIME_SCALE});
  assert.equal(await status.innerText(), "HTTP 200");
  const body = await page.locator("#try-response-body").innerText();
  assert.ok(body.includes("/hello"), body);
  assert.ok(body.toLowerCase().includes("browser-test"), "the header went through: " + body);
  await h.screenshot(page, "portal-try-it");
  // Without a key the gateway refuses (the key really is checked).
  await page.getByLabel("Subscription (its primary key is sent)").selectOption({label: "No key"});
  await page.getByRole("button", {name: "Send"}).click();
  await h.waitUntil(async () => (await status.innerText()) !== "HTTP 200", 15000, "the keyless answer");
  assert.equal(await status.innerText(), "HTTP 401");

  // The imported API: parameters, the schema names and examples of its representations.
  await page.getByRole("link", {name: "APIs"}).click();
  await page.getByRole("link", {name: "Pets"}).click();
  await page.getByRole("heading", {name: "Pets", exact: true}).waitFor();
  const getPet = page.locator("section.op", {hasText: "Get a pet"});
  assert.match(await getPet.innerText(), /petId\s+path\s+integer\s+yes\s+The pet's id/);
  assert.match(await getPet.innerText(), /fields\s+query\s+string\s+no\s+\(one of name, all\)/);
  assert.ok((await getPet.innerText()).includes("schema Pet"));
  assert.ok((await getPet.innerText()).includes('"Rex"'));
  assert.ok((await page.locator("section.op", {hasText: "Add a pet"}).innerText()).includes("Request body"));
  await h.screenshot(page, "portal-api-imported");

  // Sign out, then in again.
  await page.getByRole("button", {name: "Sign out"}).click();
  await page.getByRole("link", {name: "Sign in"}).first().waitFor();
  await page.goto(up.portal + "#/signin");
  await page.getByRole("heading", {name: "Sign in"}).waitFor();
  await h.screenshot(page, "portal-signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong password!");
  await page.getByRole("button", {name: "Sign in"}).click();
  await page.getByText("The email or the password is wrong.").waitFor();
  await h.screenshot(page, "portal-signin-failed");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", {name: "Sign in"}).click();
  await page.getByRole("heading", {name: "My keys"}).waitFor();
  assert.equal(await page.locator("#subscriptions tbody tr").count(), 1);

  // Keyboard: on a fresh load the skip link is the first stop and leads to the content.
  await page.goto(up.portal + "#/account");
  await page.reload();
  await page.locator("#subscriptions").waitFor();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.closest("main") !== null), true);

  // The wrong password's 401 is the only failed load expected.
  assert.deepEqual(page.problems.filter((p) => !p.includes("/portal/api/signin")), [],
    "console errors (CSP violations show here)");
  await page.context().close();

  const logs = await up.stop();
  up = null;
  for (const secret of [key, newKey, password])
    assert.ok(!logs.includes(secret), "a secret is in the logs");
});
