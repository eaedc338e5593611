/**
 * Bun Worker that parses one PDF with unpdf (PDF.js) at a time, so a pathological file can be terminated by the
 * caller (ingest/loaders/pdf.ts) without crashing or hanging the main process. Reply: PdfWorkerReply.
 */
import { getDocumentProxy } from "unpdf";
import { itemsToText, type PdfTextItem } from "./pdf-text";

export interface PdfWorkerRequest {
  id: number;
  bytes: Uint8Array;
  /** Abort extraction early once raw text grows past this many characters. */
  maxRawChars: number;
}

export interface PdfOutlineEntry {
  /** Outline titles from the top level down to this entry. */
  path: string[];
  /** 1-based page the entry points at. */
  page: number;
}

export interface PdfParsed {
  pageCount: number;
  /** Raw text per page (index 0 = page 1), lines separated by "\n". */
  pages: string[];
  outline: PdfOutlineEntry[];
  info: { title?: string; author?: string; subject?: string; producer?: string; creator?: string };
}

export type PdfWorkerReply =
  | { id: number; ok: true; result: PdfParsed }
  | { id: number; ok: false; code: "PDF_ENCRYPTED" | "PDF_CORRUPT" | "DOCUMENT_TOO_LARGE"; message: string };

type PdfProxy = Awaited<ReturnType<typeof getDocumentProxy>>;

type OutlineNode = { title: string; dest: string | unknown[] | null; items: OutlineNode[] };

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

async function pageOfDest(pdf: PdfProxy, dest: OutlineNode["dest"]): Promise<number | undefined> {
  try {
    const explicit = typeof dest === "string" ? await pdf.getDestination(dest) : dest;
    const target = Array.isArray(explicit) ? explicit[0] : undefined;
    if (typeof target === "number") return target + 1;
    if (target && typeof target === "object") return (await pdf.getPageIndex(target as never)) + 1;
  } catch {
    // Unresolvable destinations are skipped.
  }
  return undefined;
}

async function readOutline(pdf: PdfProxy): Promise<PdfOutlineEntry[]> {
  const out: PdfOutlineEntry[] = [];
  let roots: OutlineNode[] | null = null;
  try {
    roots = (await pdf.getOutline()) as OutlineNode[] | null;
  } catch {
    return out;
  }
  const walk = async (nodes: OutlineNode[], parents: string[], depth: number) => {
    for (const node of nodes) {
      if (out.length >= 2000 || depth > 8) return;
      const title = str(node.title)?.replace(/\s+/g, " ");
      if (!title) continue;
      const path = [...parents, title];
      const page = await pageOfDest(pdf, node.dest);
      if (page !== undefined) out.push({ path, page });
      if (node.items?.length) await walk(node.items, path, depth + 1);
    }
  };
  if (roots) await walk(roots, [], 0);
  return out;
}

function classify(e: unknown): { code: "PDF_ENCRYPTED" | "PDF_CORRUPT"; message: string } {
  const name = (e as { name?: string })?.name ?? "";
  const detail = (e as { message?: string })?.message ?? String(e);
  if (name === "PasswordException") {
    return { code: "PDF_ENCRYPTED", message: "password-protected PDFs cannot be ingested; remove the password and upload again" };
  }
  return { code: "PDF_CORRUPT", message: `the PDF could not be parsed (${detail.slice(0, 200)})` };
}

export async function parsePdf(bytes: Uint8Array, maxRawChars: number): Promise<PdfWorkerReply> {
  let pdf: PdfProxy | undefined;
  try {
    pdf = await getDocumentProxy(bytes, { verbosity: 0, stopAtErrors: false } as never);
    const meta = await pdf.getMetadata().catch(() => undefined);
    const info = (meta?.info ?? {}) as Record<string, unknown>;
    const outline = await readOutline(pdf);
    // Page text as unpdf's extractText({ mergePages: false }) builds it (items joined, hasEOL -> "\n") plus cell
    // separators (itemsToText), page by page so one broken page does not lose the document and huge texts stop early.
    const pages: string[] = [];
    let total = 0;
    for (let n = 1; n <= pdf.numPages; n++) {
      let text = "";
      try {
        const page = await pdf.getPage(n);
        const content = await page.getTextContent();
        text = itemsToText(content.items as PdfTextItem[]);
        page.cleanup();
      } catch {
        // A broken page yields no text; the rest of the document is still usable.
      }
      total += text.length;
      if (total > maxRawChars) {
        return { id: 0, ok: false, code: "DOCUMENT_TOO_LARGE", message: `the PDF has more than ${maxRawChars} characters of text` };
      }
      pages.push(text);
    }
    const result: PdfParsed = {
      pageCount: pdf.numPages,
      pages,
      outline,
      info: {
        title: str(info.Title),
        author: str(info.Author),
        subject: str(info.Subject),
        producer: str(info.Producer),
        creator: str(info.Creator),
      },
    };
    return { id: 0, ok: true, result };
  } catch (e) {
    return { id: 0, ok: false, ...classify(e) };
  } finally {
    await pdf?.destroy().catch(() => undefined);
  }
}

declare const self: Worker;
if (!Bun.isMainThread) {
  self.onmessage = async (event: MessageEvent<PdfWorkerRequest>) => {
    const { id, bytes, maxRawChars } = event.data;
    const reply = await parsePdf(bytes, maxRawChars);
    postMessage({ ...reply, id });
  };
}
