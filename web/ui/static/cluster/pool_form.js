// The Pools tab's form (form#pool-form in section#pool-editor): create a pool (POST
// cluster/<fsid>/pool) or edit one (PATCH cluster/<fsid>/pool/<id>: only the fields changed).
// Inputs are named as the API's body fields, so a 400's messages show beside them; the form
// keeps what was typed until the request completes. Operators and admins only (pools.js).
import {ApiError} from "../api.js";
import {bytes, element} from "../format.js";
import {clearFormError, confirmAction, field, showFormError, writeAndFollow} from "../widgets.js";

// What PATCH may change (actors/cluster/commands/pool_attrs.py PATCH_FIELDS but
// crash_replay_interval, whose only value is 0).
const EDITABLE = ["name", "pg_num", "pgp_num", "size", "min_size", "crush_ruleset",
                  "quota_max_bytes", "quota_max_objects", "hashpspool"];
const UNIT = {"": 0, k: 1, m: 2, g: 3, t: 4, p: 5, e: 6};

// "10 GiB", "500M", "1.5T", "1024" -> bytes; null when it is not such a figure.
export function parseBytes(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgtpe]?)(?:i?b)?)\s*$/i.exec(text);
  if (!match) return null;
  return Math.round(Number(match[1]) * 1024 ** UNIT[match[2].toLowerCase()]);
}

export class PoolForm {
  constructor({path, rules, defaults, onClose, onDone}) {
    Object.assign(this, {path, rules, defaults, onClose, onDone});
    this.root = element("section", null, {id: "pool-editor", class: "pool-editor", "aria-labelledby": "pool-form-title"});
    this.root.hidden = true;
    this.pool = null;
    this.opener = null;
  }

  // Open the form: a new pool (pool null; the API's defaults filled in) or `pool`'s edit.
  async open(pool, opener) {
    const defaults = pool ? null : await this.defaults();
    if (!pool && defaults === null) return;     // the user left the tab meanwhile
    this.pool = pool;
    this.opener = opener;
    this.build(pool || defaults, !pool);
    this.root.hidden = false;
    this.root.scrollIntoView({block: "nearest"});
    this.form.elements.name.focus();
  }

  close() {
    this.root.hidden = true;
    this.root.replaceChildren();
    this.form = null;
    this.onClose(this.opener && this.opener.isConnected ? this.opener : null, this.pool);
  }

