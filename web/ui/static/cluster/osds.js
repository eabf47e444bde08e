// The cluster page's OSDs tab: a grid of every OSD (osd_grid.js: virtualised, one button per
// OSD in view) coloured by up/down, in/out and utilisation, a filter, a legend, and the selected
// OSD's detail and actions (osd_detail.js).
//
// Data: GET cluster/FSID/osd (the whole list: a 10,000-OSD list is 4.5 MB, one request) draws
// the grid; GET osd_usage (utilisation) and GET pool (pool names) follow without holding the
// first paint. Live: a `cluster` message whose maps include the OSD map refetches the list once
// per burst; `usage` messages refetch osd_usage (its figures move every few heartbeats).
// `performance.mark("tab-drawn", {detail: {tab: "osds"}})` marks the first grid drawn, and
// "tab-painted" the start of the frame that shows it (bench/ui/first_paint.py reads both).
import {get} from "../api.js";
import {element} from "../format.js";
import {fleetRow} from "../fleet.js";
import {OsdGrid} from "./osd_grid.js";
import {OsdDetail} from "./osd_detail.js";

const STATES = [
  ["", "All states"], ["up", "Up"], ["down", "Down"], ["in", "In"], ["out", "Out"],
  ["nearfull", "Nearfull (≥ 85 %)"],
];

const LEGEND = [
  ["osd-cell u-low", "up, in, under 60 % used"],
  ["osd-cell u-mid", "60-85 % used"],
  ["osd-cell u-near", "nearfull: 85-95 %"],
  ["osd-cell u-full", "full: 95 % or more"],
  ["osd-cell u-unknown", "up, in, no figures yet"],
  ["osd-cell out", "out"],
  ["osd-cell down", "down"],
  ["osd-cell down out", "down and out"],
];

const FIRST_PAGE = 1000;      // at most, the OSDs fetched before the first draw: those a screen shows
const views = new WeakMap();   // ctx -> its view (refresh gets the ctx mount got)

const number = (n) => n.toLocaleString("en");

// Does `osd` pass every word of the filter? A number or osd.N is that id; up, down, in, out
// its state; anything else part of its host's name.
function matcher(text, state, utilization) {
  const words = text.toLowerCase().split(/[\s,]+/).filter(Boolean);
  const tests = words.map((word) => {
    const id = /^(?:osd\.)?(\d+)$/.exec(word);
    if (id) return (osd) => osd.id === Number(id[1]);
    if (word === "up") return (osd) => osd.up;
    if (word === "down") return (osd) => !osd.up;
    if (word === "in") return (osd) => osd.in;
    if (word === "out") return (osd) => !osd.in;
    return (osd) => (osd.server || "").toLowerCase().includes(word);
  });
  const byState = {
    up: (osd) => osd.up, down: (osd) => !osd.up, in: (osd) => osd.in, out: (osd) => !osd.in,
    nearfull: (osd) => (utilization(osd.id) ?? 0) >= 85,
  }[state];
  if (byState) tests.push(byState);
  return (osd) => tests.every((test) => test(osd));
}

class OsdsView {
  constructor(ctx) {
    this.ctx = ctx;
    this.osds = [];
    this.byId = new Map();
    this.total = 0;               // OSDs in the map (more than osds.length while loading)
    this.usage = new Map();       // id -> osd_usage row
    this.poolNames = new Map();
    this.selected = null;
    this.loads = 0;               // the latest list load wins
    this.usageLoads = 0;
    this.drawn = false;
    const utilization = (id) => this.usage.get(id)?.utilization ?? null;
    this.utilization = utilization;

    this.filter = element("input", null, {id: "osd-filter", type: "search", placeholder: "12, host, down…",
                                          autocomplete: "off", "aria-describedby": "osd-filter-hint"});
    this.state = element("select", null, {id: "osd-state"});
    for (const [value, label] of STATES) this.state.append(element("option", label, {value}));
    this.summary = element("p", "Loading OSDs…", {id: "osd-summary", role: "status"});
    this.grid = new OsdGrid({onSelect: (osd) => this.select(osd.id, true), utilization});
    this.detail = new OsdDetail(ctx);

    const tools = element("div", null, {class: "osd-tools"});
    const filterBox = element("div", null, {class: "osd-tool"});
    filterBox.append(element("label", "Filter OSDs", {for: "osd-filter"}), this.filter,
                     element("small", "an id, a host, or up / down / in / out", {id: "osd-filter-hint", class: "hint"}));
    const stateBox = element("div", null, {class: "osd-tool"});
    stateBox.append(element("label", "State", {for: "osd-state"}), this.state);
    tools.append(filterBox, stateBox, this.summary);

    const legend = element("ul", null, {class: "osd-legend", "aria-label": "Legend"});
    for (const [classes, label] of LEGEND) {
      const item = element("li");
      item.append(element("span", null, {class: `swatch ${classes}`, "aria-hidden": "true"}), label);
      legend.append(item);
    }
    const help = element("p", "Arrow keys, Page Up / Page Down and Home / End move between OSDs; Enter shows one's detail.",
                         {id: "osd-grid-help", class: "visually-hidden"});
    const gridBox = element("div", null, {class: "osd-grid-box"});
    gridBox.append(this.grid.root, legend);
    const layout = element("div", null, {class: "osd-layout"});
    layout.append(gridBox, this.detail.root);
    ctx.panel.append(tools, help, layout);

    const refilter = ctx.soon(() => this.apply(), 120);
    this.filter.addEventListener("input", refilter);
    this.state.addEventListener("change", () => this.apply());
  }

