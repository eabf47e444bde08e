// What every view shares: a confirmation dialog before a write, a write that then follows its
// request live in the tray (#request-tray) until it completes or fails, and field messages from
// a 400 shown beside the form's own fields.
import {ApiError, get, send} from "./api.js";
import {element} from "./format.js";
import {subscribe} from "./live.js";

// Ask before a change. Resolves true when the user confirms. A <dialog> (modal: focus stays in
// it, Escape cancels), built once.
export function confirmAction({title, detail, confirmLabel = "Confirm", danger = false}) {
  const dialog = document.getElementById("confirm-dialog");
  dialog.querySelector("#confirm-title").textContent = title;
  dialog.querySelector("#confirm-detail").textContent = detail || "";
  const ok = dialog.querySelector("#confirm-ok");
  ok.textContent = confirmLabel;
  ok.classList.toggle("danger", danger);
  return new Promise((resolve) => {
    dialog.onclose = () => resolve(dialog.returnValue === "confirm");
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("#confirm-cancel").focus();
  });
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
