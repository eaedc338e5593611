/**
 * Breadth-first site crawl: from a start URL, every `<a href>` of each HTML page (links.ts), each page fetched
 * through the caller's fetch (the guarded fetcher: every host, also a linked one, is policy-checked there) and
 * handed to the caller's ingest as its own document. URLs are deduped without their fragment (and by where a
 * redirect ended); at most `maxPages` pages are taken into the queue, the start page included; cross-origin
 * links are followed only when `sameOrigin` is false. A link to something that is neither a page nor a supported
 * document type (by its path) is not fetched; a fetched page of an unsupported type is skipped.
 *
 * robots.txt (robots.ts) is read once per origin before its first page: a URL it disallows is skipped without a
 * request, and requests to one origin are spaced by max(minDelayMs, its Crawl-delay). The crawl fetches one page
 * at a time, so a site never sees more than one request of a crawl at once.
 *
 * The crawl itself never throws for a page: a page that cannot be fetched or ingested is counted as failed with
 * its error code and the crawl goes on. Only an abort (the signal) or an ingest refusing all work (`fatal`) ends it.
 */
import { setTimeout as delay } from "node:timers/promises";
import { isAppError } from "../../core/errors";
import type { FetchedUrl } from "../fetch/safe-fetch";
import { urlFileName } from "../fetch/url-file-name";
import { detectFormat, type DocumentFormat } from "../loaders";
import { extractLinks, linkKind, withoutFragment } from "./links";
import { fetchRobots, type RobotsRules } from "./robots";

export interface CrawledPage {
  url: URL;
  bytes: Uint8Array;
  filename: string;
  mimeType?: string;
  format: DocumentFormat;
}

export interface PageIngested {
  jobId: string;
  documentId: string | null;
  status: string;
  error?: { code: string; message: string } | null;
}

export interface CrawlProgress {
  pages: { queued: number; done: number; failed: number; skipped: number };
  /** Links left out without a request: not a page or supported document, another origin, past maxPages. */
  linksIgnored: number;
  documents: { url: string; documentId: string | null; jobId: string; status: string }[];
  failures: { url: string; code: string; message: string }[];
  skipped: { url: string; reason: string }[];
}

export interface CrawlOptions {
  maxPages: number;
  sameOrigin: boolean;
  signal?: AbortSignal;
  fetch(url: URL): Promise<FetchedUrl>;
  ingest(page: CrawledPage): Promise<PageIngested>;
  /** After every change of the progress (awaited, so a slow store slows the crawl rather than piling up). */
  onProgress?(progress: CrawlProgress): Promise<void> | void;
  /** Obey each origin's robots.txt (default true). */
  robots?: boolean;
  /** The least pause between two requests to one origin (ms; default 0); a longer Crawl-delay wins. */
  minDelayMs?: number;
  /** Waits (tests pass a recorder); default a timer that the signal cuts short. */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  /** An error from ingest that ends the crawl (e.g. the server shutting down) rather than failing one page. */
  fatal?(error: unknown): boolean;
}

export const emptyProgress = (): CrawlProgress => ({ pages: { queued: 0, done: 0, failed: 0, skipped: 0 }, linksIgnored: 0, documents: [], failures: [], skipped: [] });

const timerSleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

const codeOf = (e: unknown) => (isAppError(e) ? e.code : "CRAWL_PAGE_FAILED");
const messageOf = (e: unknown) => (isAppError(e) ? e.message : "the page could not be fetched");

