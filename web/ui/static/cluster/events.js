// The cluster page's Events tab: the cluster's events newest first (GET cluster/FSID/event, a
// page at a time, "Show older events" for the next), with their time, severity and message.
// The severity filter is the API's own `?severity=`: that level and every more severe one.
// New events come from the stream's `event` messages and go on top as they are (no refetch),
// when the filter lets them through.
//
// DOM: #events-severity (<select>: "" all, WARNING, ERROR, CRITICAL), table#events tbody
// tr[data-severity] (and data-event-id on the rows the stream brought: the list's rows carry
// no id), #events-more (the next page), #events-status.
import {get} from "../api.js";
import {element} from "../format.js";
import {cell, head, timeElement} from "./events_time.js";

const PAGE_SIZE = 50;
// The API's levels, most severe first (actors/events.py): a filter keeps its level and those before.
export const SEVERITIES = ["CRITICAL", "ERROR", "WARNING", "RECOVERY", "INFO"];
const CHOICES = [["", "All severities"], ["WARNING", "Warnings and worse"], ["ERROR", "Errors and worse"],
                 ["CRITICAL", "Critical only"]];

const state = {severity: "", page: 0, more: false, seen: new Set(), slots: null, loading: 0};

function passes(severity) {
  if (!state.severity) return true;
  const level = SEVERITIES.indexOf(severity);
  return level !== -1 && level <= SEVERITIES.indexOf(state.severity);
}

const key = (event) => `${event.when} ${event.message}`;

function row(event) {
  const severity = String(event.severity);
  const tr = element("tr", null, {"data-severity": severity, class: `severity-${severity.toLowerCase()}`});
  if (event.id !== undefined && event.id !== null) tr.dataset.eventId = String(event.id);
  tr.dataset.when = event.when;   // ISO UTC: compares as text
  tr.dataset.key = key(event);
  tr.append(cell("Time", timeElement(event.when), {class: "event-when"}),
            cell("Severity", element("span", severity, {class: `badge severity-${severity.toLowerCase()}`})),
            cell("Message", event.message, {class: "event-message"}));
  return tr;
}

function showCount() {
  const {body, status, table} = state.slots;
  const shown = body.children.length;
  table.hidden = shown === 0;
  const what = state.severity ? ` (${CHOICES.find(([value]) => value === state.severity)[1].toLowerCase()})` : "";
  status.textContent = shown === 0 ? `No events${what}.` : `${shown} event${shown === 1 ? "" : "s"} shown${what}, newest first.`;
}

// Page `page` of the list; page 1 replaces the table, later ones add below.
async function loadPage(ctx, page) {
  const ticket = ++state.loading;
  const severity = state.severity ? `&severity=${encodeURIComponent(state.severity)}` : "";
  const answer = await get(`cluster/${ctx.fsid}/event?page_size=${PAGE_SIZE}&page=${page}${severity}`);
  if (!ctx.alive() || ticket !== state.loading) return;   // a newer fetch (another filter) wins
  const {body, more} = state.slots;
  if (page === 1) {
    // Events the stream brought after the list was read stay on top.
    const newest = answer.results.length ? answer.results[0].when : "";
    const kept = [...body.querySelectorAll("tr[data-event-id]")].filter((tr) => tr.dataset.when > newest
      && passes(tr.dataset.severity));
    body.replaceChildren(...kept);
    state.seen = new Set(kept.map((tr) => tr.dataset.key));
  }
  for (const event of answer.results) {
    if (state.seen.has(key(event))) continue;
    state.seen.add(key(event));
    body.append(row(event));
  }
  state.page = page;
  more.hidden = !answer.next;
  showCount();
}

function live(data) {
  if (!state.slots || !passes(data.severity) || state.seen.has(key(data))) return;
  state.seen.add(key(data));
  state.slots.body.prepend(row(data));
  showCount();
}

export default {
  id: "events",
  title: "Events",
  async mount(ctx) {
    state.severity = "";
    state.page = 0;
    state.seen = new Set();
    const select = element("select", null, {id: "events-severity", name: "severity"});
    select.append(...CHOICES.map(([value, label]) => element("option", label, {value})));
    const label = element("label", "Severity", {for: "events-severity"});
    const control = element("div", null, {class: "control"});
    control.append(label, select);
    const bar = element("div", null, {class: "bar events-bar"});
    const status = element("p", "Loading…", {role: "status", id: "events-status", class: "muted"});
    bar.append(control, status);
    const table = element("table", null, {id: "events"});
    const body = element("tbody");
    table.append(element("caption", "Events of this cluster, newest first", {class: "visually-hidden"}),
                 head(["Time", "Severity", "Message"]), body);
    table.hidden = true;
    const scroll = element("div", null, {class: "scroll"});
    scroll.append(table);
    const more = element("button", "Show older events", {type: "button", id: "events-more", class: "secondary"});
    more.hidden = true;
    const error = element("p", null, {role: "alert", class: "error"});
    ctx.panel.append(bar, error, scroll, more);
    state.slots = {body, status, table, more};
    const failed = (exc) => { if (ctx.alive()) error.textContent = `Cannot load events: ${exc.message}`; };
    select.addEventListener("change", () => {
      state.severity = select.value;
      error.textContent = "";
      loadPage(ctx, 1).catch(failed);
    });
    more.addEventListener("click", () => {
      more.disabled = true;
      loadPage(ctx, state.page + 1).catch(failed).finally(() => { more.disabled = false; });
    });
    // Only this cluster's own events (those the list holds): the page filters messages that
    // name another cluster, this keeps out the ones that name none.
    ctx.on("event", (data) => { if (data.fsid === ctx.fsid) live(data); });
    await loadPage(ctx, 1);
  },
  async refresh(ctx) {
    await loadPage(ctx, 1);
  },
};
