/**
 * The client's address for rate limits and logs: the connection's peer address from Bun
 * (`server.requestIP(request)`), or — only when TRUST_PROXY says proxies stand in front — an address from
 * X-Forwarded-For, which any client can write and so is never read otherwise.
 *
 * TRUST_PROXY=N (N proxies in front, e.g. 1 for one load balancer): the chain is read right to left — the peer,
 * then the X-Forwarded-For entries each proxy appended — and the client is the N-th address from the peer, the
 * one the outermost trusted proxy saw. Entries further left were written by the client and are ignored, so a
 * forged X-Forwarded-For cannot choose its own address. TRUST_PROXY=true trusts every hop: the leftmost entry
 * (only safe when the proxy replaces the header instead of appending to it). A selected entry that is not an IP
 * address falls back to the peer.
 */
import { isIP } from "node:net";
import type { TrustProxy } from "../../core/config";

/** What Elysia hands out as `server` (null under app.handle, where no connection exists). */
export interface PeerSource {
  requestIP(request: Request): { address: string } | null;
}

/** "::ffff:10.0.0.1" -> "10.0.0.1"; other addresses as given (lower case). */
export function normalizeIp(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped ? mapped[1]! : a;
}

export function isLoopback(ip: string): boolean {
  return ip === "::1" || /^127\.\d+\.\d+\.\d+$/.test(ip);
}

/** The client's address, or undefined when none is known (app.handle without a trusted X-Forwarded-For). */
export function clientIp(request: Request, server: PeerSource | null | undefined, trust: TrustProxy): string | undefined {
  let peer: string | undefined;
  try {
    const a = server?.requestIP(request)?.address;
    peer = a ? normalizeIp(a) : undefined;
  } catch {
    peer = undefined; // a request Bun did not receive over a connection
  }
  if (trust === false) return peer;
  const header = request.headers.get("x-forwarded-for");
  if (!header) return peer;
  const forwarded = header.split(",").map((s) => s.trim()).filter(Boolean);
  if (!forwarded.length) return peer;
  // Right to left: index 0 is the peer (the nearest proxy), 1 the address it appended, ...
  const chain = [peer, ...forwarded.reverse()];
  const at = trust === true ? chain.length - 1 : Math.min(trust, chain.length - 1);
  const picked = chain[at];
  if (picked === undefined) return peer;
  const ip = normalizeIp(picked);
  return isIP(ip) ? ip : peer;
}
