// The OSD grid: one button per OSD, coloured by up/down, in/out and utilisation. Virtualised:
// only the rows in (and just around) the scroll container's view exist in the DOM, each cell
// placed absolutely through the CSSOM (node.style, allowed by the page's CSP), so 10,000 OSDs
// cost a few hundred buttons. Keyboard: Tab enters the grid on one cell (roving tabindex),
// arrows / Page Up / Page Down / Home / End move, Enter or Space selects.
import {element} from "../format.js";

// Kept equal to .osd-cell's width and height and #osd-grid's padding in osds.css.
export const CELL_W = 60, CELL_H = 44, GAP = 4, PAD = 6;
const COL_W = CELL_W + GAP, ROW_H = CELL_H + GAP;
const OVERSCAN = 3;     // rows drawn above and below the view

// The utilisation band a cell is coloured by (Ceph's nearfull 85 %, full 95 %).
export function band(utilization) {
  if (utilization === null || utilization === undefined) return "u-unknown";
  if (utilization >= 95) return "u-full";
  if (utilization >= 85) return "u-near";
  if (utilization >= 60) return "u-mid";
  return "u-low";
}

export function stateWords(osd) {
  return `${osd.up ? "up" : "down"} ${osd.in ? "in" : "out"}`;
}

// "osd.12 up in 43 % used": the cell's accessible name.
export function cellLabel(osd, utilization) {
  const used = utilization === null || utilization === undefined ? "" : ` ${Math.round(utilization)} % used`;
  return `osd.${osd.id} ${stateWords(osd)}${used}`;
}

function cellClass(osd, utilization) {
  if (!osd.up) return osd.in ? "osd-cell down" : "osd-cell down out";
  if (!osd.in) return "osd-cell out";
  return `osd-cell ${band(utilization)}`;
}

function cellNote(osd, utilization) {
  if (!osd.up) return osd.in ? "down" : "down out";
  if (!osd.in) return "out";
  return utilization === null || utilization === undefined ? "" : `${Math.round(utilization)}%`;
}

export class OsdGrid {
  // onSelect(osd): a cell was pressed. utilization(id): its % used or null.
  constructor({onSelect, utilization}) {
    this.onSelect = onSelect;
    this.utilization = utilization;
    this.shown = [];          // the OSDs the filter lets through, by id
    this.extent = 0;
    this.selected = null;     // an OSD id
    this.active = 0;          // index in `shown` of the cell Tab lands on
    this.cells = new Map();   // OSD id -> its button, for the cells in the DOM
    this.frame = null;
    this.root = element("div", null, {id: "osd-grid", role: "group", "aria-label": "OSDs",
                                      "aria-describedby": "osd-grid-help", "data-total": "0", "data-shown": "0"});
    this.spacer = element("div", null, {class: "osd-spacer"});
    this.root.append(this.spacer);
    this.root.addEventListener("scroll", () => this.schedule(), {passive: true});
    this.root.addEventListener("click", (event) => {
      const cell = event.target.closest("button[data-osd-id]");
      if (cell) this.press(Number(cell.dataset.index));
    });
    this.root.addEventListener("focusin", (event) => {
      const cell = event.target.closest("button[data-osd-id]");
      if (cell) this.active = Number(cell.dataset.index);
    });
    this.root.addEventListener("keydown", (event) => this.key(event));
    this.width = 0;
    this.resizer = new ResizeObserver(() => {
      if (this.root.clientWidth !== this.width) { this.width = this.root.clientWidth; this.draw(); }
    });
    this.resizer.observe(this.root);
  }

  destroy() {
    this.resizer.disconnect();
    if (this.frame !== null) cancelAnimationFrame(this.frame);
  }

  // `extent`: the cells the scroll area makes room for; more than shown.length while only the
  // first page of a big list is loaded (the rest are drawn once it arrives).
  setData(shown, total, extent = shown.length) {
    this.shown = shown;
    this.extent = Math.max(extent, shown.length);
    this.root.dataset.total = String(total);
    this.root.dataset.shown = String(this.extent);
    this.active = Math.min(this.active, Math.max(0, shown.length - 1));
    this.draw();
  }

  select(id) {
    this.selected = id;
    const index = this.shown.findIndex((osd) => osd.id === id);
    if (index >= 0) this.active = index;
    this.draw();
  }

