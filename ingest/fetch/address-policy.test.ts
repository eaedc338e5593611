import { describe, expect, test } from "bun:test";
import { AppError } from "../../core/errors";
import { addressKind, checkUrl, STRICT_POLICY, type AddressPolicy } from "./address-policy";

/** The AppError checkUrl throws, or undefined when it allows the URL. */
function refusal(url: string, policy: AddressPolicy = STRICT_POLICY): AppError | undefined {
  try {
    checkUrl(url, policy);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
}

describe("address policy: IP literals in every spelling the URL parser accepts", () => {
  const refused: [string, string][] = [
    ["http://127.0.0.1:3000/metrics", "loopback"],
    ["http://127.255.1.2/", "loopback"],
    ["http://2130706433/", "loopback"], // decimal
    ["http://0177.0.0.1/", "loopback"], // octal
    ["http://0x7f.1/", "loopback"], // hex, short
    ["http://0x7f000001/", "loopback"],
    ["http://127.1/", "loopback"], // short
    ["http://[::1]/", "loopback"],
    ["http://[0:0:0:0:0:0:0:1]/", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "loopback"], // IPv4-mapped, dotted
    ["http://[::ffff:7f00:1]/", "loopback"], // IPv4-mapped, hex
    ["http://[::127.0.0.1]/", "loopback"], // IPv4-compatible
    ["http://[::ffff:0:7f00:1]/", "loopback"], // IPv4-translated
    ["http://10.0.0.1/", "private"],
    ["http://10.255.255.255/", "private"],
    ["http://172.16.0.1/", "private"],
    ["http://172.31.255.1/", "private"],
    ["http://192.168.1.1/", "private"],
    ["http://[::ffff:10.0.0.1]/", "private"],
    ["http://[::ffff:192.168.0.1]/", "private"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"], // cloud metadata
    ["http://[::ffff:169.254.169.254]/", "link-local"],
    ["http://[fe80::1]/", "link-local"],
    ["http://100.64.0.1/", "carrier-grade NAT"],
    ["http://100.127.255.254/", "carrier-grade NAT"],
    ["http://[fc00::1]/", "unique local"],
    ["http://[fd12:3456::1]/", "unique local"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://0/", "unspecified"],
    ["http://[::]/", "unspecified"],
    ["http://224.0.0.1/", "multicast"],
    ["http://[ff02::1]/", "multicast"],
    ["http://255.255.255.255/", "broadcast"],
    ["http://240.0.0.1/", "reserved"],
    ["http://192.0.2.10/", "reserved"],
    ["http://[64:ff9b::10.0.0.1]/", "private"], // NAT64 of a private address
    ["http://[64:ff9b::127.0.0.1]/", "loopback"],
    ["http://[2002:7f00:1::]/", "reserved"], // 6to4
    ["http://[2001:db8::1]/", "reserved"], // documentation
    ["http://[100::1]/", "reserved"], // outside 2000::/3
  ];
  for (const [url, kind] of refused) {
    test(`${url} is refused as ${kind}`, () => {
      const e = refusal(url);
      expect(e?.code).toBe("URL_NOT_ALLOWED");
      expect(e?.status).toBe(422);
      expect(e?.message).toContain(` ${kind} address`);
    });
  }

  test("public addresses are allowed, also mapped or NAT64 forms of a public IPv4 address", () => {
    for (const url of ["http://8.8.8.8/", "https://1.1.1.1:8443/x", "http://[2606:4700::1111]/", "http://[::ffff:8.8.8.8]/", "http://[64:ff9b::8.8.8.8]/", "http://172.32.0.1/", "http://100.128.0.1/", "https://example.com/", "http://example.com:8080/"]) {
      expect({ url, refused: refusal(url)?.message }).toEqual({ url, refused: undefined });
    }
  });

  test("addressKind reads resolver output; a user's shorthand is not an address there", () => {
    expect(addressKind("127.0.0.1")).toBe("loopback");
    expect(addressKind("::1")).toBe("loopback");
    expect(addressKind("[::1]")).toBe("loopback");
    expect(addressKind("93.184.216.34")).toBe("public");
    expect(addressKind("127.1")).toBeUndefined();
    expect(addressKind("example.com")).toBeUndefined();
  });
});

describe("address policy: scheme, credentials, port", () => {
  test("only http and https", () => {
    for (const url of ["ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/", "data:text/plain,hi", "ws://example.com/"]) {
      expect(refusal(url)?.code).toBe("URL_NOT_ALLOWED");
    }
    expect(refusal("not a url")?.code).toBe("INVALID_URL");
    expect(refusal("/relative/path")?.code).toBe("INVALID_URL");
  });

  test("no credentials in the URL", () => {
    expect(refusal("http://user:secret@example.com/")?.message).toContain("credentials");
    expect(refusal("http://user@example.com/")?.code).toBe("URL_NOT_ALLOWED");
  });

  test("the fetch standard's blocked ports are refused; standard and high ports are not", () => {
    for (const port of [25, 22, 6667, 10080]) expect(refusal(`http://example.com:${port}/`)?.message).toContain(`port ${port}`);
    for (const port of [80, 443, 8080, 8443, 3000, 9000]) expect(refusal(`http://example.com:${port}/`)).toBeUndefined();
  });

  test("a refusal names the host, not more", () => {
    const e = refusal("http://[::ffff:7f00:1]:3000/metrics?token=abc");
    expect(e?.message).toContain("'::ffff:7f00:1'");
    expect(e?.message).not.toContain("token");
    expect(e?.message).not.toContain("metrics");
  });
});

describe("address policy: exemptions", () => {
  const intranet: AddressPolicy = { allowPrivate: true, allowedHosts: [] };
  test("URL_FETCH_ALLOW_PRIVATE allows private networks, not loopback or link-local", () => {
    for (const url of ["http://10.1.2.3/", "http://192.168.0.10/", "http://172.20.0.1/", "http://100.64.1.1/", "http://[fd00::5]/"]) expect(refusal(url, intranet)).toBeUndefined();
    for (const url of ["http://127.0.0.1/", "http://[::1]/", "http://169.254.169.254/", "http://[fe80::1]/", "http://0.0.0.0/"]) expect(refusal(url, intranet)?.code).toBe("URL_NOT_ALLOWED");
  });

  test("an allowed host may be loopback or private, only that host; never unspecified, multicast or broadcast", () => {
    const p: AddressPolicy = { allowPrivate: false, allowedHosts: ["127.0.0.1", "*.intra.example"] };
    expect(refusal("http://127.0.0.1:8080/", p)).toBeUndefined();
    expect(refusal("http://127.0.0.2/", p)?.code).toBe("URL_NOT_ALLOWED");
    expect(refusal("http://[::1]/", p)?.code).toBe("URL_NOT_ALLOWED");
    const any: AddressPolicy = { allowPrivate: true, allowedHosts: ["0.0.0.0", "224.0.0.1", "255.255.255.255"] };
    for (const url of ["http://0.0.0.0/", "http://224.0.0.1/", "http://255.255.255.255/"]) expect(refusal(url, any)?.code).toBe("URL_NOT_ALLOWED");
  });
});
