// Deleting a pool asks, as Ceph itself does, for the pool's name: the shared confirmation dialog
// (widgets.js confirmAction) gets a box, #pool-delete-name, while it is open for this question,
// and its confirm button works only once the box holds exactly the pool's name.
import {element} from "../format.js";
import {confirmAction} from "../widgets.js";

// path: the pool's API path (cluster/FSID/pool/ID): the dialog previews its deletion (dry run).
export async function confirmDelete(pool, path) {
  const answer = confirmAction({
    title: `Delete pool '${pool.name}'?`,
    detail: `Every object in pool '${pool.name}' (id ${pool.id}) is deleted for good. `
      + "Type the pool's name to confirm.",
    confirmLabel: "Delete pool", danger: true,
    preview: path ? {method: "DELETE", path, body: undefined} : null,
  });
  const dialog = document.getElementById("confirm-dialog");
  const ok = dialog.querySelector("#confirm-ok");
  const input = element("input", null, {type: "text", id: "pool-delete-name", autocomplete: "off",
                                        spellcheck: "false", "aria-describedby": "confirm-detail"});
  const box = element("div", null, {class: "field pool-delete-confirm"});
  box.append(element("label", "Pool name", {for: "pool-delete-name"}), input);
  dialog.querySelector("#confirm-detail").after(box);
  const matches = () => input.value === pool.name;
  ok.disabled = true;
  input.addEventListener("input", () => { ok.disabled = !matches(); });
  input.addEventListener("keydown", (event) => {
    // Enter would submit the dialog's form with its first button (Cancel): confirm instead,
    // when the name is right.
    if (event.key !== "Enter") return;
    event.preventDefault();
    if (matches()) ok.click();
  });
  input.focus();
  try {
    return await answer && matches();
  } finally {
    box.remove();
    ok.disabled = false;
  }
}
