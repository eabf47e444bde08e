// The cluster page's Overview tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "overview",
  title: "Overview",
  async mount(ctx) {
    ctx.panel.append(element("p", "Overview: coming soon."));
  },
  async refresh() {},
};
