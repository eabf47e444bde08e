// The API under api/v2 (same origin): JSON in and out, the session cookie, and the XSRF
// double-submit every write needs (the XSRF-TOKEN cookie echoed in X-XSRF-TOKEN).
// Relative: fetch resolves it against the page's URL (not the module's), so the page also works
// behind a proxy that serves it under a prefix.
export const BASE = "api/v2/";

export class ApiError extends Error {
  // status: the HTTP status; errors: {field: [message]} from a 400 (the API's own words).
  constructor(status, detail, errors = {}) {
    super(detail);
    this.status = status;
    this.errors = errors;
  }
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return "";
}

async function answer(response) {
  if (response.status === 304) return {};    // a write with nothing to change: no request to follow
  const text = await response.text();
  let body = {};
  try { body = text ? JSON.parse(text) : {}; } catch { body = {}; }
  if (!response.ok) {
    throw new ApiError(response.status, body.detail || `${response.status} ${response.statusText}`, body.errors || {});
  }
  return body;
}

export async function get(path) {
  const response = await fetch(BASE + path, {credentials: "same-origin", headers: {Accept: "application/json"}});
  return answer(response);
}

// A write: POST, PATCH, PUT or DELETE. A 202's body is {"request_id": ...} (see requests.js).
export async function send(method, path, body) {
  if (!cookie("XSRF-TOKEN")) await get("auth/login");   // any GET sets the cookie
  const response = await fetch(BASE + path, {
    method, credentials: "same-origin",
    headers: {"Content-Type": "application/json", Accept: "application/json", "X-XSRF-TOKEN": cookie("XSRF-TOKEN")},
    body: method === "DELETE" && body === undefined ? undefined : JSON.stringify(body ?? {}),
  });
  return answer(response);
}

// Every row of a paged list: page after page until `next` is null.
export async function getAllPages(path, pageSize = 1000) {
  const rows = [];
  const joiner = path.includes("?") ? "&" : "?";
  for (let page = 1; ; page += 1) {
    const body = await get(`${path}${joiner}page_size=${pageSize}&page=${page}`);
    rows.push(...body.results);
    if (!body.next) return rows;
  }
}

export const login = (username, password) => send("POST", "auth/login", {username, password});
export const logout = () => send("POST", "auth/logout", {});
// The logged-in user, or null: the API root names `user` only to a caller with a session, so a
// newcomer's page load asks nothing that answers 401 (and the GET sets the XSRF cookie).
export async function whoami() {
  const root = await get("");
  return "user" in root ? get("user/me") : null;
}
