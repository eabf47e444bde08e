// The cluster page's Pools tab: every pool of the cluster (GET cluster/<fsid>/pool) with its
// usage (GET cluster/<fsid>/usage, `df detail`) and CRUSH rule (GET cluster/<fsid>/crush_rule),
// sortable by column, a card per pool on a phone. Operators and admins also get the create and
// edit form (pool_form.js) and delete with the pool's name typed (pool_delete.js); read-only
// users get the table only: no write control is drawn for them at all.
//
// Live: a `cluster` message (the maps moved: a pool added, changed or gone) refetches the pools
// and rules once per burst, a `usage` message the usage (at most every 2 s), a pool request that
// ends both.
import {get} from "../api.js";
import * as format from "../format.js";
import {element} from "../format.js";
import {PoolForm} from "./pool_form.js";
import {confirmDelete} from "./pool_delete.js";
import {writeAndFollow} from "../widgets.js";

const USAGE_SETTLE_MS = 2000;

// The columns: key (th[data-key]), heading, sort value.
const COLUMNS = [
  {key: "name", label: "Name", value: (p) => p.name.toLowerCase()},
  {key: "id", label: "ID", value: (p) => p.id},
  {key: "type", label: "Type", value: (p) => p.type || ""},
  {key: "size", label: "Size / min", value: (p) => p.size ?? -1},
  {key: "pg_num", label: "PGs", value: (p) => p.pg_num ?? -1},
  {key: "rule", label: "CRUSH rule", value: (p, view) => view.ruleName(p).toLowerCase()},
  {key: "quota", label: "Quota", value: (p) => p.quota_max_bytes || Infinity},
  {key: "used", label: "Used", value: (p, view) => view.usageOf(p)?.used_bytes ?? -1},
  {key: "objects", label: "Objects", value: (p, view) => view.usageOf(p)?.objects ?? -1},
];

let current = null;   // the mounted view (refresh(ctx) reaches it)

export default {
  id: "pools",
  title: "Pools",
  async mount(ctx) {
    const view = new PoolsView(ctx);
    current = view;
    ctx.panel.append(view.root);
    ctx.on("cluster", ctx.soon(() => view.reload(["pools", "rules"])));
    ctx.on("usage", ctx.soon(() => view.reload(["usage"]), USAGE_SETTLE_MS));
    const afterRequest = ctx.soon(() => view.reload(["pools", "rules", "usage"]));
    ctx.on("request", (request) => {
      if (request.state === "complete" && String(request.kind || "").includes("pool")) afterRequest();
    });
    await view.load(["pools", "rules", "usage"]);
  },
  async refresh(ctx) {
    if (current && current.ctx === ctx) await current.load(["pools", "rules", "usage"]);
  },
};

class PoolsView {
  constructor(ctx) {
    this.ctx = ctx;
    this.pools = [];
    this.rules = [];
    this.usage = new Map();      // pool id -> its `usage` entry
    this.key = "name";
    this.ascending = true;
    this.writer = ctx.can("operator");
    this.root = element("div", null, {class: "pools-tab"});
    this.build();
  }

  get path() { return `cluster/${encodeURIComponent(this.ctx.fsid)}`; }

