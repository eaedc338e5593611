/**
 * A fetch that cannot be turned against the network it runs in (SSRF): http(s) only, no credentials in the URL,
 * the host's every resolved address checked against address-policy.ts before connecting, and redirects followed
 * by hand (at most `maxRedirects`), each new location checked the same way. Hosts in `allowedHosts` (and every
 * host with `allowPrivate`, for intranet deployments) skip the address check; nothing skips the scheme check.
 *
 * Residual risk, stated: the address is checked at lookup and the connection is made by fetch, which resolves
 * again; a DNS server that answers differently within that gap (rebinding) is not stopped here. Bun's fetch
 * offers no way to pin the connection to the checked address for https; deployments that need that run URL
 * ingestion behind an egress proxy.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { errors } from "../../core/errors";
import { refusedAddress } from "./address-policy";

export interface SafeFetchOptions {
  fetch?: typeof fetch;
  /** Resolves a host name to its addresses (tests inject one). */
  lookup?: (host: string) => Promise<string[]>;
  allowPrivate?: boolean;
  /** Host names exempt from the address check (URL_FETCH_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
  maxRedirects?: number;
  signal?: AbortSignal;
}

const defaultLookup = async (host: string) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

const notAllowed = (host: string, why: string) => errors.invalid("URL_NOT_ALLOWED", `fetching from '${host}' is not allowed: ${why}`);

/** Refuses a URL whose scheme, credentials or addresses the policy does not allow (422 URL_NOT_ALLOWED). */
export async function checkUrl(url: URL, o: SafeFetchOptions = {}): Promise<void> {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw errors.invalid("INVALID_URL", "url must be http or https");
  if (url.username || url.password) throw notAllowed(url.hostname, "the URL carries credentials");
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (o.allowPrivate || o.allowedHosts?.some((h) => h.toLowerCase() === host)) return;
  if (isIP(host)) {
    const why = refusedAddress(host);
    if (why) throw notAllowed(host, why);
    return;
  }
  let addresses: string[];
  try {
    addresses = await (o.lookup ?? defaultLookup)(host);
  } catch {
    throw errors.invalid("URL_UNREACHABLE", `could not resolve '${host}'`);
  }
  if (!addresses.length) throw errors.invalid("URL_UNREACHABLE", `could not resolve '${host}'`);
  for (const a of addresses) {
    const why = refusedAddress(a);
    if (why) throw notAllowed(host, `it resolves to ${a}, and ${why}`);
  }
}

/** Fetches `url` under the policy; returns the final response (not a redirect) and its URL. */
export async function safeFetch(url: URL, o: SafeFetchOptions = {}): Promise<{ response: Response; url: URL }> {
  const max = o.maxRedirects ?? 5;
  let current = url;
  for (let hop = 0; ; hop++) {
    await checkUrl(current, o);
    const response = await (o.fetch ?? fetch)(current, { signal: o.signal, redirect: "manual" });
    const location = response.status >= 300 && response.status < 400 ? response.headers.get("location") : null;
    if (!location) return { response, url: current };
    await response.body?.cancel().catch(() => {});
    if (hop >= max) throw errors.invalid("URL_TOO_MANY_REDIRECTS", `more than ${max} redirects from ${url.href}`);
    try {
      current = new URL(location, current);
    } catch {
      throw errors.invalid("URL_FETCH_FAILED", `a redirect from ${current.href} points to an invalid URL`);
    }
  }
}
