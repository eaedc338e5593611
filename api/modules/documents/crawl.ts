/**
 * Site crawls (POST /v1/documents/crawl, GET /v1/documents/crawl/:id): a breadth-first crawl (ingest/crawl)
 * whose every page is fetched through the guarded fetcher under the tenant's URL policy and ingested as its own
 * document (source = the page URL) through the ingestion job runner, like a `{url}` upload. The crawl's progress
 * lives in the cache (Redis with REDIS_URL, so any replica can answer the GET) for CRAWL_TTL_SECONDS; the crawl
 * itself runs in the replica that accepted it (a replica that stops ends its crawls: the state says so when the
 * stop was orderly, and otherwise stays "running" until it expires).
 */
import { randomUUID } from "node:crypto";
import { AppError, errors, isAppError } from "../../../core/errors";
import { crawlSite, emptyProgress, type CrawlProgress } from "../../../ingest/crawl/crawler";
import { checkUrl } from "../../../ingest/fetch/address-policy";
import { checkedAddress, safeFetch, systemResolver, type Resolver } from "../../../ingest/fetch/safe-fetch";
import type { Services } from "../../services";
import type { CrawlBody } from "./model";
import { checkDocType, checkTags } from "./service";

export const CRAWL_MAX_PAGES = 200;
export const CRAWL_DEFAULT_PAGES = 20;
const CRAWL_TTL_SECONDS = 24 * 3600;

export interface CrawlRequest {
  url: URL;
  maxPages: number;
  sameOrigin: boolean;
  docType?: string;
  tags?: string[];
}

export interface CrawlState extends CrawlProgress {
  id: string;
  status: "running" | "succeeded" | "failed";
  url: string;
  maxPages: number;
  sameOrigin: boolean;
  error: { code: string; message: string } | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface CrawlDeps {
  fetch?: typeof fetch;
  resolve?: Resolver;
}

const key = (tenantId: string, id: string) => `crawl:${tenantId}:${id}`;

/** Crawls running in this replica, per tenant (CRAWL_MAX_RUNNING). */
const running = new Map<string, number>();

/** Validates the JSON body by hand, so each mistake has its own code (422). */
export function parseCrawlBody(raw: unknown, policy: Services["config"]["urlFetch"]): CrawlRequest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw errors.invalid("INVALID_BODY", "body must be a JSON object {url, maxPages?, sameOrigin?}");
  const b = raw as CrawlBody;
  if (b.url === undefined || b.url === null || (typeof b.url === "string" && !b.url.trim())) throw errors.invalid("URL_REQUIRED", "url: the page to start the crawl from is required");
  if (typeof b.url !== "string") throw errors.invalid("INVALID_URL", "url: must be a string");
  if (b.maxPages !== undefined && (typeof b.maxPages !== "number" || !Number.isInteger(b.maxPages) || b.maxPages < 1 || b.maxPages > CRAWL_MAX_PAGES)) {
    throw errors.invalid("INVALID_MAX_PAGES", `maxPages: must be a whole number from 1 to ${CRAWL_MAX_PAGES}`);
  }
  if (b.sameOrigin !== undefined && typeof b.sameOrigin !== "boolean") throw errors.invalid("INVALID_SAME_ORIGIN", "sameOrigin: must be true or false");
  if (b.docType !== undefined && typeof b.docType !== "string") throw errors.invalid("INVALID_FIELD", "docType: must be a string");
  if (b.tags !== undefined && (!Array.isArray(b.tags) || b.tags.some((t) => typeof t !== "string"))) throw errors.invalid("INVALID_FIELD", "tags: must be an array of strings");
  return {
    url: checkUrl(b.url.trim(), policy),
    maxPages: b.maxPages ?? CRAWL_DEFAULT_PAGES,
    sameOrigin: b.sameOrigin ?? true,
    docType: checkDocType(b.docType),
    tags: checkTags(b.tags),
  };
}

async function save(services: Services, tenantId: string, state: CrawlState): Promise<void> {
  await services.cache.set(key(tenantId, state.id), JSON.stringify(state), CRAWL_TTL_SECONDS);
}

export async function getCrawl(services: Services, tenantId: string, id: string): Promise<CrawlState> {
  const raw = await services.cache.get(key(tenantId, id));
  if (!raw) throw errors.notFound("crawl", id);
  return JSON.parse(raw) as CrawlState;
}