export async function crawlSite(start: URL, o: CrawlOptions): Promise<CrawlProgress> {
  const p = emptyProgress();
  const origins = new Set([start.origin]);
  const first = withoutFragment(start);
  const seen = new Set([first.href]);
  /** Where each fetched page ended up (after redirects), so two links to one page ingest it once. */
  const fetched = new Set<string>();
  const queue: URL[] = [first];
  let admitted = 1;
  p.pages.queued = 1;
  await o.onProgress?.(p);
  const sleep = o.sleep ?? timerSleep;
  const rules = new Map<string, RobotsRules>();
  /** When each origin was last asked for something (ms since epoch). */
  const lastRequest = new Map<string, number>();
  const paced = async <T>(origin: string, delayMs: number, request: () => Promise<T>): Promise<T> => {
    const last = lastRequest.get(origin);
    const wait = last === undefined ? 0 : last + delayMs - Date.now();
    if (wait > 0) await sleep(wait, o.signal);
    try {
      return await request();
    } finally {
      lastRequest.set(origin, Date.now());
    }
  };
  const robotsOf = async (origin: string): Promise<RobotsRules | undefined> => {
    if (o.robots === false) return undefined;
    let r = rules.get(origin);
    if (!r) {
      r = await paced(origin, o.minDelayMs ?? 0, () => fetchRobots(origin, o.fetch));
      rules.set(origin, r);
    }
    return r;
  };
  while (queue.length) {
    o.signal?.throwIfAborted();
    const url = queue.shift()!;
    p.pages.queued = queue.length;
    const robots = await robotsOf(url.origin);
    o.signal?.throwIfAborted();
    if (robots && !robots.allowed(url)) {
      p.pages.skipped++;
      p.skipped.push({ url: url.href, reason: robots.source === "unreachable" ? "the site's robots.txt could not be read, so nothing is fetched from it" : "disallowed by the site's robots.txt" });
      await o.onProgress?.(p);
      continue;
    }
    let got: FetchedUrl;
    try {
      got = await paced(url.origin, Math.max(o.minDelayMs ?? 0, robots?.delayMs ?? 0), () => o.fetch(url));
    } catch (e) {
      o.signal?.throwIfAborted();
      p.pages.failed++;
      p.failures.push({ url: url.href, code: codeOf(e), message: messageOf(e) });
      await o.onProgress?.(p);
      continue;
    }
    const landed = withoutFragment(got.url);
    if (url === first) origins.add(landed.origin); // http://site redirecting to https://site stays "the same site"
    if (fetched.has(landed.href)) {
      p.pages.skipped++;
      p.skipped.push({ url: url.href, reason: `the same page as ${landed.href}` });
      await o.onProgress?.(p);
      continue;
    }
    fetched.add(landed.href);
    seen.add(landed.href);
    let format: DocumentFormat;
    const filename = urlFileName(landed, got.mimeType);
    try {
      format = detectFormat({ bytes: got.bytes, filename, mimeType: got.mimeType });
    } catch (e) {
      p.pages.skipped++;
      p.skipped.push({ url: url.href, reason: messageOf(e) });
      await o.onProgress?.(p);
      continue;
    }
    if (format === "html") {
      const { links } = await extractLinks(got.bytes, landed);
      for (const link of links) {
        if (seen.has(link.href)) continue;
        seen.add(link.href);
        if ((o.sameOrigin && !origins.has(link.origin)) || linkKind(link) === "other" || admitted >= o.maxPages) {
          p.linksIgnored++;
          continue;
        }
        admitted++;
        queue.push(link);
      }
      p.pages.queued = queue.length;
    }
    try {
      const r = await o.ingest({ url: landed, bytes: got.bytes, filename, mimeType: got.mimeType, format });
      if (r.status === "failed") {
        p.pages.failed++;
        p.failures.push({ url: landed.href, code: r.error?.code ?? "INGEST_FAILED", message: r.error?.message ?? "ingestion failed" });
      } else {
        p.pages.done++;
        p.documents.push({ url: landed.href, documentId: r.documentId, jobId: r.jobId, status: r.status });
      }
    } catch (e) {
      if (o.fatal?.(e)) throw e;
      p.pages.failed++;
      p.failures.push({ url: landed.href, code: codeOf(e), message: messageOf(e) });
    }
    await o.onProgress?.(p);
  }
  return p;
}
