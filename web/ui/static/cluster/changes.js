// The cluster page's Changes tab: the cluster's completed changes (GET cluster/FSID/changes),
// newest first: what (the headline and each field's before → after), who, when, how long.
// Live: a request of this cluster that completes refetches the list (once per burst).
// Operators and administrators get a Revert button on each change: the confirmation dialog
// previews the inverse (POST request/ID/revert?dry_run=1), then the revert is followed in the
// request tray; the API's refusal (400: no inverse, 409: the cluster moved on) shows beside the
// row. Read-only users get no Revert button (and no column for it).
//
// DOM: table#changes tbody tr[data-request-id], ul.change-fields li[data-field],
// td.change-who, button.change-revert, .change-revert-error (role=alert), #changes-more,
// #changes-status, #changes-error.
import {ApiError, get} from "../api.js";
import {element} from "../format.js";
import {confirmAction, valueText, writeAndFollow} from "../widgets.js";
import {cell, head, timeElement} from "./events_time.js";

const PAGE_SIZE = 25;

const state = {pages: 1, loading: 0, ctx: null, slots: null, refusals: new Map()};

// "0.4 s", "12 s", "3 min 5 s".
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 1) return `${Number(seconds.toFixed(2))}\u00a0s`;
  if (seconds < 10) return `${Number(seconds.toFixed(1))}\u00a0s`;
  if (seconds < 60) return `${Math.round(seconds)}\u00a0s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}\u00a0min ${whole % 60}\u00a0s`;
}

function fieldList(changes) {
  const list = element("ul", null, {class: "change-fields"});
  const entries = Object.entries(changes || {});
  if (!entries.length) list.append(element("li", "no field changed", {class: "muted"}));
  for (const [name, diff] of entries) {
    const [before, after] = Array.isArray(diff) ? diff : [null, null];
    const li = element("li", null, {"data-field": name});
    const pair = element("span", null, {class: "change-pair"});    // kept on one line where it fits
    pair.append(element("code", valueText(before)), document.createTextNode("\u00a0\u2192 "), element("code", valueText(after)));
    li.append(element("span", name, {class: "change-field"}), document.createTextNode(": "), pair);
    list.append(li);
  }
  return list;
}

function rowOf(change) {
  const tr = element("tr", null, {"data-request-id": change.request_id, "data-kind": change.kind || ""});
  tr.append(element("th", change.headline || change.request_id, {scope: "row", "data-label": "Change"}),
            cell("Fields", fieldList(change.changes)),
            cell("Who", change.requested_by || "—", {class: "change-who"}),
            cell("Completed", timeElement(change.completed_at)),
            cell("Took", duration(change.duration_s), {class: "change-took"}));
  if (state.ctx.can("operator")) {
    const action = cell("Action", "", {class: "change-action"});
    const button = element("button", "Revert", {type: "button", class: "change-revert secondary",
                                                "aria-label": `Revert: ${change.headline}`});
    const refusal = element("span", state.refusals.get(change.request_id) || "",
                            {class: "change-revert-error error", role: "alert"});
    button.addEventListener("click", () => revert(change, button, refusal));
    action.append(button, refusal);
    tr.append(action);
  }
  return tr;
}

async function revert(change, button, refusal) {
  const path = `request/${encodeURIComponent(change.request_id)}/revert`;
  refusal.textContent = "";
  state.refusals.delete(change.request_id);
  const confirmed = await confirmAction({
    title: "Revert this change?", confirmLabel: "Revert",
    detail: `${change.headline}: each field goes back to what it was before, if the cluster still holds what the change left.`,
    preview: {method: "POST", path, body: {}},
  });
  if (!confirmed) return;
  button.disabled = true;
  try {
    const request = await writeAndFollow("POST", path, {}, `Revert: ${change.headline}`);
    if (request && request.error) say(change, refusal, `The revert failed: ${request.error_message}`);
  } catch (exc) {
    say(change, refusal, exc instanceof ApiError ? `Cannot revert: ${exc.message}`
      : `The server cannot be reached: ${exc.message}`);
  } finally {
    button.disabled = false;
  }
}

// The refusal beside the row, kept across the list's refetches.
function say(change, refusal, text) {
  state.refusals.set(change.request_id, text);
  refusal.textContent = text;
  const row = state.slots && state.slots.body.querySelector(`tr[data-request-id="${CSS.escape(change.request_id)}"] .change-revert-error`);
  if (row && row !== refusal) row.textContent = text;
}

async function load(ctx) {
  const ticket = ++state.loading;
  const size = PAGE_SIZE * state.pages;
  const answer = await get(`cluster/${encodeURIComponent(ctx.fsid)}/changes?page_size=${size}&page=1`);
  if (!ctx.alive() || ticket !== state.loading) return;
  const {body, status, table, more} = state.slots;
  // Keep the keyboard on the same row's button when the list is redrawn.
  const focused = document.activeElement && body.contains(document.activeElement)
    ? document.activeElement.closest("tr")?.dataset.requestId : null;
  body.replaceChildren(...answer.results.map(rowOf));
  if (focused) body.querySelector(`tr[data-request-id="${CSS.escape(focused)}"] button`)?.focus();
  table.hidden = answer.results.length === 0;
  more.hidden = !answer.next;
  status.textContent = answer.count === 0 ? "No completed changes for this cluster yet."
    : `${answer.results.length} of ${answer.count} change${answer.count === 1 ? "" : "s"} shown, newest first.`;
}

export default {
  id: "changes",
  title: "Changes",
  async mount(ctx) {
    state.ctx = ctx;
    state.pages = 1;
    state.refusals = new Map();
    const status = element("p", "Loading…", {role: "status", id: "changes-status", class: "muted"});
    const error = element("p", null, {role: "alert", id: "changes-error", class: "error"});
    const table = element("table", null, {id: "changes"});
    const body = element("tbody");
    table.append(element("caption", "Completed changes of this cluster, newest first", {class: "visually-hidden"}),
                 head(["Change", "Fields", "Who", "Completed", "Took", ...(ctx.can("operator") ? ["Action"] : [])]), body);
    table.hidden = true;
    const scroll = element("div", null, {class: "scroll"});
    scroll.append(table);
    const more = element("button", "Show older changes", {type: "button", id: "changes-more", class: "secondary"});
    more.hidden = true;
    ctx.panel.append(status, error, scroll, more);
    state.slots = {body, status, table, more, error};
    const reload = () => load(ctx).catch((exc) => { if (ctx.alive()) error.textContent = `Cannot load changes: ${exc.message}`; });
    more.addEventListener("click", () => {
      more.disabled = true;
      state.pages += 1;
      reload().finally(() => { more.disabled = false; });
    });
    // A request of this cluster that completes may be a new change: refetch once per burst.
    const soon = ctx.soon(() => { error.textContent = ""; reload(); });
    ctx.on("request", (data) => { if (data.fsid === ctx.fsid && data.state === "complete") soon(); });
    await load(ctx);
  },
  async refresh(ctx) {
    await load(ctx);
  },
};
