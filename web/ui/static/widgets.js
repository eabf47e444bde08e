// What every view shares: a confirmation dialog before a write, a write that then follows its
// request live in the tray (#request-tray) until it completes or fails, and field messages from
// a 400 shown beside the form's own fields.
import {ApiError, get, send} from "./api.js";
import {element} from "./format.js";
import {subscribe} from "./live.js";

// Ask before a change. Resolves true when the user confirms. A <dialog> (modal: focus stays in
// it, Escape cancels), built once.
// preview: {method, path, body} of a cluster write: the dialog asks the API's dry run of that
// same call (?dry_run=1) and shows what it would do (#confirm-preview) before the user answers.
// A refused dry run shows the API's message; the confirm button stays usable (the real call
// then answers the same way).
let previewTicket = 0;

export function confirmAction({title, detail, confirmLabel = "Confirm", danger = false, preview = null}) {
  const dialog = document.getElementById("confirm-dialog");
  dialog.querySelector("#confirm-title").textContent = title;
  dialog.querySelector("#confirm-detail").textContent = detail || "";
  const ok = dialog.querySelector("#confirm-ok");
  ok.textContent = confirmLabel;
  ok.classList.toggle("danger", danger);
  const slot = dialog.querySelector("#confirm-preview");
  const ticket = ++previewTicket;
  slot.replaceChildren();
  slot.hidden = !preview;
  delete slot.dataset.state;
  if (preview) showPreview(slot, preview, () => ticket === previewTicket && dialog.open);
  return new Promise((resolve) => {
    dialog.onclose = () => { previewTicket += 1; resolve(dialog.returnValue === "confirm"); };
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("#confirm-cancel").focus();
  });
}

export function dryRunPath(path) {
  return `${path}${path.includes("?") ? "&" : "?"}dry_run=1`;
}

async function showPreview(slot, {method, path, body}, current) {
  slot.dataset.state = "loading";
  slot.append(element("p", "Checking what this would do\u2026", {class: "preview-status", role: "status"}));
  let answer;
  try {
    answer = await send(method, dryRunPath(path), body);
  } catch (exc) {
    if (!current()) return;
    slot.dataset.state = "error";
    slot.replaceChildren(element("p", exc instanceof ApiError
      ? `The API answers: ${exc.message}` : `The server cannot be reached: ${exc.message}`,
    {class: "preview-error", role: "alert"}));
    return;
  }
  if (!current()) return;
  if (!answer || !Array.isArray(answer.commands)) {     // 304: a no-op
    slot.dataset.state = "nothing";
    slot.replaceChildren(element("p", "Nothing to change: it is already so.", {class: "preview-status", role: "status"}));
    return;
  }
  slot.dataset.state = "ready";
  const parts = [];
  const section = (heading, list) => {
    const wrap = element("div", null, {class: "preview-part"});
    wrap.append(element("h3", heading), list);
    parts.push(wrap);
  };
  const warnings = answer.warnings || [];
  if (warnings.length) {
    const box = element("div", null, {class: "preview-warnings", role: "alert"});
    box.append(...warnings.map((text) => element("p", `Warning: ${text}`)));
    parts.push(box);
  }
  const commands = element("ul", null, {class: "preview-commands"});
  commands.append(...(answer.commands.length ? answer.commands.map((c) => {
    const li = element("li");
    li.append(element("code", commandText(c)));
    return li;
  }) : [element("li", "no Ceph command")]));
  section("Will send", commands);
  const changes = element("ul", null, {class: "preview-changes"});
  const diff = Object.entries(answer.changes || {});
  changes.append(...(diff.length ? diff.map(([name, [before, after]]) => element("li",
    `${name}: ${valueText(before)} \u2192 ${valueText(after)}`, {"data-field": name}))
    : [element("li", "no field changes")]));
  section("Changes", changes);
  if ((answer.steps || []).length) {
    const steps = element("ol", null, {class: "preview-steps"});
    steps.append(...answer.steps.map((step) => element("li", Object.entries(step)
      .map(([k, v]) => `${k} ${valueText(v)}`).join(", "))));
    section("Steps", steps);
  }
  if ((answer.checks || []).length) {
    const checks = element("ul", null, {class: "preview-checks"});
    checks.append(...answer.checks.map((check) => {
      const verdict = check.ok === true ? "ok" : check.ok === false ? "NOT OK" : "unknown";
      const li = element("li", null, {"data-check": check.check, "data-ok": String(check.ok),
                                      class: `verdict-${check.ok === true ? "ok" : check.ok === false ? "bad" : "unknown"}`});
      li.append(element("strong", `${check.check}: ${verdict}`));
      if (check.message) li.append(document.createTextNode(` \u2014 ${check.message}`));
      return li;
    }));
    section("Checks", checks);
  }
  slot.replaceChildren(...parts);
}

