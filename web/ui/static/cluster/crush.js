// The cluster page's CRUSH tab: the CRUSH hierarchy (roots → racks/hosts → OSDs) as a tree of
// <details>, each node with its type, name and weight, and the CRUSH rules with their steps.
// Read-only: changing the map is for a later version. Refetched when the OSD map moves (the
// CRUSH map travels in it).
//
// DOM: #crush-tree li[data-node-id][data-type] (buckets: negative ids and their bucket type;
// OSDs: their id and data-type="osd"), #crush-rules tbody tr[data-rule-id].
import {get} from "../api.js";
import {element} from "../format.js";
import {cell, head} from "./events_time.js";

// Past this many OSDs the buckets holding OSDs (hosts) start folded, their OSDs drawn only when
// opened.
const UNFOLDED_OSDS = 200;

const state = {open: new Set(), osdMap: null};

function weight(value) {
  return typeof value === "number" ? value.toFixed(3) : "—";
}

function summary(typeName, name, nodeWeight, extra) {
  const line = element("span", null, {class: "crush-node"});
  line.append(element("span", typeName, {class: "crush-type"}), " ",
              element("span", name, {class: "crush-name"}), " ",
              element("span", `weight ${weight(nodeWeight)}`, {class: "crush-weight"}));
  if (extra) line.append(" ", element("span", extra, {class: "crush-extra"}));
  return line;
}

function osdItem(item) {
  const li = element("li", null, {"data-node-id": String(item.id), "data-type": "osd", class: "crush-leaf"});
  li.append(summary("osd", `osd.${item.id}`, item.weight));
  return li;
}

// A bucket: <details> whose body (its children) is drawn when first opened.
function bucketItem(node, byId, folded, seen) {
  const li = element("li", null, {"data-node-id": String(node.id), "data-type": node.bucket_type});
  const details = element("details");
  const children = node.items || [];
  const osds = children.filter((item) => item.id >= 0).length;
  const buckets = children.length - osds;
  const parts = [];
  if (buckets) parts.push(`${buckets} bucket${buckets === 1 ? "" : "s"}`);
  if (osds) parts.push(`${osds} OSD${osds === 1 ? "" : "s"}`);
  const sum = element("summary");
  sum.append(summary(node.bucket_type, node.name, node.weight, parts.length ? `(${parts.join(", ")})` : "(empty)"));
  details.append(sum);
  // Folded (a big map): buckets of buckets open, buckets of OSDs (hosts) closed until asked.
  const open = state.open.has(node.id) || (!(folded && osds > 0) && !state.open.has(`closed:${node.id}`));
  let drawn = false;
  const draw = () => {
    if (drawn) return;
    drawn = true;
    const list = element("ul");
    for (const item of children) {
      const child = byId.get(item.id);
      if (item.id < 0 && child && !seen.has(item.id)) {
        list.append(bucketItem(child, byId, folded, new Set([...seen, item.id])));
      } else if (item.id < 0) {
        list.append(element("li", `bucket ${item.id} (not in the map)`, {"data-node-id": String(item.id), "data-type": "unknown"}));
      } else {
        list.append(osdItem(item));
      }
    }
    details.append(list);
  };
  details.addEventListener("toggle", () => {
    if (details.open) { draw(); state.open.add(node.id); state.open.delete(`closed:${node.id}`); }
    else { state.open.delete(node.id); state.open.add(`closed:${node.id}`); }
  });
  if (open) { details.open = true; draw(); }
  li.append(details);
  return li;
}

