import { Elysia } from "elysia";
import { errors } from "../../../core/errors";
import type { Services } from "../../services";
import { idParams, listQuery, uploadQuery } from "./model";
import { deleteDocument, getDocument, getJob, listDocuments, requestFromForm, requestFromJson, submit, UPLOAD_IDENTITY_RULE } from "./service";

export const documentsModule = (services: Services, opts: { fetch?: typeof fetch } = {}) => {
  const tenant = () => services.config.defaultTenant;
  return new Elysia({ name: "module:documents" })
    .post(
      "/v1/documents",
      async ({ body, query, set }) => {
        // The edge plugin has checked the size and content type and parsed the body: FormData or JSON.
        const ctx = { tenantId: tenant(), maxBytes: services.config.limits.maxUploadBytes, fetch: opts.fetch, fetchTimeoutMs: services.config.limits.urlFetchTimeoutMs };
        if (body === undefined) throw errors.unsupported("UNSUPPORTED_MEDIA_TYPE", "send multipart/form-data with a 'file' field, or application/json {title, text} / {url}");
        const req = body instanceof FormData ? await requestFromForm(body, ctx) : await requestFromJson(body, ctx);
        const job = await submit(services, req, query.wait === true);
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
    .get("/v1/ingest/jobs/:id", ({ params }) => getJob(services, tenant(), params.id), {
      params: idParams,
      detail: { tags: ["documents"], summary: "State of an ingestion job" },
    })
    .get("/v1/documents", ({ query }) => listDocuments(services, tenant(), query), {
      query: listQuery,
      detail: { tags: ["documents"], summary: "List documents (paged; filter by docType, tag, q)" },
    })
    .get("/v1/documents/:id", ({ params }) => getDocument(services, tenant(), params.id), {
      params: idParams,
      detail: { tags: ["documents"], summary: "A document with its chunks (active version)" },
    })
    .delete("/v1/documents/:id", ({ params }) => deleteDocument(services, tenant(), params.id), {
      params: idParams,
      detail: { tags: ["documents"], summary: "Delete a document from every index" },
    });
};
