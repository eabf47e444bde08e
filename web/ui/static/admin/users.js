// Administration's Users tab: every account with its role, and the administrator's changes to
// them: add (form#user-form), change the role (select.user-role), reset the password
// (form#password-form), clear a lockout (button.user-unlock), delete (button.user-delete).
// The API answers these at once (201/200/204); its messages show beside the fields or in the
// tab's status line. It does not report whether an account is locked: unlocking is offered for
// every other account and clears its counts and locks from every address.
import {get, send} from "../api.js";
import {element} from "../format.js";
import {user as currentUser} from "../session.js";
import {clearFormError, confirmAction, field, showFormError} from "../widgets.js";
import {ROLES, button, cell, outcome, table} from "./admin_util.js";

const views = new WeakMap();   // ctx -> its view, for refresh(ctx)

export default {
  id: "users",
  title: "Users",
  role: "admin",
  async mount(ctx) {
    const view = new UsersView(ctx);
    views.set(ctx, view);
    await view.load();
  },
  async refresh(ctx) {
    await views.get(ctx)?.load();
  },
};

function roleSelect(name, value, label) {
  const select = element("select", null, {name});
  if (label) select.setAttribute("aria-label", label);
  for (const role of ROLES) select.append(element("option", role, {value: role}));
  select.value = value;
  return select;
}

class UsersView {
  constructor(ctx) {
    this.ctx = ctx;
    this.users = [];
    this.status = outcome();
    const heading = element("h2", "Users", {id: "users-heading"});
    const list = table("users", "User accounts, their roles and what an administrator may do to each",
                       ["Username", "Email", "Role", "Actions"]);
    this.body = list.body;
    const note = element("p", "The API does not report whether an account is locked out. “Unlock” clears an "
      + "account's failed-login counts and locks from every address; a password reset does too.", {class: "hint"});
    this.resetSection = this.buildResetForm();
    ctx.panel.append(heading, this.status.node, list.box, note, this.resetSection, this.buildCreateForm());
  }

  async load() {
    const users = await get("user");
    if (!this.ctx.alive()) return;
    this.users = users.sort((a, b) => a.username.localeCompare(b.username));
    this.body.replaceChildren(...this.users.map((user) => this.row(user)));
  }

  isMe(user) {
    return currentUser() !== null && currentUser().id === user.id;
  }

  row(user) {
    const tr = element("tr", null, {"data-username": user.username, "data-role": user.role, "data-user-id": String(user.id)});
    const name = cell(user.username, "Username", "name");
    if (this.isMe(user)) name.append(" ", element("span", "(you)", {class: "you"}));
    const role = cell(null, "Role", "role");
    const actions = cell(null, "Actions", "actions");
    if (this.isMe(user)) {
      // The API refuses changing your own role and deleting your own account: not offered.
      role.textContent = user.role;
      actions.textContent = "—";
      actions.classList.add("none");
    } else {
      const select = roleSelect("role", user.role, `Role of ${user.username}`);
      select.classList.add("user-role");
      // An explicit button: on a closed <select> each arrow key is a change, and a dialog per
      // key press would make choosing a role by keyboard impossible.
      const apply = button("Apply", "secondary user-role-apply", `Apply the role chosen for ${user.username}`);
      apply.hidden = true;
      select.addEventListener("change", () => { apply.hidden = select.value === user.role; });
      apply.addEventListener("click", () => this.changeRole(user, select));
      role.append(select, " ", apply);
      const unlock = button("Unlock", "secondary user-unlock", `Unlock ${user.username}`);
      unlock.addEventListener("click", () => this.unlock(user));
      const remove = button("Delete", "danger user-delete", `Delete ${user.username}`);
      remove.addEventListener("click", () => this.remove(user));
      // Your own password needs your current one (PATCH user/me): not here.
      const reset = button("Reset password", "secondary user-password", `Reset the password of ${user.username}`);
      reset.addEventListener("click", () => this.openReset(user));
      actions.append(reset, unlock, remove);
    }
    tr.append(name, cell(user.email || "—", "Email", "email"), role, actions);
    return tr;
  }

  async changeRole(user, select) {
    const role = select.value;
    const confirmed = await confirmAction({title: `Change the role of ${user.username}?`,
      detail: `${user.username} becomes ${role} (now ${user.role}).`, confirmLabel: "Change role"});
    if (!confirmed) { select.value = user.role; return; }
    try {
      const updated = await send("PATCH", `user/${user.id}`, {role});
      this.status.say(`${updated.username} is now ${updated.role}.`);
    } catch (exc) {
      select.value = user.role;
      this.status.fail(exc, `Cannot change the role of ${user.username}`);
    }
    await this.reloadQuietly();
  }

