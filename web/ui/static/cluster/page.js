// The cluster page (#/cluster/FSID/TAB): its name, short fsid and health in the heading, then
// one tab at a time (tabs.js). The heading's health follows the stream's `cluster` messages.
import {element} from "../format.js";
import {subscribe} from "../live.js";
import {TabbedPage} from "../tabs.js";
import {fleetRow} from "../fleet.js";
import overview from "./overview.js";
import osds from "./osds.js";
import pools from "./pools.js";
import crush from "./crush.js";
import servers from "./servers.js";
import events from "./events.js";
import requests from "./requests.js";

export const CLUSTER_TABS = [overview, osds, pools, crush, servers, events, requests];

let page = null;
let unsubscribe = null;

export function clusterHref(fsid, tab) {
  return `#/cluster/${encodeURIComponent(fsid)}/${tab}`;
}

export async function showCluster(fsid, tabId, onUnauthorized) {
  if (!page || page.fsid !== fsid) {
    leaveCluster();
    page = new TabbedPage({tabs: CLUSTER_TABS, fsid, href: (tab) => clusterHref(fsid, tab),
                           nav: document.getElementById("cluster-tabs"),
                           panel: document.getElementById("cluster-panel")});
    showHeading(fsid);
    unsubscribe = subscribe("cluster", (data) => { if (data.fsid === fsid) showHealth(data.health); });
  }
  const tab = await page.show(tabId, onUnauthorized);
  const name = fleetRow(fsid)?.name || fsid;
  document.title = `${name} · ${tab.title} · Calamari`;
}

export function leaveCluster() {
  if (page) page.leave();
  if (unsubscribe) unsubscribe();
  page = unsubscribe = null;
}

function showHeading(fsid) {
  const row = fleetRow(fsid);
  document.getElementById("cluster-title").textContent = row?.name || fsid;
  // Two clusters may share a name: the fsid's first block tells them apart.
  const fsidLabel = document.getElementById("cluster-fsid");
  fsidLabel.textContent = fsid.slice(0, 8);
  fsidLabel.title = fsid;
  showHealth(row?.health);
}

function showHealth(health) {
  const slot = document.getElementById("cluster-health");
  const status = health || "unknown";
  slot.replaceChildren(element("span", status.replace("HEALTH_", ""), {class: `health ${status.toLowerCase()}`}));
}
