// The selected OSD: its fields, and for operators and admins its actions: mark out / in
// (PATCH osd/ID {"in"}), reweight (PATCH osd/ID {"reweight"}), scrub, deep-scrub and repair
// (POST osd/ID/command/<scrub|deep_scrub|repair>, offered as the OSD's valid_commands list).
// Each asks first (confirmAction), then follows its request in the tray (writeAndFollow); the
// new state arrives from the stream (the tab refetches on the cluster's OSD map move).
import {ApiError} from "../api.js";
import * as format from "../format.js";
import {clearFormError, confirmAction, field, showFormError, writeAndFollow} from "../widgets.js";
import {stateWords} from "./osd_grid.js";

const COMMANDS = {
  scrub: {id: "osd-action-scrub", label: "Scrub", verb: "Scrub",
          detail: "Ceph compares the objects' metadata across their replicas (light, runs in the background)."},
  deep_scrub: {id: "osd-action-deep-scrub", label: "Deep-scrub", verb: "Deep-scrub",
               detail: "Ceph reads every object's data and compares checksums across replicas: heavy disk reads for a while."},
  repair: {id: "osd-action-repair", label: "Repair", verb: "Repair",
           detail: "Ceph repairs the inconsistent placement groups this OSD holds from their other replicas."},
};

export class OsdDetail {
  constructor(ctx) {
    this.ctx = ctx;
    this.root = element("section", null, {id: "osd-detail", "aria-labelledby": "osd-detail-title", class: "osd-detail"});
    this.title = element("h2", "OSD", {id: "osd-detail-title"});
    this.body = element("div");
    this.actions = element("div", null, {class: "osd-actions"});
    // Actions first: near the top, clear of the request tray in the bottom corner.
    this.root.append(this.title, this.actions, this.body);
    this.actionKey = null;
    this.osdId = null;
    this.empty();
  }

  empty() {
    this.title.textContent = "OSD detail";
    this.body.replaceChildren(element("p", "Select an OSD in the grid to see its details"
      + (this.ctx.can("operator") ? " and act on it." : "."), {class: "hint"}));
    this.actions.replaceChildren();
    this.actionKey = null;
    this.osdId = null;
    this.root.dataset.osdId = "";
  }

  // Show `osd` (a row of GET osd) with its `usage` (a row of GET osd_usage, or null).
  show(osd, usage, poolNames) {
    if (!osd) { this.empty(); return; }
    this.osdId = osd.id;
    this.root.dataset.osdId = String(osd.id);
    this.root.dataset.up = String(Boolean(osd.up));
    this.root.dataset.in = String(Boolean(osd.in));
    this.title.textContent = `osd.${osd.id}`;
    const pools = (osd.pools || []).map((id) => poolNames.get(id) || `pool ${id}`);
    const rows = [
      ["State", stateWords(osd)],
      ["Host", osd.server || (usage && usage.host) || format.UNKNOWN],
      ["Reweight", osd.reweight === undefined || osd.reweight === null ? format.UNKNOWN : String(Number(osd.reweight.toFixed(4)))],
      ["Utilisation", usage ? `${usage.utilization.toFixed(1)}\u00a0%: ${unbroken(format.bytes(usage.used_bytes))} of ${unbroken(format.bytes(usage.total_bytes))}` : format.UNKNOWN],
      ["PGs", usage ? format.count(usage.pgs) : format.UNKNOWN],
      ["Device class", (usage && usage.device_class) || format.UNKNOWN],
      ["CRUSH weight", usage && usage.crush_weight !== undefined ? String(Number(usage.crush_weight.toFixed(4))) : format.UNKNOWN],
      ["Pools", pools.length ? pools.join(", ") : "none"],
      ["Public address", osd.public_addr || format.UNKNOWN],
      ["Cluster address", osd.cluster_addr || format.UNKNOWN],
      ["UUID", osd.uuid || format.UNKNOWN],
    ];
    const list = element("dl", null, {class: "osd-fields"});
    for (const [name, value] of rows) {
      const dd = element("dd", value, {"data-field": name.toLowerCase().replace(/ /g, "-")});
      list.append(element("dt", name), dd);
    }
    this.body.replaceChildren(list);
    // Read-only users get no control at all; the actions are rebuilt only when what they offer
    // changes, so a refresh does not wipe a reweight being typed.
    if (!this.ctx.can("operator")) { this.actions.replaceChildren(); return; }
    const key = JSON.stringify([osd.id, osd.up, osd.in, osd.reweight, osd.valid_commands]);
    if (key !== this.actionKey) { this.actionKey = key; this.buildActions(osd); }
  }

  path(osd, tail = "") {
    return `cluster/${encodeURIComponent(this.ctx.fsid)}/osd/${osd.id}${tail}`;
  }

