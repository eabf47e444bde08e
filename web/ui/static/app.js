// The page: who is logged in, the hash routes, the one live stream.
//   #/fleet                 every cluster (fleet.js)
//   #/cluster/FSID[/TAB]    one cluster, tab by tab (cluster/page.js)
//   #/admin[/TAB]           users, API tokens, agent keys: admins only (admin/page.js)
import {ApiError, logout, whoami} from "./api.js";
import {showLogin} from "./login.js";
import {loadFleet, setUpFleet} from "./fleet.js";
import {onResync, settled, startLive, stopLive, subscribe} from "./live.js";
import {can, setUser} from "./session.js";
import {leaveCluster, refreshHeading, showCluster} from "./cluster/page.js";
import {leaveAdmin, showAdmin} from "./admin/page.js";

const VIEWS = ["login-view", "fleet-view", "cluster-view", "admin-view"];

function show(view) {
  for (const id of VIEWS) document.getElementById(id).hidden = id !== view;
  document.getElementById("top").hidden = view === "login-view";
}

function loggedOut() {
  stopLive();
  leaveCluster();
  leaveAdmin();
  setUser(null);
  show("login-view");
  showLogin(start);
}

async function refreshFleet() {
  try {
    await loadFleet();
    refreshHeading();
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 401) loggedOut();
    else document.getElementById("fleet-status").textContent = `Cannot load the fleet: ${exc.message}`;
  }
}

async function route() {
  const cluster = location.hash.match(/^#\/cluster\/([^/]+)(?:\/([a-z-]+))?$/);
  const admin = location.hash.match(/^#\/admin(?:\/([a-z-]+))?$/);
  if (cluster) {
    leaveAdmin();
    show("cluster-view");
    await showCluster(decodeURIComponent(cluster[1]), cluster[2], loggedOut);
  } else if (admin && can("admin")) {
    leaveCluster();
    show("admin-view");
    await showAdmin(admin[1], loggedOut);
  } else {
    leaveCluster();
    leaveAdmin();
    show("fleet-view");
    document.title = "Fleet · Calamari";
    if (location.hash !== "#/fleet") history.replaceState(null, "", "#/fleet");
  }
  document.getElementById("main").focus({preventScroll: true});
}

async function start() {
  let user = null;
  try {
    user = await whoami();
  } catch (exc) {
    if (!(exc instanceof ApiError && exc.status === 401)) throw exc;
  }
  if (user === null) { loggedOut(); return; }
  setUser(user);
  document.getElementById("whoami").textContent = `${user.username} (${user.role})`;
  document.getElementById("nav-admin").hidden = !can("admin");
  if (!location.hash) history.replaceState(null, "", "#/fleet");
  // The stream, the fleet and the view all at once: a cluster page opened by its URL draws
  // its tab without waiting for the fleet (its heading fills in when the fleet arrives).
  startLive({
    onStatus: (text) => { document.getElementById("live-status").textContent = text; },
    onCredentialsEnded: loggedOut,
  });
  await Promise.all([refreshFleet(), route()]);
}

document.getElementById("logout").addEventListener("click", async () => {
  try { await logout(); } finally { loggedOut(); }
});
window.addEventListener("hashchange", () => { if (!document.getElementById("top").hidden) route(); });
setUpFleet();
// The fleet table follows its clusters whichever view is showing (the cluster page's heading
// reads it): one refetch per burst of messages, and on every resync.
const fleetSoon = settled(refreshFleet, 500);
subscribe("cluster", fleetSoon);
subscribe("usage", fleetSoon);
onResync(refreshFleet);
start().catch((exc) => {
  show("login-view");
  document.getElementById("login-error").textContent = `The server cannot be reached: ${exc.message}`;
});