  // How many cells a view `height` px tall holds, with the rows drawn around it.
  cellsInView(height) {
    return this.columns() * (Math.ceil(height / ROW_H) + 2 * OVERSCAN);
  }

  columns() {
    return Math.max(1, Math.floor((this.root.clientWidth - 2 * PAD + GAP) / COL_W));
  }

  schedule() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => { this.frame = null; this.draw(); });
  }

  // Build the cells of the rows in view; reuse the buttons already there (keyed by OSD id) so
  // focus and DOM order stay put while scrolling.
  draw() {
    const cols = this.columns();
    const rows = Math.ceil(this.extent / cols);
    this.spacer.style.height = `${rows ? rows * ROW_H - GAP + 2 * PAD : 0}px`;
    const top = this.root.scrollTop, height = this.root.clientHeight || 400;
    const firstRow = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const lastRow = Math.min(rows, Math.ceil((top + height) / ROW_H) + OVERSCAN);
    const from = firstRow * cols, to = Math.min(this.shown.length, lastRow * cols);
    const wanted = new Map();
    for (let index = from; index < to; index += 1) wanted.set(this.shown[index].id, index);
    for (const [id, cell] of this.cells) {
      if (!wanted.has(id)) { cell.remove(); this.cells.delete(id); }
    }
    const tabStop = this.active >= from && this.active < to ? this.active : from;
    let next = this.spacer.firstChild;
    for (const [id, index] of wanted) {
      let cell = this.cells.get(id);
      if (!cell) {
        cell = element("button", null, {type: "button", "data-osd-id": String(id)});
        cell.append(element("span", null, {class: "osd-id"}), element("span", null, {class: "osd-note"}));
        this.cells.set(id, cell);
      }
      this.paint(cell, this.shown[index], index, cols, index === tabStop);
      if (cell === next) next = next.nextSibling;
      else this.spacer.insertBefore(cell, next);
    }
  }

  paint(cell, osd, index, cols, tabStop) {
    const utilization = this.utilization(osd.id);
    cell.dataset.index = String(index);
    cell.dataset.up = String(Boolean(osd.up));
    cell.dataset.in = String(Boolean(osd.in));
    cell.className = cellClass(osd, utilization);
    cell.setAttribute("aria-label", cellLabel(osd, utilization));
    cell.tabIndex = tabStop ? 0 : -1;
    if (osd.id === this.selected) cell.setAttribute("aria-current", "true");
    else cell.removeAttribute("aria-current");
    cell.firstChild.textContent = String(osd.id);
    cell.lastChild.textContent = cellNote(osd, utilization);
    cell.style.left = `${PAD + (index % cols) * COL_W}px`;
    cell.style.top = `${PAD + Math.floor(index / cols) * ROW_H}px`;
  }

  press(index) {
    const osd = this.shown[index];
    if (!osd) return;
    this.active = index;
    this.onSelect(osd);
  }

  // Move the tab stop to `index`, scroll it into view, draw, and focus it.
  moveTo(index) {
    if (!this.shown.length) return;
    index = Math.max(0, Math.min(this.shown.length - 1, index));
    this.active = index;
    const cols = this.columns();
    const y = PAD + Math.floor(index / cols) * ROW_H;
    if (y < this.root.scrollTop) this.root.scrollTop = y - PAD;
    else if (y + CELL_H > this.root.scrollTop + this.root.clientHeight) this.root.scrollTop = y + CELL_H + PAD - this.root.clientHeight;
    this.draw();
    const cell = this.cells.get(this.shown[index].id);
    if (cell) cell.focus();
  }

  key(event) {
    const cell = event.target.closest("button[data-osd-id]");
    if (!cell || event.altKey || event.metaKey) return;
    const index = Number(cell.dataset.index), cols = this.columns();
    const page = Math.max(1, Math.floor(this.root.clientHeight / ROW_H)) * cols;
    const moves = {
      ArrowRight: index + 1, ArrowLeft: index - 1, ArrowDown: index + cols, ArrowUp: index - cols,
      PageDown: index + page, PageUp: index - page,
      Home: event.ctrlKey ? 0 : index - (index % cols),
      End: event.ctrlKey ? this.shown.length - 1 : Math.min(this.shown.length - 1, index - (index % cols) + cols - 1),
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    this.moveTo(moves[event.key]);
  }
}
