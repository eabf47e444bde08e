// The cluster page's Servers tab: each server of the cluster with its services (mons, OSD ids),
// Ceph version and last contact; a server whose agent is late is marked "late" (text and class,
// not colour alone). Live: a `server` message (managed, late, regained, removed) marks the row at
// once and refetches the list.
//
// Which servers are late: the API's server list carries each one's last contact, and GET fleet
// counts the cluster's late servers (silent for 3 heartbeat periods); the late ones are the
// servers heard from least recently, that many of them. A `server` message's change ("late",
// "regained") wins over that count until the next resync.
//
// DOM: table#servers tbody tr[data-fqdn] (class `late` when late), td.server-state.
import {get, getAllPages} from "../api.js";
import {element, UNKNOWN} from "../format.js";
import {cell, head, timeElement} from "./events_time.js";

const state = {servers: [], lateCount: 0, told: new Map(), slots: null};

// "0–3, 7, 9–11" from [0, 1, 2, 3, 7, 9, 10, 11]
export function ranges(ids) {
  const sorted = [...ids].sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j += 1;
    parts.push(j > i ? `${sorted[i]}–${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

function servicesOf(server, fsid) {
  const mine = (server.services || []).filter((service) => !service.fsid || service.fsid === fsid);
  const mons = mine.filter((s) => s.type === "mon").map((s) => s.id);
  const osds = mine.filter((s) => s.type === "osd").map((s) => Number(s.id));
  const others = mine.filter((s) => s.type !== "mon" && s.type !== "osd").map((s) => `${s.type}.${s.id}`);
  const stopped = mine.filter((s) => s.running === false).map((s) => `${s.type}.${s.id}`);
  const list = element("ul", null, {class: "server-services"});
  if (mons.length) list.append(element("li", `mon ${mons.join(", ")}`));
  if (osds.length) list.append(element("li", `${osds.length === 1 ? "OSD" : "OSDs"} ${ranges(osds)}`));
  if (others.length) list.append(element("li", others.join(", ")));
  if (stopped.length) list.append(element("li", `not running: ${stopped.join(", ")}`, {class: "server-stopped"}));
  if (!list.children.length) list.append(element("li", "none"));
  return list;
}

// The late servers' fqdns: the lateCount servers heard from least recently, then what the
// stream told since.
function lateSet() {
  const contacted = state.servers.filter((s) => s.managed && s.last_contact)
    .sort((a, b) => Date.parse(a.last_contact) - Date.parse(b.last_contact));
  const late = new Set(contacted.slice(0, state.lateCount).map((s) => s.fqdn));
  for (const [fqdn, change] of state.told) {
    if (change === "late") late.add(fqdn);
    else late.delete(fqdn);
  }
  return late;
}

function row(server, fsid, late) {
  const tr = element("tr", null, {"data-fqdn": server.fqdn});
  if (late) tr.classList.add("late");
  const name = element("th", null, {scope: "row", "data-label": "Server"});
  name.append(element("span", server.hostname || server.fqdn, {class: "server-host"}));
  if (server.hostname && server.hostname !== server.fqdn) name.append(element("span", server.fqdn, {class: "server-fqdn"}));
  let status;
  if (late) status = element("span", "late", {class: "badge late"});
  else if (!server.managed) status = element("span", "not managed", {class: "badge unmanaged"});
  else status = element("span", "reporting", {class: "badge ok"});
  tr.append(name, cell("Status", status, {class: "server-state"}), cell("Services", servicesOf(server, fsid)),
            cell("Ceph version", server.ceph_version || UNKNOWN), cell("Last contact", timeElement(server.last_contact)));
  return tr;
}

function draw(fsid) {
  const {table, body, status} = state.slots;
  const late = lateSet();
  const servers = [...state.servers].sort((a, b) => a.fqdn.localeCompare(b.fqdn));
  body.replaceChildren(...servers.map((server) => row(server, fsid, late.has(server.fqdn))));
  table.hidden = servers.length === 0;
  const lateNow = servers.filter((s) => late.has(s.fqdn)).length;
  status.textContent = servers.length === 0 ? "No servers known for this cluster yet."
    : `${servers.length} server${servers.length === 1 ? "" : "s"}` + (lateNow ? `, ${lateNow} late` : ", all reporting");
}

// This cluster's row of GET fleet (its late count), or null when it cannot be read.
async function fleetRowOf(fsid) {
  try {
    const first = await get("fleet?page_size=1000");
    const row = first.results.find((r) => r.fsid === fsid);
    if (row || !first.next) return row || null;
    return (await getAllPages("fleet")).find((r) => r.fsid === fsid) || null;
  } catch {
    return null;
  }
}

async function load(ctx, resync) {
  const [servers, fleetRow] = await Promise.all([
    get(`cluster/${ctx.fsid}/server`),
    fleetRowOf(ctx.fsid),
  ]);
  if (!ctx.alive()) return;
  state.servers = servers;
  state.lateCount = fleetRow && fleetRow.servers ? fleetRow.servers.late : 0;
  if (resync) state.told.clear();
  draw(ctx.fsid);
}

export default {
  id: "servers",
  title: "Servers",
  async mount(ctx) {
    state.servers = [];
    state.lateCount = 0;
    state.told = new Map();
    const status = element("p", "Loading…", {role: "status", id: "servers-status", class: "muted"});
    const table = element("table", null, {id: "servers"});
    const body = element("tbody");
    table.append(element("caption", "Servers of this cluster", {class: "visually-hidden"}),
                 head(["Server", "Status", "Services", "Ceph version", "Last contact"]), body);
    table.hidden = true;
    const scroll = element("div", null, {class: "scroll"});
    scroll.append(table);
    ctx.panel.append(status, scroll);
    state.slots = {table, body, status};
    const refetch = ctx.soon(() => load(ctx, false).catch((exc) => {
      if (ctx.alive()) status.textContent = `Cannot refresh the servers: ${exc.message}`;
    }));
    ctx.on("server", (data) => {
      if (data.change === "late" || data.change === "regained") {
        state.told.set(data.fqdn, data.change);
        if (state.servers.some((s) => s.fqdn === data.fqdn)) draw(ctx.fsid);
      }
      refetch();
    });
    await load(ctx, true);
  },
  async refresh(ctx) {
    await load(ctx, true);
  },
};
