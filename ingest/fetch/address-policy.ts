/**
 * Which URLs the server may fetch on a user's behalf (URL ingestion, site crawl): the policy that keeps a
 * `{url}` from being turned against the network the server runs in (SSRF).
 *
 * - http and https only, no credentials in the URL, no port on the fetch standard's "bad port" list (the ports
 *   browsers refuse: SMTP, SSH, IRC, X11, ...); every other port is allowed, since the address rule below is what
 *   keeps internal services out of reach.
 * - The host is taken after the WHATWG URL parser's normalisation (`new URL`), so every spelling of an IP literal
 *   the parser accepts (decimal 2130706433, octal 0177.0.0.1, hex 0x7f.1, short 127.1, IPv6 in brackets) is
 *   checked as the address it is.
 * - Every address the host resolves to must be public unicast. An IPv6 address that embeds an IPv4 address
 *   (mapped ::ffff:a.b.c.d, translated ::ffff:0:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96 and /48) is
 *   judged by the IPv4 address; 6to4 and Teredo are refused; IPv6 outside 2000::/3 is refused.
 *
 * Exemptions (core/config.ts): URL_FETCH_ALLOW_PRIVATE allows private networks (10/8, 172.16/12, 192.168/16,
 * 100.64/10, fc00::/7) for intranet deployments; loopback (this machine) and link-local (169.254/16 with the
 * cloud metadata service, fe80::/10) stay refused. A host named in URL_FETCH_ALLOWED_HOSTS may resolve to any
 * of those. Never allowed, whatever the configuration: unspecified (0.0.0.0/8, ::), multicast, broadcast and
 * reserved ranges, which are not a server one can fetch from.
 */
import ipaddr from "ipaddr.js";
import { errors } from "../../core/errors";

export interface AddressPolicy {
  /** Allow private networks (not loopback, not link-local). */
  allowPrivate: boolean;
  /**
   * Host names (or IP literals) exempt from the non-public address rule, lower case without brackets or trailing
   * dot (core/config.ts normalises URL_FETCH_ALLOWED_HOSTS so); "*.corp.example" matches its subdomains.
   */
  allowedHosts: readonly string[];
}

export const STRICT_POLICY: AddressPolicy = { allowPrivate: false, allowedHosts: [] };

/** What an address is; "public" is the only kind fetched without an exemption. */
export type AddressKind =
  | "public"
  | "private"
  | "carrier-grade NAT"
  | "unique local"
  | "loopback"
  | "link-local"
  | "unspecified"
  | "multicast"
  | "broadcast"
  | "reserved";

const PRIVATE_KINDS = new Set<AddressKind>(["private", "carrier-grade NAT", "unique local"]);
const EXEMPTIBLE_KINDS = new Set<AddressKind>([...PRIVATE_KINDS, "loopback", "link-local"]);

const V4_KINDS: Record<string, AddressKind> = {
  unicast: "public",
  private: "private",
  carrierGradeNat: "carrier-grade NAT",
  loopback: "loopback",
  linkLocal: "link-local",
  unspecified: "unspecified",
  multicast: "multicast",
  broadcast: "broadcast",
};

const V6_KINDS: Record<string, AddressKind> = {
  uniqueLocal: "unique local",
  loopback: "loopback",
  linkLocal: "link-local",
  unspecified: "unspecified",
  multicast: "multicast",
};

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");
const NAT64 = [ipaddr.parseCIDR("64:ff9b::/96"), ipaddr.parseCIDR("64:ff9b:1::/48")];

function kindOfV4(a: ipaddr.IPv4): AddressKind {
  return V4_KINDS[a.range()] ?? "reserved";
}

const embeddedV4 = (a: ipaddr.IPv6) => {
  const p = a.parts;
  return new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
};

