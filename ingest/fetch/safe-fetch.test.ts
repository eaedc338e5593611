import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rejection } from "../../tests/helpers/rejection";
import type { AddressPolicy } from "./address-policy";
import { safeFetch, type Resolver, type SafeFetchOptions } from "./safe-fetch";

const TLS_DIR = join(import.meta.dir, "../../tests/fixtures/tls");
const STRICT: AddressPolicy = { allowPrivate: false, allowedHosts: [] };
const LOCAL: AddressPolicy = { allowPrivate: false, allowedHosts: ["127.0.0.1"] };

/** A resolver from a table; a name not in it does not resolve. */
const table = (names: Record<string, string[]>): Resolver & { asked: string[] } => {
  const asked: string[] = [];
  const r = async (host: string) => {
    asked.push(host);
    const list = names[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(r, { asked });
};

/** A fetch that records what it is called with and answers from a function. */
const fakeFetch = (answer: (url: URL, headers: Headers) => Response) => {
  const calls: { url: string; host: string | null }[] = [];
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const headers = new Headers(init?.headers);
    calls.push({ url: url.href, host: headers.get("host") });
    return answer(url, headers);
  }) as typeof fetch;
  return Object.assign(f, { calls });
};

const opts = (o: Partial<SafeFetchOptions> = {}): SafeFetchOptions => ({ policy: STRICT, timeoutMs: 2000, maxBytes: 1000, ...o });

describe("safeFetch: names are resolved and every address is checked", () => {
  test("a name resolving to loopback is refused before any request; the message names the host, not the address", async () => {
    const fetch = fakeFetch(() => new Response("secret"));
    const e = await rejection(safeFetch("http://rebind.test/metrics", opts({ fetch, resolve: table({ "rebind.test": ["127.0.0.1"] }) })));
    expect(e.code).toBe("URL_NOT_ALLOWED");
    expect(e.status).toBe(422);
    expect(e.message).toContain("'rebind.test' resolves to a loopback address");
    expect(e.message).not.toContain("127.0.0.1");
    expect(fetch.calls).toEqual([]);
  });

  test("refused when ANY address is not public (one public, one private)", async () => {
    const fetch = fakeFetch(() => new Response("x"));
    for (const addrs of [["93.184.216.34", "10.0.0.7"], ["2606:4700::1111", "::1"], ["93.184.216.34", "::ffff:169.254.169.254"]]) {
      const e = await rejection(safeFetch("http://mixed.test/", opts({ fetch, resolve: table({ "mixed.test": addrs }) })));
      expect(e.code).toBe("URL_NOT_ALLOWED");
    }
    expect(fetch.calls).toEqual([]);
  });

  test("the real name localhost is refused (system resolver)", async () => {
    const fetch = fakeFetch(() => new Response("x"));
    for (const url of ["http://localhost:3000/metrics", "http://LOCALHOST./"]) {
      expect((await rejection(safeFetch(url, opts({ fetch })))).code).toBe("URL_NOT_ALLOWED");
    }
    expect(fetch.calls).toEqual([]);
  });

  test("an injected fetch is called with the checked address and the original Host header", async () => {
    const fetch = fakeFetch(() => new Response("<p>hi</p>", { headers: { "content-type": "text/html; charset=utf-8" } }));
    const out = await safeFetch("http://Public.Test:8080/a?b=1#frag", opts({ fetch, resolve: table({ "public.test": ["93.184.216.34"] }) }));
    expect(fetch.calls).toEqual([{ url: "http://93.184.216.34:8080/a?b=1#frag", host: "public.test:8080" }]);
    expect(new TextDecoder().decode(out.bytes)).toBe("<p>hi</p>");
    expect(out.mimeType).toBe("text/html");
    expect(out.url.hostname).toBe("public.test");
  });

  test("a name that does not resolve is 422 URL_UNREACHABLE", async () => {
    const e = await rejection(safeFetch("http://nowhere.test/", opts({ resolve: table({}) })));
    expect(e.code).toBe("URL_UNREACHABLE");
  });
});