/**
 * Starts a crawl: the start URL is checked now (422 INVALID_URL / URL_NOT_ALLOWED before anything runs, its host
 * resolved too), then the crawl runs in the background. `wait` resolves with the final state instead.
 */
export async function startCrawl(services: Services, tenantId: string, raw: unknown, deps: CrawlDeps, wait: boolean): Promise<CrawlState> {
  const policy = services.config.urlFetch;
  const req = parseCrawlBody(raw, policy);
  const { maxRunning } = services.config.crawl;
  if ((running.get(tenantId) ?? 0) >= maxRunning) {
    throw new AppError({ code: "CRAWL_LIMIT", message: `${maxRunning} crawls are already running for this tenant; wait for one to finish (CRAWL_MAX_RUNNING)`, category: "rate_limit", status: 429, retryAfter: 30 });
  }
  const timeoutMs = services.config.limits.urlFetchTimeoutMs;
  const resolve = deps.resolve ?? systemResolver;
  await checkedAddress(req.url, policy, resolve, AbortSignal.timeout(timeoutMs)).catch((e) => {
    throw isAppError(e) ? e : errors.invalid("URL_UNREACHABLE", `could not resolve the url host '${req.url.hostname}'`);
  });
  const state: CrawlState = {
    id: `crawl_${randomUUID()}`,
    status: "running",
    url: req.url.href,
    maxPages: req.maxPages,
    sameOrigin: req.sameOrigin,
    error: null,
    createdAt: new Date().toISOString(),
    finishedAt: null,
    ...emptyProgress(),
  };
  running.set(tenantId, (running.get(tenantId) ?? 0) + 1);
  let run: Promise<CrawlState>;
  try {
    await save(services, tenantId, state);
    run = runCrawl(services, tenantId, req, state, { ...deps, resolve });
  } catch (e) {
    release(tenantId);
    throw e;
  }
  run = run.finally(() => release(tenantId));
  if (wait) return run;
  void run;
  return state;
}

function release(tenantId: string): void {
  const n = (running.get(tenantId) ?? 1) - 1;
  if (n > 0) running.set(tenantId, n);
  else running.delete(tenantId);
}

async function runCrawl(services: Services, tenantId: string, req: CrawlRequest, state: CrawlState, deps: CrawlDeps): Promise<CrawlState> {
  const { limits, urlFetch } = services.config;
  const update = (p: CrawlProgress) => {
    Object.assign(state, p);
    return save(services, tenantId, state).catch(() => {});
  };
  try {
    const progress = await crawlSite(req.url, {
      maxPages: req.maxPages,
      sameOrigin: req.sameOrigin,
      minDelayMs: services.config.crawl.delayMs,
      fetch: (url) =>
        safeFetch(url.href, { policy: urlFetch, timeoutMs: limits.urlFetchTimeoutMs, maxBytes: limits.maxUploadBytes, fetch: deps.fetch, resolve: deps.resolve, accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8" }),
      ingest: async (page) => {
        const job = await services.jobs.submit({
          tenantId,
          source: page.url.href,
          sourceType: "url",
          bytes: page.bytes,
          filename: page.filename,
          mimeType: page.mimeType,
          docType: req.docType,
          tags: req.tags,
        });
        await services.jobs.wait(job.id);
        const done = (await services.stores.jobs.get(tenantId, job.id)) ?? job;
        return { jobId: job.id, documentId: done.documentId, status: done.status, error: done.error };
      },
      // The server shutting down, or the ingest queue full for good: stop instead of failing every page after.
      fatal: (e) => isAppError(e) && (e.code === "SHUTTING_DOWN" || e.code === "INGEST_QUEUE_FULL"),
      onProgress: update,
    });
    Object.assign(state, progress, { status: "succeeded", finishedAt: new Date().toISOString() });
  } catch (e) {
    const err = isAppError(e) ? { code: e.code, message: e.message } : { code: "CRAWL_FAILED", message: "the crawl stopped on an internal error" };
    if (!isAppError(e)) console.error(`[CRAWL_FAILED] ${state.id}:`, e);
    Object.assign(state, { status: "failed", error: err, finishedAt: new Date().toISOString() });
  }
  await save(services, tenantId, state).catch(() => {});
  return state;
}
