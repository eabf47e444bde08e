// What the administration tabs share: table cells that carry their column's name (a phone shows
// each row as a card, every value labelled), and one status line per tab for the outcome of the
// last write (the API's own message when it refused).
import {ApiError} from "../api.js";
import {element} from "../format.js";

export const ROLES = ["read-only", "operator", "admin"];

export function headerRow(names) {
  const tr = element("tr");
  tr.append(...names.map((name) => element("th", name, {scope: "col"})));
  const thead = element("thead");
  thead.append(tr);
  return thead;
}

export function cell(text, label, className) {
  const td = element("td", text, {"data-label": label});
  if (className) td.className = className;
  return td;
}

// A <table> in a horizontally scrolling box: {box, table, body}.
export function table(id, caption, columns) {
  const box = element("div", null, {class: "scroll"});
  const tableNode = element("table", null, {id, class: "admin-table"});
  const body = element("tbody");
  tableNode.append(element("caption", caption, {class: "visually-hidden"}), headerRow(columns), body);
  box.append(tableNode);
  return {box, table: tableNode, body};
}

// The outcome line of a tab: say() for a success (polite), fail() for an error
// (an ApiError: the API's message; a string: itself).
export function outcome() {
  // Focusable (not in the tab order): when the row whose button was pressed is redrawn or
  // gone, focus moves here rather than to the page's top.
  const node = element("p", null, {class: "admin-outcome", role: "status", "aria-live": "polite", tabindex: "-1"});
  return {
    node,
    say(text) { node.className = "admin-outcome ok"; node.textContent = text; },
    fail(exc, what) {
      node.className = "admin-outcome error";
      const reason = typeof exc === "string" ? exc : exc instanceof ApiError ? exc.message : `the server cannot be reached (${exc.message})`;
      node.textContent = what ? `${what}: ${reason}` : reason;
    },
    focus() { node.focus({preventScroll: false}); },
    clear() { node.className = "admin-outcome"; node.textContent = ""; },
  };
}

// A short local date and time for an ISO time, or "—".
export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, {dateStyle: "medium", timeStyle: "short"});
}

export function button(text, className, label) {
  const node = element("button", text, {type: "button", class: className});
  if (label) node.setAttribute("aria-label", label);
  return node;
}
