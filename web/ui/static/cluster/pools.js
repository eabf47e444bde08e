// The cluster page's Pools tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "pools",
  title: "Pools",
  async mount(ctx) {
    ctx.panel.append(element("p", "Pools: coming soon."));
  },
  async refresh() {},
};