function kindOfV6(a: ipaddr.IPv6): AddressKind {
  const p = a.parts;
  const range = a.range();
  if (range === "unspecified" || range === "loopback") return V6_KINDS[range]!;
  // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated), ::a.b.c.d (compatible): the IPv4 address decides.
  const zeros = (n: number) => p.slice(0, n).every((x) => x === 0);
  if ((zeros(5) && p[5] === 0xffff) || (zeros(4) && p[4] === 0xffff && p[5] === 0) || zeros(6)) return kindOfV4(embeddedV4(a));
  if (NAT64.some((net) => a.match(net))) return kindOfV4(embeddedV4(a));
  if (V6_KINDS[range]) return V6_KINDS[range]!;
  return range === "unicast" && a.match(GLOBAL_UNICAST_V6) ? "public" : "reserved";
}

/** The kind of an IP address in text form ("127.0.0.1", "::1", "[::1]"); undefined when it is not one. */
export function addressKind(text: string): AddressKind | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return undefined;
  // Only strict forms here: a resolver or the URL parser's output, never a user's shorthand (the URL parser
  // has already turned those into dotted quads).
  if (ipaddr.IPv4.isValid(bare) && !ipaddr.IPv4.isValidFourPartDecimal(bare)) return undefined;
  const a = ipaddr.parse(bare);
  return a.kind() === "ipv4" ? kindOfV4(a as ipaddr.IPv4) : kindOfV6(a as ipaddr.IPv6);
}

/** The host of a normalised URL without brackets and a trailing dot, lower case. */
export function bareHost(url: URL): string {
  const h = url.hostname.toLowerCase().replace(/\.$/, "");
  return h.startsWith("[") ? h.slice(1, -1) : h;
}

export function isHostAllowed(host: string, policy: AddressPolicy): boolean {
  return policy.allowedHosts.some((e) => (e.startsWith("*.") ? host.endsWith(e.slice(1)) : host === e));
}

/** Why an address may not be fetched for this host, or undefined when it may. */
export function refusalOf(kind: AddressKind, host: string, policy: AddressPolicy): string | undefined {
  if (kind === "public") return undefined;
  if (EXEMPTIBLE_KINDS.has(kind) && isHostAllowed(host, policy)) return undefined;
  if (PRIVATE_KINDS.has(kind) && policy.allowPrivate) return undefined;
  const article = /^[aeiou]/.test(kind) ? "an" : "a";
  const how = EXEMPTIBLE_KINDS.has(kind) ? "; an operator can allow this host with URL_FETCH_ALLOWED_HOSTS" : "";
  return `resolves to ${article} ${kind} address${how}`;
}

/** Fetch standard "bad ports" (https://fetch.spec.whatwg.org/#port-blocking), refused as browsers do. */
const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

export const notAllowed = (host: string, why: string) => errors.invalid("URL_NOT_ALLOWED", `url host '${host}' ${why}`);

/**
 * Parses and checks what can be checked without DNS: scheme, credentials, port, and the host when it is an IP
 * literal. Throws 422 INVALID_URL or URL_NOT_ALLOWED.
 */
export function checkUrl(raw: string | URL, policy: AddressPolicy): URL {
  let url: URL;
  try {
    url = raw instanceof URL ? new URL(raw.href) : new URL(raw);
  } catch {
    throw errors.invalid("INVALID_URL", "url is not a valid absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw errors.invalid("URL_NOT_ALLOWED", `url must be http or https, not ${url.protocol.replace(/:$/, "")}`);
  const host = bareHost(url);
  if (url.username || url.password) throw notAllowed(host, "is given with credentials; a URL with user:password@ is not fetched");
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  if (BAD_PORTS.has(port)) throw notAllowed(host, `is given with port ${port}, which is never fetched (the fetch standard's blocked ports)`);
  const kind = addressKind(host);
  if (kind !== undefined) {
    const why = refusalOf(kind, host, policy);
    if (why) throw notAllowed(host, why.replace(/^resolves to/, "is"));
  }
  return url;
}