  build(values, creating) {
    const title = creating ? "Create pool" : `Edit pool '${values.name}'`;
    const form = element("form", null, {id: "pool-form", "data-mode": creating ? "create" : "edit"});
    form.noValidate = true;                 // the API's own messages, not the browser's
    const controls = element("div", null, {class: "pool-fields"});

    const number = (name, min, max) => {
      const input = element("input", null, {type: "number", name, min: String(min), step: "1", inputmode: "numeric"});
      if (max !== undefined) input.max = String(max);
      if (values[name] !== null && values[name] !== undefined) input.value = String(values[name]);
      return input;
    };
    const name = element("input", null, {type: "text", name: "name", autocomplete: "off", spellcheck: "false", required: ""});
    name.value = values.name || "";
    controls.append(field("Name", name));

    let typeField = null, profileField = null, sizeField = null;
    if (creating) {
      const type = element("select", null, {name: "type"});
      for (const value of ["replicated", "erasure"]) type.append(element("option", value, {value}));
      typeField = field("Type", type);
      const profile = element("input", null, {type: "text", name: "erasure_code_profile", autocomplete: "off", spellcheck: "false"});
      profileField = field("Erasure code profile", profile, "blank: the cluster's default profile");
      profileField.hidden = true;
      controls.append(typeField, profileField);
      type.addEventListener("change", () => {
        const erasure = type.value === "erasure";
        profileField.hidden = !erasure;
        sizeField.hidden = erasure;           // an erasure pool's size is k + m: the API refuses it
      });
    }
    controls.append(field("Placement groups (pg_num)", number("pg_num", 1), creating ? "required, e.g. 32" : "may only grow"));
    controls.append(field("pgp_num", number("pgp_num", 1), creating ? "blank: same as pg_num" : undefined));
    sizeField = field("Replicas (size)", number("size", 1, 10), "1 to 10");
    if (!creating && values.type === "erasure") sizeField.hidden = true;
    controls.append(sizeField);
    controls.append(field("Minimum replicas (min_size)", number("min_size", 0, 10), "0: a majority of size"));

    const rule = element("select", null, {name: "crush_ruleset"});
    const rulesets = new Map();
    for (const r of this.rules()) {
      const ruleset = r.ruleset ?? r.id;
      if (!rulesets.has(ruleset)) rulesets.set(ruleset, []);
      rulesets.get(ruleset).push(r.name);
    }
    if (values.crush_ruleset !== null && values.crush_ruleset !== undefined && !rulesets.has(values.crush_ruleset)) {
      rulesets.set(values.crush_ruleset, [`ruleset ${values.crush_ruleset}`]);
    }
    for (const [ruleset, names] of [...rulesets].sort((a, b) => a[0] - b[0])) {
      rule.append(element("option", `${names.join(", ")} (ruleset ${ruleset})`, {value: String(ruleset)}));
    }
    if (values.crush_ruleset !== null && values.crush_ruleset !== undefined) rule.value = String(values.crush_ruleset);
    controls.append(field("CRUSH rule", rule));

    const quota = element("input", null, {type: "text", name: "quota_max_bytes", autocomplete: "off", inputmode: "decimal"});
    quota.value = values.quota_max_bytes ? String(values.quota_max_bytes) : "0";
    const quotaField = field("Quota, bytes (quota_max_bytes)", quota, "bytes");
    const quotaHint = quotaField.querySelector(".hint");
    const showQuota = () => {
      const value = parseBytes(quota.value);
      quotaHint.textContent = value === null ? "bytes, or with a unit: 10 GiB, 500 MiB"
        : value === 0 ? "0: no quota" : `= ${bytes(value)}`;
    };
    quota.addEventListener("input", showQuota);
    showQuota();
    controls.append(quotaField);
    const objects = number("quota_max_objects", 0);
    if (!objects.value) objects.value = "0";
    controls.append(field("Quota, objects (quota_max_objects)", objects, "0: no quota"));

    const hash = element("input", null, {type: "checkbox", name: "hashpspool"});
    hash.checked = values.hashpspool !== false;
    const hashField = element("div", null, {class: "field pool-check"});
    hash.id = `f-hashpspool-${Math.random().toString(36).slice(2, 8)}`;
    hashField.append(hash, element("label", "HASHPSPOOL flag (hashpspool)", {for: hash.id}),
                     element("span", null, {class: "field-error", "data-error-for": "hashpspool"}));
    controls.append(hashField);

    const alert = element("p", null, {role: "alert", class: "error form-alert"});
    const buttons = element("div", null, {class: "buttons"});
    const submit = element("button", creating ? "Create pool" : "Save changes", {type: "submit", id: "pool-form-submit"});
    const cancel = element("button", "Cancel", {type: "button", class: "secondary", id: "pool-form-cancel"});
    cancel.addEventListener("click", () => this.close());
    buttons.append(submit, cancel);
    this.progress = element("span", null, {class: "pool-progress", role: "status"});
    buttons.append(this.progress);

    form.append(controls, alert, buttons);
    form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(creating, values); });
    form.addEventListener("keydown", (event) => { if (event.key === "Escape") this.close(); });
    this.form = form;
    this.submitButton = submit;
    this.root.replaceChildren(element("h3", title, {id: "pool-form-title"}), form);
  }

  // The form's values as the API's body fields; `bad` collects what cannot be read as a number.
  read() {
    const body = {}, bad = {};
    for (const input of this.form.elements) {
      if (!input.name || input.closest("[hidden]")) continue;
      if (input.type === "checkbox") body[input.name] = input.checked;
      else if (input.type === "number") {
        if (input.validity.badInput) bad[input.name] = ["Enter a whole number."];
        else if (input.value.trim() !== "") body[input.name] = Number(input.value);
      } else if (input.name === "quota_max_bytes") {
        const value = parseBytes(input.value);
        if (input.value.trim() !== "") body[input.name] = value === null ? input.value : value;  // the API says why not
      } else if (input.name === "crush_ruleset") {
        body[input.name] = Number(input.value);
      } else if (input.name === "name") {
        body.name = input.value;
      } else if (input.value !== "") {
        body[input.name] = input.value;
      }
    }
    return {body, bad};
  }

  async submit(creating, values) {
    const form = this.form;
    clearFormError(form);
    const {body: read, bad} = this.read();
    if (Object.keys(bad).length) {
      showFormError(form, new ApiError(400, "Some values are not numbers.", bad));
      return;
    }
    let body, title, detail, headline, method, path;
    if (creating) {
      // name and pg_num always; the rest only when it is not what the API would choose anyway
      body = {};
      for (const [key, value] of Object.entries(read)) {
        if (key === "name" || key === "pg_num" || values[key] === null || values[key] === undefined || values[key] !== value) body[key] = value;
      }
      if (body.type === "replicated") delete body.type;
      method = "POST";
      path = `${this.path}/pool`;
      title = `Create pool '${read.name}'?`;
      detail = Object.entries(body).filter(([k]) => k !== "name").map(([k, v]) => `${k} ${show(k, v)}`).join(", ");
      headline = `Creating pool '${read.name}'`;
    } else {
      body = {};
      for (const key of EDITABLE) {
        if (key in read && read[key] !== values[key]) body[key] = read[key];
      }
      if (Object.keys(body).length === 0) {
        form.querySelector("[role=alert]").textContent = "Nothing changed.";
        return;
      }
      method = "PATCH";
      path = `${this.path}/pool/${values.id}`;
      title = `Change pool '${values.name}'?`;
      detail = Object.entries(body).map(([k, v]) => `${k}: ${show(k, values[k])} → ${show(k, v)}`).join("; ");
      headline = `Modifying pool '${values.name}'`;
    }
    if (!await confirmAction({title, detail, confirmLabel: creating ? "Create pool" : "Save changes",
                               preview: {method, path, body}})) return;
    this.submitButton.disabled = true;
    this.progress.textContent = "Sent: followed in the request tray…";
    try {
      const request = await writeAndFollow(method, path, body, headline);
      if (this.form !== form) { this.onDone(); return; }   // closed or reopened meanwhile
      if (request && request.error) {
        form.querySelector("[role=alert]").textContent = `${headline} failed: ${request.error_message}`;
      } else {
        this.close();
      }
      this.onDone();
    } catch (exc) {
      if (this.form === form) showFormError(form, exc);
    } finally {
      if (this.form === form) { this.submitButton.disabled = false; this.progress.textContent = ""; }
    }
  }
}

function show(key, value) {
  if (key === "quota_max_bytes" && typeof value === "number") return value ? bytes(value) : "none";
  if (key === "quota_max_objects" && value === 0) return "none";
  return String(value);
}
