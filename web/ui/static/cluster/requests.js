// The cluster page's Requests tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "requests",
  title: "Requests",
  async mount(ctx) {
    ctx.panel.append(element("p", "Requests: coming soon."));
  },
  async refresh() {},
};
