// The browser tests' harness (README.md): starts the real `meridian up` (management plane
// with the portal, gateways, the router = the global endpoint) on 127.0.0.1 with free
// ports, drives Debian's chromium with playwright-core, keeps a screenshot of every page
// under artifacts/, and stops everything it started.
"use strict";

const assert = require("node:assert/strict");
const {spawn} = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const {chromium} = require("playwright-core");

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const BIN = process.env.MERIDIAN_BIN || path.join(REPO_ROOT, "bin", "meridian");
const CHROMIUM = process.env.MERIDIAN_CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = path.join(__dirname, "artifacts");
const SVC = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/meridian/" +
  "providers/Microsoft.ApiManagement/service/meridian";
const API_VERSION = "api-version=2022-08-01";
// Under ASan (make SAN=1 browser) everything is slower.
const TIME_SCALE = process.env.MERIDIAN_SAN === "1" ? 4 : 1;
const SANITIZER_MARKERS = ["ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs * TIME_SCALE;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await sleep(50);
  }
}

function isPortFree(port, host) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

// `count` consecutive ports free on 127.0.0.1 (and on 127.0.R.1 for R = 1..4, where `up`
// puts its regions' gateways at base + 10 and + 20).
async function freePortBlock(count) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 35000);
    let ok = true;
    for (let p = base; ok && p < base + count; p++) ok = await isPortFree(p, "127.0.0.1");
    for (let r = 1; ok && r <= 4; r++)
      for (const p of [base + 10, base + 20]) ok = ok && await isPortFree(p, `127.0.${r}.1`);
    if (ok) return base;
  }
  throw new Error("no free port block");
}

// A running process whose stdout/stderr are collected.
class Proc {
  constructor(args, opts) {
    this.out = "";
    this.err = "";
    this.child = spawn(BIN, args, Object.assign({cwd: REPO_ROOT, detached: true,
      stdio: ["ignore", "pipe", "pipe"]}, opts || {}));
    this.child.stdout.on("data", (d) => { this.out += d; });
    this.child.stderr.on("data", (d) => { this.err += d; });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, sig) => resolve({code, sig})));
    this.exitCode = undefined;
    this.exited.then((r) => { this.exitCode = r; });
  }

  logs() { return this.out + this.err; }

  // SIGTERM to the whole process group (up's children included), SIGKILL after 15 s.
  async stop() {
    if (this.exitCode !== undefined) return this.exitCode;
    try { process.kill(-this.child.pid, "SIGTERM"); } catch (e) { /* gone */ }
    const timer = setTimeout(() => { try { process.kill(-this.child.pid, "SIGKILL"); } catch (e) { /* gone */ } },
      15000 * TIME_SCALE);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }
}

// `meridian up` in a temporary state directory. Resolves when its endpoint table is out.
async function startUp() {
  const base = await freePortBlock(30);
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "meridian-browser-"));
  const proc = new Proc(["up", "--state-dir", state, "--base-port", String(base)]);
  await waitUntil(() => proc.out.includes("Meridian is up") || proc.exitCode !== undefined, 40000,
    "meridian up's endpoint table");
  if (proc.exitCode !== undefined) throw new Error("meridian up exited: " + proc.logs());
  const key = JSON.parse(fs.readFileSync(path.join(state, "manage", "admin-key.json"), "utf8"));
  const up = {
    proc, state, base,
    manage: `http://127.0.0.1:${base}`,
    portal: `http://127.0.0.1:${base}/portal`,
    globalEndpoint: `http://127.0.0.1:${base + 9}`,
    adminToken: key.token,
    // A management API call as the administrator: resolves to {status, body}.
    // PATCH and DELETE send If-Match: *.
    async admin(method, resourcePath, body) {
      const resp = await fetch(`${up.manage}${SVC}${resourcePath}?${API_VERSION}`, {
        method,
        headers: Object.assign({Authorization: "Bearer " + key.token},
          body === undefined ? {} : {"Content-Type": "application/json"},
          method === "PATCH" || method === "DELETE" ? {"If-Match": "*"} : {}),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await resp.text();
      let parsed = null;
      try { parsed = JSON.parse(text); } catch (e) { parsed = text; }
      return {status: resp.status, body: parsed};
    },
    // Stops up; fails when a sanitizer reported anything. Returns every log line.
    async stop() {
      await proc.stop();
      const logs = proc.logs() + readLogs(state);
      fs.rmSync(state, {recursive: true, force: true});
      for (const m of SANITIZER_MARKERS) assert.ok(!logs.includes(m), "sanitizer report:\n" + logs);
      return logs;
    },
  };
  return up;
}

// Every *.log file under dir (up writes each child's output there).
function readLogs(dir) {
  let out = "";
  for (const entry of fs.readdirSync(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile() && entry.name.endsWith(".log"))
      out += fs.readFileSync(path.join(entry.parentPath || entry.path, entry.name), "utf8");
  }
  return out;
}

// Headless chromium. Root (CI containers) needs --no-sandbox.
async function launchBrowser() {
  const args = ["--disable-dev-shm-usage"];
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
  return chromium.launch({executablePath: CHROMIUM, headless: true, args});
}

// A page that fails the test on any console error or uncaught exception (CSP violations
// show up as console errors).
async function newPage(browser) {
  const context = await browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (m) => { if (m.type() === "error") page.problems.push("console: " + m.text() + " " + JSON.stringify(m.location())); });
  page.on("pageerror", (e) => page.problems.push("page error: " + e.message));
  return page;
}

// Full-page screenshot into artifacts/<name>.png.
async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, {recursive: true});
  await page.screenshot({path: path.join(ARTIFACTS, name + ".png"), fullPage: true});
}

module.exports = {REPO_ROOT, BIN, SVC, TIME_SCALE, ARTIFACTS, sleep, waitUntil, freePortBlock, Proc,
  startUp, launchBrowser, newPage, screenshot, readLogs};