function drawTree(slot, nodes) {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const children = new Set(nodes.flatMap((node) => (node.items || []).map((item) => item.id)));
  const roots = nodes.filter((node) => !children.has(node.id));
  const osdCount = nodes.reduce((sum, node) => sum + (node.items || []).filter((item) => item.id >= 0).length, 0);
  const folded = osdCount > UNFOLDED_OSDS;
  const tree = element("ul", null, {id: "crush-tree", "aria-label": "CRUSH hierarchy"});
  tree.append(...roots.map((root) => bucketItem(root, byId, folded, new Set([root.id]))));
  const note = nodes.length === 0 ? element("p", "The CRUSH map has no buckets yet.", {class: "muted"})
    : element("p", `${nodes.length.toLocaleString("en")} bucket${nodes.length === 1 ? "" : "s"}, `
      + `${osdCount.toLocaleString("en")} OSD${osdCount === 1 ? "" : "s"}`
      + (folded ? ": open a bucket to see what it holds." : "."), {class: "muted", id: "crush-count"});
  slot.replaceChildren(note, tree);
}

function stepText(step) {
  const op = step.op.replaceAll("_", " ");
  if (step.op === "take") return `take ${step.item_name ?? step.item}${step.class ? ` class ${step.class}` : ""}`;
  if (step.op === "emit") return "emit";
  if (op.startsWith("choose")) return `${op} ${step.num ?? 0} type ${step.type}`;
  const rest = Object.entries(step).filter(([key]) => key !== "op").map(([key, value]) => `${key} ${value}`);
  return [op, ...rest].join(" ");
}

function drawRules(slot, rules) {
  if (rules.length === 0) { slot.replaceChildren(element("p", "No CRUSH rules.", {class: "muted"})); return; }
  const table = element("table", null, {id: "crush-rules"});
  table.append(element("caption", "CRUSH rules", {class: "visually-hidden"}),
               head(["Name", "Rule set", "Type", "Size", "Steps", "OSDs"]));
  const body = element("tbody");
  for (const rule of rules) {
    const row = element("tr", null, {"data-rule-id": String(rule.id)});
    const name = element("th", rule.name, {scope: "row", "data-label": "Name"});
    const steps = element("ol", null, {class: "crush-steps"});
    steps.append(...(rule.steps || []).map((step) => element("li", stepText(step))));
    row.append(name, cell("Rule set", String(rule.ruleset)), cell("Type", rule.type),
               cell("Size", `${rule.min_size}–${rule.max_size}`), cell("Steps", steps),
               cell("OSDs", rule.osd_count === undefined ? "—" : String(rule.osd_count)));
    body.append(row);
  }
  table.append(body);
  const scroll = element("div", null, {class: "scroll"});
  scroll.append(table);
  slot.replaceChildren(scroll);
}

async function load(ctx, slots) {
  const [nodes, rules] = await Promise.all([get(`cluster/${ctx.fsid}/crush_node`), get(`cluster/${ctx.fsid}/crush_rule`)]);
  if (!ctx.alive()) return;
  drawTree(slots.tree, nodes);
  drawRules(slots.rules, rules);
  slots.status.textContent = "";
}

let slots = null;

export default {
  id: "crush",
  title: "CRUSH",
  async mount(ctx) {
    state.open = new Set();
    state.osdMap = null;
    const treeSection = element("section", null, {"aria-labelledby": "crush-tree-title", class: "crush-section"});
    treeSection.append(element("h2", "Hierarchy", {id: "crush-tree-title"}));
    const tree = element("div", "Loading…");
    treeSection.append(tree);
    const rulesSection = element("section", null, {"aria-labelledby": "crush-rules-title", class: "crush-section"});
    rulesSection.append(element("h2", "Rules", {id: "crush-rules-title"}));
    const rules = element("div");
    rulesSection.append(rules);
    const status = element("p", null, {role: "status", class: "muted"});
    ctx.panel.append(status, treeSection, rulesSection);
    slots = {tree, rules, status};
    const mine = slots;
    const refetch = ctx.soon(() => load(ctx, mine).catch((exc) => {
      if (ctx.alive()) mine.status.textContent = `Cannot refresh the CRUSH map: ${exc.message}`;
    }));
    ctx.on("cluster", (data) => {
      const epoch = data.maps ? data.maps.osd_map : undefined;
      if (epoch === undefined || epoch === state.osdMap) return;
      state.osdMap = epoch;
      refetch();
    });
    await load(ctx, mine);
  },
  async refresh(ctx) {
    if (slots) await load(ctx, slots);
  },
};
