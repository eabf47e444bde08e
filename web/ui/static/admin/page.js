// Administration (#/admin/TAB), for admins only: users, API tokens, agent keys.
import {TabbedPage} from "../tabs.js";
import users from "./users.js";
import tokens from "./tokens.js";
import keys from "./keys.js";

export const ADMIN_TABS = [users, tokens, keys];
let page = null;

export async function showAdmin(tabId, onUnauthorized) {
  if (!page) {
    page = new TabbedPage({tabs: ADMIN_TABS, href: (tab) => `#/admin/${tab}`,
                           nav: document.getElementById("admin-tabs"),
                           panel: document.getElementById("admin-panel")});
  }
  const tab = await page.show(tabId, onUnauthorized);
  document.title = `${tab.title} · Administration · Calamari`;
}

export function leaveAdmin() {
  if (page) page.leave();
}
