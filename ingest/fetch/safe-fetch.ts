/**
 * The one way the server fetches a URL a user gave it (URL ingestion, site crawl). Each hop:
 *   1. checkUrl (address-policy.ts): scheme, credentials, port, IP literals in every spelling;
 *   2. resolve the host (node:dns lookup, all addresses) and refuse when ANY address is not allowed;
 *   3. connect to the address that was checked, not to the name again (no DNS rebinding between the check and
 *      the request): the request goes to the IP with the original Host header, and for https with the TLS
 *      server name (SNI) set to the host, so the certificate is still verified against the host name (Bun's
 *      fetch verifies against `tls.serverName` when it is set; ingest/fetch/safe-fetch.test.ts proves it);
 *   4. redirects are not followed by fetch (`redirect: "manual"`): each Location is checked from step 1 again,
 *      at most `maxRedirects` (5) times.
 * One time limit covers DNS, every hop, headers and body (504 URL_FETCH_TIMEOUT); the body is read as a stream
 * and refused past `maxBytes` (413 UPLOAD_TOO_LARGE) without reading the rest. A refusal is 422 URL_NOT_ALLOWED
 * naming the host and the kind of address, never the address a name resolved to.
 *
 * Residual risk: with an HTTP proxy configured in the environment (HTTP_PROXY, HTTPS_PROXY), the proxy makes
 * the connection; it is given the checked IP, so it cannot be re-resolved, but the proxy's own reach applies.
 */
import { readCapped as readStreamCapped } from "../../core/read-capped";
import { lookup } from "node:dns/promises";
import { AppError, errors } from "../../core/errors";
import { addressKind, bareHost, checkUrl, notAllowed, refusalOf, STRICT_POLICY, type AddressPolicy } from "./address-policy";

/** The product token of the User-Agent every fetch sends, so a site can tell its requests apart (robots.txt groups name it). */
export const PRODUCT_AGENT = "DeskPilot";
const USER_AGENT = `${PRODUCT_AGENT}/0.1 (knowledge-base fetcher)`;

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (injected in tests). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

export interface SafeFetchOptions {
  policy?: AddressPolicy;
  /** Whole fetch: DNS, redirects, headers and body (URL_FETCH_TIMEOUT_MS). */
  timeoutMs: number;
  /** Largest body (MAX_UPLOAD_MB). */
  maxBytes: number;
  maxRedirects?: number;
  /** Injected fetch (tests); it is called only with requests the policy allowed, pinned to the checked address. */
  fetch?: typeof fetch;
  resolve?: Resolver;
  /** Aborts the fetch (a cancelled crawl, shutdown). */
  signal?: AbortSignal;
  accept?: string;
}

