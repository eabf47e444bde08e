// Administration's API tokens tab: the tokens of one user (select#token-user, yourself first),
// revoking any of them (button.token-revoke), and creating one of your own (form#token-form:
// the API lets only a token's owner create it). A new token's secret shows once, in the
// read-only #token-secret with a copy button; the API never shows it again.
import {get, send} from "../api.js";
import {element} from "../format.js";
import {user as currentUser} from "../session.js";
import {clearFormError, confirmAction, field, showFormError} from "../widgets.js";
import {button, cell, outcome, table, when} from "./admin_util.js";

const DAY_S = 24 * 3600;
const LIFETIMES = [["1 day", DAY_S], ["7 days", 7 * DAY_S], ["30 days", 30 * DAY_S], ["90 days", 90 * DAY_S],
                   ["1 year", 365 * DAY_S], ["Never", ""]];
const views = new WeakMap();

export default {
  id: "tokens",
  title: "API tokens",
  role: "admin",
  async mount(ctx) {
    const view = new TokensView(ctx);
    views.set(ctx, view);
    await view.loadUsers();
    await view.load();
  },
  async refresh(ctx) {
    await views.get(ctx)?.load();
  },
};

class TokensView {
  constructor(ctx) {
    this.ctx = ctx;
    this.status = outcome();
    this.userSelect = element("select", null, {id: "token-user", name: "user"});
    this.userSelect.addEventListener("change", () => {
      this.hideSecret();
      this.status.clear();
      this.load().catch((exc) => this.status.fail(exc, "Cannot load the tokens"));
    });
    const chooser = element("div", null, {class: "field token-user"});
    chooser.append(element("label", "Tokens of", {for: "token-user"}), this.userSelect);
    const list = table("tokens", "API tokens of the chosen user", ["Name", "Created", "Expires", "Last used", "Actions"]);
    this.body = list.body;
    this.table = list.table;
    this.empty = element("p", null, {class: "hint", id: "tokens-empty"});
    this.secret = this.buildSecret();
    this.formSection = this.buildForm();
    this.notOwn = element("p", "Only its owner creates a token (logged in, or with “calamari login”). "
      + "You may list and revoke anyone's.", {class: "hint", hidden: ""});
    ctx.panel.append(element("h2", "API tokens"), chooser, this.status.node, list.box, this.empty,
                     this.secret, this.formSection, this.notOwn);
  }

  async loadUsers() {
    const users = await get("user");
    if (!this.ctx.alive()) return;
    const me = currentUser();
    users.sort((a, b) => (b.id === me?.id) - (a.id === me?.id) || a.username.localeCompare(b.username));
    this.userSelect.replaceChildren(...users.map((user) => element(
      "option", user.id === me?.id ? `${user.username} (you)` : user.username, {value: String(user.id)})));
    if (me) this.userSelect.value = String(me.id);
  }

  selectedUser() {
    const option = this.userSelect.selectedOptions[0];
    return option ? {id: Number(option.value), label: option.textContent} : null;
  }

  async load() {
    const user = this.selectedUser();
    if (!user) return;
    const own = currentUser() !== null && user.id === currentUser().id;
    this.formSection.hidden = !own;
    this.notOwn.hidden = own;
    const tokens = await get(`user/${user.id}/token`);
    if (!this.ctx.alive() || this.selectedUser()?.id !== user.id) return;
    this.body.replaceChildren(...tokens.map((token) => this.row(user, token)));
    this.table.dataset.userId = String(user.id);   // whose tokens the table shows, once loaded
    this.empty.textContent = tokens.length ? "" : `${user.label} has no API tokens.`;
  }

  row(user, token) {
    const tr = element("tr", null, {"data-token-id": token.id, "data-name": token.name});
    if (token.expired) tr.classList.add("expired");
    const expires = cell(token.expires_at ? when(token.expires_at) : "never", "Expires");
    if (token.expired) expires.append(" ", element("span", "expired", {class: "badge expired"}));
    const revoke = button("Revoke", "danger token-revoke", `Revoke the token ${token.name}`);
    revoke.addEventListener("click", () => this.revoke(user, token));
    const actions = cell(null, "Actions", "actions");
    actions.append(revoke);
    tr.append(cell(token.name, "Name", "name"), cell(when(token.created_at), "Created"), expires,
              cell(token.last_used_at ? when(token.last_used_at) : "never", "Last used"), actions);
    return tr;
  }

