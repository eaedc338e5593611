import { describe, expect, test } from "bun:test";
import { errors } from "../../core/errors";
import type { FetchedUrl } from "../fetch/safe-fetch";
import { crawlSite, type CrawledPage, type CrawlOptions } from "./crawler";
import { extractLinks, linkKind } from "./links";

const enc = (s: string) => new TextEncoder().encode(s);
const html = (...links: string[]) => `<html><body><h1>Page</h1><p>Some text here.</p>${links.map((l) => `<a href="${l}">link</a>`).join("")}</body></html>`;

/** A site from a table of path -> HTML (or a function answering a FetchedUrl); other URLs fail like a 404. */
function site(pages: Record<string, string | ((url: URL) => FetchedUrl)>) {
  const fetched: string[] = [];
  const robotsFetched: string[] = [];
  const fetch = async (url: URL): Promise<FetchedUrl> => {
    (url.pathname === "/robots.txt" ? robotsFetched : fetched).push(url.href);
    const page = pages[url.href];
    if (page === undefined) throw errors.invalid("URL_FETCH_FAILED", `fetching ${url.href} answered HTTP 404`, { upstreamStatus: 404 });
    if (typeof page === "function") return page(url);
    return { url, bytes: enc(page), mimeType: "text/html", redirects: 0 };
  };
  return { fetch, fetched, robotsFetched };
}

function crawl(start: string, s: ReturnType<typeof site>, o: Partial<CrawlOptions> = {}) {
  const ingested: CrawledPage[] = [];
  const progress = crawlSite(new URL(start), {
    maxPages: 20,
    sameOrigin: true,
    fetch: s.fetch,
    ingest: async (page) => {
      ingested.push(page);
      return { jobId: `job_${ingested.length}`, documentId: `doc_${ingested.length}`, status: "succeeded" };
    },
    ...o,
  });
  return { progress, ingested };
}

describe("extractLinks", () => {
  test("resolves against the page or <base>, drops fragments, non-http schemes, duplicates and nofollow", async () => {
    const page = `<html><head><base href="https://docs.example/guide/"></head><body>
      <a href="intro">a</a><a href="intro#top">again</a><a href="/faq?x=1#q">faq</a><a href="mailto:x@example.com">m</a>
      <a href="javascript:alert(1)">j</a><a href="https://other.example/">o</a><a rel="nofollow" href="/private">p</a><a href="">empty</a></body></html>`;
    const { links } = await extractLinks(enc(page), new URL("https://docs.example/index.html"));
    expect(links.map((l) => l.href)).toEqual(["https://docs.example/guide/intro", "https://docs.example/faq?x=1", "https://other.example/"]);
  });

  test("a robots nofollow page gives no links", async () => {
    const r = await extractLinks(`<meta name="robots" content="noindex, nofollow"><a href="/a">a</a>`, new URL("http://s.example/"));
    expect(r).toEqual({ links: [], nofollow: true });
  });

  test("linkKind: pages and supported documents are fetched, other files are not", () => {
    const k = (p: string) => linkKind(new URL(p, "http://s.example/"));
    expect([k("/"), k("/about"), k("/a.html"), k("/index.php"), k("/v1.2/notes")]).toEqual(["page", "page", "page", "page", "page"]);
    expect([k("/manual.pdf"), k("/faq.json"), k("/readme.md"), k("/data.csv")]).toEqual(["document", "document", "document", "document"]);
    expect([k("/logo.png"), k("/app.js"), k("/style.css"), k("/archive.zip"), k("/sheet.xlsx")]).toEqual(["other", "other", "other", "other", "other"]);
  });
});

