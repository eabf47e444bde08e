// The fleet overview: one row per cluster from GET fleet (every page), filter and sort.
import {getAllPages} from "./api.js";
import * as format from "./format.js";

const HEALTH_ORDER = {HEALTH_ERR: 0, HEALTH_WARN: 1, HEALTH_OK: 2};

const SORT_VALUE = {
  name: (row) => (row.name || row.fsid).toLowerCase(),
  health: (row) => HEALTH_ORDER[row.health] ?? 3,
  used_ratio: (row) => row.used_ratio ?? -1,
  days_until_full: (row) => row.days_until_full ?? Infinity,
  osds: (row) => row.osds.up ?? -1,
  mons: (row) => row.mons.in_quorum ?? -1,
  client_io: (row) => row.client_io ? row.client_io.read_bytes_sec + row.client_io.write_bytes_sec : -1,
};

const state = {rows: [], filter: "", key: "name", ascending: true};

export async function loadFleet() {
  state.rows = await getAllPages("fleet");
  render();
  return state.rows;
}

// The fleet's row for a cluster (name, health...), or undefined before the fleet is loaded.
export function fleetRow(fsid) {
  return state.rows.find((r) => r.fsid === fsid);
}

export function setUpFleet() {
  const filter = document.getElementById("fleet-filter");
  filter.addEventListener("input", () => { state.filter = filter.value.trim().toLowerCase(); render(); });
  for (const th of document.querySelectorAll("#fleet thead th")) {
    th.querySelector("button").addEventListener("click", () => sortBy(th.dataset.key));
  }
  const body = document.querySelector("#fleet tbody");
  body.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-fsid]");
    if (row) open(row.dataset.fsid);
  });
  body.addEventListener("keydown", (event) => {
    const row = event.target.closest("tr[data-fsid]");
    if (row && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); open(row.dataset.fsid); }
  });
  // Phones hide the table's header: the same sorts from a <select>, each way round.
  const sort = document.getElementById("fleet-sort");
  for (const th of document.querySelectorAll("#fleet thead th")) {
    const name = th.textContent.trim();
    sort.append(format.element("option", `${name} ▲`, {value: `${th.dataset.key}:asc`}),
                format.element("option", `${name} ▼`, {value: `${th.dataset.key}:desc`}));
  }
  sort.addEventListener("change", () => {
    const [key, way] = sort.value.split(":");
    state.key = key;
    state.ascending = way === "asc";
    showSortState();
    render();
  });
  showSortState();
}

function open(fsid) {
  location.hash = `#/cluster/${encodeURIComponent(fsid)}`;
}

function sortBy(key) {
  state.ascending = state.key === key ? !state.ascending : true;
  state.key = key;
  showSortState();
  render();
}

function showSortState() {
  document.getElementById("fleet-sort").value = `${state.key}:${state.ascending ? "asc" : "desc"}`;
  for (const th of document.querySelectorAll("#fleet thead th")) {
    th.setAttribute("aria-sort", th.dataset.key === state.key ? (state.ascending ? "ascending" : "descending") : "none");
  }
}

function visibleRows() {
  const value = SORT_VALUE[state.key];
  const rows = state.rows.filter((r) => (r.name || r.fsid).toLowerCase().includes(state.filter));
  rows.sort((a, b) => {
    const x = value(a), y = value(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return state.ascending ? order : -order;
  });
  return rows;
}

function render() {
  const body = document.querySelector("#fleet tbody");
  const rows = visibleRows();
  body.replaceChildren(...rows.map(rowElement));
  const status = document.getElementById("fleet-status");
  status.textContent = state.rows.length === 0 ? "No clusters yet: they appear once their agents report."
    : rows.length === state.rows.length ? `${rows.length} cluster${rows.length === 1 ? "" : "s"}`
      : `${rows.length} of ${state.rows.length} clusters match`;
}

function rowElement(row) {
  const tr = format.element("tr", null, {"data-fsid": row.fsid, tabindex: "0"});
  const name = format.element("td", row.name || row.fsid, {"data-label": "Name"});
  name.classList.add("name");
  // Two clusters may share a name: the fsid's first block tells them apart.
  if (row.name) name.append(" ", format.element("span", row.fsid.slice(0, 8), {class: "fsid", title: row.fsid}));
  const health = format.element("td", null, {"data-label": "Health"});
  health.append(format.element("span", (row.health || "unknown").replace("HEALTH_", ""),
                               {class: `health ${(row.health || "unknown").toLowerCase()}`}));
  tr.append(name, health, usedCell(row),
            format.element("td", format.days(row.days_until_full), {"data-label": "Days until full"}),
            format.element("td", `${format.count(row.osds.up)}/${format.count(row.osds.in)}/${format.count(row.osds.total)}`,
                           {"data-label": "OSDs up/in/total"}),
            format.element("td", `${format.count(row.mons.in_quorum)}/${format.count(row.mons.total)}`,
                           {"data-label": "Mons in quorum"}),
            format.element("td", format.clientIo(row.client_io), {"data-label": "Client IO"}));
  return tr;
}

// A <meter>: the browser draws the bar (no style attribute), assistive technology reads its value.
function usedCell(row) {
  const td = format.element("td", null, {"data-label": "Used"});
  td.classList.add("used");
  if (row.used_ratio === null || row.used_ratio === undefined) {
    td.textContent = format.UNKNOWN;
    return td;
  }
  const label = `${format.percent(row.used_ratio)} of ${format.bytes(row.total_bytes)}`;
  td.append(format.element("meter", null, {min: "0", max: "1", low: "0.75", high: "0.85", optimum: "0",
                                            value: String(row.used_ratio), "aria-label": `Used ${label}`}),
            format.element("span", label));
  return td;
}
