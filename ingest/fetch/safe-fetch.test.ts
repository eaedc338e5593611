import { describe, expect, test } from "bun:test";
import { isAppError } from "../../core/errors";
import { refusedAddress } from "./address-policy";
import { checkUrl, safeFetch } from "./safe-fetch";

const publicLookup = async () => ["93.184.216.34"];
const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return "allowed";
  } catch (e) {
    return isAppError(e) ? e.code : String(e);
  }
};

describe("address policy", () => {
  test.each([
    "127.0.0.1", "127.8.9.10", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd12:3456::1", "fc00::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:a9fe:a9fe", "::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1",
  ])("%s is refused", (ip) => expect(refusedAddress(ip)).toBeString());

  test.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])("%s is allowed", (ip) =>
    expect(refusedAddress(ip)).toBeUndefined(),
  );
});

describe("checkUrl", () => {
  test.each([
    "http://127.0.0.1:3000/metrics",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://127.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/admin",
  ])("%s: URL_NOT_ALLOWED", async (u) => expect(await code(checkUrl(new URL(u), { lookup: publicLookup }))).toBe("URL_NOT_ALLOWED"));

  test("a name that resolves to loopback (any of its addresses) is refused; the real name localhost too", async () => {
    expect(await code(checkUrl(new URL("http://rebind.example/"), { lookup: async () => ["93.184.216.34", "127.0.0.1"] }))).toBe("URL_NOT_ALLOWED");
    expect(await code(checkUrl(new URL("http://localhost:3000/metrics")))).toBe("URL_NOT_ALLOWED");
    expect(await code(checkUrl(new URL("http://LOCALHOST./")))).toBe("URL_NOT_ALLOWED");
  });

  test("public names pass; credentials, other schemes and unresolvable names do not; allowed hosts skip the address check", async () => {
    expect(await code(checkUrl(new URL("https://shop.example/faq"), { lookup: publicLookup }))).toBe("allowed");
    expect(await code(checkUrl(new URL("http://user:pw@shop.example/"), { lookup: publicLookup }))).toBe("URL_NOT_ALLOWED");
    expect(await code(checkUrl(new URL("file:///etc/passwd")))).toBe("INVALID_URL");
    expect(await code(checkUrl(new URL("http://nowhere.invalid/"), { lookup: async () => Promise.reject(new Error("ENOTFOUND")) }))).toBe("URL_UNREACHABLE");
    expect(await code(checkUrl(new URL("http://127.0.0.1:8080/"), { allowedHosts: ["127.0.0.1"] }))).toBe("allowed");
    expect(await code(checkUrl(new URL("http://10.0.0.5/"), { allowPrivate: true }))).toBe("allowed");
  });
});

describe("safeFetch", () => {
  test("a redirect from a public host to loopback is refused before it is fetched", async () => {
    const fetched: string[] = [];
    const fake = (async (u: URL | string) => {
      fetched.push(String(u));
      return String(u).startsWith("http://shop.example") ? new Response(null, { status: 302, headers: { location: "http://127.0.0.1:3000/metrics" } }) : new Response("secret");
    }) as typeof fetch;
    expect(await code(safeFetch(new URL("http://shop.example/page"), { fetch: fake, lookup: publicLookup }))).toBe("URL_NOT_ALLOWED");
    expect(fetched).toEqual(["http://shop.example/page"]);
  });

  test("redirects between allowed hosts are followed (relative too), at most maxRedirects", async () => {
    let n = 0;
    const fake = (async (u: URL | string) => {
      n++;
      const url = new URL(String(u));
      if (url.pathname === "/a") return new Response(null, { status: 301, headers: { location: "/b" } });
      if (url.pathname === "/loop") return new Response(null, { status: 302, headers: { location: "/loop" } });
      return new Response("ok");
    }) as typeof fetch;
    const r = await safeFetch(new URL("http://shop.example/a"), { fetch: fake, lookup: publicLookup });
    expect(r.url.href).toBe("http://shop.example/b");
    expect(await r.response.text()).toBe("ok");
    n = 0;
    expect(await code(safeFetch(new URL("http://shop.example/loop"), { fetch: fake, lookup: publicLookup, maxRedirects: 3 }))).toBe("URL_TOO_MANY_REDIRECTS");
    expect(n).toBe(4);
  });
});