// "osd pool set pool=rbd var=size val=2": a command as one line.
export function commandText(command) {
  const {prefix, ...rest} = command;
  const args = command.args && typeof command.args === "object" && Object.keys(rest).length === 1 ? command.args : rest;
  const words = Object.entries(args).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : typeof v === "string" ? v : JSON.stringify(v)}`);
  return [prefix, ...words].join(" ");
}

// A diff's value as the API's JSON shows it: "c", true, null, 3.
export function valueText(value) {
  return value === undefined ? "null" : JSON.stringify(value);
}

// Send a write that answers 202 {"request_id"}, then follow that request in the tray. Resolves
// with the request as it ended (state "complete"; `error` true when it failed); rejects with the
// ApiError when the API refused the write (the caller shows its message).
export async function writeAndFollow(method, path, body, headline) {
  const accepted = await send(method, path, body);
  if (!accepted.request_id) return null;    // answered at once (200/204): nothing to follow
  return followRequest(accepted.request_id, headline);
}

const TERMINAL = "complete";
const DISMISS_MS = 15000;

// One tray entry per request: its headline, its status line as the request moves, and a
// polite live region so a screen reader hears the outcome.
export function followRequest(requestId, headline) {
  const entry = trayEntry(requestId, headline);
  return new Promise((resolve) => {
    let done = false;
    const show = (request) => {
      if (done || request.id !== requestId) return;
      entry.update(request);
      if (request.state === TERMINAL) { done = true; unsubscribe(); resolve(request); }
    };
    const unsubscribe = subscribe("request", show);
    // The request may have moved before the subscription: ask once, after subscribing.
    get(`request/${encodeURIComponent(requestId)}`).then(show, () => {});
  });
}

function trayEntry(requestId, headline) {
  const tray = document.getElementById("request-tray");
  const item = element("li", null, {"data-request-id": requestId, class: "running"});
  const title = element("strong", headline || "Request");
  const status = element("span", "submitted", {class: "status"});
  const close = element("button", "Dismiss", {type: "button", class: "link"});
  close.addEventListener("click", () => item.remove());
  item.append(title, status, close);
  tray.prepend(item);
  tray.hidden = false;
  return {
    update(request) {
      item.dataset.state = request.state;
      if (request.state === TERMINAL) {
        item.className = request.error ? "failed" : "complete";
        status.textContent = request.error ? `failed: ${request.error_message}` : "complete";
        // A success leaves the tray by itself (the views show the change); a failure stays
        // until dismissed, so its message is read.
        if (!request.error) setTimeout(() => item.remove(), DISMISS_MS);
      } else {
        status.textContent = request.status || request.state;
      }
    },
  };
}

// Show an ApiError on a form: each field's messages beside it (an element with
// data-error-for="FIELD"), the detail in the form's [role=alert]. Other errors: their message.
export function showFormError(form, exc) {
  clearFormError(form);
  const alert = form.querySelector("[role=alert]");
  if (!(exc instanceof ApiError)) { alert.textContent = `The server cannot be reached: ${exc.message}`; return; }
  alert.textContent = exc.message;
  for (const [field, messages] of Object.entries(exc.errors || {})) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    if (slot) slot.textContent = messages.join(" ");
    const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
  }
}

export function clearFormError(form) {
  for (const slot of form.querySelectorAll("[data-error-for], [role=alert]")) slot.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

// A labelled field for a form: <label>, the control, and the slot for the API's message.
export function field(label, control, hint) {
  const id = control.id || `f-${control.name}-${Math.random().toString(36).slice(2, 8)}`;
  control.id = id;
  const wrap = element("div", null, {class: "field"});
  wrap.append(element("label", label, {for: id}), control);
  if (hint) wrap.append(element("small", hint, {class: "hint"}));
  wrap.append(element("span", null, {class: "field-error", "data-error-for": control.name}));
  return wrap;
}
