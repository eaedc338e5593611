/** Documents: upload (multipart or JSON) as ingestion jobs, list, get with chunks, delete. */
import { errors } from "../../../core/errors";
import type { JobInfo } from "../../../core/ports/store";
import { detectFormat } from "../../../ingest/loaders";
import type { IngestRequest } from "../../../ingest/pipeline";
import type { Services } from "../../services";
import type { JsonDocumentBody, ListQuery } from "./model";

const MAX_TAGS = 20;
const FETCH_TIMEOUT_MS = 15_000;

export interface UploadContext {
  tenantId: string;
  maxBytes: number;
  fetch?: typeof fetch;
}

/** Builds an ingestion request from a multipart form (field `file`, optional title, docType, tags, source). */
export async function requestFromForm(form: FormData, ctx: UploadContext): Promise<IngestRequest> {
  const file = form.get("file");
  if (!(file instanceof File)) throw errors.invalid("FILE_REQUIRED", "multipart upload needs a 'file' field with the document");
  if (file.size > ctx.maxBytes) throw errors.tooLarge("UPLOAD_TOO_LARGE", `file is ${file.size} bytes; the limit is ${ctx.maxBytes}`);
  const field = (name: string) => {
    const v = form.get(name);
    return typeof v === "string" && v.trim() ? v.trim() : undefined;
  };
  const name = file.name || "upload";
  return {
    tenantId: ctx.tenantId,
    source: field("source") ?? name,
    sourceType: "upload",
    bytes: new Uint8Array(await file.arrayBuffer()),
    filename: name,
    mimeType: file.type || undefined,
    title: field("title"),
    docType: checkDocType(field("docType")),
    tags: parseTags(field("tags")),
  };
}

/** Builds an ingestion request from the JSON form: {title, text} or {title?, url}. */
export async function requestFromJson(raw: unknown, ctx: UploadContext): Promise<IngestRequest> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw errors.invalid("INVALID_BODY", "body must be a JSON object: {title, text} or {url}, with optional docType, tags, source");
  }
  const b = raw as JsonDocumentBody;
  const str = (v: unknown, name: string) => {
    if (v !== undefined && typeof v !== "string") throw errors.invalid("INVALID_FIELD", `${name} must be a string`);
    return typeof v === "string" && v.trim() ? v : undefined;
  };
  const title = str(b.title, "title")?.trim();
  const text = str(b.text, "text");
  const url = str(b.url, "url")?.trim();
  const source = str(b.source, "source")?.trim();
  if (b.tags !== undefined && (!Array.isArray(b.tags) || b.tags.some((t) => typeof t !== "string"))) {
    throw errors.invalid("INVALID_FIELD", "tags must be an array of strings");
  }
  if (b.metadata !== undefined && (typeof b.metadata !== "object" || b.metadata === null || Array.isArray(b.metadata))) {
    throw errors.invalid("INVALID_FIELD", "metadata must be an object");
  }
  if (text && url) throw errors.invalid("TEXT_OR_URL", "give either text or url, not both");
  const common = { tenantId: ctx.tenantId, title, docType: checkDocType(str(b.docType, "docType")), tags: checkTags(b.tags), metadata: b.metadata };
  if (text) {
    if (!title) throw errors.invalid("TITLE_REQUIRED", "a text document needs a title");
    const bytes = new TextEncoder().encode(text);
    if (bytes.byteLength > ctx.maxBytes) throw errors.tooLarge("UPLOAD_TOO_LARGE", `text is ${bytes.byteLength} bytes; the limit is ${ctx.maxBytes}`);
    return { ...common, source: source ?? `text:${title}`, sourceType: "text", bytes, filename: `${title}.txt`, mimeType: "text/plain" };
  }
  if (url) return { ...common, ...(await fetchUrl(url, ctx)), source: source ?? url, sourceType: "url" };
  throw errors.invalid("TEXT_OR_URL", "a JSON document needs either text (with a title) or url");
}

