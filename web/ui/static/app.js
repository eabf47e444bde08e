// The page: who is logged in, the hash routes (#/fleet, #/cluster/FSID), the live refresh.
import {ApiError, logout, whoami} from "./api.js";
import {showLogin} from "./login.js";
import {clusterName, loadFleet, setUpFleet} from "./fleet.js";
import {follow} from "./live.js";

const VIEWS = ["login-view", "fleet-view", "cluster-view"];
let stopLive = null;

function show(view) {
  for (const id of VIEWS) document.getElementById(id).hidden = id !== view;
  document.getElementById("top").hidden = view === "login-view";
}

function loggedOut() {
  if (stopLive) { stopLive(); stopLive = null; }
  show("login-view");
  showLogin(start);
}

async function refresh() {
  try {
    await loadFleet();
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 401) loggedOut();
    else document.getElementById("fleet-status").textContent = `Cannot load the fleet: ${exc.message}`;
  }
}

async function route() {
  const match = location.hash.match(/^#\/cluster\/(.+)$/);
  if (match) {
    const fsid = decodeURIComponent(match[1]);
    show("cluster-view");
    document.getElementById("cluster-title").textContent = clusterName(fsid);
    document.title = `${clusterName(fsid)} · Calamari`;
  } else {
    show("fleet-view");
    document.title = "Fleet · Calamari";
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
  document.getElementById("whoami").textContent = `${user.username} (${user.role})`;
  if (!location.hash) history.replaceState(null, "", "#/fleet");
  await refresh();
  await route();
  if (!stopLive) {
    stopLive = follow({
      refresh,
      onStatus: (text) => { document.getElementById("fleet-live").textContent = text; },
      onCredentialsEnded: loggedOut,
    });
  }
}

document.getElementById("logout").addEventListener("click", async () => {
  try { await logout(); } finally { loggedOut(); }
});
window.addEventListener("hashchange", () => { if (!document.getElementById("top").hidden) route(); });
setUpFleet();
start().catch((exc) => {
  show("login-view");
  document.getElementById("login-error").textContent = `The server cannot be reached: ${exc.message}`;
});
