// The Docket ops console: one module, no dependencies, no build step. It reads only this
// server's /v1 API (with the bearer token the user gives, kept in sessionStorage) and follows
// /v1/changes by long poll, so the open page updates without reloading.

const TOKEN_KEY = "docket.token";
const main = document.getElementById("main");
const live = document.getElementById("live");

const state = {
  policy: null, // GET /v1/policy
  stats: null, // GET /v1/stats
  lastChange: 0,
  route: null,
  render: null, // re-render the current page after a change
  timers: new Set(),
};

// ---------- small helpers ----------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) if (c) node.append(c);
  return node;
}

function caseHref(id) {
  return "#/case/" + encodeURIComponent(id);
}

function queueHref(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return "#/queue" + (s ? "?" + s : "");
}

function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace("T", " ").replace(/\.000Z$/, "Z");
}

function fmtSpan(ms) {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const parts = d ? [`${d}d`, `${h}h`, `${m}m`, `${s}s`] : h ? [`${h}h`, `${m}m`, `${s}s`] : [`${m}m`, `${s}s`];
  return (neg ? "−" : "") + parts.join(" ");
}

function countdown(iso) {
  const span = el("span", { class: "countdown", "data-until": iso });
  tick(span);
  return span;
}

function tick(span) {
  const ms = new Date(span.dataset.until).getTime() - Date.now();
  span.textContent = ms >= 0 ? "in " + fmtSpan(ms) : fmtSpan(-ms) + " ago";
  span.classList.toggle("past", ms < 0);
}

setInterval(() => document.querySelectorAll(".countdown[data-until]").forEach(tick), 1000);

// ---------- the API ----------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: "Bearer " + token } : {};
}

async function api(path, { text = false } = {}) {
  const res = await fetch(path, { headers: headers(), cache: "no-store" });
  const body = await res.text();
  if (!res.ok) {
    let code = "error", message = body;
    try {
      const e = JSON.parse(body).error;
      code = e.code;
      message = e.message;
    } catch { /* not JSON: keep the text */ }
    throw new ApiError(res.status, code, message);
  }
  return text ? body : JSON.parse(body);
}

// Does this server need a token, and is ours good? /v1/auth answers 200 either way, so an
// unknown token is never a failed request in the console.
async function ensureToken() {
  for (;;) {
    const auth = await api("/v1/auth");
    if (!auth.tokens || (auth.valid && auth.read)) return;
    const reason = auth.valid ? "This token may not read." : sessionStorage.getItem(TOKEN_KEY) ? "Unknown token." : "";
    sessionStorage.removeItem(TOKEN_KEY);
    await askToken(reason);
  }
}

function askToken(reason) {
  const dialog = document.getElementById("token-dialog");
  const form = document.getElementById("token-form");
  const input = document.getElementById("token-input");
  document.getElementById("token-error").textContent = reason;
  return new Promise((resolve) => {
    form.onsubmit = (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      input.value = "";
      dialog.close();
      resolve();
    };
    dialog.showModal();
    input.focus();
  });
}

// ---------- the policy, in the browser ----------

function versionOf(name) {
  const vs = state.policy.versions;
  return vs.find((v) => v.version === name) || vs[vs.length - 1];
}

// Every status path of every version, with its label, in tree order of the latest version
// first; then paths only older versions have.
function statusTree() {
  const seen = new Map();
  for (const v of [...state.policy.versions].reverse()) {
    for (const s of v.statuses) {
      if (!seen.has(s.path)) seen.set(s.path, { path: s.path, label: s.label, terminal: s.terminal, roles: s.roles });
    }
  }
  return [...seen.values()];
}

function roles() {
  const set = new Set();
  for (const v of state.policy.versions) for (const s of v.statuses) s.roles.forEach((r) => set.add(r));
  return [...set].sort();
}

// Cases in a status or anywhere inside it.
function countAt(path) {
  let n = 0;
  for (const { status, cases } of state.stats.statuses) {
    if (status === path || status.startsWith(path + ".")) n += cases;
  }
  return n;
}

// ---------- the queue ----------

const WINDOWS = [["1h", 3600e3], ["24h", 86400e3], ["7d", 7 * 86400e3], ["30d", 30 * 86400e3]];