  async unlock(user) {
    const confirmed = await confirmAction({title: `Unlock ${user.username}?`,
      detail: `Clears every failed-login count and lock of ${user.username}, from every address.`, confirmLabel: "Unlock"});
    if (!confirmed) return;
    try {
      await send("POST", `user/${user.id}/unlock`, {});
      this.status.say(`${user.username} is unlocked.`);
    } catch (exc) {
      this.status.fail(exc, `Cannot unlock ${user.username}`);
    }
  }

  async remove(user) {
    const confirmed = await confirmAction({title: `Delete the user ${user.username}?`,
      detail: `${user.username} (${user.role}) is deleted with their sessions and API tokens. This cannot be undone.`,
      confirmLabel: `Delete ${user.username}`, danger: true});
    if (!confirmed) return;
    try {
      await send("DELETE", `user/${user.id}`);
      this.status.say(`${user.username} is deleted.`);
      if (this.resetUser && this.resetUser.id === user.id) this.closeReset();
    } catch (exc) {
      this.status.fail(exc, `Cannot delete ${user.username}`);
    }
    await this.reloadQuietly();
  }

  async reloadQuietly() {
    try { await this.load(); } catch (exc) { this.status.fail(exc, "Cannot reload the users"); }
    this.status.focus();   // the row pressed was redrawn (or is gone)
  }

  buildCreateForm() {
    const section = element("section", null, {class: "admin-form", "aria-labelledby": "user-form-heading"});
    const form = element("form", null, {id: "user-form", novalidate: ""});
    const username = element("input", null, {name: "username", autocomplete: "off", required: "", maxlength: "150"});
    const email = element("input", null, {name: "email", type: "email", autocomplete: "off"});
    const password = element("input", null, {name: "password", type: "password", autocomplete: "new-password", required: ""});
    const role = roleSelect("role", "read-only");
    const submit = element("button", "Add user", {type: "submit", id: "user-create"});
    const fields = element("div", null, {class: "fields"});
    fields.append(field("Username", username, "letters, digits and @.+-_"), field("Email (optional)", email),
                  field("Password", password, "the server checks its strength"), field("Role", role));
    form.append(fields, element("p", null, {role: "alert", class: "error"}), submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFormError(form);
      const body = {username: username.value.trim(), password: password.value, role: role.value};
      if (email.value.trim()) body.email = email.value.trim();
      submit.disabled = true;
      try {
        const created = await send("POST", "user", body);
        form.reset();
        this.status.say(`${created.username} is added as ${created.role}.`);
        await this.reloadQuietly();
      } catch (exc) {
        showFormError(form, exc);
      } finally {
        submit.disabled = false;
      }
    });
    section.append(element("h2", "Add a user", {id: "user-form-heading"}), form);
    return section;
  }

  buildResetForm() {
    const section = element("section", null, {class: "admin-form", id: "password-reset", hidden: "",
                                               "aria-labelledby": "password-reset-heading"});
    this.resetHeading = element("h2", "Reset a password", {id: "password-reset-heading"});
    const form = element("form", null, {id: "password-form", novalidate: ""});
    const password = element("input", null, {name: "password", type: "password", autocomplete: "new-password", required: ""});
    const submit = element("button", "Set password", {type: "submit"});
    const cancel = button("Cancel", "secondary");
    cancel.addEventListener("click", () => this.closeReset());
    const buttons = element("div", null, {class: "buttons"});
    buttons.append(submit, cancel);
    form.append(field("New password", password, "their sessions end; their failed-login locks are cleared"),
                element("p", null, {role: "alert", class: "error"}), buttons);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const user = this.resetUser;
      if (!user) return;
      clearFormError(form);
      const confirmed = await confirmAction({title: `Reset the password of ${user.username}?`,
        detail: `${user.username}'s sessions end; they log in with the new password.`, confirmLabel: "Set password"});
      if (!confirmed) return;
      submit.disabled = true;
      try {
        await send("PATCH", `user/${user.id}`, {password: password.value});
        this.closeReset();
        this.status.say(`The password of ${user.username} is reset.`);
      } catch (exc) {
        showFormError(form, exc);
      } finally {
        submit.disabled = false;
      }
    });
    this.resetForm = form;
    this.resetPassword = password;
    section.append(this.resetHeading, form);
    return section;
  }

  openReset(user) {
    this.resetUser = user;
    this.resetForm.reset();
    clearFormError(this.resetForm);
    this.resetSection.dataset.username = user.username;
    this.resetHeading.textContent = `Reset the password of ${user.username}`;
    this.resetSection.hidden = false;
    this.resetPassword.focus();
  }

  closeReset() {
    this.resetUser = null;
    this.resetForm.reset();
    this.resetSection.hidden = true;
    delete this.resetSection.dataset.username;
  }
}