export interface FetchedUrl {
  /** The URL that answered (after redirects). */
  url: URL;
  bytes: Uint8Array;
  /** The media type without parameters, when the server sent one. */
  mimeType?: string;
  redirects: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
export const DEFAULT_MAX_REDIRECTS = 5;

/** Rejects with the signal's reason when it aborts first (node:dns lookup cannot be cancelled). */
function race<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Resolves the URL's host and checks every address; returns the one to connect to. */
export async function checkedAddress(url: URL, policy: AddressPolicy, resolve: Resolver, signal: AbortSignal): Promise<string> {
  const host = bareHost(url);
  if (addressKind(host) !== undefined) return host; // an IP literal, checked by checkUrl
  let found: ResolvedAddress[];
  try {
    found = await race(resolve(host), signal);
  } catch (e) {
    if (signal.aborted) throw e;
    throw errors.invalid("URL_UNREACHABLE", `could not resolve the url host '${host}'`);
  }
  if (!found.length) throw errors.invalid("URL_UNREACHABLE", `could not resolve the url host '${host}'`);
  for (const { address } of found) {
    const why = refusalOf(addressKind(address) ?? "reserved", host, policy);
    if (why) throw notAllowed(host, why);
  }
  return found[0]!.address;
}

/** The request to send for a checked URL: to the address, with the host's Host header and TLS server name. */
export function pinnedRequest(url: URL, address: string): { target: URL; headers: Record<string, string>; tls?: { serverName: string } } {
  const host = bareHost(url);
  if (host === address) return { target: url, headers: {} };
  const target = new URL(url.href);
  target.hostname = address.includes(":") ? `[${address}]` : address;
  return { target, headers: { host: url.host }, ...(url.protocol === "https:" ? { tls: { serverName: host } } : {}) };
}

function timeoutError(url: string, limitMs: number, cause: unknown): AppError {
  return new AppError({ code: "URL_FETCH_TIMEOUT", message: `${url} did not answer within ${limitMs} ms (URL_FETCH_TIMEOUT_MS)`, category: "unavailable", status: 504, retryable: true, cause });
}

/** A network failure, by its code only: the message of a pinned request names the address it went to. */
function unreachable(url: string, e: unknown): AppError {
  const code = (e as { code?: unknown })?.code;
  return errors.invalid("URL_UNREACHABLE", `could not fetch ${url}: ${typeof code === "string" && code ? code : "network error"}`);
}

/** The response body, refused with 413 when it declares or turns out to be larger than `maxBytes`. */
async function readBodyCapped(res: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (n: number | string) => errors.tooLarge("UPLOAD_TOO_LARGE", `${url} is ${n} bytes; the limit is ${maxBytes}`);
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(declared);
  }
  return readStreamCapped(res.body, maxBytes, () => tooLarge(`more than ${maxBytes}`));
}

/** Fetches a user-given URL under the address policy; throws AppError (422, 413, 504) for every failure. */
export async function safeFetch(raw: string, o: SafeFetchOptions): Promise<FetchedUrl> {
  const policy = o.policy ?? STRICT_POLICY;
  const resolve = o.resolve ?? systemResolver;
  const maxRedirects = o.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
  const fail = (e: unknown): never => {
    if (e instanceof AppError) throw e;
    if (timeout.aborted || (e as Error)?.name === "TimeoutError") throw timeoutError(raw, o.timeoutMs, e);
    if (o.signal?.aborted) throw o.signal.reason instanceof AppError ? o.signal.reason : errors.unavailable("FETCH_ABORTED", `fetching ${raw} was stopped`);
    throw unreachable(raw, e);
  };
  let url = checkUrl(raw, policy);
  let from: string | undefined;
  /** A refusal after a redirect says which host sent it there. */
  const viaRedirect = (e: unknown) =>
    from !== undefined && e instanceof AppError && e.code === "URL_NOT_ALLOWED" ? errors.invalid("URL_NOT_ALLOWED", `redirect from '${from}' refused: ${e.message}`) : e;
  for (let redirects = 0; ; redirects++) {
    let res: Response;
    try {
      const address = await checkedAddress(url, policy, resolve, signal);
      const { target, headers, tls } = pinnedRequest(url, address);
      const init = { signal, redirect: "manual", headers: { accept: o.accept ?? "*/*", "user-agent": USER_AGENT, ...headers }, ...(tls ? { tls } : {}) } as RequestInit;
      res = await (o.fetch ?? fetch)(target, init);
    } catch (e) {
      return fail(viaRedirect(e));
    }
    const location = REDIRECTS.has(res.status) ? res.headers.get("location") : null;
    if (location !== null) {
      await res.body?.cancel().catch(() => {});
      from = bareHost(url);
      if (redirects >= maxRedirects) throw errors.invalid("TOO_MANY_REDIRECTS", `${raw} redirected more than ${maxRedirects} times`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw errors.invalid("URL_FETCH_FAILED", `${raw} redirected to an invalid URL`);
      }
      try {
        url = checkUrl(next, policy);
      } catch (e) {
        throw viaRedirect(e);
      }
      url.hash = "";
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw errors.invalid("URL_FETCH_FAILED", `fetching ${raw} answered HTTP ${res.status}`, { upstreamStatus: res.status });
    }
    try {
      const bytes = await readBodyCapped(res, raw, o.maxBytes);
      return { url, bytes, mimeType: res.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() || undefined, redirects };
    } catch (e) {
      return fail(e);
    }
  }
}
