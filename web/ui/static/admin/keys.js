// Administration's Agent keys tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "keys",
  title: "Agent keys",
  role: "admin",
  async mount(ctx) {
    ctx.panel.append(element("p", "Agent keys: coming soon."));
  },
  async refresh() {},
};
