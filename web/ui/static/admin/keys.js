// Administration's Agent keys tab: every agent's CurveZMQ key with its state (the API's status:
// pre = waiting for acceptance, accepted, rejected) and FINGERPRINT, and accepting, rejecting or
// forgetting it. Accepting shows the fingerprint in the confirmation so the administrator compares
// it with the one the agent printed, then (as `calamari key accept --fingerprint` does) reads the
// key again and accepts only if its fingerprint is still the one shown: the API's PATCH takes the
// status alone. The stream has no key topic: a key event (a new agent waiting, a key refused)
// refetches the list, and so does the frame's refresh after a resync.
import {get, send} from "../api.js";
import {element} from "../format.js";
import {confirmAction} from "../widgets.js";
import {button, cell, outcome, table} from "./admin_util.js";

const STATE_LABEL = {pre: "pending", accepted: "accepted", rejected: "rejected"};
const STATE_ORDER = {pre: 0, rejected: 1, accepted: 2};
const MAX_ROWS = 500;      // a big fleet's accepted keys: the filter narrows them
const KEY_EVENT = /agent key|keys? .*waiting for acceptance|claiming to be/i;
const views = new WeakMap();

export default {
  id: "keys",
  title: "Agent keys",
  role: "admin",
  async mount(ctx) {
    const view = new KeysView(ctx);
    views.set(ctx, view);
    const reload = ctx.soon(() => view.load().catch((exc) => view.status.fail(exc, "Cannot reload the keys")));
    ctx.on("event", (event) => { if (KEY_EVENT.test(event.message || "")) reload(); });
    await view.load();
  },
  async refresh(ctx) {
    await views.get(ctx)?.load();
  },
};

// The fingerprint as one run of text that may wrap only after a colon (<wbr>: no added text).
function breakable(text) {
  const code = element("code");
  text.split(":").forEach((part, index, parts) => {
    code.append(index < parts.length - 1 ? `${part}:` : part);
    if (index < parts.length - 1) code.append(element("wbr"));
  });
  return code;
}

export function normalized(fingerprint) {
  return (fingerprint || "").replace(/[:\s]/g, "").toLowerCase();
}

class KeysView {
  constructor(ctx) {
    this.ctx = ctx;
    this.keys = [];
    this.status = outcome();
    this.filter = element("select", null, {id: "keys-filter"});
    for (const [value, label] of [["", "every state"], ["pre", "pending"], ["accepted", "accepted"], ["rejected", "rejected"]]) {
      this.filter.append(element("option", label, {value}));
    }
    this.filter.addEventListener("change", () => this.render());
    const bar = element("div", null, {class: "bar keys-bar"});
    const chooser = element("div", null, {class: "field"});
    chooser.append(element("label", "Show", {for: "keys-filter"}), this.filter);
    this.summary = element("span", null, {id: "keys-summary", class: "live", role: "status"});
    bar.append(element("h2", "Agent keys"), this.summary, chooser);
    const help = element("p", "A new agent waits as pending until its key is accepted. Compare the fingerprint with the one "
      + "the agent printed on its server (“Agent key … fingerprint …”, or the bootstrap script's last lines) before accepting.",
    {class: "hint"});
    const list = table("keys", "Agent keys with their state and fingerprint", ["Minion id", "State", "Fingerprint", "Actions"]);
    this.body = list.body;
    this.empty = element("p", null, {class: "hint", id: "keys-empty"});
    ctx.panel.append(bar, help, this.status.node, list.box, this.empty);
  }

  async load() {
    const keys = await get("key");
    if (!this.ctx.alive()) return;
    this.keys = keys.sort((a, b) => (STATE_ORDER[a.status] ?? 3) - (STATE_ORDER[b.status] ?? 3) || a.id.localeCompare(b.id));
    this.render();
  }

  render() {
    const wanted = this.filter.value;
    const shown = this.keys.filter((key) => !wanted || key.status === wanted);
    this.body.replaceChildren(...shown.slice(0, MAX_ROWS).map((key) => this.row(key)));
    const counts = {};
    for (const key of this.keys) counts[key.status] = (counts[key.status] || 0) + 1;
    this.summary.textContent = Object.keys(STATE_ORDER).filter((s) => counts[s])
      .map((s) => `${counts[s]} ${STATE_LABEL[s]}`).join(", ") || "no keys";
    this.empty.textContent = !this.keys.length ? "No agent keys: agents appear here when they first connect."
      : !shown.length ? "No key in this state."
        : shown.length > MAX_ROWS ? `The first ${MAX_ROWS} of ${shown.length} keys: choose a state to narrow the list.` : "";
  }