  build() {
    const bar = element("div", null, {class: "bar pools-bar"});
    bar.append(element("h2", "Pools", {id: "pools-heading"}));
    this.status = element("span", "Loading pools…", {id: "pools-status", class: "live", role: "status"});
    bar.append(this.status);
    this.alert = element("p", null, {id: "pools-alert", class: "error", role: "alert"});
    if (this.writer) {
      const create = element("button", "Create pool", {type: "button", id: "pool-create",
                                                       "aria-controls": "pool-editor", "aria-expanded": "false"});
      create.addEventListener("click", () => this.openForm(null));
      bar.append(create);
      this.createButton = create;
      this.form = new PoolForm({
        path: this.path,
        rules: () => this.rules,
        defaults: () => this.get(`${this.path}/pool?defaults`),
        onClose: (opener, pool) => {
          create.setAttribute("aria-expanded", "false");
          // The focus goes back where the form was opened from: the row's Edit button was
          // redrawn meanwhile, so it is found again (the create button when the pool is gone).
          const again = pool && this.body.querySelector(`tr[data-pool-id="${pool.id}"] .pool-edit`);
          (opener || again || create).focus();
        },
        onDone: () => this.reload(["pools", "rules", "usage"]),
      });
    }
    this.root.append(bar, this.alert);
    if (this.form) this.root.append(this.form.root);

    const table = element("table", null, {id: "pools", "aria-labelledby": "pools-heading"});
    const head = element("tr");
    for (const column of COLUMNS) {
      const th = element("th", null, {scope: "col", "data-key": column.key});
      const sort = element("button", column.label, {type: "button"});
      sort.addEventListener("click", () => this.sortBy(column.key));
      th.append(sort);
      head.append(th);
    }
    if (this.writer) head.append(element("th", "Actions", {scope: "col", class: "actions"}));
    const thead = element("thead");
    thead.append(head);
    this.body = element("tbody");
    table.append(thead, this.body);
    this.table = table;
    const scroll = element("div", null, {class: "scroll"});
    scroll.append(table);
    this.root.append(scroll);
    this.showSortState();
  }

  // A read whose failure shows in the status line; null once the user has left the tab.
  async get(path) {
    const body = await get(path);
    return this.ctx.alive() ? body : null;
  }

  // Fetch `what` ("pools", "rules", "usage"), then draw. Errors propagate (mount/refresh: the
  // frame shows them).
  async load(what) {
    const [pools, rules, usage] = await Promise.all([
      what.includes("pools") ? this.get(`${this.path}/pool`) : undefined,
      what.includes("rules") ? this.get(`${this.path}/crush_rule`) : undefined,
      // A cluster with no stats yet may not answer its usage: the table still shows.
      what.includes("usage") ? this.get(`${this.path}/usage`).catch(() => null) : undefined,
    ]);
    if (!this.ctx.alive()) return;
    if (Array.isArray(pools)) this.pools = pools;
    if (Array.isArray(rules)) this.rules = rules;
    if (usage && Array.isArray(usage.pools)) this.usage = new Map(usage.pools.map((u) => [u.id, u]));
    this.render();
  }

  // A refetch from a live message: a failure shows in the status line (no unhandled rejection).
  reload(what) {
    this.load(what).catch((exc) => {
      if (this.ctx.alive()) this.status.textContent = `Cannot refresh the pools: ${exc.message}`;
    });
  }

  usageOf(pool) { return this.usage.get(pool.id); }

  // The rule a pool uses: the rule of its ruleset and type (as the API picks it), else any.
  ruleName(pool) {
    const matches = this.rules.filter((r) => (r.ruleset ?? r.id) === pool.crush_ruleset);
    const rule = matches.find((r) => r.type === pool.type) || matches[0];
    return rule ? rule.name : `ruleset ${pool.crush_ruleset}`;
  }

  sortBy(key) {
    this.ascending = this.key === key ? !this.ascending : true;
    this.key = key;
    this.showSortState();
    this.render();
  }

  showSortState() {
    for (const th of this.table.querySelectorAll("thead th[data-key]")) {
      th.setAttribute("aria-sort", th.dataset.key === this.key ? (this.ascending ? "ascending" : "descending") : "none");
    }
  }

