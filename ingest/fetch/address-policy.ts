/**
 * Which addresses a URL fetch (document by URL, site crawl) may reach: public unicast only. Refused: loopback,
 * unspecified, private (RFC 1918, unique-local fc00::/7), link-local (169.254/16 with the cloud metadata address
 * 169.254.169.254, fe80::/10), carrier-grade NAT 100.64/10, benchmarking, documentation, multicast, reserved and
 * broadcast ranges, and IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d,
 * NAT64 64:ff9b::/96, 6to4 2002::/16) when the IPv4 address inside is refused. Every spelling of an IPv4 literal
 * (decimal 2130706433, octal 0177.0.0.1, hex 0x7f.1, short 127.1) is normalised by the WHATWG URL parser before it
 * gets here; host names are checked after DNS resolution, every address they resolve to.
 */
import { BlockList, isIP } from "node:net";

const V4_BLOCKED: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];
const V6_BLOCKED: [string, number][] = [
  ["::", 128],
  ["::1", 128],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
];

const blocked = new BlockList();
for (const [a, p] of V4_BLOCKED) blocked.addSubnet(a, p, "ipv4");
for (const [a, p] of V6_BLOCKED) blocked.addSubnet(a, p, "ipv6");

/** The 8 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail expanded). */
function groups(v6: string): number[] {
  let s = v6.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split(".").map(Number) as [number, number, number, number];
    s = s.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head ? head.split(":").filter(Boolean) : [];
  const t = tail ? tail.split(":").filter(Boolean) : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((x) => parseInt(x, 16));
}

const v4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedV4(v6: string): string | undefined {
  const g = groups(v6);
  if (g.length !== 8 || g.some((x) => Number.isNaN(x))) return undefined;
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && (g[5] === 0xffff || g[5] === 0)) return v4Of(g[6]!, g[7]!); // ::ffff:a.b.c.d, ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4Of(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return v4Of(g[1]!, g[2]!); // 6to4
  return undefined;
}

/** Why an IP address may not be fetched from, or undefined when it is a public unicast address. */
export function refusedAddress(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const kind = isIP(bare);
  if (kind === 0) return "it is not an IP address";
  if (kind === 4) return blocked.check(bare, "ipv4") ? "it is a loopback, private, link-local or reserved address" : undefined;
  const inner = embeddedV4(bare);
  if (inner && blocked.check(inner, "ipv4")) return "it is an IPv6 form of a loopback, private, link-local or reserved IPv4 address";
  return blocked.check(bare, "ipv6") ? "it is a loopback, private, link-local or reserved address" : undefined;
}
