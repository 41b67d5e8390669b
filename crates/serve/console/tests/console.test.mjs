// The ops console in a real browser: Debian's chromium driven by playwright-core (never a
// downloaded browser), against a running `docket serve` whose database holds examples/.
// Playwright gives the browser a fresh temporary profile (its --user-data-dir) and removes it.
// Run by tests/it/console.rs, which starts the server and passes:
//   DOCKET_URL    the server's base URL (http://127.0.0.1:PORT)
//   READ_TOKEN    a token that may read (the page asks for it)
//   POST_TOKEN    a token that may post events as any role (the test's own API calls)
//   LIVE_CASE     an open case awaiting the seller, where `buyer cancel` moves it
//   SCREENSHOTS   optional: a directory to save the three pages' screenshots in
// Prints one line per check and `N passed, N failed`; exits 1 on any failure.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const base = process.env.DOCKET_URL;
const readToken = process.env.READ_TOKEN;
const postToken = process.env.POST_TOKEN;
const liveCase = process.env.LIVE_CASE;
const shots = process.env.SCREENSHOTS;
if (!base || !readToken || !postToken || !liveCase) {
  console.error("console.test.mjs: DOCKET_URL, READ_TOKEN, POST_TOKEN and LIVE_CASE must be set");
  process.exit(2);
}
const origin = new URL(base).origin;

let passed = 0;
let failed = 0;
function check(ok, what, detail = "") {
  if (ok) {
    passed++;
    console.log(`ok - ${what}`);
  } else {
    failed++;
    console.log(`FAILED - ${what}${detail ? ": " + detail : ""}`);
  }
}