  // The first page of the list (a 10,000-OSD list is 4.5 MB, a page of FIRST_PAGE a tenth of
  // that): enough to draw the cells in view at once. Whether more is to come.
  async loadFirst() {
    const ticket = ++this.loads;
    const size = Math.min(FIRST_PAGE, Math.max(100, this.grid.cellsInView(window.innerHeight)));
    const page = await get(`cluster/${encodeURIComponent(this.ctx.fsid)}/osd?page_size=${size}`);
    if (!this.ctx.alive() || ticket !== this.loads) return false;
    this.total = page.count;
    this.take(page.results);
    return Boolean(page.next);
  }

  // The whole list.
  async load() {
    const ticket = ++this.loads;
    const osds = await get(`cluster/${encodeURIComponent(this.ctx.fsid)}/osd`);
    if (!this.ctx.alive() || ticket !== this.loads) return;
    this.total = osds.length;
    this.take(osds);
  }

  take(osds) {
    this.osds = osds.sort((a, b) => a.id - b.id);
    this.byId = new Map(this.osds.map((osd) => [osd.id, osd]));
    this.apply();
    if (!this.drawn) {
      this.drawn = true;
      performance.mark("tab-drawn", {detail: {tab: "osds", osds: this.total}});
    }
  }

  failed(exc) {
    if (this.ctx.alive()) this.summary.textContent = `Cannot load the whole OSD list: ${exc.message}`;
  }

  // Has the cluster reported its figures yet? Until then osd_usage answers 503 (which the
  // browser's console shows as an error): the fleet's row for it has no total yet.
  statsArrived() {
    const row = fleetRow(this.ctx.fsid);
    return !row || (row.total_bytes !== null && row.total_bytes !== undefined);
  }

  async loadUsage() {
    const ticket = ++this.usageLoads;
    const rows = await get(`cluster/${encodeURIComponent(this.ctx.fsid)}/osd_usage`);
    if (!this.ctx.alive() || ticket !== this.usageLoads) return;
    this.usage = new Map(rows.map((row) => [row.id, row]));
    if (this.drawn) this.apply();   // else the list's first draw shows it
  }

  async loadPools() {
    const pools = await get(`cluster/${encodeURIComponent(this.ctx.fsid)}/pool`);
    if (!this.ctx.alive()) return;
    this.poolNames = new Map(pools.map((pool) => [pool.id, pool.name]));
    this.showDetail();
  }

  apply() {
    const match = matcher(this.filter.value, this.state.value, this.utilization);
    const filtering = this.filter.value.trim() !== "" || this.state.value !== "";
    const shown = filtering ? this.osds.filter(match) : this.osds;
    const partial = this.osds.length < this.total;
    this.grid.setData(shown, this.total, partial && !filtering ? this.total : shown.length);
    if (partial) this.summary.textContent = `${number(this.total)} OSDs (loading the rest of the list…)`;
    else this.showSummary(shown.length);
    this.showDetail();
  }

  showSummary(shown) {
    const total = this.osds.length;
    if (total === 0) { this.summary.textContent = "No OSDs in this cluster's map yet."; return; }
    let up = 0, inside = 0, nearfull = 0;
    for (const osd of this.osds) {
      if (osd.up) up += 1;
      if (osd.in) inside += 1;
      const used = this.utilization(osd.id);
      if (used !== null && used >= 85) nearfull += 1;
    }
    const parts = [`${number(total)} OSDs: ${number(up)} up, ${number(inside)} in`];
    if (up < total) parts.push(`${number(total - up)} down`);
    if (inside < total) parts.push(`${number(total - inside)} out`);
    if (nearfull) parts.push(`${number(nearfull)} nearfull`);
    let text = parts.join(", ");
    if (shown !== total) text = `Showing ${number(shown)} of ${text}`;
    this.summary.textContent = text;
  }

  select(id, fromGrid) {
    this.selected = id;
    this.grid.select(id);
    this.showDetail();
    if (fromGrid && window.matchMedia("(max-width: 700px)").matches) {
      this.detail.root.scrollIntoView({block: "start"});
    }
  }

  showDetail() {
    if (this.selected === null) return;
    const osd = this.byId.get(this.selected);
    this.detail.show(osd, this.usage.get(this.selected) || null, this.poolNames);
  }
}

export default {
  id: "osds",
  title: "OSDs",
  async mount(ctx) {
    const view = new OsdsView(ctx);
    views.set(ctx, view);
    const again = ctx.soon(() => view.load().catch(() => {}));
    ctx.on("cluster", (data) => { if (!data.maps || "osd_map" in data.maps) again(); });
    const usageAgain = ctx.soon(() => view.loadUsage().catch(() => {}), 3000);
    ctx.on("usage", () => usageAgain());
    // Utilisation and pool names after the first page: they would only delay the first draw.
    const more = await view.loadFirst();
    // The rest after the first frame is painted (parsing megabytes would hold it back), and
    // without holding mount: the page starts its live stream once the tab is mounted.
    await new Promise((resolve) => requestAnimationFrame(() => {
      performance.mark("tab-painted", {detail: {tab: "osds"}});   // the frame that shows it
      setTimeout(resolve);
    }));
    if (!ctx.alive()) return;
    if (more) view.load().catch((exc) => view.failed(exc));
    if (view.statsArrived()) view.loadUsage().catch(() => {});   // else the first `usage` message brings them
    view.loadPools().catch(() => {});
  },
  async refresh(ctx) {
    const view = views.get(ctx);
    if (!view) return;
    await Promise.all([view.load(), view.loadUsage().catch(() => {}), view.loadPools().catch(() => {})]);
  },
};