describe("crawlSite", () => {
  test("breadth-first, each page once (a loop, fragments), other origins and files left out", async () => {
    const s = site({
      "http://s.example/": html("/a", "/b#part", "/b", "http://other.example/", "/logo.png", "/guide.md"),
      "http://s.example/a": html("/", "/c"),
      "http://s.example/b": html("/a", "/b"),
      "http://s.example/c": html("/a"),
      "http://s.example/guide.md": () => ({ url: new URL("http://s.example/guide.md"), bytes: enc("# Guide\nText."), mimeType: "text/markdown", redirects: 0 }),
    });
    const { progress, ingested } = crawl("http://s.example/", s);
    const p = await progress;
    expect(s.fetched).toEqual(["http://s.example/", "http://s.example/a", "http://s.example/b", "http://s.example/guide.md", "http://s.example/c"]);
    expect(ingested.map((i) => [i.url.href, i.format])).toEqual([
      ["http://s.example/", "html"],
      ["http://s.example/a", "html"],
      ["http://s.example/b", "html"],
      ["http://s.example/guide.md", "markdown"],
      ["http://s.example/c", "html"],
    ]);
    expect(p.pages).toEqual({ queued: 0, done: 5, failed: 0, skipped: 0 });
    expect(p.linksIgnored).toBe(2); // other.example and logo.png
    expect(p.documents.map((d) => d.documentId)).toEqual(["doc_1", "doc_2", "doc_3", "doc_4", "doc_5"]);
  });

  test("maxPages bounds the pages taken in, the start included", async () => {
    const pages: Record<string, string> = {};
    for (let i = 0; i < 30; i++) pages[`http://s.example/p${i}`] = html(`/p${i + 1}`, `/p${i + 2}`);
    const s = site(pages);
    const p = await crawl("http://s.example/p0", s, { maxPages: 4 }).progress;
    expect(s.fetched.length).toBe(4);
    expect(p.pages.done).toBe(4);
    expect((await crawl("http://s.example/p0", site(pages), { maxPages: 1 }).progress).pages.done).toBe(1);
  });

  test("cross-origin links only with sameOrigin false; a failing page is counted with its code and the crawl goes on", async () => {
    const s = site({
      "http://s.example/": html("http://other.example/x", "/gone"),
      "http://other.example/x": html("/y"),
      "http://other.example/y": html(),
    });
    const p = await crawl("http://s.example/", s, { sameOrigin: false }).progress;
    expect(s.fetched).toEqual(["http://s.example/", "http://other.example/x", "http://s.example/gone", "http://other.example/y"]);
    expect(p.pages).toEqual({ queued: 0, done: 3, failed: 1, skipped: 0 });
    expect(p.failures).toEqual([{ url: "http://s.example/gone", code: "URL_FETCH_FAILED", message: "fetching http://s.example/gone answered HTTP 404" }]);
  });

  test("a redirect to a page already crawled is skipped; an unsupported type is skipped with the reason", async () => {
    const s = site({
      "http://s.example/": html("/old", "/blob"),
      "http://s.example/old": () => ({ url: new URL("http://s.example/"), bytes: enc(html()), mimeType: "text/html", redirects: 1 }),
      "http://s.example/blob": () => ({ url: new URL("http://s.example/blob"), bytes: new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2]), mimeType: "application/zip", redirects: 0 }),
    });
    const { progress, ingested } = crawl("http://s.example/", s);
    const p = await progress;
    expect(ingested.length).toBe(1);
    expect(p.pages).toEqual({ queued: 0, done: 1, failed: 0, skipped: 2 });
    expect(p.skipped[0]).toEqual({ url: "http://s.example/old", reason: "the same page as http://s.example/" });
  });

  test("a fatal ingest error ends the crawl; an abort too", async () => {
    const s = site({ "http://s.example/": html("/a"), "http://s.example/a": html() });
    const stop = errors.unavailable("SHUTTING_DOWN", "shutting down");
    const fatal = crawlSite(new URL("http://s.example/"), { maxPages: 5, sameOrigin: true, fetch: s.fetch, ingest: async () => Promise.reject(stop), fatal: (e) => e === stop });
    await expect(fatal).rejects.toBe(stop);
    const aborted = crawlSite(new URL("http://s.example/"), { maxPages: 5, sameOrigin: true, fetch: s.fetch, ingest: async () => ({ jobId: "j", documentId: "d", status: "succeeded" }), signal: AbortSignal.abort() });
    await expect(aborted).rejects.toThrow();
  });

  test("robots.txt: read once per origin; a disallowed URL is skipped without a request; our agent's group wins over *", async () => {
    const s = site({
      "http://s.example/robots.txt": (url) => ({ url, bytes: enc("User-agent: *\nDisallow: /\n\nUser-agent: DeskPilot\nDisallow: /private\nAllow: /private/ok\n"), mimeType: "text/plain", redirects: 0 }),
      "http://s.example/": html("/a", "/private/x", "/private/ok", "/b"),
      "http://s.example/a": html("/private/y"),
      "http://s.example/b": html(),
      "http://s.example/private/ok": html(),
    });
    const { progress } = crawl("http://s.example/", s);
    const p = await progress;
    expect(s.robotsFetched).toEqual(["http://s.example/robots.txt"]);
    expect(s.fetched.sort()).toEqual(["http://s.example/", "http://s.example/a", "http://s.example/b", "http://s.example/private/ok"]);
    expect(p.skipped.map((x) => [x.url, x.reason])).toEqual([
      ["http://s.example/private/x", "disallowed by the site's robots.txt"],
      ["http://s.example/private/y", "disallowed by the site's robots.txt"],
    ]);
    expect(p.pages.done).toBe(4);
  });

  test("robots.txt that cannot be read (5xx, timeout) means nothing is fetched; a 404 means no rules; robots: false skips it", async () => {
    const down = site({ "http://s.example/": html("/a") });
    const downFetch = async (url: URL) => {
      if (url.pathname === "/robots.txt") throw errors.invalid("URL_FETCH_FAILED", "answered HTTP 503", { upstreamStatus: 503 });
      return down.fetch(url);
    };
    const p1 = await crawl("http://s.example/", down, { fetch: downFetch }).progress;
    expect(down.fetched).toEqual([]);
    expect(p1.skipped[0]!.reason).toContain("could not be read");
    const missing = site({ "http://s.example/": html("/a"), "http://s.example/a": html() });
    expect((await crawl("http://s.example/", missing).progress).pages.done).toBe(2);
    const ignored = site({ "http://s.example/": html("/a"), "http://s.example/a": html() });
    await crawl("http://s.example/", ignored, { robots: false }).progress;
    expect(ignored.robotsFetched).toEqual([]);
  });

  test("requests to one origin are spaced by max(minDelayMs, Crawl-delay), capped at 10 s", async () => {
    const mk = (delay: string) =>
      site({
        "http://s.example/robots.txt": (url) => ({ url, bytes: enc(`User-agent: *\nCrawl-delay: ${delay}\n`), mimeType: "text/plain", redirects: 0 }),
        "http://s.example/": html("/a", "/b"),
        "http://s.example/a": html(),
        "http://s.example/b": html(),
      });
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    await crawl("http://s.example/", mk("2"), { sleep, minDelayMs: 500 }).progress;
    // robots.txt, then 3 pages: each request after the first waits (about) the site's 2 s.
    expect(waits.length).toBe(3);
    for (const w of waits) expect(w).toBeGreaterThan(1900);
    waits.length = 0;
    await crawl("http://s.example/", mk("3600"), { sleep }).progress;
    for (const w of waits) expect(w).toBeLessThanOrEqual(10_000);
    expect(waits.length).toBe(3);
  });
});
