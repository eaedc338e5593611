import { Elysia } from "elysia";
import { errors } from "../../../core/errors";
import { actorOf } from "../../auth/principal";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import type { Resolver } from "../../../ingest/fetch/safe-fetch";
import { getCrawl, startCrawl } from "./crawl";
import { CRAWL_DOC, crawlQuery, idParams, listQuery, uploadQuery } from "./model";
import { deleteDocument, getDocument, getJob, listDocuments, requestFromForm, requestFromJson, submit, UPLOAD_IDENTITY_RULE } from "./service";

/** fetch and resolve are injected by tests; the URL policy (config.urlFetch) is checked before either is called. */
export const documentsModule = (services: Services, opts: { fetch?: typeof fetch; resolve?: Resolver } = {}) => {
  return new Elysia({ name: "module:documents" })
    .use(authPlugin(services.auth))
    .post(
      "/v1/documents",
      async ({ body, query, set, auth, clientIp }) => {
        // The edge plugin has checked the size and content type and parsed the body: FormData or JSON.
        const { limits, urlFetch } = services.config;
        const ctx = { tenantId: auth.tenantId, maxBytes: limits.maxUploadBytes, fetch: opts.fetch, resolve: opts.resolve, fetchTimeoutMs: limits.urlFetchTimeoutMs, urlPolicy: urlFetch };
        if (body === undefined) throw errors.unsupported("UNSUPPORTED_MEDIA_TYPE", "send multipart/form-data with a 'file' field, or application/json {title, text} / {url}");
        const req = body instanceof FormData ? await requestFromForm(body, ctx) : await requestFromJson(body, ctx);
        const job = await submit(services, req, query.wait === true);
        await services.audit.add({ tenantId: auth.tenantId, action: "document.submit", ...actorOf(auth.principal), ip: clientIp, target: job.id, details: { source: req.source, title: req.title ?? null } });
        set.status = query.wait ? (job.status === "failed" ? 422 : 200) : 202;
        return job;
      },
      {
        query: uploadQuery,
        detail: {
          tags: ["documents"],
          summary: "Add or replace a document (multipart file, or JSON {title, text} / {url}); returns an ingestion job",
          description: UPLOAD_IDENTITY_RULE,
        },
      },
    )
    .post(
      "/v1/documents/crawl",
      async ({ body, query, set, auth, clientIp }) => {
        if (body === undefined) throw errors.unsupported("UNSUPPORTED_MEDIA_TYPE", "send application/json {url, maxPages?, sameOrigin?}");
        const crawl = await startCrawl(services, auth.tenantId, body, opts, query.wait === true);
        await services.audit.add({ tenantId: auth.tenantId, action: "document.crawl", ...actorOf(auth.principal), ip: clientIp, target: crawl.id, details: { url: crawl.url, maxPages: crawl.maxPages, sameOrigin: crawl.sameOrigin } });
        set.status = query.wait ? 200 : 202;
        return crawl;
      },
      {
        query: crawlQuery,
        detail: {
          tags: ["documents"],
          summary: "Crawl a site: each page (breadth-first over <a href> links) becomes its own document; returns a crawl (202)",
          description:
            "Every page is fetched under the URL policy (public addresses only unless configured; every host, also a linked one, is checked, " +
            "redirects included) and ingested as its own document with the page URL as its source. Links are deduped without their fragment; " +
            "links to files that are neither pages nor supported documents are not fetched. 422: URL_REQUIRED, INVALID_URL, URL_NOT_ALLOWED, " +
            "URL_UNREACHABLE, INVALID_MAX_PAGES, INVALID_SAME_ORIGIN. `?wait=true` answers 200 with the final state.",
          requestBody: CRAWL_DOC.requestBody,
          responses: { "202": { description: "The crawl, running", content: { "application/json": { schema: CRAWL_DOC.state } } } },
        },
      },
    )
    .get("/v1/documents/crawl/:id", ({ params, auth }) => getCrawl(services, auth.tenantId, params.id), {
      params: idParams,
      detail: {
        tags: ["documents"],
        summary: "Progress of a crawl: pages queued, done, failed and skipped, the documents made",
        responses: { "200": { description: "The crawl", content: { "application/json": { schema: CRAWL_DOC.state } } } },
      },
    })
    .get("/v1/ingest/jobs/:id", ({ params, auth }) => getJob(services, auth.tenantId, params.id), {
      params: idParams,
      detail: { tags: ["documents"], summary: "State of an ingestion job" },
    })
    .get("/v1/documents", ({ query, auth }) => listDocuments(services, auth.tenantId, query), {
      query: listQuery,
      detail: { tags: ["documents"], summary: "List documents (paged; filter by docType, tag, q)" },
    })
    .get("/v1/documents/:id", ({ params, auth }) => getDocument(services, auth.tenantId, params.id), {
      params: idParams,
      detail: { tags: ["documents"], summary: "A document with its chunks (active version)" },
    })
    .delete(
      "/v1/documents/:id",
      async ({ params, auth, clientIp }) => {
        const out = await deleteDocument(services, auth.tenantId, params.id);
        await services.audit.add({ tenantId: auth.tenantId, action: "document.delete", ...actorOf(auth.principal), ip: clientIp, target: params.id });
        return out;
      },
      {
      params: idParams,
      detail: { tags: ["documents"], summary: "Delete a document from every index" },
    });
};