  row(key) {
    const tr = element("tr", null, {"data-minion-id": key.id, "data-state": key.status});
    const state = cell(null, "State", "state");
    state.append(element("span", STATE_LABEL[key.status] || key.status, {class: `badge state-${key.status}`}));
    const fingerprint = cell(null, "Fingerprint", "fingerprint");
    fingerprint.append(breakable(key.fingerprint || "—"));
    if (key.refused_fingerprint) {
      fingerprint.append(element("span", `Refused another key claiming this id: ${key.refused_fingerprint}`,
                                 {class: "refused", "data-refused-fingerprint": key.refused_fingerprint}));
    }
    const actions = cell(null, "Actions", "actions");
    if (key.status !== "accepted") {
      const accept = button("Accept", "key-accept", `Accept the key of ${key.id}`);
      accept.addEventListener("click", () => this.accept(key));
      actions.append(accept);
    }
    if (key.status !== "rejected") {
      const reject = button("Reject", "danger key-reject", `Reject the key of ${key.id}`);
      reject.addEventListener("click", () => this.reject(key));
      actions.append(reject);
    }
    const forget = button("Forget", "secondary key-delete", `Forget the key of ${key.id}`);
    forget.addEventListener("click", () => this.forget(key));
    actions.append(forget);
    tr.append(cell(key.id, "Minion id", "name"), state, fingerprint, actions);
    return tr;
  }

  async accept(key) {
    const confirmed = await confirmAction({title: `Accept the agent key of ${key.id}?`,
      detail: `Fingerprint: ${key.fingerprint || "none"}. Accept only if it is the fingerprint the agent printed on ${key.id}: `
        + "the server is then managed from the agent's next connection.", confirmLabel: "Accept"});
    if (!confirmed) return;
    try {
      // The key may have been replaced since the list was drawn: accept only the one compared.
      const now = await get(`key/${encodeURIComponent(key.id)}`);
      if (normalized(now.fingerprint) !== normalized(key.fingerprint)) {
        this.status.fail(`the key of ${key.id} now has fingerprint ${now.fingerprint || "none"}, not `
          + `${key.fingerprint || "none"}: nothing changed`, "Not accepted");
        await this.load();
        return;
      }
      await send("PATCH", `key/${encodeURIComponent(key.id)}`, {status: "accepted"});
      this.status.say(`The key of ${key.id} is accepted (fingerprint ${key.fingerprint || "none"}).`);
    } catch (exc) {
      this.status.fail(exc, `Cannot accept the key of ${key.id}`);
    }
    await this.reloadQuietly();
  }

  async reject(key) {
    const confirmed = await confirmAction({title: `Reject the agent key of ${key.id}?`,
      detail: `Fingerprint: ${key.fingerprint || "none"}. The agent stays out (it delivers nothing) until its key is accepted.`,
      confirmLabel: "Reject", danger: true});
    if (!confirmed) return;
    try {
      await send("PATCH", `key/${encodeURIComponent(key.id)}`, {status: "rejected"});
      this.status.say(`The key of ${key.id} is rejected.`);
    } catch (exc) {
      this.status.fail(exc, `Cannot reject the key of ${key.id}`);
    }
    await this.reloadQuietly();
  }

  async forget(key) {
    const confirmed = await confirmAction({title: `Forget the agent key of ${key.id}?`,
      detail: "The key is deleted: a running agent comes back as pending (how a reinstalled server's new key replaces its old one).",
      confirmLabel: "Forget", danger: true});
    if (!confirmed) return;
    try {
      await send("DELETE", `key/${encodeURIComponent(key.id)}`);
      this.status.say(`The key of ${key.id} is forgotten.`);
    } catch (exc) {
      this.status.fail(exc, `Cannot forget the key of ${key.id}`);
    }
    await this.reloadQuietly();
  }

  async reloadQuietly() {
    try { await this.load(); } catch (exc) { this.status.fail(exc, "Cannot reload the keys"); }
    this.status.focus();   // the row pressed was redrawn
  }
}
