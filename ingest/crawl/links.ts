/**
 * Links of an HTML page for the site crawler, read with Bun's HTMLRewriter (the streaming parser the HTML loader
 * uses): every `<a href>` resolved against the page URL, or against `<base href>` when the page has one (the
 * first, as browsers do). Only http(s) links, without their fragment, each once, in document order. Links marked
 * rel="nofollow", and every link of a page whose robots meta tag says nofollow, are left out.
 */
import { formatOfExtension } from "../loaders/detect";

const LINK_SCHEMES = new Set(["http:", "https:"]);

export interface PageLinks {
  links: URL[];
  /** The page asked not to be followed (`<meta name="robots" content="nofollow">`). */
  nofollow: boolean;
}

/** The URL without its fragment, the key the crawler dedupes on. */
export function withoutFragment(url: URL): URL {
  const u = new URL(url.href);
  u.hash = "";
  return u;
}

export async function extractLinks(html: Uint8Array | string, pageUrl: URL): Promise<PageLinks> {
  const hrefs: string[] = [];
  let base: string | undefined;
  let nofollow = false;
  const rewriter = new HTMLRewriter()
    .on("base[href]", {
      element(el) {
        base ??= el.getAttribute("href") ?? undefined;
      },
    })
    .on("meta[name]", {
      element(el) {
        if (el.getAttribute("name")?.toLowerCase() !== "robots") return;
        if (/\b(nofollow|none)\b/i.test(el.getAttribute("content") ?? "")) nofollow = true;
      },
    })
    .on("a[href]", {
      element(el) {
        if (/\bnofollow\b/i.test(el.getAttribute("rel") ?? "")) return;
        const href = el.getAttribute("href");
        if (href) hrefs.push(href);
      },
    });
  await rewriter.transform(new Response(html as BodyInit)).arrayBuffer();
  let resolveAgainst = pageUrl;
  if (base !== undefined) {
    try {
      resolveAgainst = new URL(base.trim(), pageUrl);
    } catch {
      /* an invalid <base>: the page URL stays the base */
    }
  }
  const seen = new Set<string>();
  const links: URL[] = [];
  for (const href of hrefs) {
    let url: URL;
    try {
      url = withoutFragment(new URL(href.trim(), resolveAgainst));
    } catch {
      continue;
    }
    if (!LINK_SCHEMES.has(url.protocol) || seen.has(url.href)) continue;
    seen.add(url.href);
    links.push(url);
  }
  return { links: nofollow ? [] : links, nofollow };
}

const PAGE_EXTENSIONS = new Set(["html", "htm", "xhtml", "shtml", "php", "asp", "aspx", "jsp", "cfm"]);

/**
 * What a link points at, judged by its path before fetching: a page (no extension or an HTML-like one), a
 * supported document type (ingested, its links not followed), or something else (skipped without a request:
 * images, archives, scripts, stylesheets, office files).
 */
export function linkKind(url: URL): "page" | "document" | "other" {
  const last = url.pathname.split("/").pop() ?? "";
  const dot = last.lastIndexOf(".");
  if (dot <= 0) return "page";
  const ext = last.slice(dot + 1).toLowerCase();
  if (PAGE_EXTENSIONS.has(ext)) return "page";
  const format = formatOfExtension(ext);
  if (format) return format === "html" ? "page" : "document";
  // A dot in a last segment that is not an extension (a version, a date): treat as a page.
  return /^[a-z0-9]{1,5}$/.test(ext) && !/^\d+$/.test(ext) ? "other" : "page";
}
