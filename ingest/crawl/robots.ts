/**
 * robots.txt for a crawl (RFC 9309, parsed by robots-parser): one fetch per origin, through the crawl's own
 * guarded fetch. What the site says for our user agent (or `*`) decides which URLs are fetched, and its
 * Crawl-delay the pause between requests to it. A robots.txt that answers 4xx means "no rules" (RFC 9309 2.3.1.3);
 * one that cannot be read at all (5xx, timeout, connection refused) means "fetch nothing" from that origin
 * (2.3.1.4), so a site in trouble is not crawled harder. A host the URL policy refuses gets no rules here: its pages
 * are refused by the same policy, each with its own error code.
 */
import robotsParser from "robots-parser";
import { isAppError } from "../../core/errors";
import { PRODUCT_AGENT, type FetchedUrl } from "../fetch/safe-fetch";

/** The longest Crawl-delay honoured: a site asking for more is crawled at this pace, not refused. */
export const MAX_CRAWL_DELAY_MS = 10_000;

export interface RobotsRules {
  allowed(url: URL): boolean;
  /** The pause the site asks for between requests (ms), capped at MAX_CRAWL_DELAY_MS; 0 when it says nothing. */
  delayMs: number;
  /** How the rules were had: "file", "none" (4xx: no robots.txt), "unreachable" (nothing is fetched). */
  source: "file" | "none" | "unreachable";
}

const decoder = new TextDecoder();

export async function fetchRobots(origin: string, fetch: (url: URL) => Promise<FetchedUrl>): Promise<RobotsRules> {
  const robotsUrl = new URL("/robots.txt", origin);
  let got: FetchedUrl;
  try {
    got = await fetch(robotsUrl);
  } catch (e) {
    const status = isAppError(e) ? Number(e.details?.upstreamStatus) : NaN;
    if (status >= 400 && status < 500) return { allowed: () => true, delayMs: 0, source: "none" };
    // Our own refusal (an address the URL policy forbids): the page's fetch is refused the same way, with its code.
    // Too many redirects or too large: no usable file, so no rules (2.3.1.2).
    if (isAppError(e) && e.status < 500 && !Number.isFinite(status) && e.code !== "URL_UNREACHABLE") return { allowed: () => true, delayMs: 0, source: "none" };
    return { allowed: () => false, delayMs: 0, source: "unreachable" };
  }
  const robot = robotsParser(robotsUrl.href, decoder.decode(got.bytes));
  const delay = Number(robot.getCrawlDelay(PRODUCT_AGENT) ?? 0);
  return {
    // robots-parser answers undefined for a URL of another origin; those never reach here, but allow them then.
    allowed: (url) => robot.isAllowed(url.href, PRODUCT_AGENT) !== false,
    delayMs: Number.isFinite(delay) && delay > 0 ? Math.min(delay * 1000, MAX_CRAWL_DELAY_MS) : 0,
    source: "file",
  };
}