async function fetchUrl(url: string, ctx: UploadContext): Promise<Pick<IngestRequest, "bytes" | "filename" | "mimeType">> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw errors.invalid("INVALID_URL", `'${url}' is not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw errors.invalid("INVALID_URL", "url must be http or https");
  let res: Response;
  try {
    res = await (ctx.fetch ?? fetch)(parsed, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "follow" });
  } catch (e) {
    throw errors.invalid("URL_UNREACHABLE", `could not fetch ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw errors.invalid("URL_FETCH_FAILED", `fetching ${url} answered HTTP ${res.status}`);
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > ctx.maxBytes) throw errors.tooLarge("UPLOAD_TOO_LARGE", `${url} is ${declared} bytes; the limit is ${ctx.maxBytes}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > ctx.maxBytes) throw errors.tooLarge("UPLOAD_TOO_LARGE", `${url} is ${bytes.byteLength} bytes; the limit is ${ctx.maxBytes}`);
  const name = decodeURIComponent(parsed.pathname.split("/").filter(Boolean).pop() ?? "") || parsed.hostname;
  return { bytes, filename: name, mimeType: res.headers.get("content-type")?.split(";")[0]?.trim() || undefined };
}

function parseTags(raw: string | undefined): string[] | undefined {
  if (!raw) return undefined;
  if (raw.startsWith("[")) {
    try {
      const v = JSON.parse(raw);
      if (Array.isArray(v) && v.every((t) => typeof t === "string")) return checkTags(v);
    } catch {
      /* fall through to the error below */
    }
    throw errors.invalid("INVALID_FIELD", "tags must be a JSON array of strings or a comma-separated list");
  }
  return checkTags(raw.split(",").map((t) => t.trim()).filter(Boolean));
}

function checkTags(tags: string[] | undefined): string[] | undefined {
  if (!tags) return undefined;
  if (tags.length > MAX_TAGS) throw errors.invalid("TOO_MANY_TAGS", `at most ${MAX_TAGS} tags`);
  if (tags.some((t) => !t.trim() || t.length > 64 || t.includes("|"))) {
    throw errors.invalid("INVALID_TAG", "tags must be 1-64 characters and must not contain '|'");
  }
  return tags.map((t) => t.trim());
}

function checkDocType(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(v)) throw errors.invalid("INVALID_DOC_TYPE", "docType must be 1-64 letters, digits, '-' or '_'");
  return v;
}

export async function submit(services: Services, req: IngestRequest, wait: boolean): Promise<JobInfo> {
  // Unsupported, empty or mislabelled files are refused now (415/422) rather than as a failed job later.
  detectFormat({ bytes: req.bytes, filename: req.filename, mimeType: req.mimeType });
  const job = await services.jobs.submit(req);
  if (!wait) return job;
  await services.jobs.wait(job.id);
  return (await services.stores.jobs.get(job.tenantId, job.id)) ?? job;
}

export async function getJob(services: Services, tenantId: string, id: string): Promise<JobInfo> {
  const job = await services.stores.jobs.get(tenantId, id);
  if (!job) throw errors.notFound("job", id);
  return job;
}

export async function listDocuments(services: Services, tenantId: string, q: ListQuery) {
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  const { items, total } = await services.stores.documents.list({ tenantId, limit, offset, docType: q.docType, tag: q.tag, q: q.q });
  return { items, total, limit, offset };
}

export async function getDocument(services: Services, tenantId: string, id: string) {
  const doc = await services.stores.documents.get(tenantId, id);
  if (!doc) throw errors.notFound("document", id);
  const chunks = await services.stores.documents.chunksOf(tenantId, id);
  return { ...doc, chunks };
}

export async function deleteDocument(services: Services, tenantId: string, id: string) {
  const doc = await services.pipeline.delete(tenantId, id);
  return { deleted: true, id: doc.id, title: doc.title };
}
