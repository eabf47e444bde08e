// The cluster page's Overview tab: health checks by severity, capacity (with days until full, the
// host-failure headroom and the used-bytes history), client and recovery IO (figures of the moment
// and charts from `history`), mons and quorum, PG states. Read-only: no write control for anyone.
// Live: the cluster's `cluster` messages refetch health and mons, its `usage` messages refetch the
// figures and the history points after the last one drawn (no timer of its own).
import {get} from "../api.js";
import {bytes, days, element, percent, UNKNOWN} from "../format.js";
import {drawChart, svgNode} from "./overview_chart.js";

export const RANGES = [
  {id: "1h", label: "Last hour", seconds: 3600},
  {id: "6h", label: "Last 6 hours", seconds: 6 * 3600},
  {id: "1d", label: "Last day", seconds: 86400},
  {id: "7d", label: "Last 7 days", seconds: 7 * 86400},
  {id: "30d", label: "Last 30 days", seconds: 30 * 86400},
];

// A figure and its unit kept on one line.
const keep = (text) => text.replace(" ", "\u00a0");
const rate = (value) => (value === null || value === undefined ? UNKNOWN : `${bytes(value)}/s`);

export function ops(value) {
  if (value === null || value === undefined) return UNKNOWN;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M op/s`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(0)}k op/s`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k op/s`;
  return `${value < 10 && value % 1 ? value.toFixed(1) : Math.round(value)} op/s`;
}

// The charts: which history series each draws, and how its figures read.
const CHARTS = [
  {id: "chart-capacity", title: "Raw capacity used", format: bytes, binary: true, area: true, tall: true,
   series: [{key: "used_bytes", name: "Used", cls: "used"}]},
  {id: "chart-client-io", title: "Client throughput", format: rate, binary: true,
   series: [{key: "read_bytes_sec", name: "Read", cls: "read"}, {key: "write_bytes_sec", name: "Write", cls: "write"}]},
  {id: "chart-client-ops", title: "Client operations", format: ops,
   series: [{key: "read_op_per_sec", name: "Read", cls: "read"}, {key: "write_op_per_sec", name: "Write", cls: "write"}]},
  {id: "chart-recovery-io", title: "Recovery throughput", format: rate, binary: true, area: true,
   series: [{key: "recovering_bytes_per_sec", name: "Recovering", cls: "recovery"}]},
];
const SERIES = CHARTS.flatMap((chart) => chart.series.map((s) => s.key));

const SEVERITY = {
  HEALTH_ERR: {rank: 0, label: "Error", cls: "err"},
  HEALTH_WARN: {rank: 1, label: "Warning", cls: "warn"},
};
const MAX_DETAIL_LINES = 20;
const IO_EVERY_MS = 10000;

const views = new WeakMap();   // ctx -> its view (one per mount)

export function timeOfDay(iso) {
  if (!iso) return UNKNOWN;
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return UNKNOWN;
  return [when.getHours(), when.getMinutes(), when.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

// Checks most severe first (errors, then warnings, then anything else), then by code.
export function sortChecks(checks) {
  const rank = (c) => SEVERITY[c.severity]?.rank ?? 2;
  return [...checks].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

function section(id, heading) {
  const headingId = `${id}-heading`;
  const node = element("section", null, {id, class: "card", "aria-labelledby": headingId});
  node.append(element("h2", heading, {id: headingId}));
  return node;
}

// A definition list's row: <div><dt>term</dt><dd>value</dd></div>.
function figure(term, key) {
  const row = element("div", null, {class: "figure"});
  const value = element("dd", UNKNOWN, {"data-figure": key});
  row.append(element("dt", term), value);
  return [row, value];
}

function legend(chart) {
  const list = element("ul", null, {class: "legend", "aria-hidden": "true"});
  for (const s of chart.series) {
    const item = element("li");
    item.append(element("span", null, {class: `swatch ${s.cls}`}), document.createTextNode(s.name));
    list.append(item);
  }
  return list;
}

class OverviewView {
  constructor(ctx) {
    this.ctx = ctx;
    this.range = RANGES[0];
    this.history = Object.fromEntries(SERIES.map((key) => [key, []]));   // key -> [[ms, value]]
    this.lastIso = null;          // the newest point's time as the API wrote it (the next `from`)
    this.step = 0;
    this.ioAt = 0;                // when `io` was last read (ms)
    this.ioWanted = false;        // a message said PG counts moved: read `io` at the next refresh
    this.recovering = false;      // the last `io` showed recovery under way: read it every time
    this.messageIo = null;        // the latest message's client IO
    this.pgsSeen = null;          // "total/active_clean" as last seen
    this.fetchedAt = 0;           // when the whole range was last fetched (ms)
    this.charts = new Map();      // id -> {chart, svg, holder, width}
    this.busy = new Map();        // loader name -> {running, again}
    this.build();
  }

  build() {
    const root = element("div", null, {class: "overview"});
    const bar = element("div", null, {class: "overview-bar"});
    const label = element("label", "History", {for: "overview-range"});
    this.rangeSelect = element("select", null, {id: "overview-range"});
    for (const range of RANGES) this.rangeSelect.append(element("option", range.label, {value: range.id}));
    this.rangeSelect.addEventListener("change", () => {
      this.range = RANGES.find((r) => r.id === this.rangeSelect.value) || RANGES[0];
      this.run("history", () => this.loadHistory(true));
    });
    this.updated = element("span", "", {id: "overview-updated", class: "muted"});   // not live: it moves every beat
    bar.append(label, this.rangeSelect, this.updated);

    // Health
    this.health = section("overview-health", "Health");
    const statusLine = element("p", null, {class: "health-status"});
    this.healthStatus = element("span", null, {role: "status"});
    this.healthAsOf = element("span", "", {class: "muted"});
    statusLine.append(this.healthStatus, this.healthAsOf);
    this.healthSignature = null;
    this.checks = element("ul", null, {class: "checks"});
    this.health.append(statusLine, this.checks);

    // Capacity
    this.capacity = section("overview-capacity", "Capacity");
    const capFigures = element("dl", null, {class: "figures"});
    const [usedRow, usedValue] = figure("Raw used", "used");
    this.usedMeter = element("meter", null, {id: "overview-used-meter", min: "0", max: "1", value: "0",
                                             low: "0.85", high: "0.95", optimum: "0", "aria-label": "Raw capacity used"});
    this.usedText = element("span", UNKNOWN, {class: "used-text"});
    usedValue.replaceChildren(this.usedMeter, this.usedText);
    const [daysRow, daysValue] = figure("Days until full", "days-until-full");
    const [headroomRow, headroomValue] = figure("If the fullest host fails", "host-failure-headroom");
    capFigures.append(usedRow, daysRow, headroomRow);
    Object.assign(this, {daysValue, headroomValue});
    this.capacity.append(capFigures, this.chartBlock(CHARTS[0]));

    // Client IO
    this.client = section("overview-client-io", "Client IO");
    const clientFigures = element("dl", null, {class: "figures inline"});
    const [readRow, readValue] = figure("Read", "read");
    const [writeRow, writeValue] = figure("Write", "write");
    const [opsRow, opsValue] = figure("Operations", "ops");
    clientFigures.append(readRow, writeRow, opsRow);
    Object.assign(this, {readValue, writeValue, opsValue});
    const pair = element("div", null, {class: "chart-pair"});
    pair.append(this.chartBlock(CHARTS[1]), this.chartBlock(CHARTS[2]));
    this.client.append(clientFigures, pair);

    // Recovery
    this.recovery = section("overview-recovery", "Recovery");
    const recFigures = element("dl", null, {class: "figures inline"});
    const rows = [["Recovering", "recovering"], ["Objects", "recovering-objects"], ["Degraded", "degraded"],
                  ["Misplaced", "misplaced"], ["Unfound", "unfound"]].map(([term, key]) => figure(term, key));
    recFigures.append(...rows.map(([row]) => row));
    this.recoveryValues = Object.fromEntries(rows.map(([, value]) => [value.dataset.figure, value]));
    this.recovery.append(recFigures, this.chartBlock(CHARTS[3]));

    // PG states
    this.pgs = section("overview-pg-states", "Placement groups");
    this.pgTable = element("table", null, {id: "overview-pgs"});
    this.pgCaption = element("caption", UNKNOWN);
    const pgHead = element("thead");
    const pgHeadRow = element("tr");
    pgHeadRow.append(element("th", "State", {scope: "col"}), element("th", "PGs", {scope: "col", class: "num"}),
                     element("th", "Share", {scope: "col", class: "num"}));
    pgHead.append(pgHeadRow);
    this.pgBody = element("tbody");
    this.pgTable.append(this.pgCaption, pgHead, this.pgBody);
    this.pgs.append(this.scroll(this.pgTable));

    // Mons
    this.mons = section("overview-monitors", "Monitors and quorum");
    this.monTable = element("table", null, {id: "overview-mons"});
    this.monCaption = element("caption", UNKNOWN);
    const monHead = element("thead");
    const monHeadRow = element("tr");
    for (const name of ["Monitor", "Rank", "Quorum", "Role", "Server", "Address"]) {
      monHeadRow.append(element("th", name, {scope: "col"}));
    }
    monHead.append(monHeadRow);
    this.monBody = element("tbody");
    this.monTable.append(this.monCaption, monHead, this.monBody);
    this.mons.append(this.scroll(this.monTable));

    root.append(bar, this.health, this.capacity, this.client, this.recovery, this.pgs, this.mons);
    this.ctx.panel.append(root);

    // Charts drawn at their box's width, drawn again when it changes (a resize, a phone turned).
    this.resizer = new ResizeObserver(() => {
      if (!this.ctx.alive()) { this.resizer.disconnect(); return; }
      for (const id of this.charts.keys()) this.drawChart(id);
    });
    for (const {holder} of this.charts.values()) this.resizer.observe(holder);
  }

  scroll(table) {
    const box = element("div", null, {class: "scroll"});
    box.append(table);
    return box;
  }

  chartBlock(chart) {
    const block = element("figure", null, {class: "chart"});
    block.append(element("figcaption", chart.title));
    const holder = element("div", null, {class: "chart-box"});
    const svg = svgNode("svg", {id: chart.id});
    holder.append(svg);
    block.append(holder, legend(chart));
    this.charts.set(chart.id, {chart, svg, holder, width: 0});
    return block;
  }

  // Run loader `name` once at a time; a call while it runs makes one more run after it.
  async run(name, loader) {
    const state = this.busy.get(name) || {running: false, again: false};
    this.busy.set(name, state);
    if (state.running) { state.again = true; return; }
    state.running = true;
    try {
      do {
        state.again = false;
        await loader();
      } while (state.again && this.ctx.alive());
    } finally {
      state.running = false;
    }
  }

  // A live refresh that failed says so in its section (a failed first load goes to the frame).
  quietly(name, loader, where) {
    return this.run(name, loader).catch((exc) => {
      if (!this.ctx.alive()) return;
      where.querySelector(".refresh-error")?.remove();
      where.append(element("p", `Could not refresh: ${exc.message}`, {class: "error refresh-error", role: "alert"}));
    });
  }

  clearError(where) {
    where.querySelector(".refresh-error")?.remove();
  }

  async loadAll() {
    await Promise.all([
      this.run("health", () => this.loadHealth()),
      this.run("mons", () => this.loadMons()),
      this.run("figures", () => this.loadFigures()),
      this.run("history", () => this.loadHistory(true)),
    ]);
  }

  async loadHealth() {
    const health = await get(`cluster/${this.ctx.fsid}/health`);
    if (!this.ctx.alive()) return;
    this.clearError(this.health);
    this.showHealth(health);
  }

  showHealth(health) {
    const status = health.status || "unknown";
    const checks = sortChecks(health.checks || []);
    const badge = element("span", status, {class: `health ${status.toLowerCase()}`, "data-status": status});
    const counts = Object.values(SEVERITY).map((sev) => {
      const n = checks.filter((c) => SEVERITY[c.severity] === sev).length;
      return n ? `${n} ${sev.label.toLowerCase()}${n === 1 ? "" : "s"}` : null;
    }).filter(Boolean);
    const words = checks.length ? counts.join(", ") || `${checks.length} checks` : "no health checks raised";
    this.healthAsOf.textContent = ` · as of ${timeOfDay(health.update_time)}`;
    // Drawn again only when something changed, so the live region speaks only then and a
    // check's open details stay open.
    const signature = JSON.stringify([status, checks]);
    if (signature === this.healthSignature) return;
    this.healthSignature = signature;
    this.healthStatus.replaceChildren(badge, document.createTextNode(` ${words}`));
    const open = new Set([...this.checks.querySelectorAll("li[data-code] details[open]")]
      .map((node) => node.closest("li").dataset.code));
    this.checks.replaceChildren(...checks.map((check) => this.checkItem(check, open.has(check.name))));
    this.checks.hidden = checks.length === 0;
  }

  checkItem(check, opened = false) {
    const sev = SEVERITY[check.severity] || {label: check.severity || "Unknown", cls: "other"};
    const item = element("li", null, {class: `check sev-${sev.cls}`, "data-severity": check.severity || "",
                                      "data-code": check.name});
    const head = element("div", null, {class: "check-head"});
    head.append(element("span", sev.label, {class: `severity ${sev.cls}`}),
                element("code", check.name, {class: "code"}),
                element("span", check.summary, {class: "summary"}));
    if (check.muted) head.append(element("span", "muted", {class: "muted-tag"}));
    item.append(head);
    const lines = check.detail || [];
    if (lines.length) {
      const more = element("details");
      more.open = opened;
      more.append(element("summary", `Details (${lines.length})`));
      const list = element("ul", null, {class: "detail"});
      for (const line of lines.slice(0, MAX_DETAIL_LINES)) list.append(element("li", line));
      if (lines.length > MAX_DETAIL_LINES) list.append(element("li", `… and ${lines.length - MAX_DETAIL_LINES} more`));
      more.append(list);
      item.append(more);
    }
    return item;
  }

  async loadMons() {
    const mons = await get(`cluster/${this.ctx.fsid}/mon`);
    if (!this.ctx.alive()) return;
    this.clearError(this.mons);
    const inQuorum = mons.filter((m) => m.in_quorum).length;
    const leader = mons.find((m) => m.leader);
    this.monCaption.textContent = `${mons.length} monitors, ${inQuorum} in quorum` +
      (leader ? `; leader ${leader.name}` : inQuorum ? "" : ": no quorum");
    this.monTable.classList.toggle("no-quorum", inQuorum === 0);
    this.monBody.replaceChildren(...[...mons].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.name.localeCompare(b.name))
      .map((mon) => {
        const row = element("tr", null, {"data-mon": mon.name, "data-in-quorum": String(Boolean(mon.in_quorum)),
                                         "data-leader": String(Boolean(mon.leader))});
        const quorum = element("td", null, {"data-label": "Quorum"});
        quorum.append(element("span", mon.in_quorum ? "In quorum" : "Out of quorum",
                              {class: `pill ${mon.in_quorum ? "ok" : "err"}`}));
        const address = element("td", null, {"data-label": "Address"});
        address.append(element("span", mon.addr || UNKNOWN, {class: "addr"}));
        row.append(element("th", mon.name, {scope: "row"}),
                   element("td", mon.rank ?? UNKNOWN, {"data-label": "Rank"}),
                   quorum,
                   element("td", mon.leader ? "Leader" : mon.in_quorum ? "Peon" : UNKNOWN, {"data-label": "Role"}),
                   element("td", mon.server || UNKNOWN, {"data-label": "Server"}),
                   address);
        return row;
      }));
  }

  // Usage, and `io` when it may have moved in more than client IO: `io` lists every OSD's
  // latency (600 KB at 10,000 OSDs), so while PGs are clean and nothing recovers the client
  // figures come from the `usage` messages and `io` is read at most every IO_EVERY_MS.
  async loadFigures(live = false) {
    const wantIo = !live || this.ioWanted || this.recovering || Date.now() - this.ioAt >= IO_EVERY_MS;
    this.ioWanted = false;
    const [usage, io] = await Promise.all([get(`cluster/${this.ctx.fsid}/usage`),
                                           wantIo ? get(`cluster/${this.ctx.fsid}/io`) : null]);
    if (!this.ctx.alive()) return;
    for (const where of [this.capacity, this.client, this.recovery, this.pgs]) this.clearError(where);
    this.showUsage(usage);
    if (io) {
      this.ioAt = Date.now();
      this.showIo(io);
    } else if (this.messageIo) {
      this.showClient(this.messageIo);
    }
    this.updated.textContent = `Figures as of ${timeOfDay(usage.update_time)}`;
  }

  // A `usage` message: its client IO is shown at the next refresh; PG counts that moved make
  // that refresh read `io` too.
  noteUsage(message) {
    if (message.client_io) this.messageIo = message.client_io;
    const pgs = message.pgs ? `${message.pgs.total}/${message.pgs.active_clean}` : null;
    if (pgs !== this.pgsSeen) this.ioWanted = true;
    this.pgsSeen = pgs;
  }

  showUsage(usage) {
    const ratio = usage.used_ratio;
    this.usedMeter.value = ratio ?? 0;
    this.usedMeter.low = usage.nearfull_ratio ?? 0.85;
    this.usedMeter.high = usage.full_ratio ?? 0.95;
    this.usedMeter.setAttribute("aria-valuetext", percent(ratio));
    this.usedText.textContent = `${bytes(usage.used_bytes)} of ${bytes(usage.total_bytes)} (${percent(ratio)})`;
    const full = usage.days_until_full;
    this.daysValue.textContent = full === null || full === undefined ? "Not growing (or not enough history yet)"
      : full < 1 ? `${(full * 24).toFixed(1)} hours` : `${days(full)} days`;
    const known = full !== null && full !== undefined;
    this.daysValue.className = known && full < 7 ? "err" : known && full < 30 ? "warn" : "";
    const headroom = usage.host_failure_headroom;
    if (!headroom) {
      this.headroomValue.textContent = `${UNKNOWN} (no per-OSD figures yet)`;
      this.headroomValue.className = "";
    } else {
      const margin = keep(bytes(Math.abs(headroom.margin_bytes))), held = keep(bytes(headroom.host_used_bytes));
      this.headroomValue.textContent = headroom.fits
        ? `Fits: ${headroom.host}'s ${held} would move to the other hosts with ${margin} to spare`
        : `Does not fit: ${headroom.host}'s ${held} would leave the others ${margin} short`;
      this.headroomValue.className = headroom.fits ? "ok" : "err";
    }
  }

  showIo(io) {
    this.showClient(io.client || {});
    const rec = io.recovery || {};
    this.recovering = Boolean(rec.recovering_bytes_per_sec || rec.recovering_objects_per_sec ||
                              rec.degraded_objects || rec.misplaced_objects || rec.unfound_objects);
    this.pgsSeen = io.pgs ? `${io.pgs.total}/${io.pgs.active_clean}` : null;
    this.showRecovery(rec);
    this.showPgs(io.pgs || {});
  }

  showClient(client) {
    this.readValue.textContent = `${rate(client.read_bytes_sec)} · ${ops(client.read_op_per_sec)}`;
    this.writeValue.textContent = `${rate(client.write_bytes_sec)} · ${ops(client.write_op_per_sec)}`;
    this.opsValue.textContent = ops((client.read_op_per_sec ?? 0) + (client.write_op_per_sec ?? 0));
  }

  showRecovery(rec) {
    const v = this.recoveryValues;
    v.recovering.textContent = rate(rec.recovering_bytes_per_sec);
    v["recovering-objects"].textContent = `${rec.recovering_objects_per_sec ?? UNKNOWN}/s`;
    v.degraded.textContent = `${rec.degraded_objects ?? UNKNOWN} (${percent(rec.degraded_ratio)})`;
    v.misplaced.textContent = `${rec.misplaced_objects ?? UNKNOWN} (${percent(rec.misplaced_ratio)})`;
    v.unfound.textContent = String(rec.unfound_objects ?? UNKNOWN);
    v.unfound.className = rec.unfound_objects > 0 ? "err" : "";
    v.degraded.className = rec.degraded_objects > 0 ? "warn" : "";
  }

  showPgs(pgs) {
    const total = pgs.total ?? 0;
    const states = Object.entries(pgs.by_state || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    this.pgCaption.textContent = `${total} PGs, ${pgs.active_clean ?? UNKNOWN} active+clean`;
    this.pgBody.replaceChildren(...states.map(([state, n]) => {
      const row = element("tr", null, {"data-state": state, class: state === "active+clean" ? "clean" : "unclean"});
      row.append(element("th", state, {scope: "row"}),
                 element("td", String(n), {class: "num", "data-label": "PGs"}),
                 element("td", total ? percent(n / total) : UNKNOWN, {class: "num", "data-label": "Share"}));
      return row;
    }));
    if (!states.length) {
      const row = element("tr");
      row.append(element("td", "No PG figures yet", {colspan: "3"}));
      this.pgBody.append(row);
    }
  }

  // History of every chart's series: the whole range (fresh), or only the points after the last
  // one drawn, which replace any of the same time (a roll-up's bucket may still move) and push
  // those older than the range out.
  async loadHistory(fresh) {
    const range = this.range;
    const from = !fresh && this.lastIso ? this.lastIso : new Date(Date.now() - range.seconds * 1000).toISOString();
    const query = `series=${SERIES.join(",")}&from=${encodeURIComponent(from)}`;
    const answer = await get(`cluster/${this.ctx.fsid}/history?${query}`);
    if (!this.ctx.alive() || range !== this.range) return;
    this.step = answer.step_s || 0;
    if (fresh) this.fetchedAt = Date.now();
    const oldest = Date.now() - range.seconds * 1000;
    let newest = fresh ? null : this.lastIso;
    for (const key of SERIES) {
      const points = (answer.series?.[key] || []).map(([iso, value]) => [Date.parse(iso), value, iso]);
      let kept = fresh ? [] : this.history[key];
      if (points.length) {
        const start = points[0][0];
        kept = kept.filter(([t]) => t < start).concat(points.map(([t, value]) => [t, value]));
        const lastIso = points[points.length - 1][2];
        if (!newest || Date.parse(lastIso) > Date.parse(newest)) newest = lastIso;
      }
      this.history[key] = kept.filter(([t]) => t >= oldest);
    }
    this.lastIso = newest;
    for (const chart of CHARTS) this.clearError(this.sectionOf(chart.id));
    for (const id of this.charts.keys()) this.drawChart(id, true);
  }

  sectionOf(chartId) {
    return this.charts.get(chartId).holder.closest("section");
  }

  drawChart(id, force = false) {
    const entry = this.charts.get(id);
    const width = Math.floor(entry.holder.clientWidth);
    if (width <= 0 || (!force && width === entry.width)) return;
    entry.width = width;
    const {chart} = entry;
    const series = chart.series.map((s) => ({...s, points: this.history[s.key]}));
    const times = series.flatMap((s) => s.points.map(([t]) => t));
    const now = Date.now();
    const rangeStart = now - this.range.seconds * 1000;
    // The x axis spans the range, or only the history there is when it is shorter.
    const first = times.length ? Math.min(...times) : rangeStart;
    const last = times.length ? Math.max(...times) : now;
    const from = Math.max(rangeStart, first);
    const to = Math.max(last, from + 1000);
    drawChart(entry.svg, {
      series, width, height: width < 420 ? 170 : chart.tall ? 260 : 200, from, to, format: chart.format, binary: chart.binary,
      area: chart.area, title: `${chart.title}, ${this.range.label.toLowerCase()}`,
      gapMs: this.step ? Math.max(this.step * 1000 * 5, 10000) : Infinity,
    });
  }

  // Live: each burst of this cluster's messages refetches once.
  subscribe() {
    const ctx = this.ctx;
    const maps = ctx.soon(() => {
      this.quietly("health", () => this.loadHealth(), this.health);
      this.quietly("mons", () => this.loadMons(), this.mons);
    });
    const figures = ctx.soon(() => {
      this.quietly("figures", () => this.loadFigures(true), this.capacity);
      // Raw points (one per heartbeat) are added as they come; a range of 5-minute or hourly
      // means is fetched again whole once a new mean may be there (never raw points onto means).
      if (this.step < 300) this.quietly("history", () => this.loadHistory(false), this.capacity);
      else if (Date.now() - this.fetchedAt >= this.step * 1000) this.quietly("history", () => this.loadHistory(true), this.capacity);
    }, 1000);
    ctx.on("cluster", maps);
    ctx.on("usage", (message) => { this.noteUsage(message); figures(); });
  }
}

export default {
  id: "overview",
  title: "Overview",
  async mount(ctx) {
    const view = new OverviewView(ctx);
    views.set(ctx, view);
    view.subscribe();
    await view.loadAll();
  },
  async refresh(ctx) {
    const view = views.get(ctx);
    if (view) await view.loadAll();
  },
};
