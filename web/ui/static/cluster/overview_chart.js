// Small SVG time-series charts for the overview tab (no library): pure functions for the scales,
// ticks and path data, and drawChart(), which fills an <svg> with axes, grid, lines (an area under
// the first one on request), a <title> and a <desc> that say in words what the lines show.
// Points are [time in ms, value]; every chart's y axis starts at 0 and ends at or above the data's
// maximum (data-y-max on the <svg> says where).

const SVG = "http://www.w3.org/2000/svg";   // a namespace name, never fetched
export const MARGIN = {top: 10, right: 12, bottom: 24, left: 66};

// The smallest of 1, 2, 2.5, 5, 10 × a power of ten that is ≥ rough.
export function niceStep(rough) {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

// A y scale from 0: {max, step, ticks}, max ≥ dataMax, about `count` steps. With binary the step
// is nice in the unit (KiB, MiB, …) the figure is read in, so byte labels come out round.
export function niceScale(dataMax, {count = 4, binary = false} = {}) {
  const top = dataMax > 0 && Number.isFinite(dataMax) ? dataMax : 0;
  let unit = 1;
  if (binary) while (top / unit >= 1024) unit *= 1024;
  const step = top === 0 ? unit : niceStep(top / unit / count) * unit;
  // The fewest steps whose top is at or above the data (a quotient's rounding error can make
  // ceil() one too many, never one too few as an epsilon would).
  let steps = Math.max(1, Math.ceil(top / step));
  while (steps > 1 && (steps - 1) * step >= top) steps -= 1;
  const ticks = Array.from({length: steps + 1}, (_, i) => i * step);
  return {max: steps * step, step, ticks};
}

const SECOND = 1000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;
const TIME_STEPS = [SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY];

const two = (n) => String(n).padStart(2, "0");

export function timeLabel(ms, step) {
  const when = new Date(ms);
  if (step >= DAY) return when.toLocaleDateString(undefined, {month: "short", day: "numeric"});
  const hm = `${two(when.getHours())}:${two(when.getMinutes())}`;
  return step < MINUTE ? `${hm}:${two(when.getSeconds())}` : hm;
}

// Ticks for the time axis between from and to (ms): at most `count`, on round times.
export function timeTicks(from, to, count = 6) {
  const span = Math.max(to - from, SECOND);
  const step = TIME_STEPS.find((s) => span / s <= count) || Math.ceil(span / count / DAY) * DAY;
  // Round times of the local clock (an hour's ticks at :00, a day's at midnight).
  const offset = new Date(from).getTimezoneOffset() * MINUTE;
  const ticks = [];
  for (let t = Math.ceil((from - offset) / step) * step + offset; t <= to; t += step) {
    ticks.push({t, label: timeLabel(t, step)});
  }
  return ticks;
}

// At most about 2 points per bucket: each bucket's lowest and highest, in time order, so peaks
// and dips survive however many points the range holds.
export function downsample(points, buckets) {
  if (points.length <= 2 * buckets || points.length < 3) return points;
  const from = points[0][0], span = points[points.length - 1][0] - from || 1;
  const out = [];
  let current = -1, low = null, high = null;
  const flush = () => {
    if (low === null) return;
    if (low === high) out.push(low);
    else out.push(...(low[0] <= high[0] ? [low, high] : [high, low]));
  };
  for (const point of points) {
    const bucket = Math.min(buckets - 1, Math.floor((point[0] - from) / span * buckets));
    if (bucket !== current) { flush(); current = bucket; low = high = point; continue; }
    if (point[1] < low[1]) low = point;
    if (point[1] > high[1]) high = point;
  }
  flush();
  return out;
}

// The path data of a line through points on the given scales; a gap longer than gapMs
// (a daemon that was down) starts a new piece rather than drawing across it.
export function linePath(points, x, y, gapMs = Infinity) {
  let d = "", last = null;
  for (const [t, v] of points) {
    if (v === null || v === undefined || !Number.isFinite(v)) { last = null; continue; }
    const move = last === null || t - last > gapMs;
    d += `${move ? "M" : "L"}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
    last = t;
  }
  return d;
}

export function svgNode(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Draw series [{name, cls, points}] into svg (emptied first). Options: width, height, from, to
// (ms: the x domain), format (a value for people: axis labels and the description), binary
// (byte-sized steps), area (fill under the first series), gapMs, title, empty (the text shown
// without a point).
export function drawChart(svg, {series, width, height, from, to, format, binary = false, area = false,
                               gapMs = Infinity, title, empty = "No history yet"}) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("role", "img");
  const id = svg.id || "chart";
  svg.setAttribute("aria-labelledby", `${id}-title ${id}-desc`);
  const all = series.flatMap((s) => s.points);
  const dataMax = all.reduce((max, [, v]) => (Number.isFinite(v) && v > max ? v : max), 0);
  const scale = niceScale(dataMax, {binary});
  const plotW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const plotH = Math.max(10, height - MARGIN.top - MARGIN.bottom);
  const span = Math.max(to - from, 1);
  const x = (t) => MARGIN.left + (t - from) / span * plotW;
  const y = (v) => MARGIN.top + plotH - v / scale.max * plotH;
  svg.dataset.points = String(all.length);
  svg.dataset.yMax = String(scale.max);
  svg.dataset.dataMax = String(dataMax);
  svg.dataset.from = new Date(from).toISOString();
  svg.dataset.to = new Date(to).toISOString();

  svg.append(svgNode("title", {id: `${id}-title`}, title));
  svg.append(svgNode("desc", {id: `${id}-desc`}, describe(series, from, to, format)));

  const grid = svgNode("g", {class: "grid", "aria-hidden": "true"});
  for (const tick of scale.ticks) {
    const ty = y(tick).toFixed(1);
    grid.append(svgNode("line", {x1: MARGIN.left, x2: MARGIN.left + plotW, y1: ty, y2: ty}));
    grid.append(svgNode("text", {x: MARGIN.left - 6, y: ty, class: "y-label", "text-anchor": "end",
                                 "dominant-baseline": "middle"}, format(tick)));
  }
  const ticks = timeTicks(from, to, Math.max(3, Math.floor(plotW / 80)));
  for (const tick of ticks) {
    const tx = x(tick.t).toFixed(1);
    grid.append(svgNode("line", {x1: tx, x2: tx, y1: MARGIN.top + plotH, y2: MARGIN.top + plotH + 4, class: "tick"}));
    // A label near either end is anchored inside the chart rather than cut by its edge.
    const half = tick.label.length * 3.5;
    const anchor = x(tick.t) + half > width ? "end" : x(tick.t) - half < 0 ? "start" : "middle";
    grid.append(svgNode("text", {x: anchor === "end" ? width - 1 : tx, y: height - 4, class: "x-label",
                                 "text-anchor": anchor}, tick.label));
  }
  grid.append(svgNode("line", {x1: MARGIN.left, x2: MARGIN.left + plotW, y1: MARGIN.top + plotH,
                               y2: MARGIN.top + plotH, class: "axis"}));
  svg.append(grid);

  const buckets = Math.max(2, Math.round(plotW / 2));
  series.forEach((s, index) => {
    const points = downsample(s.points.filter(([t]) => t >= from && t <= to), buckets);
    const d = linePath(points, x, y, gapMs);
    if (area && index === 0 && d) {
      const first = points.find(([, v]) => Number.isFinite(v)), last = points[points.length - 1];
      const base = (MARGIN.top + plotH).toFixed(1);
      svg.append(svgNode("path", {class: `area ${s.cls}`,
                                  d: `${d}L${x(last[0]).toFixed(1)},${base}L${x(first[0]).toFixed(1)},${base}Z`}));
    }
    svg.append(svgNode("path", {class: `line ${s.cls}`, d, "data-series": s.key || s.name}));
  });
  if (all.length === 0) {
    svg.append(svgNode("text", {x: MARGIN.left + plotW / 2, y: MARGIN.top + plotH / 2, class: "empty",
                                "text-anchor": "middle"}, empty));
  }
  return scale;
}

// The chart in words, for screen readers: the time range, then each line's latest, lowest and
// highest figure.
export function describe(series, from, to, format) {
  const range = `${new Date(from).toLocaleString()} to ${new Date(to).toLocaleString()}`;
  const parts = series.map((s) => {
    const values = s.points.map(([, v]) => v).filter(Number.isFinite);
    if (!values.length) return `${s.name}: no data`;
    return `${s.name}: latest ${format(values[values.length - 1])}, lowest ${format(Math.min(...values))}, ` +
           `highest ${format(Math.max(...values))}`;
  });
  return `From ${range}. ${parts.join(". ")}.`;
}
