// Figures as people read them. Unknown figures (null: no stats from the cluster yet) show "—".
export const UNKNOWN = "—";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

export function bytes(value) {
  if (value === null || value === undefined) return UNKNOWN;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${UNITS[unit]}`;
}

export function percent(ratio) {
  return ratio === null || ratio === undefined ? UNKNOWN : `${(100 * ratio).toFixed(1)} %`;
}

export function days(value) {
  if (value === null || value === undefined) return UNKNOWN;
  return value >= 3650 ? "> 10 years" : `${Math.round(value)}`;
}

export function count(value) {
  return value === null || value === undefined ? UNKNOWN : String(value);
}

export function clientIo(io) {
  if (!io) return UNKNOWN;
  const ops = Math.round(io.read_op_per_sec + io.write_op_per_sec);
  return `${bytes(io.read_bytes_sec)}/s read, ${bytes(io.write_bytes_sec)}/s write, ${ops} op/s`;
}

// The element `tag` with `text` and attributes: never innerHTML, so no name can inject markup.
export function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}
