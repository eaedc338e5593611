/** Documents: upload (multipart or JSON) as ingestion jobs, list, get with chunks, delete. */
import { createHash } from "node:crypto";
import { errors } from "../../../core/errors";
import type { JobInfo } from "../../../core/ports/store";
import type { AddressPolicy } from "../../../ingest/fetch/address-policy";
import { safeFetch, type Resolver } from "../../../ingest/fetch/safe-fetch";
import { urlFileName } from "../../../ingest/fetch/url-file-name";
import { detectFormat } from "../../../ingest/loaders";
import type { IngestRequest } from "../../../ingest/pipeline";
import type { Services } from "../../services";
import type { JsonDocumentBody, ListQuery } from "./model";

const MAX_TAGS = 20;
const DEFAULT_FETCH_TIMEOUT_MS = 15_000;

export interface UploadContext {
  tenantId: string;
  maxBytes: number;
  fetch?: typeof fetch;
  /** Time limit for fetching a {url} document, headers and body (URL_FETCH_TIMEOUT_MS). */
  fetchTimeoutMs?: number;
  /** Which hosts a {url} may reach (config.urlFetch); default: public addresses only. */
  urlPolicy?: AddressPolicy;
  /** Host name resolver (tests); default node:dns lookup. */
  resolve?: Resolver;
}

/**
 * Document identity of an upload: the client's `sourceId` (or its older name `source`) when given, the same id
 * the CLI gives a file (its path relative to the folder it was given), so both replace one document; without one,
 * the content hash `sha256:<hex of the bytes>`, so the same bytes are recognised as unchanged and two different
 * files with the same name are two documents. The file name is never the identity.
 */
export const UPLOAD_IDENTITY_RULE =
  "Identity: a multipart upload is identified by its `sourceId` field (alias `source`) when given: the same sourceId " +
  "replaces the document (a new version), and the CLI (`bun run ingest <folder>`) uses the file's path relative to " +
  "that folder, so uploading with that path as sourceId replaces the CLI's document. Without a sourceId the identity " +
  "is the content hash (`sha256:<hex>`): the same bytes again are `unchanged`, a different file (even with the same " +
  "name) is a new document. JSON {title, text} is identified by `source` or else `text:<title>`; {url} by `source` or else the URL.";

export function contentSourceId(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function sourceIdOf(given: { sourceId?: string; source?: string }): string | undefined {
  const { sourceId, source } = given;
  if (sourceId !== undefined && source !== undefined && sourceId !== source) {
    throw errors.invalid("SOURCE_ID_CONFLICT", "give sourceId or source (an alias), not two different values");
  }
  const id = sourceId ?? source;
  if (id !== undefined && id.length > 1000) throw errors.invalid("SOURCE_TOO_LONG", "sourceId is longer than 1000 characters");
  return id;
}

/** Builds an ingestion request from a multipart form (field `file`, optional title, docType, tags, sourceId). */
export async function requestFromForm(form: FormData, ctx: UploadContext): Promise<IngestRequest> {
  const files = form.getAll("file");
  if (files.length > 1) throw errors.invalid("MULTIPLE_FILES", `the upload has ${files.length} 'file' parts; send one document per request`);
  const file = files[0];
  if (!(file instanceof File)) throw errors.invalid("FILE_REQUIRED", "multipart upload needs a 'file' field with the document");
  if (file.size > ctx.maxBytes) throw errors.tooLarge("UPLOAD_TOO_LARGE", `file is ${file.size} bytes; the limit is ${ctx.maxBytes}`);
  const field = (name: string) => {
    const all = form.getAll(name);
    if (all.length > 1) throw errors.invalid("DUPLICATE_FIELD", `the form has ${all.length} '${name}' fields; send it once`);
    const v = all[0];
    if (v !== undefined && typeof v !== "string") throw errors.invalid("INVALID_FIELD", `${name} must be a text field, not a file`);
    return typeof v === "string" && v.trim() ? v.trim() : undefined;
  };
  const name = file.name || "upload";
  const bytes = new Uint8Array(await file.arrayBuffer());
  return {
    tenantId: ctx.tenantId,
    source: sourceIdOf({ sourceId: field("sourceId"), source: field("source") }) ?? contentSourceId(bytes),
    sourceType: "upload",
    bytes,
    filename: name,
    mimeType: file.type || undefined,
    title: checkTitle(field("title")),
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
  const title = checkTitle(str(b.title, "title")?.trim());
  const text = str(b.text, "text");
  const url = str(b.url, "url")?.trim();
  const source = sourceIdOf({ sourceId: str(b.sourceId, "sourceId")?.trim(), source: str(b.source, "source")?.trim() });
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

/**
 * Fetches a {url} document through the guarded fetcher (ingest/fetch/safe-fetch.ts): public addresses only unless
 * the configuration exempts a host (422 URL_NOT_ALLOWED), redirects re-checked, one time limit (504
 * URL_FETCH_TIMEOUT), the body capped at the upload limit while it streams (413).
 */
async function fetchUrl(url: string, ctx: UploadContext): Promise<Pick<IngestRequest, "bytes" | "filename" | "mimeType">> {
  const got = await safeFetch(url, {
    policy: ctx.urlPolicy,
    timeoutMs: ctx.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    maxBytes: ctx.maxBytes,
    fetch: ctx.fetch,
    resolve: ctx.resolve,
  });
  return { bytes: got.bytes, filename: urlFileName(got.url, got.mimeType), mimeType: got.mimeType };
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

export function checkTags(tags: string[] | undefined): string[] | undefined {
  if (!tags) return undefined;
  if (tags.length > MAX_TAGS) throw errors.invalid("TOO_MANY_TAGS", `at most ${MAX_TAGS} tags`);
  if (tags.some((t) => !t.trim() || t.length > 64 || t.includes("|"))) {
    throw errors.invalid("INVALID_TAG", "tags must be 1-64 characters and must not contain '|'");
  }
  return tags.map((t) => t.trim());
}

const MAX_TITLE_CHARS = 500;

function checkTitle(title: string | undefined): string | undefined {
  if (title !== undefined && title.length > MAX_TITLE_CHARS) throw errors.invalid("TITLE_TOO_LONG", `the title is ${title.length} characters; the limit is ${MAX_TITLE_CHARS}`);
  return title;
}

export function checkDocType(v: string | undefined): string | undefined {
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
