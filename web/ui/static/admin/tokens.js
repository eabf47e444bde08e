// Administration's API tokens tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "tokens",
  title: "API tokens",
  role: "admin",
  async mount(ctx) {
    ctx.panel.append(element("p", "API tokens: coming soon."));
  },
  async refresh() {},
};
