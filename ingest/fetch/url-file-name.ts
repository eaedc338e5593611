/**
 * The file name a fetched URL is ingested under: its last path segment (decoded when it can be), or the host for
 * a bare site URL. Format detection trusts a known extension and refuses an unknown one, but a URL's "extension"
 * is often none of a file's (`index.php`, `/v1.2`, the host `example.com`): when the name's extension names no
 * supported format and the server's media type does, that format's extension is appended
 * (`example.com` + text/html -> `example.com.html`), so the media type decides as it should.
 */
import { formatOfExtension, FORMAT_MIME, type DocumentFormat } from "../loaders/detect";

const EXTENSION_OF: Record<DocumentFormat, string> = { pdf: "pdf", markdown: "md", html: "html", text: "txt", json: "json", csv: "csv" };

const formatOfMime = (mime: string | undefined): DocumentFormat | undefined => {
  if (!mime) return undefined;
  if (mime === "application/xhtml+xml") return "html";
  return (Object.entries(FORMAT_MIME) as [DocumentFormat, string][]).find(([, m]) => m === mime)?.[0];
};

export function urlFileName(url: URL, mimeType?: string): string {
  const last = url.pathname.split("/").filter(Boolean).pop() ?? "";
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    /* a malformed escape: keep it as sent */
  }
  name = name.replace(/[\\/]/g, "_") || url.hostname;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1) : undefined;
  const byMime = formatOfMime(mimeType?.toLowerCase());
  return ext !== undefined && !formatOfExtension(ext) && byMime ? `${name}.${EXTENSION_OF[byMime]}` : name;
}