  async revoke(user, token) {
    const confirmed = await confirmAction({title: `Revoke the token ${token.name}?`,
      detail: `Scripts using the token ${token.name} of ${user.label} are refused from now on. This cannot be undone.`,
      confirmLabel: "Revoke", danger: true});
    if (!confirmed) return;
    try {
      await send("DELETE", `user/${user.id}/token/${encodeURIComponent(token.id)}`);
      this.status.say(`The token ${token.name} is revoked.`);
    } catch (exc) {
      this.status.fail(exc, `Cannot revoke ${token.name}`);
    }
    try { await this.load(); } catch (exc) { this.status.fail(exc, "Cannot reload the tokens"); }
    this.status.focus();
  }

  buildForm() {
    const section = element("section", null, {class: "admin-form", "aria-labelledby": "token-form-heading"});
    const form = element("form", null, {id: "token-form", novalidate: ""});
    const name = element("input", null, {name: "name", required: "", maxlength: "100", autocomplete: "off"});
    const lifetime = element("select", null, {name: "expires_in_s"});
    for (const [label, seconds] of LIFETIMES) lifetime.append(element("option", label, {value: String(seconds)}));
    lifetime.value = String(30 * DAY_S);
    const submit = element("button", "Create token", {type: "submit", id: "token-create"});
    const fields = element("div", null, {class: "fields"});
    fields.append(field("Name", name, "what the token is for, e.g. nightly-report"), field("Expires after", lifetime));
    form.append(fields, element("p", null, {role: "alert", class: "error"}), submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFormError(form);
      this.hideSecret();
      const body = {name: name.value.trim(), expires_in_s: lifetime.value === "" ? null : Number(lifetime.value)};
      submit.disabled = true;
      try {
        const created = await send("POST", "user/me/token", body);
        form.reset();
        lifetime.value = String(30 * DAY_S);
        this.showSecret(created);
        await this.load();
      } catch (exc) {
        showFormError(form, exc);
      } finally {
        submit.disabled = false;
      }
    });
    section.append(element("h2", "Create a token for yourself", {id: "token-form-heading"}), form);
    return section;
  }

  buildSecret() {
    const box = element("section", null, {id: "token-created", class: "secret", hidden: "", "aria-labelledby": "token-created-heading"});
    this.secretHeading = element("h2", "New token", {id: "token-created-heading"});
    const note = element("p", "Copy it now: this is the only time it is shown. The server keeps only its hash. "
      + "Send it as “Authorization: Bearer TOKEN”.", {class: "once"});
    this.secretInput = element("input", null, {id: "token-secret", readonly: "", autocomplete: "off", spellcheck: "false"});
    const label = element("label", "Token (shown once)", {for: "token-secret"});
    const copy = button("Copy", "secondary", "Copy the token");
    copy.id = "token-copy";
    this.copied = element("span", null, {role: "status", class: "copied"});
    copy.addEventListener("click", () => this.copy());
    const done = button("Done", "secondary", "Hide the token");
    done.addEventListener("click", () => this.hideSecret());
    const row = element("div", null, {class: "secret-row"});
    row.append(this.secretInput, copy, done);
    this.secretInput.addEventListener("focus", () => this.secretInput.select());
    box.append(this.secretHeading, note, label, row, this.copied);
    return box;
  }

  showSecret(created) {
    this.secretHeading.textContent = `New token ${created.name}`;
    this.secretInput.value = created.token;
    this.secret.dataset.tokenId = created.id;
    this.copied.textContent = "";
    this.secret.hidden = false;
    this.secretInput.focus();
  }

  hideSecret() {
    this.secretInput.value = "";
    this.copied.textContent = "";
    delete this.secret.dataset.tokenId;
    this.secret.hidden = true;
  }

  async copy() {
    this.secretInput.select();
    try {
      await navigator.clipboard.writeText(this.secretInput.value);
      this.copied.textContent = "Copied.";
    } catch {
      this.copied.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  }
}