  sorted() {
    const value = COLUMNS.find((c) => c.key === this.key).value;
    const rows = [...this.pools];
    rows.sort((a, b) => {
      const x = value(a, this), y = value(b, this);
      const order = x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name);
      return this.ascending ? order : -order;
    });
    return rows;
  }

  render() {
    // Keep the focus on a row's button across a redraw (the stream redraws often).
    const focused = document.activeElement;
    const focusedRow = focused && this.body.contains(focused) ? focused.closest("tr")?.dataset.poolId : null;
    const focusedClass = focusedRow ? [...focused.classList].find((c) => c.startsWith("pool-")) : null;
    this.body.replaceChildren(...this.sorted().map((pool) => this.row(pool)));
    if (focusedRow && focusedClass) {
      this.body.querySelector(`tr[data-pool-id="${CSS.escape(focusedRow)}"] .${focusedClass}`)?.focus();
    }
    const n = this.pools.length;
    this.status.textContent = n === 0 ? "No pools." : `${n} pool${n === 1 ? "" : "s"}`;
  }

  row(pool) {
    const tr = element("tr", null, {"data-pool-id": String(pool.id), "data-pool-name": pool.name});
    const usage = this.usageOf(pool);
    const cell = (key, label, text) => element("td", text, {"data-label": label, "data-field": key});
    const name = cell("name", "Name", pool.name);
    name.classList.add("name");
    if (pool.full) name.append(" ", element("span", "FULL", {class: "pool-full"}));
    const type = pool.type === "erasure" && pool.erasure_code_profile
      ? `erasure (${pool.erasure_code_profile})` : (pool.type || format.UNKNOWN);
    const pgs = pool.pgp_num !== undefined && pool.pgp_num !== pool.pg_num
      ? `${format.count(pool.pg_num)} (pgp ${format.count(pool.pgp_num)})` : format.count(pool.pg_num);
    tr.append(name,
              cell("id", "ID", String(pool.id)),
              cell("type", "Type", type),
              cell("size", "Size / min", `${format.count(pool.size)} / ${format.count(pool.min_size)}`),
              cell("pg_num", "PGs", pgs),
              cell("rule", "CRUSH rule", this.ruleName(pool)),
              cell("quota", "Quota", quotaText(pool)),
              usedCell(usage),
              cell("objects", "Objects", usage && typeof usage.objects === "number"
                ? usage.objects.toLocaleString("en") : format.UNKNOWN));
    if (this.writer) {
      const actions = element("td", null, {"data-label": "Actions", class: "actions"});
      const edit = element("button", "Edit", {type: "button", class: "pool-edit secondary",
                                              "aria-label": `Edit pool ${pool.name}`});
      edit.addEventListener("click", () => this.openForm(pool, edit));
      const remove = element("button", "Delete", {type: "button", class: "pool-delete danger",
                                                  "aria-label": `Delete pool ${pool.name}`});
      remove.addEventListener("click", () => this.remove(pool));
      actions.append(edit, remove);
      tr.append(actions);
    }
    return tr;
  }

  openForm(pool, opener) {
    this.alert.textContent = "";
    if (!pool) this.createButton.setAttribute("aria-expanded", "true");
    this.form.open(pool, opener || this.createButton).catch((exc) => {
      if (this.ctx.alive()) this.alert.textContent = `Cannot open the form: ${exc.message}`;
    });
  }

  async remove(pool) {
    this.alert.textContent = "";
    if (!await confirmDelete(pool, `${this.path}/pool/${pool.id}`)) return;
    try {
      const request = await writeAndFollow("DELETE", `${this.path}/pool/${pool.id}`, undefined,
                                           `Deleting pool '${pool.name}'`);
      if (request && request.error && this.ctx.alive()) {
        this.alert.textContent = `Deleting pool '${pool.name}' failed: ${request.error_message}`;
      }
    } catch (exc) {
      if (this.ctx.alive()) this.alert.textContent = `Cannot delete pool '${pool.name}': ${exc.message}`;
    }
    if (this.ctx.alive()) this.reload(["pools", "usage"]);
  }
}

function quotaText(pool) {
  const parts = [];
  if (pool.quota_max_bytes) parts.push(format.bytes(pool.quota_max_bytes));
  if (pool.quota_max_objects) parts.push(`${pool.quota_max_objects.toLocaleString("en")} objects`);
  return parts.length ? parts.join(", ") : "none";
}

// A <meter> of the pool's percent used (of what it may still take), then its used bytes.
function usedCell(usage) {
  const td = element("td", null, {"data-label": "Used", "data-field": "used", class: "used"});
  if (!usage || usage.percent_used === null || usage.percent_used === undefined) {
    td.textContent = usage ? format.bytes(usage.used_bytes) : format.UNKNOWN;
    return td;
  }
  const ratio = Math.min(1, Math.max(0, usage.percent_used / 100));
  const label = `${format.percent(ratio)}, ${format.bytes(usage.used_bytes)}`;
  td.append(element("meter", null, {min: "0", max: "1", low: "0.75", high: "0.85", optimum: "0",
                                    value: String(ratio), "aria-label": `Used ${label}`}),
            element("span", label));
  return td;
}
