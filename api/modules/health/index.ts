import { Elysia } from "elysia";
import type { Services } from "../../services";

export const healthModule = (services: Services) =>
  new Elysia({ name: "module:health" }).get(
    "/v1/health",
    async ({ set }) => {
      const h = await services.health();
      if (h.status === "down") set.status = 503;
      return h;
    },
    { detail: { tags: ["ops"], summary: "Health of the API and each store and backend (ok | degraded | down)" } },
  );