async function api(path, init = {}) {
  const res = await fetch(base + path, {
    ...init,
    headers: { Authorization: "Bearer " + (init.token || readToken), ...(init.headers || {}) },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text;
}
const json = async (path) => JSON.parse(await api(path));

// Every case of a status prefix, counted by paging /v1/cases (not the console's /v1/stats).
async function countCases(status) {
  let n = 0;
  let after = "";
  for (;;) {
    const q = new URLSearchParams({ limit: "1000" });
    if (status) q.set("status", status);
    if (after) q.set("after", after);
    const page = await json("/v1/cases?" + q);
    n += page.cases.length;
    if (!page.next) return n;
    after = page.next;
  }
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
  ],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();

const outside = [];
const consoleErrors = [];
await context.route("**/*", (route) => {
  const url = route.request().url();
  if (new URL(url).origin !== origin) {
    outside.push(url);
    return route.abort();
  }
  return route.continue();
});
page.on("console", (m) => {
  if (m.type() === "error" || m.type() === "warning") consoleErrors.push(`${m.type()}: ${m.text()}`);
});
page.on("pageerror", (e) => consoleErrors.push("pageerror: " + e.message));
page.on("requestfailed", (r) => {
  // A long poll cut short when the test navigates is not an error of the page.
  if (!r.url().includes("/v1/changes")) consoleErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
});

const settle = () => page.waitForFunction(() => document.querySelector("main")?.dataset.ready, null, { timeout: 10000 });

try {
  // The token: asked for, kept in sessionStorage, sent as a bearer header.
  await page.goto(base + "/");
  await page.waitForSelector("#token-dialog[open]", { timeout: 10000 });
  check(true, "the page asks for a token when the server has --tokens");
  await page.fill("#token-input", "not-a-token-of-this-server");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("#token-error")?.textContent.includes("Unknown"), null, { timeout: 5000 });
  check(true, "an unknown token is refused in words, with no failed request");
  await page.fill("#token-input", readToken);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#queue", { timeout: 10000 });
  check(await page.evaluate(() => sessionStorage.getItem("docket.token")) === readToken, "the token is kept in sessionStorage");

  // The queue's counts per status equal the API's.
  const shown = await page.$$eval(".tree [data-count]", (els) => els.map((e) => [e.dataset.count, Number(e.textContent)]));
  let wrong = [];
  for (const [status, n] of shown) {
    const want = await countCases(status);
    if (want !== n) wrong.push(`${status || "all"}: page ${n}, API ${want}`);
  }
  check(shown.length > 10 && wrong.length === 0, `the queue shows the API's count for every status (${shown.length} rows)`, wrong.join("; "));
  const total = await countCases("");
  check(total > 30, `the examples are loaded (${total} cases)`);

  // A status count is a link to that status's cases.
  const [status] = shown.filter(([s, n]) => s && n > 0 && n < 50).map(([s]) => s);
  await page.click(`.tree a[data-status="${status}"]`);
  await page.waitForFunction((s) => location.hash.includes(encodeURIComponent(s)), status);
  await settle();
  await page.waitForFunction((s) => [...document.querySelectorAll("#queue tbody tr[data-case]")].length > 0, status);
  const listed = await page.$$eval("#queue tbody tr[data-case]", (rows) => rows.map((r) => r.dataset.case));
  const apiListed = (await json("/v1/cases?limit=50&status=" + encodeURIComponent(status))).cases.map((c) => c.case);
  check(JSON.stringify(listed) === JSON.stringify(apiListed), `clicking ${status} lists its cases`, `${listed} vs ${apiListed}`);

  // A click opens a case (the one with rejected events and the longest history); its timeline
  // matches the case report.
  const cases = (await json("/v1/cases?limit=1000")).cases.map((c) => c.case);
  let richest = null;
  for (const c of cases) {
    const r = await json("/v1/cases/" + encodeURIComponent(c));
    const score = 100 * r.rejected.length + r.history.length;
    if (!richest || score > richest.score) richest = { id: c, report: r, score };
  }
  await page.fill('input[name="case"]', richest.id);
  await page.click('form.filters button[type="submit"]');
  await page.waitForSelector(`#queue tr[data-case="${richest.id}"] a.case-link`);
  await page.click(`#queue tr[data-case="${richest.id}"] a.case-link`);
  await page.waitForSelector("#timeline");
  check((await page.textContent("#case-title")).includes(richest.id), `a click opens case ${richest.id}`);
  const report = await json("/v1/cases/" + encodeURIComponent(richest.id));
  const steps = await page.$$eval("#timeline [data-step]", (els) => els.map((e) => e.dataset.step));
  const want = report.history.map((s) => `${s.from}>${s.to}`);
  check(JSON.stringify([...steps].sort()) === JSON.stringify([...want].sort()) && steps.length === want.length,
    `the timeline shows every step of the report's history (${want.length})`, `${steps} vs ${want}`);
  const rejected = await page.$$eval("#timeline [data-rejected]", (els) => els.map((e) => [Number(e.dataset.rejected), e.textContent]));
  check(rejected.length > 0 && rejected.length === report.rejected.length && report.rejected.every((r) => rejected.some(([l, t]) => l === r.line && t.includes(r.reason))),
    `the timeline shows each rejected event with its reason (${report.rejected.length})`);
  const events = (await api(`/v1/cases/${encodeURIComponent(richest.id)}/events`)).split("\n").filter(Boolean).length;
  check(await page.$$eval("#timeline > li[data-seq]", (els) => els.length) >= events, `the timeline holds every stored event (${events})`);
  const text = await page.textContent("main");
  check(text.includes(report.status) && text.includes(report.policy_version ?? "(unversioned)"), "the case page shows its status and policy version",
    `${report.status} ${report.policy_version}: ${text.slice(0, 300)}`);
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "console-case.png"), fullPage: false });
  }

  // Keyboard: the live case is opened from the queue with Tab-reachable links and Enter.
  await page.goto(base + "/#/queue?case=" + encodeURIComponent(liveCase));
  await page.waitForSelector(`#queue tr[data-case="${liveCase}"] a.case-link`);
  await page.focus(`#queue tr[data-case="${liveCase}"] a.case-link`);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#timeline");
  check((await page.textContent("#case-title")).includes(liveCase), "Enter on a focused case link opens the case");
  const countdowns = await page.$$eval(".countdown[data-until]", (els) => els.map((e) => e.textContent));
  await page.waitForTimeout(2100);
  const later = await page.$$eval(".countdown[data-until]", (els) => els.map((e) => e.textContent));
  check(countdowns.length > 0 && JSON.stringify(countdowns) !== JSON.stringify(later), "pending deadlines count down live", `${countdowns} then ${later}`);

  // A new event posted through the API appears on the open page within two seconds.
  const before = await page.$$eval("#timeline [data-step]", (els) => els.length);
  await page.waitForTimeout(300); // the long poll is waiting
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const posted = Date.now();
  const body = JSON.stringify({ case: liveCase, at, role: "buyer", action: "cancel", id: "console-live-cancel" });
  const answer = JSON.parse(await api("/v1/events", { method: "POST", body, token: postToken, headers: { "Content-Type": "application/json" } }));
  check(answer.results[0].result === "applied", "the API applies the new event", JSON.stringify(answer.results[0]));
  let appeared = true;
  try {
    await page.waitForFunction((n) => document.querySelectorAll("#timeline [data-step]").length > n, before, { timeout: 2000 });
  } catch {
    appeared = false;
  }
  const took = Date.now() - posted;
  check(appeared && (await page.textContent("main")).includes("withdrawn"), `the new event appears on the open case page within 2 s (${took} ms)`);

  // The queue follows the changes too.
  await page.click('[data-nav="queue"]');
  await page.waitForSelector("#queue");
  const stats = await json("/v1/stats");
  const allShown = await page.$eval('.tree [data-count=""]', (e) => Number(e.textContent));
  check(allShown === stats.cases, "the queue counts the cases there are now");
  // A case opened through the API is counted on the open queue within two seconds.
  await page.evaluate(() => { window.notReloaded = true; });
  await page.waitForTimeout(300);
  const opened = JSON.stringify({ case: "LIVE-2", at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"), role: "buyer", action: "open",
    id: "console-live-open", reason: "other", amount: "5.00", order_total: "10.00" });
  await api("/v1/events", { method: "POST", body: opened, token: postToken, headers: { "Content-Type": "application/json" } });
  let counted = true;
  try {
    await page.waitForFunction((n) => Number(document.querySelector('.tree [data-count=""]')?.textContent) === n + 1, allShown, { timeout: 2000 });
  } catch {
    counted = false;
  }
  counted = counted && (await page.evaluate(() => window.notReloaded === true));
  check(counted, "the open queue counts a case opened through the API within 2 s, without reloading");
  if (shots) await page.screenshot({ path: join(shots, "console-queue.png"), fullPage: false });

  // Views: breached SLAs, and deadlines within a window, as the API lists them.
  await page.click('.tabs a[data-view="breached"]');
  await page.waitForFunction(() => location.hash.includes("view=breached"));
  await settle();
  await page.waitForSelector("#queue-title >> text=Breached");
  const breachedShown = await page.$$eval("#queue tbody tr[data-case]", (rows) => rows.map((r) => r.dataset.case));
  const breachedApi = (await json("/v1/cases?breached=true&limit=50")).cases.map((c) => c.case);
  check(JSON.stringify(breachedShown) === JSON.stringify(breachedApi), `the breached view lists the API's breached cases (${breachedApi.length})`);

  // The role filter: every case listed is in a status where that role may act.
  await page.goto(base + "/#/queue?role=buyer");
  await page.waitForSelector("#queue-title >> text=buyer to act");
  const mayAct = await page.$$eval("#queue tbody tr[data-case] td:nth-child(3)", (tds) => tds.map((t) => t.textContent));
  const buyerApi = JSON.parse(await api("/v1/queue?role=buyer&limit=50")).cases.map((c) => c.case);
  check(mayAct.length > 0 && mayAct.length === buyerApi.length && mayAct.every((t) => t.includes("buyer")),
    `filtering by who must act lists only cases the buyer may act on (${mayAct.length})`);

  // The policy page: the graph drawn in the browser with the case counts on it, each status in words.
  await page.click('[data-nav="policy"]');
  await page.waitForSelector("#graph svg");
  const policy = await json("/v1/policy");
  const latest = policy.versions[policy.versions.length - 1];
  const nodes = await page.$$eval("#graph svg a.node", (els) => els.map((e) => e.dataset.status));
  check(nodes.length === latest.statuses.length, `the graph draws every status (${nodes.length})`);
  const onGraph = await page.$$eval("#graph svg text.n[data-count]", (els) => els.map((e) => [e.dataset.count, Number(e.textContent)]));
  const bad = [];
  for (const [s, n] of onGraph) if ((await countCases(s)) !== n) bad.push(s);
  check(bad.length === 0 && onGraph.length === nodes.length, "the graph shows each status's current count", bad.join(", "));
  const explained = await page.$$eval(".status-explain pre", (els) => els.map((e) => e.textContent));
  check(explained.length === latest.statuses.length && explained.some((t) => t.includes("Who may do what")), "each status has its rules in docket explain's words");
  const timerRows = await page.$$eval("tr[data-timer]", (rows) => rows.map((r) => r.textContent));
  check(timerRows.length > 0 && timerRows.some((t) => /\d+[dhm]/.test(t)), `the timers are listed with their durations (${timerRows.length})`);
  if (shots) await page.screenshot({ path: join(shots, "console-policy.png"), fullPage: false });

  // On a phone: nothing wider than the screen but the scrolling boxes.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const hash of ["#/queue", "#/case/" + encodeURIComponent(richest.id), "#/policy"]) {
    await page.goto(base + "/" + hash);
    await page.waitForSelector("main[data-ready]");
    await page.waitForTimeout(200);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 390, `${hash} fits a 390 px phone screen (${wide} px)`);
  }
} catch (e) {
  check(false, "the browser run", e.stack || String(e));
} finally {
  check(outside.length === 0, "the page makes no request outside the server", outside.join(", "));
  check(consoleErrors.length === 0, "the page logs no console errors or warnings", consoleErrors.join(" | "));
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
