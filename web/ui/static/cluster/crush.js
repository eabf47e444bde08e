// The cluster page's CRUSH tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "crush",
  title: "CRUSH",
  async mount(ctx) {
    ctx.panel.append(element("p", "CRUSH: coming soon."));
  },
  async refresh() {},
};
