// Administration's Users tab (placeholder until it is built).
import {element} from "../format.js";

export default {
  id: "users",
  title: "Users",
  role: "admin",
  async mount(ctx) {
    ctx.panel.append(element("p", "Users: coming soon."));
  },
  async refresh() {},
};
