import { Elysia } from "elysia";
import { scopeOf } from "../../auth/principal";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import { feedbackBody, feedbackParams } from "./model";
import { addFeedback, listFeedback } from "./service";

export const feedbackModule = (services: Services) => {
  return new Elysia({ name: "module:feedback" })
    .use(authPlugin(services.auth))
    .derive(({ auth }) => ({ scope: scopeOf(auth) }))
    .post(
      "/v1/messages/:id/feedback",
      async ({ params, body, set, scope }) => {
        const fb = await addFeedback(services, scope, params.id, body);
        set.status = 201;
        return fb;
      },
      { params: feedbackParams, body: feedbackBody, detail: { tags: ["feedback"], summary: "Rate an answer (up | down, optional comment); returns the updated counts" } },
    )
    .get("/v1/messages/:id/feedback", async ({ params, scope }) => await listFeedback(services, scope, params.id), {
      params: feedbackParams,
      detail: { tags: ["feedback"], summary: "Feedback on an answer: counts and the latest ratings" },
    });
};
