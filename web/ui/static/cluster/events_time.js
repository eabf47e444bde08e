// Times as people read them, for the events, requests and servers tabs: a <time> element with
// the API's ISO UTC instant as its datetime and title, its text in the browser's local time.
import {element, UNKNOWN} from "../format.js";

const pad = (n) => String(n).padStart(2, "0");

// "2026-12-07 01:02:03" (local time), or "—" for no time.
export function localTime(iso) {
  if (!iso) return UNKNOWN;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} `
    + `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

export function timeElement(iso) {
  if (!iso) return element("span", UNKNOWN);
  return element("time", localTime(iso), {datetime: iso, title: iso});
}

// A table cell with its column's name (shown beside the value on a phone).
export function cell(label, content, attributes = {}) {
  const td = element("td", null, {"data-label": label, ...attributes});
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? UNKNOWN;
  return td;
}

// A table's head: one <th scope="col"> per column name.
export function head(columns) {
  const thead = element("thead");
  const row = element("tr");
  row.append(...columns.map((name) => element("th", name, {scope: "col"})));
  thead.append(row);
  return thead;
}
