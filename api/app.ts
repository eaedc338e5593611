/** Composes the Elysia app from plugins and feature modules. Exported so tests can call app.handle(request). */
import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
import { documentsModule } from "./modules/documents";
import { healthModule } from "./modules/health";
import { searchModule } from "./modules/search";
import { errorsPlugin } from "./plugins/errors";
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
    .use(searchModule(services));
}

export type App = ReturnType<typeof createApp>;
