// The cluster page's Requests tab: the cluster's requests (the 202 workflow's records) newest
// first, a page at a time: headline, state, status, requested and completed times, the error.
// Live: each `request` message of this cluster updates its row in place, or adds it on top.
// Operators and administrators get a Cancel button on each request still running
// (POST request/ID/cancel, after a confirmation); read-only users get none.
//
// DOM: table#requests tbody tr[data-request-id][data-state] (the API's state: "submitted" or
// "complete"; class running / complete / failed / cancelled), td.request-status,
// button.request-cancel, #requests-more, #requests-status, #requests-error.
import {ApiError, get, send} from "../api.js";
import {element} from "../format.js";
import {confirmAction} from "../widgets.js";
import {cell, head, timeElement} from "./events_time.js";

const PAGE_SIZE = 50;
const CANCELLED = "Cancelled";

const state = {page: 0, rows: new Map(), slots: null, loading: 0, ctx: null};

// What a person reads for a request's outcome.
export function outcome(request) {
  if (request.state !== "complete") return "running";
  if (!request.error) return "complete";
  return request.error_message === CANCELLED || request.status === CANCELLED ? "cancelled" : "failed";
}

function cancelButton(request) {
  const button = element("button", "Cancel", {type: "button", class: "request-cancel danger",
                                              "aria-label": `Cancel request: ${request.headline}`});
  button.addEventListener("click", () => cancel(request, button));
  return button;
}

async function cancel(request, button) {
  const {error} = state.slots;
  const confirmed = await confirmAction({title: "Cancel this request?", detail: request.headline,
                                         confirmLabel: "Cancel request", danger: true});
  if (!confirmed) return;
  button.disabled = true;
  error.textContent = "";
  try {
    const answer = await send("POST", `request/${encodeURIComponent(request.id)}/cancel`, {});
    if (answer && answer.id) show(answer, false);
  } catch (exc) {
    error.textContent = exc instanceof ApiError ? `Cannot cancel "${request.headline}": ${exc.message}`
      : `The server cannot be reached: ${exc.message}`;
    button.disabled = false;
  }
}

function rowOf(request) {
  const kind = outcome(request);
  const tr = element("tr", null, {"data-request-id": request.id, "data-state": request.state, class: kind});
  const headline = element("th", request.headline || request.id, {scope: "row", "data-label": "Request"});
  const stateCell = cell("State", element("span", kind, {class: `badge ${kind}`}));
  tr.append(headline, stateCell, cell("Status", request.status || "", {class: "request-status"}),
            cell("Requested", timeElement(request.requested_at)), cell("Completed", timeElement(request.completed_at)),
            cell("Error", request.error ? request.error_message : "", {class: "request-error"}));
  if (state.ctx.can("operator")) {   // read-only users: no column of controls at all
    const action = cell("Action", "", {class: "request-action"});
    if (kind === "running") action.append(cancelButton(request));
    tr.append(action);
  }
  return tr;
}

// Draw `request` in its row (in place), or on top when `add` and it is new here.
function show(request, add) {
  const {body} = state.slots;
  const old = state.rows.get(request.id);
  if (!old && !add) return;
  const known = old ? old.request : {};
  const merged = {...known, ...request};
  // A late message about an earlier step must not undo a completion already shown.
  if (known.state === "complete" && request.state !== "complete") return;
  const tr = rowOf(merged);
  if (old) old.tr.replaceWith(tr);
  else body.prepend(tr);
  state.rows.set(request.id, {request: merged, tr});
  showCount();
}

function showCount() {
  const {body, status, table} = state.slots;
  const rows = [...body.children];
  const running = rows.filter((tr) => tr.dataset.state !== "complete").length;
  table.hidden = rows.length === 0;
  status.textContent = rows.length === 0 ? "No requests for this cluster yet."
    : `${rows.length} request${rows.length === 1 ? "" : "s"} shown, ${running} running.`;
}

async function loadPage(ctx, page) {
  const ticket = ++state.loading;
  const answer = await get(`cluster/${ctx.fsid}/request?page_size=${PAGE_SIZE}&page=${page}`);
  if (!ctx.alive() || ticket !== state.loading) return;
  const {body, more} = state.slots;
  if (page === 1) {
    // Rows the stream added since the fetch was sent stay on top.
    const listed = new Set(answer.results.map((r) => r.id));
    const newest = answer.results.length ? Date.parse(answer.results[0].requested_at) : -Infinity;
    const kept = [...state.rows.values()].filter(({request}) => !listed.has(request.id)
      && Date.parse(request.requested_at) > newest);
    body.replaceChildren();
    state.rows = new Map();
    for (const {request} of kept) show(request, true);
  }
  for (const request of answer.results) {
    if (state.rows.has(request.id)) continue;
    const tr = rowOf(request);
    body.append(tr);
    state.rows.set(request.id, {request, tr});
  }
  state.page = page;
  more.hidden = !answer.next;
  showCount();
}

export default {
  id: "requests",
  title: "Requests",
  async mount(ctx) {
    state.ctx = ctx;
    state.page = 0;
    state.rows = new Map();
    const status = element("p", "Loading…", {role: "status", id: "requests-status", class: "muted"});
    const error = element("p", null, {role: "alert", id: "requests-error", class: "error"});
    const table = element("table", null, {id: "requests"});
    const body = element("tbody");
    table.append(element("caption", "Requests of this cluster, newest first", {class: "visually-hidden"}),
                 head(["Request", "State", "Status", "Requested", "Completed", "Error",
                       ...(ctx.can("operator") ? ["Action"] : [])]), body);
    table.hidden = true;
    const scroll = element("div", null, {class: "scroll"});
    scroll.append(table);
    const more = element("button", "Show older requests", {type: "button", id: "requests-more", class: "secondary"});
    more.hidden = true;
    ctx.panel.append(status, error, scroll, more);
    state.slots = {body, status, table, more, error};
    more.addEventListener("click", () => {
      more.disabled = true;
      loadPage(ctx, state.page + 1).catch((exc) => { if (ctx.alive()) error.textContent = `Cannot load requests: ${exc.message}`; })
        .finally(() => { more.disabled = false; });
    });
    // This cluster's requests only (the list's): messages naming no cluster (a server's debug
    // job) are not in it.
    ctx.on("request", (data) => { if (data.fsid === ctx.fsid) show(data, true); });
    await loadPage(ctx, 1);
  },
  async refresh(ctx) {
    await loadPage(ctx, 1);
  },
};
