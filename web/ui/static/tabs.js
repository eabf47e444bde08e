// A page of tabs (the cluster page, administration): the tab links, one mounted tab at a time,
// its live subscriptions dropped when it is left.
//
// A tab is a module whose default export is
//   {id, title, role?,                  // role: the least role that sees the tab (default any)
//    async mount(ctx),                  // build into ctx.panel, fetch, subscribe with ctx.on
//    async refresh(ctx)}                // fetch again: after a stream reset, or every 10 s while
//                                       // the stream is down (the page calls it; never a timer)
// ctx: {panel, fsid (cluster page), on(topic, fn), soon(fn), can(role), alive()}.
//   on(topic, fn): fn(data) for each live message (on the cluster page: of this cluster only).
//   soon(fn): fn debounced, for refetching once per burst of messages.
//   alive(): false once the user has moved elsewhere (a fetch that answers late draws nothing).
import {ApiError} from "./api.js";
import {element} from "./format.js";
import {onResync, settled, subscribe} from "./live.js";
import {can} from "./session.js";

export class TabbedPage {
  constructor({tabs, nav, panel, href, fsid = null}) {
    Object.assign(this, {tabs, nav, panel, href, fsid});
    this.left = null;     // what to undo when this tab is left
  }

  visibleTabs() {
    return this.tabs.filter((tab) => !tab.role || can(tab.role));
  }

  // Show tab `id` (the first visible tab when unknown); an error shows in the panel.
  async show(id, onUnauthorized) {
    this.leave();
    const tabs = this.visibleTabs();
    const tab = tabs.find((t) => t.id === id) || tabs[0];
    this.nav.replaceChildren(...tabs.map((t) => {
      const link = element("a", t.title, {href: this.href(t.id), "data-tab": t.id});
      if (t === tab) link.setAttribute("aria-current", "page");
      return link;
    }));
    this.panel.replaceChildren();
    this.panel.dataset.tab = tab.id;
    const undo = [];
    let alive = true;
    const ctx = {
      panel: this.panel, fsid: this.fsid, can, soon: settled,
      alive: () => alive,
      on: (topic, fn) => {
        const filtered = this.fsid === null ? fn : (data) => { if (!data.fsid || data.fsid === this.fsid) fn(data); };
        undo.push(subscribe(topic, filtered));
      },
    };
    const guard = (promise) => promise.catch((exc) => {
      if (exc instanceof ApiError && exc.status === 401) { onUnauthorized(); return; }
      if (alive) this.panel.append(element("p", `Cannot load ${tab.title}: ${exc.message}`, {class: "error", role: "alert"}));
    });
    undo.push(onResync(() => { if (tab.refresh) guard(tab.refresh(ctx)); }));
    undo.push(() => { alive = false; });
    this.left = () => undo.forEach((fn) => fn());
    await guard(tab.mount(ctx));
    return tab;
  }

  leave() {
    if (this.left) { this.left(); this.left = null; }
  }
}