async function renderQueue(params) {
  const status = params.get("status") || "";
  const role = params.get("role") || "";
  const view = params.get("view") || "all";
  const within = params.get("within") || "24h";
  const caseId = params.get("case") || "";
  const after = params.get("after") || "";
  const back = params.get("back") || "";

  const query = new URLSearchParams({ limit: "50" });
  if (status) query.set("status", status);
  if (role) query.set("role", role);
  if (after) query.set("after", after);
  if (view === "due") {
    const ms = (WINDOWS.find(([k]) => k === within) || WINDOWS[1])[1];
    query.set("due_before", new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, "Z"));
  }
  if (view === "breached") query.set("breached", "true");

  let page;
  let found = null;
  if (caseId) {
    try {
      const r = await api("/v1/cases/" + encodeURIComponent(caseId));
      found = { case: r.case, status: r.status, label: r.label, next_deadline: r.deadlines[0]?.at || null,
        breached: r.breached.length > 0, terminal: r.terminal, policy_version: r.policy_version,
        may_act: Object.entries(r.allowed).filter(([, a]) => a.length).map(([k]) => k) };
    } catch (e) {
      if (e.status !== 404) throw e;
    }
    page = { cases: found ? [found] : [], next: null };
  } else {
    [page, state.stats] = await Promise.all([api("/v1/queue?" + query), api("/v1/stats")]);
  }
  const keep = { status, role, view, within, case: caseId };

  const tree = statusTree();
  const treeList = el("ul", { class: "tree", "aria-label": "Cases by status" },
    el("li", {}, el("a", { href: queueHref({ ...keep, status: "", after: "" }), "aria-current": status === "" ? "true" : null },
      el("span", {}, "All cases"), el("span", { class: "count", "data-count": "" }, String(state.stats.cases)))),
    tree.map((s) => {
      const depth = s.path.split(".").length - 1;
      return el("li", { style: null },
        el("a", { href: queueHref({ ...keep, status: s.path, after: "" }), "aria-current": status === s.path ? "true" : null,
          "data-status": s.path, class: "depth" + depth },
          el("span", { class: s.terminal ? "terminal-label" : "" }, "\u00a0".repeat(depth * 3) + s.label,
            el("span", { class: "muted" }, " " + s.path)),
          el("span", { class: "count", "data-count": s.path }, String(countAt(s.path)))));
    }));

  const tab = (v, text) => el("a", { href: queueHref({ ...keep, view: v, after: "" }), "aria-current": view === v ? "true" : null, "data-view": v }, text);
  const form = el("form", { class: "filters", role: "search", onsubmit: (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    location.hash = queueHref({ status: f.get("status"), role: f.get("role"), view, within: f.get("within"), case: f.get("case").trim() });
  } },
    el("label", {}, "Status", el("select", { name: "status" }, el("option", { value: "" }, "any"),
      tree.map((s) => el("option", { value: s.path, selected: s.path === status }, s.path)))),
    el("label", {}, "Who must act", el("select", { name: "role" }, el("option", { value: "" }, "anyone"),
      roles().map((r) => el("option", { value: r, selected: r === role }, r)))),
    el("label", {}, "Deadline within", el("select", { name: "within" },
      WINDOWS.map(([k]) => el("option", { value: k, selected: k === within }, k)))),
    el("label", {}, "Case id", el("input", { name: "case", value: caseId, placeholder: "AE-0000001", size: 14 })),
    el("button", { type: "submit" }, "Filter"),
    el("a", { href: "#/queue" }, "Clear"));

  const rows = page.cases.map((c) => el("tr", { "data-case": c.case },
    el("td", {}, el("a", { href: caseHref(c.case), class: "case-link" }, c.case)),
    el("td", {}, c.label, el("div", { class: "muted" }, c.status)),
    el("td", {}, (c.may_act || []).map((r) => el("span", { class: "pill" }, r))),
    el("td", {}, c.next_deadline ? [fmtTime(c.next_deadline), el("br"), countdown(c.next_deadline)] : "—"),
    el("td", {}, c.breached ? el("span", { class: "pill bad" }, "breached") : c.terminal ? el("span", { class: "pill ok" }, "closed") : ""),
    el("td", { class: "muted" }, c.policy_version || "")));

  const pager = el("div", { class: "pager" },
    after ? el("a", { href: queueHref({ ...keep, after: back.split(",").filter(Boolean).slice(-1)[0] || "", back: back.split(",").filter(Boolean).slice(0, -1).join(",") }) }, "← Previous") : null,
    page.next ? el("a", { href: queueHref({ ...keep, after: page.next, back: [...back.split(",").filter(Boolean), after].join(",") }), rel: "next" }, "Next →") : null,
    el("span", { class: "muted" }, `${page.cases.length} shown`));

  const heading = view === "due" ? `Next deadline within ${within}` : view === "breached" ? "Breached SLAs" : "Cases";
  return el("div", { class: "grid" },
    el("section", { class: "card", "aria-labelledby": "by-status" }, el("h2", { id: "by-status" }, "By status"), treeList),
    el("section", { class: "card", "aria-labelledby": "queue-title" },
      el("h1", { id: "queue-title" }, heading + (status ? ` in ${status}` : "") + (role ? ` — ${role} to act` : "")),
      el("nav", { class: "tabs", "aria-label": "Views" }, tab("all", "All"), tab("due", "Due soon"), tab("breached", "Breached")),
      form,
      caseId && !found ? el("p", { class: "error" }, `No case ${caseId}.`) : null,
      el("div", { class: "scroll" }, el("table", { id: "queue" },
        el("thead", {}, el("tr", {}, ["Case", "Status", "May act", "Next deadline", "", "Version"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No cases."))))),
      pager));
}

// ---------- a case ----------

async function renderCase(id) {
  const [report, eventsText] = await Promise.all([
    api("/v1/cases/" + encodeURIComponent(id)),
    api("/v1/cases/" + encodeURIComponent(id) + "/events", { text: true }),
  ]);
  const events = eventsText.split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const version = versionOf(report.policy_version);
  const rule = (line) => version.rules[String(line)] || {};

  // The timeline: every stored event (who acted, when, what it did), and the timer and
  // automatic steps of the history, in time order.
  const items = [];
  const stepsByLine = new Map();
  const loose = [];
  for (const step of report.history) {
    if (step.line !== null && step.line !== undefined) {
      if (!stepsByLine.has(step.line)) stepsByLine.set(step.line, []);
      stepsByLine.get(step.line).push(step);
    } else loose.push(step);
  }
  const rejectedByLine = new Map(report.rejected.map((r) => [r.line, r]));
  const seen = new Set();
  for (const ev of events) {
    items.push({ at: ev.at, seq: ev.seq, event: ev, steps: stepsByLine.get(ev.seq) || [], rejected: rejectedByLine.get(ev.seq) });
    seen.add(ev.seq);
  }
  for (const [line, steps] of stepsByLine) if (!seen.has(line)) items.push({ at: steps[0].at, seq: line, steps });
  for (const r of report.rejected) if (!seen.has(r.line)) items.push({ at: null, seq: r.line, steps: [], rejected: r });
  for (const step of loose) items.push({ at: step.at, seq: Infinity, steps: [step] });
  items.sort((a, b) => (a.at === b.at ? a.seq - b.seq : (a.at || "") < (b.at || "") ? -1 : 1));

  const stepView = (s) => {
    const r = rule(s.policy_line);
    return el("div", { "data-step": `${s.from}>${s.to}` },
      el("strong", {}, s.from === s.to ? s.to : `${s.from} → ${s.to}`),
      el("span", { class: "muted" }, ` (${s.cause}, policy line ${s.policy_line})`),
      r.words ? el("div", { class: "why" }, r.words) : null,
      r.comment && !(r.words || "").includes(r.comment) ? el("div", { class: "why" }, "# " + r.comment) : null);
  };
  const timeline = el("ol", { class: "timeline", id: "timeline" }, items.map((it) => {
    const kind = it.rejected ? "rejected" : it.event ? (it.steps.length ? "event" : "quiet") : "timer";
    return el("li", { class: kind, "data-seq": Number.isFinite(it.seq) ? it.seq : null },
      el("div", { class: "when" }, fmtTime(it.at), it.event ? ` · event ${it.seq}` : ""),
      it.event ? el("div", {}, el("strong", {}, `${it.event.role} ${it.event.action}`),
        it.event.id ? el("span", { class: "muted" }, ` id ${it.event.id}`) : null) : null,
      it.steps.map(stepView),
      it.rejected ? el("div", { class: "error", "data-rejected": it.rejected.line }, "rejected: " + it.rejected.reason) : null,
      it.event && !it.steps.length && !it.rejected ? el("div", { class: "muted" }, "applied; the case stays where it is") : null);
  }));

  const kv = (pairs) => el("dl", { class: "kv" }, pairs.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  const fields = Object.entries(report.fields).map(([k, v]) => [k, v === null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v)]);
  const allowed = Object.entries(report.allowed).map(([role, acts]) => [role, acts.length ? acts.map((a) => el("span", { class: "pill ok" }, a)) : el("span", { class: "muted" }, "nothing now")]);
  const opens = report.opens.map((o) => el("li", {}, `${o.role} ${o.action} opens at ${fmtTime(o.at)} `, countdown(o.at)));
  const deadlines = report.deadlines.map((d) => el("tr", { "data-timer": d.timer },
    el("td", {}, d.timer), el("td", {}, d.effect === "sla" ? el("span", { class: "pill warn" }, "SLA") : "→ " + (d.target || "")),
    el("td", {}, d.at ? fmtTime(d.at) : `paused (${d.remaining || "?"} left)`), el("td", {}, d.at ? countdown(d.at) : "—"),
    el("td", { class: "muted" }, "line " + d.policy_line)));

  return el("div", {},
    el("p", {}, el("a", { href: "#/queue" }, "← Queue")),
    el("h1", { id: "case-title" }, `${report.case}: ${report.label}`),
    el("div", { class: "grid2" },
      el("section", { class: "card", "aria-labelledby": "h-state" }, el("h2", { id: "h-state" }, "Where it stands"),
        kv([["Status", el("a", { href: queueHref({ status: report.status }) }, report.status)],
          ["Policy version", report.policy_version || "(unversioned)"],
          ["Closed", report.terminal ? `yes${report.outcome ? ": " + report.outcome.kind + (report.outcome.amount ? " " + report.outcome.amount : "") : ""}` : "no"],
          ["Breached", report.breached.length ? report.breached.map((b) => el("span", { class: "pill bad" }, `${b.timer} at ${fmtTime(b.at)}`)) : "none"],
          ["As of", fmtTime(report.as_of)],
          ...(report.error ? [["Stopped", el("span", { class: "error" }, report.error)]] : [])])),
      el("section", { class: "card", "aria-labelledby": "h-allowed" }, el("h2", { id: "h-allowed" }, "Who may do what now"),
        allowed.length ? kv(allowed) : el("p", { class: "muted" }, report.terminal ? "Nothing: the case is closed." : "Nobody can act now."), opens.length ? [el("h2", {}, "Opens later"), el("ul", {}, opens)] : null)),
    el("section", { class: "card", "aria-labelledby": "h-deadlines" }, el("h2", { id: "h-deadlines" }, "Pending deadlines"),
      deadlines.length ? el("div", { class: "scroll" }, el("table", {}, el("tbody", {}, deadlines))) : el("p", { class: "muted" }, "None.")),
    el("div", { class: "grid2" },
      el("section", { class: "card", "aria-labelledby": "h-timeline" }, el("h2", { id: "h-timeline" }, "Timeline"), timeline),
      el("section", { class: "card", "aria-labelledby": "h-fields" }, el("h2", { id: "h-fields" }, "Fields"), kv(fields))));
}

// ---------- the policy ----------

function layout(version) {
  const n = version.statuses.length;
  const layer = new Array(n).fill(0);
  const links = version.edges.filter((e) => !e.back).map((e) => [e.from, e.to]);
  for (const s of version.statuses) for (const c of s.children) links.push([s.id, c]);
  // Longest path from the start over forward edges; capped so a cycle cannot loop forever.
  for (let round = 0; round < n; round++) {
    let moved = false;
    for (const [a, b] of links) if (a !== b && layer[b] < layer[a] + 1 && layer[a] + 1 < n) { layer[b] = layer[a] + 1; moved = true; }
    if (!moved) break;
  }
  const rows = [];
  version.statuses.forEach((s, i) => (rows[layer[i]] ||= []).push(i));
  const W = 190, H = 54, GX = 40, GY = 70;
  const width = Math.max(...rows.map((r) => (r ? r.length : 0))) * (W + GX) + GX;
  const pos = new Array(n);
  rows.forEach((r, y) => r && r.forEach((i, x) => {
    const offset = (width - r.length * (W + GX) - GX) / 2;
    pos[i] = { x: GX + offset + x * (W + GX), y: 20 + y * (H + GY), w: W, h: H };
  }));
  return { pos, width, height: 40 + rows.length * (H + GY) };
}

function drawGraph(version) {
  const { pos, width, height } = layout(version);
  const shown = new Set();
  const placed = [];
  const edges = [];
  const edge = (a, b, cls, label, title) => {
    const p = pos[a], q = pos[b];
    const x1 = p.x + p.w / 2, y1 = p.y + p.h, x2 = q.x + q.w / 2, y2 = q.y;
    const up = y2 <= y1;
    const d = up
      ? `M${p.x + p.w} ${p.y + p.h / 2} C ${p.x + p.w + 60} ${p.y + p.h / 2}, ${q.x + q.w + 60} ${q.y + q.h / 2}, ${q.x + q.w} ${q.y + q.h / 2}`
      : `M${x1} ${y1} C ${x1} ${y1 + 35}, ${x2} ${y2 - 35}, ${x2} ${y2}`;
    const key = `${a}-${b}-${cls}`;
    const g = svg("g", {}, svg("path", { class: "edge " + cls, d, "marker-end": cls === "contains" ? null : "url(#arrow)" }, title ? svg("title", { text: title }) : null));
    if (label && !shown.has(key)) {
      shown.add(key);
      // A label is drawn only where it overlaps no other label and no status; every edge
      // keeps its full text as a tooltip, and the rules below say it all in words.
      const text = label.length > 30 ? label.slice(0, 29) + "…" : label;
      const baseline = up ? (p.y + q.y) / 2 + 30 : (y1 + y2) / 2;
      const box = { x: (x1 + x2) / 2 + 4, y: baseline - 11, w: text.length * 6, h: 15 };
      const hits = (r) => box.x < r.x + r.w && r.x < box.x + box.w && box.y < r.y + r.h && r.y < box.y + box.h;
      if (!placed.some(hits) && !pos.some(hits)) {
        placed.push(box);
        g.append(svg("text", { class: "elabel", x: box.x, y: baseline, text }));
      }
    }
    edges.push(g);
  };
  for (const s of version.statuses) for (const c of s.children) edge(s.id, c, "contains");
  for (const e of version.edges) edge(e.from, e.to, e.kind, e.label[0], `${e.label.join(" ")} (line ${e.line})`);
  const nodes = version.statuses.map((s) => {
    const p = pos[s.id];
    const cls = "node" + (s.terminal ? " terminal" : "") + (s.children.length ? " parent" : "");
    return svg("a", { href: "#/policy?status=" + encodeURIComponent(s.path), class: cls, "data-status": s.path, "aria-label": `${s.label} (${s.path}): ${countAt(s.path)} cases` },
      svg("title", { text: `${s.path}: ${countAt(s.path)} cases` }),
      svg("rect", { x: p.x, y: p.y, width: p.w, height: p.h, rx: 8 }),
      svg("text", { x: p.x + 8, y: p.y + 19, text: s.label.length > 26 ? s.label.slice(0, 25) + "…" : s.label }),
      svg("text", { x: p.x + 8, y: p.y + 38, class: "muted", text: s.path.split(".").pop() }),
      svg("text", { x: p.x + p.w - 8, y: p.y + 38, class: "n", "text-anchor": "end", "data-count": s.path, text: String(countAt(s.path)) }));
  });
  return svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "The policy's status graph with the number of cases in each status" },
    svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M0 0 L10 5 L0 10 z", fill: "#475569" }))),
    edges, nodes);
}

async function renderPolicy(params) {
  [state.policy, state.stats] = await Promise.all([api("/v1/policy"), api("/v1/stats")]);
  const vs = state.policy.versions;
  const version = vs.find((v) => v.version === params.get("version")) || vs[vs.length - 1];
  const focus = params.get("status");
  const timers = version.statuses.flatMap((s) => s.timers.filter((t) => !t.inherited).map((t) => ({ ...t, status: s.path })));
  const sections = version.statuses.map((s) => el("article", { class: "card status-explain", id: "status-" + s.path, "data-status": s.path, tabindex: "-1" },
    el("h3", {}, `${s.label} `, el("code", {}, s.path), " ",
      el("a", { href: queueHref({ status: s.path }), class: "pill" }, `${countAt(s.path)} cases`)),
    el("pre", {}, s.explain)));
  const page = el("div", {},
    el("h1", {}, `${state.policy.title}`, el("span", { class: "muted" }, ` — ${version.title}`)),
    vs.length > 1 ? el("nav", { class: "tabs", "aria-label": "Versions" }, vs.map((v) => el("a", { href: "#/policy?version=" + encodeURIComponent(v.version || ""), "aria-current": v === version ? "true" : null }, `${v.version || v.source}${v.effective ? " from " + fmtTime(v.effective) : ""}`))) : null,
    el("section", { "aria-labelledby": "h-graph" }, el("h2", { id: "h-graph" }, "Status graph"),
      el("p", { class: "muted" }, "Solid: an action. Dashed: a timer. Dotted: automatic. Grey: a status inside another. The number is the cases there now."),
      el("div", { class: "graph", id: "graph" }, drawGraph(version)),
      el("details", {}, el("summary", {}, "Mermaid text (docket graph --format mermaid)"), el("pre", {}, version.mermaid))),
    el("section", { class: "card", "aria-labelledby": "h-timers" }, el("h2", { id: "h-timers" }, "Timers"),
      el("div", { class: "scroll" }, el("table", {},
        el("thead", {}, el("tr", {}, ["Timer", "Duration", "In", "Effect", "When", "Line"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, timers.map((t) => el("tr", { "data-timer": t.timer }, el("td", {}, t.timer), el("td", {}, t.duration), el("td", {}, t.status),
          el("td", {}, t.effect === "sla" ? "SLA deadline" : "→ " + t.targets.join(", ")), el("td", {}, t.clock), el("td", { class: "num" }, String(t.line)))))))),
    el("section", { "aria-labelledby": "h-statuses" }, el("h2", { id: "h-statuses" }, "Statuses and their rules"), sections));
  if (focus) queueMicrotask(() => document.getElementById("status-" + focus)?.focus());
  return page;
}

// ---------- routing and live updates ----------

function parseRoute() {
  const hash = location.hash.replace(/^#/, "") || "/queue";
  const [path, query = ""] = hash.split("?");
  const params = new URLSearchParams(query);
  if (path.startsWith("/case/")) return { page: "case", id: decodeURIComponent(path.slice(6)), params };
  if (path === "/policy") return { page: "policy", params };
  return { page: "queue", params };
}

let rendering = Promise.resolve();
function show(refocus) {
  rendering = rendering.then(() => draw(refocus)).catch(() => {});
  return rendering;
}

async function draw(refocus) {
  const route = parseRoute();
  state.route = route;
  document.querySelectorAll("[data-nav]").forEach((a) => a.setAttribute("aria-current", a.dataset.nav === route.page || (route.page === "case" && a.dataset.nav === "queue") ? "page" : "false"));
  let view;
  try {
    if (route.page === "case") view = await renderCase(route.id);
    else if (route.page === "policy") view = await renderPolicy(route.params);
    else view = await renderQueue(route.params);
    document.title = (route.page === "case" ? route.id : route.page === "policy" ? "Policy" : "Queue") + " · Docket console";
  } catch (e) {
    view = el("div", { class: "card" }, el("h1", {}, e.status === 404 ? "Not found" : "Cannot load this page"),
      el("p", { class: "error" }, e.message || String(e)), el("p", {}, el("a", { href: "#/queue" }, "Back to the queue")));
  }
  // Keep the reader's place when a change redraws the page.
  const y = window.scrollY;
  main.replaceChildren(view);
  main.dataset.page = route.page;
  main.dataset.ready = String(Date.now());
  if (refocus) {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  } else window.scrollTo(0, y);
}

async function follow() {
  live.textContent = "live";
  live.className = "live on";
  for (;;) {
    try {
      const text = await api(`/v1/changes?after=${state.lastChange}&wait=25`, { text: true });
      live.textContent = "live";
      live.className = "live on";
      const records = text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
      if (!records.length) continue;
      const last = records[records.length - 1];
      state.lastChange = last.seq ?? state.lastChange + records.length;
      const route = state.route;
      const touches = route && (route.page !== "case" || records.some((r) => r.case === route.id));
      if (touches) await show(false);
    } catch {
      live.textContent = "reconnecting…";
      live.className = "live off";
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function start() {
  try {
    await ensureToken();
    [state.policy, state.stats] = await Promise.all([api("/v1/policy"), api("/v1/stats")]);
  } catch (e) {
    main.replaceChildren(el("div", { class: "card" }, el("h1", {}, "Cannot reach the server"), el("p", { class: "error" }, e.message || String(e))));
    return;
  }
  state.lastChange = state.stats.changes;
  window.addEventListener("hashchange", () => show(true));
  await show(false);
  follow();
}

start();
