import { Elysia } from "elysia";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import { routeBody, routeResponse } from "./model";
import { routeMessage } from "./service";

/** POST /v1/route: the routing decision for a message (debug/evaluation endpoint for agents and admins). */
export const routeModule = (services: Services) =>
  new Elysia({ name: "module:route" })
    .use(authPlugin(services.auth))
    .post("/v1/route", ({ body, auth }) => routeMessage(services, auth.tenantId, body), {
      body: routeBody,
      response: routeResponse,
      detail: { tags: ["retrieval"], summary: "Classify a message: intent, route, confidence, slots, standalone rewrite, alternatives" },
    });
