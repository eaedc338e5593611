import { Elysia } from "elysia";
import type { Services } from "../../services";
import { feedbackBody, feedbackParams } from "./model";
import { addFeedback, listFeedback } from "./service";

export const feedbackModule = (services: Services) => {
  const tenant = () => services.config.defaultTenant;
  return new Elysia({ name: "module:feedback" })
    .post(
      "/v1/messages/:id/feedback",
      async ({ params, body, set }) => {
        const fb = await addFeedback(services, tenant(), params.id, body);
        set.status = 201;
        return fb;
      },
      { params: feedbackParams, body: feedbackBody, detail: { tags: ["feedback"], summary: "Rate an answer (up | down, optional comment); returns the updated counts" } },
    )
    .get("/v1/messages/:id/feedback", async ({ params }) => await listFeedback(services, tenant(), params.id), {
      params: feedbackParams,
      detail: { tags: ["feedback"], summary: "Feedback on an answer: counts and the latest ratings" },
    });
};
