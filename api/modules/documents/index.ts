import { Elysia } from "elysia";
import { errors } from "../../../core/errors";
import type { Services } from "../../services";
import { idParams, listQuery, uploadQuery } from "./model";
import { deleteDocument, getDocument, getJob, listDocuments, requestFromForm, requestFromJson, submit } from "./service";

export const documentsModule = (services: Services, opts: { fetch?: typeof fetch } = {}) => {
  const tenant = () => services.config.defaultTenant;
  return new Elysia({ name: "module:documents" })
    .post(
      "/v1/documents",
      async ({ request, query, set }) => {
        const maxBytes = services.config.limits.maxUploadBytes;
        const length = Number(request.headers.get("content-length") ?? 0);
        // Multipart framing adds a little; refuse clearly oversized bodies before reading them.
        if (length > maxBytes + 64 * 1024) throw errors.tooLarge("UPLOAD_TOO_LARGE", `request is ${length} bytes; the limit is ${maxBytes}`);
        const type = (request.headers.get("content-type") ?? "").toLowerCase();
        const ctx = { tenantId: tenant(), maxBytes, fetch: opts.fetch };
        let req;
        if (type.startsWith("multipart/form-data")) {
          let form: FormData;
          try {
            form = await request.formData();
          } catch {
            throw errors.badRequest("MALFORMED_BODY", "the multipart form data could not be parsed");
          }
          req = await requestFromForm(form, ctx);
        } else if (type.startsWith("application/json")) {
          let raw: unknown;
          try {
            raw = JSON.parse(await request.text());
          } catch (e) {
            throw errors.badRequest("MALFORMED_JSON", `the request body is not valid JSON: ${(e as Error).message}`);
          }
          req = await requestFromJson(raw, ctx);
        } else {
          throw errors.unsupported("UNSUPPORTED_MEDIA_TYPE", "send multipart/form-data with a 'file' field, or application/json {title, text} / {url}");
        }
        const job = await submit(services, req, query.wait === true);
        set.status = query.wait ? (job.status === "failed" ? 422 : 200) : 202;
        return job;
      },
      {
        parse: "none",
        query: uploadQuery,
        detail: {
          tags: ["documents"],
          summary: "Add or replace a document (multipart file, or JSON {title, text} / {url}); returns an ingestion job",
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