describe("safeFetch against local servers", () => {
  let site: ReturnType<typeof Bun.serve>;
  let secure: ReturnType<typeof Bun.serve>;
  let closedPort = 0;
  const stalled: (() => void)[] = [];
  let cert = "";

  beforeAll(async () => {
    site = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(req) {
        const u = new URL(req.url);
        switch (u.pathname) {
          case "/host":
            return new Response(`host=${req.headers.get("host")}`);
          case "/to-localhost":
            return Response.redirect(`http://localhost:${u.port}/metrics`, 302);
          case "/to-b":
            return new Response(null, { status: 301, headers: { location: "/b" } });
          case "/b":
            return new Response("page b");
          case "/loop":
            return new Response(null, { status: 307, headers: { location: "/loop" } });
          case "/to-file":
            return new Response(null, { status: 302, headers: { location: "file:///etc/passwd" } });
          case "/big":
            // No Content-Length: the cap must hold while streaming.
            return new Response(new ReadableStream({ start(c) { for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(400)); c.close(); } }));
          case "/big-declared":
            return new Response(new Uint8Array(5000));
          case "/stall":
            return new Promise<Response>((resolve) => stalled.push(() => resolve(new Response("late"))));
          case "/stall-body":
            return new Response(new ReadableStream({ start: (c) => void c.enqueue(new TextEncoder().encode("# Start\n")) }));
          default:
            return new Response("nope", { status: 404 });
        }
      },
    });
    cert = await Bun.file(join(TLS_DIR, "wiki-test.crt")).text();
    secure = Bun.serve({ port: 0, hostname: "127.0.0.1", tls: { cert, key: await Bun.file(join(TLS_DIR, "wiki-test.key")).text() }, fetch: (req) => new Response(`tls host=${req.headers.get("host")}`) });
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    closedPort = closed.port!;
    closed.stop(true);
  });
  afterAll(() => {
    for (const r of stalled) r();
    site.stop(true);
    secure.stop(true);
  });
  const base = () => `http://127.0.0.1:${site.port}`;

  test("a literal loopback URL is refused unless its host is allowed", async () => {
    expect((await rejection(safeFetch(`${base()}/host`, opts()))).code).toBe("URL_NOT_ALLOWED");
    const out = await safeFetch(`${base()}/host`, opts({ policy: LOCAL }));
    expect(new TextDecoder().decode(out.bytes)).toBe(`host=127.0.0.1:${site.port}`);
  });

  test("http: connects to the checked address (a name only the injected resolver knows) and sends its Host", async () => {
    const resolve = table({ "wiki.test": ["127.0.0.1"] });
    const out = await safeFetch(`http://wiki.test:${site.port}/host`, opts({ policy: { allowPrivate: false, allowedHosts: ["wiki.test"] }, resolve }));
    expect(new TextDecoder().decode(out.bytes)).toBe(`host=wiki.test:${site.port}`);
    expect(resolve.asked).toEqual(["wiki.test"]);
  });

  test("https: the pinned connection is verified against the host name, not the address", async () => {
    const policy = { allowPrivate: false, allowedHosts: ["wiki.test", "evil.test"] };
    const resolve = table({ "wiki.test": ["127.0.0.1"], "evil.test": ["127.0.0.1"] });
    // The test CA is added to whatever TLS options safeFetch sets (the server name).
    const withCa = ((input: string | URL | Request, init?: RequestInit & { tls?: Record<string, unknown> }) => fetch(input, { ...init, tls: { ...init?.tls, ca: cert } })) as typeof fetch;
    const out = await safeFetch(`https://wiki.test:${secure.port}/`, opts({ policy, resolve, fetch: withCa }));
    expect(new TextDecoder().decode(out.bytes)).toBe(`tls host=wiki.test:${secure.port}`);
    // The same certificate for another name fails verification: the name is checked, the address is not enough.
    const e = await rejection(safeFetch(`https://evil.test:${secure.port}/`, opts({ policy, resolve, fetch: withCa })));
    expect(e.code).toBe("URL_UNREACHABLE");
    expect(e.message).not.toContain("127.0.0.1");
  });

  test("a redirect from an allowed host to loopback is refused (the allowance is for the first host only)", async () => {
    const e = await rejection(safeFetch(`${base()}/to-localhost`, opts({ policy: LOCAL })));
    expect(e.code).toBe("URL_NOT_ALLOWED");
    expect(e.message).toContain("redirect from '127.0.0.1' refused");
    expect(e.message).toContain("'localhost' resolves to a loopback address");
  });

  test("a redirect from a public host to loopback or a private name is refused; only the first request is made", async () => {
    for (const location of ["http://127.0.0.1:3000/metrics", "http://[::ffff:7f00:1]/", "http://internal.test/admin", "http://2130706433/"]) {
      const fetch = fakeFetch(() => new Response(null, { status: 302, headers: { location } }));
      const e = await rejection(safeFetch("http://public.test/", opts({ fetch, resolve: table({ "public.test": ["93.184.216.34"], "internal.test": ["10.0.0.8"] }) })));
      expect({ location, code: e.code }).toEqual({ location, code: "URL_NOT_ALLOWED" });
      expect(e.message).toContain("redirect from 'public.test' refused");
      expect(fetch.calls.length).toBe(1);
    }
  });

  test("redirects are followed (relative Location), at most 5, and never to another scheme", async () => {
    const out = await safeFetch(`${base()}/to-b`, opts({ policy: LOCAL }));
    expect(new TextDecoder().decode(out.bytes)).toBe("page b");
    expect(out.url.pathname).toBe("/b");
    expect(out.redirects).toBe(1);
    expect((await rejection(safeFetch(`${base()}/loop`, opts({ policy: LOCAL })))).code).toBe("TOO_MANY_REDIRECTS");
    expect((await rejection(safeFetch(`${base()}/to-file`, opts({ policy: LOCAL })))).code).toBe("URL_NOT_ALLOWED");
  });

  test("the body is capped while streaming, and by a declared length", async () => {
    for (const path of ["/big", "/big-declared"]) {
      const e = await rejection(safeFetch(`${base()}${path}`, opts({ policy: LOCAL, maxBytes: 1000 })));
      expect({ path, status: e.status, code: e.code }).toEqual({ path, status: 413, code: "UPLOAD_TOO_LARGE" });
    }
    expect((await safeFetch(`${base()}/big`, opts({ policy: LOCAL, maxBytes: 2000 }))).bytes.byteLength).toBe(2000);
  });

  test("one time limit covers headers, body and DNS: 504 URL_FETCH_TIMEOUT", async () => {
    for (const path of ["/stall", "/stall-body"]) {
      const e = await rejection(safeFetch(`${base()}${path}`, opts({ policy: LOCAL, timeoutMs: 200 })));
      expect({ path, status: e.status, code: e.code }).toEqual({ path, status: 504, code: "URL_FETCH_TIMEOUT" });
      expect(e.message).toContain("200 ms");
    }
    const never: Resolver = () => new Promise(() => {});
    expect((await rejection(safeFetch("http://slow-dns.test/", opts({ resolve: never, timeoutMs: 200 })))).code).toBe("URL_FETCH_TIMEOUT");
  });

  test("HTTP errors and refused connections are 422 without the address a name resolved to", async () => {
    expect((await rejection(safeFetch(`${base()}/missing`, opts({ policy: LOCAL })))).code).toBe("URL_FETCH_FAILED");
    const e = await rejection(safeFetch(`http://wiki.test:${closedPort}/`, opts({ policy: { allowPrivate: false, allowedHosts: ["wiki.test"] }, resolve: table({ "wiki.test": ["127.0.0.1"] }) })));
    expect(e.code).toBe("URL_UNREACHABLE");
    expect(e.message).toContain("wiki.test");
    expect(e.message).not.toContain("127.0.0.1");
  });
});
