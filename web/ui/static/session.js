// Who is logged in, and what their role lets the page offer. The API decides (it answers 403);
// the page only hides what would be refused: read-only users see no write control, operators
// no user administration.
const RANK = {"read-only": 0, operator: 1, admin: 2};
let current = null;

export function setUser(user) { current = user; }
export function user() { return current; }

// True if the logged-in user's role is at least `role` ("read-only", "operator", "admin").
export function can(role) {
  return current !== null && (RANK[current.role] ?? -1) >= RANK[role];
}
