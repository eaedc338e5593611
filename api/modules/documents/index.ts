import { Elysia } from "elysia";
import { errors } from "../../../core/errors";
import { actorOf } from "../../auth/principal";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import { idParams, listQuery, uploadQuery } from "./model";
import { deleteDocument, getDocument, getJob, listDocuments, requestFromForm, requestFromJson, submit, UPLOAD_IDENTITY_RULE } from "./service";

export const documentsModule = (services: Services, opts: { fetch?: typeof fetch } = {}) => {
  return new Elysia({ name: "module:documents" })
    .use(authPlugin(services.auth))
    .post(
      "/v1/documents",
      async ({ body, query, set, auth, clientIp }) => {
        // The edge plugin has checked the size and content type and parsed the body: FormData or JSON.
        const ctx = { tenantId: auth.tenantId, maxBytes: services.config.limits.maxUploadBytes, fetch: opts.fetch, fetchTimeoutMs: services.config.limits.urlFetchTimeoutMs, urlPolicy: services.config.urlFetch };
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
