// The cluster page's Servers tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "servers",
  title: "Servers",
  async mount(ctx) {
    ctx.panel.append(element("p", "Servers: coming soon."));
  },
  async refresh() {},
};
