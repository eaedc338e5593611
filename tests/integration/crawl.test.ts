/**
 * Site crawl over HTTP (app.handle) against a local Bun.serve site with linked pages, a loop, a Markdown file, an
 * image, a chain deeper than maxPages and links to other hosts. The site's host (127.0.0.1) is allowed through
 * URL_FETCH_ALLOWED_HOSTS, and only it: `localhost` (another origin, the same machine) and the metadata address
 * stay refused. Real stores (PGlite always, PostgreSQL with TEST_DATABASE_URL) and the real job runner.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { authedApp } from "../helpers/authed-app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

type Json = Record<string, any>;

const page = (title: string, text: string, links: string[]) =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p>${links.map((l) => `<a href="${l}">${l}</a>`).join(" ")}</body></html>`;

for (const kind of DB_KINDS) {
  describe(`site crawl on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof authedApp>;
    let site: ReturnType<typeof Bun.serve>;
    const hits = new Map<string, number>();
    const call = (method: string, path: string, body?: unknown) =>
      app.handle(new Request(`http://local${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }));
    const crawl = async (body: Json) => {
      const res = await call("POST", "/v1/documents/crawl?wait=true", body);
      expect(res.status).toBe(200);
      return (await res.json()) as Json;
    };
    const base = () => `http://127.0.0.1:${site.port}`;

    beforeAll(async () => {
      t = await testServices(kind, { URL_FETCH_ALLOWED_HOSTS: "127.0.0.1", CRAWL_DELAY_MS: "0", CRAWL_MAX_RUNNING: "1" });
      app = authedApp(t.services);
      site = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch(req) {
          const { pathname, port } = new URL(req.url);
          if (pathname === "/robots.txt") return new Response("not here", { status: 404 }); // no rules (counted apart from pages)
          hits.set(pathname, (hits.get(pathname) ?? 0) + 1);
          const html = (body: string) => new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
          if (pathname === "/") {
            return html(page("Help center", "Welcome to the Voltmart help center.", ["/shipping", "/returns#top", "/returns", "/logo.png", "/guide.md", `http://localhost:${port}/secret`, "http://169.254.169.254/latest/meta-data/"]));
          }
          if (pathname === "/shipping") return html(page("Shipping", "Parcels to Norway take four business days.", ["/", "/returns", "/deep/1"]));
          if (pathname === "/returns") return html(page("Returns", "Headphones can be returned within 30 days.", ["/shipping", "/"]));
          if (pathname === "/guide.md") return new Response("# Setup guide\n\nHold the pairing button for five seconds.", { headers: { "content-type": "text/markdown" } });
          const deep = /^\/deep\/(\d+)$/.exec(pathname);
          if (deep) return html(page(`Deep ${deep[1]}`, `Archive page number ${deep[1]}.`, [`/deep/${Number(deep[1]) + 1}`]));
          return new Response("not here", { status: 404 });
        },
      });
    }, 120_000);
    afterAll(async () => {
      site?.stop(true);
      await t?.cleanup();
    });

    test("breadth-first over the links: each page once (loops, fragments), its own document, at most maxPages", async () => {
      hits.clear();
      const c = await crawl({ url: `${base()}/`, maxPages: 20 });
      expect(c.status).toBe("succeeded");
      expect(c.pages).toEqual({ queued: 0, done: 20, failed: 0, skipped: 0 });
      const urls = c.documents.map((d: Json) => d.url.replace(base(), ""));
      expect(urls.slice(0, 5)).toEqual(["/", "/shipping", "/returns", "/guide.md", "/deep/1"]);
      expect(urls.at(-1)).toBe("/deep/16");
      for (const [path, n] of hits) expect({ path, n }).toEqual({ path, n: 1 });
      expect(hits.has("/logo.png")).toBe(false);
      expect(hits.has("/secret")).toBe(false);
      expect(hits.size).toBe(20);
      // Each page is a document whose source is the page URL, findable by its text.
      const shipping = c.documents.find((d: Json) => d.url === `${base()}/shipping`);
      const doc = (await (await call("GET", `/v1/documents/${shipping.documentId}`)).json()) as Json;
      expect(doc.source).toBe(`${base()}/shipping`);
      expect(doc.title).toBe("Shipping");
      const found = (await (await call("POST", "/v1/search", { query: "how long do parcels to Norway take" })).json()) as Json;
      expect(found.passages[0].documentId).toBe(shipping.documentId);
      // The crawl reads back by id with the same state.
      expect((await (await call("GET", `/v1/documents/crawl/${c.id}`)).json()) as Json).toEqual(c);
    });

    test("maxPages: 3 takes three pages; crawling again finds them unchanged", async () => {
      hits.clear();
      const c = await crawl({ url: `${base()}/`, maxPages: 3 });
      expect(c.documents.map((d: Json) => [d.url.replace(base(), ""), d.status])).toEqual([["/", "unchanged"], ["/shipping", "unchanged"], ["/returns", "unchanged"]]);
      expect(hits.size).toBe(3);
    });

    test("sameOrigin false follows other hosts, and each is checked: localhost and the metadata address are refused", async () => {
      hits.clear();
      const c = await crawl({ url: `${base()}/`, maxPages: 6, sameOrigin: false });
      expect(c.status).toBe("succeeded");
      expect(c.pages).toEqual({ queued: 0, done: 4, failed: 2, skipped: 0 });
      expect(c.failures.map((f: Json) => [f.url, f.code])).toEqual([
        [`http://localhost:${site.port}/secret`, "URL_NOT_ALLOWED"],
        ["http://169.254.169.254/latest/meta-data/", "URL_NOT_ALLOWED"],
      ]);
      expect(hits.has("/secret")).toBe(false);
    });

    test("without wait: 202 with the crawl id, then GET shows its progress until it is done", async () => {
      const res = await call("POST", "/v1/documents/crawl", { url: `${base()}/returns`, maxPages: 2 });
      expect(res.status).toBe(202);
      const started = (await res.json()) as Json;
      expect(started.id).toMatch(/^crawl_/);
      expect(started.status).toBe("running");
      let state = started;
      for (let i = 0; i < 2000 && state.status === "running"; i++) {
        await Bun.sleep(10);
        state = (await (await call("GET", `/v1/documents/crawl/${started.id}`)).json()) as Json;
      }
      expect(state.status).toBe("succeeded");
      expect(state.documents.map((d: Json) => d.url.replace(base(), ""))).toEqual(["/returns", "/shipping"]);
      expect(state.documents.every((d: Json) => typeof d.documentId === "string")).toBe(true);
    });

    test("robots.txt is obeyed (our agent's group), sent our User-Agent; a second crawl while one runs is 429 CRAWL_LIMIT", async () => {
      const seen: string[] = [];
      const agents = new Set<string>();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const other = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        async fetch(req) {
          const { pathname } = new URL(req.url);
          seen.push(pathname);
          agents.add(req.headers.get("user-agent") ?? "");
          if (pathname === "/robots.txt") return new Response("User-agent: *\nDisallow:\n\nUser-agent: DeskPilot\nDisallow: /staff\n", { headers: { "content-type": "text/plain" } });
          if (pathname === "/slow") await gate;
          const links = pathname === "/" ? ["/faq", "/staff/salaries", "/slow"] : [];
          return new Response(page(`Page ${pathname}`, `Text of the page ${pathname} for customers.`, links), { headers: { "content-type": "text/html" } });
        },
      });
      try {
        const origin = `http://127.0.0.1:${other.port}`;
        const first = await call("POST", "/v1/documents/crawl", { url: `${origin}/`, maxPages: 5 });
        expect(first.status).toBe(202);
        const id = ((await first.json()) as Json).id;
        for (let i = 0; i < 500 && !seen.includes("/slow"); i++) await Bun.sleep(10);
        const second = await call("POST", "/v1/documents/crawl", { url: `${origin}/faq` });
        expect(second.status).toBe(429);
        expect(second.headers.get("retry-after")).toBeTruthy();
        expect(((await second.json()) as Json).error.code).toBe("CRAWL_LIMIT");
        release();
        let state: Json = { status: "running" };
        for (let i = 0; i < 2000 && state.status === "running"; i++) {
          await Bun.sleep(10);
          state = (await (await call("GET", `/v1/documents/crawl/${id}`)).json()) as Json;
        }
        expect(state.status).toBe("succeeded");
        expect(seen.filter((p) => p === "/robots.txt").length).toBe(1);
        expect(seen).not.toContain("/staff/salaries");
        expect(state.skipped.map((x: Json) => x.reason)).toEqual(["disallowed by the site's robots.txt"]);
        expect([...agents].every((a) => a.startsWith("DeskPilot/"))).toBe(true);
        // The slot is free again once the crawl is done.
        expect((await call("POST", "/v1/documents/crawl?wait=true", { url: `${origin}/faq`, maxPages: 1 })).status).toBe(200);
      } finally {
        release();
        other.stop(true);
      }
    });

    test("bad input is 422 with its own code; an unknown crawl is 404", async () => {
      const cases: [unknown, string][] = [
        [{}, "URL_REQUIRED"],
        [{ url: "  " }, "URL_REQUIRED"],
        [{ url: 42 }, "INVALID_URL"],
        [{ url: "not a url" }, "INVALID_URL"],
        [{ url: "ftp://example.com/" }, "URL_NOT_ALLOWED"],
        [{ url: `http://localhost:${site.port}/` }, "URL_NOT_ALLOWED"],
        [{ url: "http://10.0.0.1/" }, "URL_NOT_ALLOWED"],
        [{ url: `${base()}/`, maxPages: 0 }, "INVALID_MAX_PAGES"],
        [{ url: `${base()}/`, maxPages: 201 }, "INVALID_MAX_PAGES"],
        [{ url: `${base()}/`, maxPages: 2.5 }, "INVALID_MAX_PAGES"],
        [{ url: `${base()}/`, maxPages: "5" }, "INVALID_MAX_PAGES"],
        [{ url: `${base()}/`, sameOrigin: "yes" }, "INVALID_SAME_ORIGIN"],
        [[`${base()}/`], "INVALID_BODY"],
      ];
      for (const [body, code] of cases) {
        const res = await call("POST", "/v1/documents/crawl", body);
        expect({ body, status: res.status, code: ((await res.json()) as Json).error?.code }).toEqual({ body, status: 422, code });
      }
      const missing = await call("GET", "/v1/documents/crawl/crawl_nope");
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as Json).error.code).toBe("CRAWL_NOT_FOUND");
    });

    test("the crawl routes are in the OpenAPI document", async () => {
      const spec = (await (await call("GET", "/swagger/json")).json()) as Json;
      expect(spec.paths["/v1/documents/crawl"].post.requestBody.content["application/json"].schema.required).toEqual(["url"]);
      expect(Object.keys(spec.paths)).toContain("/v1/documents/crawl/{id}");
    });
  });
}
