// The cluster page's OSDs tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "osds",
  title: "OSDs",
  async mount(ctx) {
    ctx.panel.append(element("p", "OSDs: coming soon."));
  },
  async refresh() {},
};
