/** Composes the Elysia app from plugins and feature modules. Exported so tests can call app.handle(request). */
import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
import { adminPromptModule } from "./modules/admin-prompt";
import { chatCompletionsModule } from "./modules/chat-completions";
import { conversationsModule } from "./modules/conversations";
import { documentsModule } from "./modules/documents";
import { feedbackModule } from "./modules/feedback";
import { healthModule } from "./modules/health";
import { searchModule } from "./modules/search";
import { wsModule } from "./modules/ws";
import { errorsPlugin } from "./plugins/errors";
import { metricsPlugin } from "./plugins/metrics";
import { requestIdPlugin } from "./plugins/request-id";
import type { Services } from "./services";

export interface AppOptions {
  /** Injected into URL ingestion (tests). */
  fetch?: typeof fetch;
}

export function createApp(services: Services, opts: AppOptions = {}) {
  return new Elysia()
    .use(errorsPlugin)
    .use(requestIdPlugin)
    .use(metricsPlugin(services.metrics))
    .use(
      swagger({
        path: "/swagger",
        documentation: {
          info: { title: "Customer-service AI API", version: "1.0.0", description: "Knowledge base ingestion, hybrid retrieval and answers with citations." },
        },
      }),
    )
    .get("/", () => ({ name: "customer-service-ai", docs: "/swagger", health: "/v1/health" }))
    .use(healthModule(services))
    .use(documentsModule(services, opts))
    .use(searchModule(services))
    .use(conversationsModule(services))
    .use(feedbackModule(services))
    .use(chatCompletionsModule(services))
    .use(wsModule(services))
    .use(adminPromptModule(services));
}

export type App = ReturnType<typeof createApp>;
