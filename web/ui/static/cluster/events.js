// The cluster page's Events tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "events",
  title: "Events",
  async mount(ctx) {
    ctx.panel.append(element("p", "Events: coming soon."));
  },
  async refresh() {},
};
