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
import changes from "./changes.js";

export const CLUSTER_TABS = [overview, osds, pools, crush, servers, events, requests, changes];

let page = null;
let unsubscribe = null;
let tabTitle = null;     // the shown tab's, for the document's title

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
  tabTitle = (await page.show(tabId, onUnauthorized)).title;
  showHeading(fsid);
}

// The heading again from the fleet's rows (app.js calls it after each fleet refresh: the page
// may open before the fleet is loaded, and a cluster's name or health may change).
export function refreshHeading() {
  if (page) showHeading(page.fsid);
}

export function leaveCluster() {
  if (page) page.leave();
  if (unsubscribe) unsubscribe();
  page = unsubscribe = null;
}

function showHeading(fsid) {
  const row = fleetRow(fsid);
  document.getElementById("cluster-title").textContent = row?.name || fsid;
  if (tabTitle) document.title = `${row?.name || fsid} · ${tabTitle} · Calamari`;
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