  buildActions(osd) {
    const name = `osd.${osd.id}`;
    const alert = element("p", null, {id: "osd-action-error", role: "alert", class: "error"});
    const heading = element("h3", "Actions");
    const buttons = element("div", null, {class: "osd-buttons"});
    if (osd.in) {
      buttons.append(this.button("osd-action-out", "Mark out", true, alert, {
        title: `Mark ${name} out?`, confirmLabel: "Mark out", danger: true,
        detail: `Ceph moves the data of ${name} to other OSDs; the cluster rebalances.`,
        preview: {method: "PATCH", path: this.path(osd), body: {in: false}},
      }, () => writeAndFollow("PATCH", this.path(osd), {in: false}, `Mark ${name} out`)));
    } else {
      buttons.append(this.button("osd-action-in", "Mark in", false, alert, {
        title: `Mark ${name} in?`, confirmLabel: "Mark in",
        detail: `Ceph places data on ${name} again; the cluster rebalances.`,
        preview: {method: "PATCH", path: this.path(osd), body: {in: true}},
      }, () => writeAndFollow("PATCH", this.path(osd), {in: true}, `Mark ${name} in`)));
    }
    for (const command of osd.valid_commands || []) {
      const spec = COMMANDS[command];
      if (!spec) continue;
      buttons.append(this.button(spec.id, spec.label, false, alert, {
        title: `${spec.verb} ${name}?`, confirmLabel: spec.label, detail: spec.detail,
        preview: {method: "POST", path: this.path(osd, `/command/${command}`), body: {}},
      }, () => writeAndFollow("POST", this.path(osd, `/command/${command}`), {}, `${spec.verb} ${name}`)));
    }
    const parts = [heading, buttons];
    if (!osd.up) parts.push(element("p", "Scrub, deep-scrub and repair need the OSD up.", {class: "hint"}));
    parts.push(alert, this.reweightForm(osd));
    // Keep the keyboard where it was: the button just pressed may be replaced by its opposite
    // (mark out -> mark in) once the stream brings the new state.
    const focused = this.actions.contains(document.activeElement) ? document.activeElement.id : null;
    this.actions.replaceChildren(...parts);
    if (focused) {
      const twin = {"osd-action-out": "osd-action-in", "osd-action-in": "osd-action-out"}[focused];
      const target = this.actions.querySelector(`#${focused}`) || (twin && this.actions.querySelector(`#${twin}`))
        || this.actions.querySelector("button");
      if (target) target.focus();
    }
  }

  // A button that asks, then writes; the API's refusal shows in `alert`.
  button(id, label, danger, alert, question, write) {
    const button = element("button", label, {type: "button", id, class: danger ? "danger" : "secondary"});
    button.addEventListener("click", async () => {
      if (button.getAttribute("aria-disabled") === "true") return;
      alert.textContent = "";
      if (!await confirmAction(question)) return;
      // aria-disabled, not disabled: a disabled button drops the keyboard focus
      button.setAttribute("aria-disabled", "true");
      try {
        await write();
      } catch (exc) {
        alert.textContent = unchanged(exc) ? "Nothing to change: the OSD is already so."
          : exc instanceof ApiError ? exc.message : `The server cannot be reached: ${exc.message}`;
      } finally {
        button.removeAttribute("aria-disabled");
      }
    });
    return button;
  }

  reweightForm(osd) {
    const name = `osd.${osd.id}`;
    const form = element("form", null, {id: "osd-reweight", class: "osd-reweight", novalidate: ""});
    // novalidate and a text box: a value out of 0..1 reaches the API, whose message shows.
    const input = element("input", null, {name: "reweight", id: "osd-reweight-value", type: "number",
                                          inputmode: "decimal", step: "0.01", min: "0", max: "1",
                                          value: String(osd.reweight ?? 1)});
    const submit = element("button", "Set reweight", {type: "submit", id: "osd-reweight-submit", class: "secondary"});
    const row = element("div", null, {class: "osd-reweight-row"});
    row.append(field("Reweight (0 to 1)", input), submit);
    form.append(row, element("p", null, {role: "alert", class: "error"}));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (submit.getAttribute("aria-disabled") === "true") return;
      clearFormError(form);
      const raw = input.value.trim();
      const value = raw === "" || Number.isNaN(Number(raw)) ? raw : Number(raw);
      if (!await confirmAction({title: `Reweight ${name} to ${raw || "(empty)"}?`, confirmLabel: "Reweight",
                                detail: "Ceph moves data off (below 1) or back onto this OSD; the cluster rebalances.",
                                preview: {method: "PATCH", path: this.path(osd), body: {reweight: value}}})) return;
      submit.setAttribute("aria-disabled", "true");
      try {
        await writeAndFollow("PATCH", this.path(osd), {reweight: value}, `Reweight ${name} to ${raw}`);
      } catch (exc) {
        if (unchanged(exc)) form.querySelector("[role=alert]").textContent = `Nothing to change: ${name} already has that reweight.`;
        else showFormError(form, exc);
      } finally {
        submit.removeAttribute("aria-disabled");
      }
    });
    return form;
  }
}

// "1.8 TiB" kept on one line.
function unbroken(text) {
  return text.replace(/ /g, "\u00a0");
}

// 304: the API found nothing to change (api.js reads any status outside 2xx as an ApiError).
function unchanged(exc) {
  return exc instanceof ApiError && exc.status === 304;
}

function element(tag, text, attributes) {
  return format.element(tag, text, attributes);
}
