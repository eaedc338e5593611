/**
 * loadDocument: detects the format, runs the matching loader, passes every section through normalizeText, drops
 * empty sections and enforces opts.maxChars (413) and opts.signal (abort). PDFs are parsed in a worker.
 */
import { errors } from "../../core/errors";
import { normalizeText } from "../../core/text";
import type { LoadedDocument, LoaderInput, LoaderOptions } from "../types";
import { loadCsv } from "./csv";
import { baseName, decodeText, detectFormat, extensionOf, type DocumentFormat } from "./detect";
import { loadHtml } from "./html";
import { loadJson } from "./json";
import { loadMarkdown } from "./markdown";
import { abortReason, loadPdf } from "./pdf";
import { loadText } from "./text";
import { documentTooLarge } from "./text-limit";

export { detectFormat, type DocumentFormat } from "./detect";
export { closePdfWorkers } from "./pdf";

/** Characters of the document's full text (sections joined by "\n\n"). */
export function textLength(doc: LoadedDocument): number {
  return doc.sections.reduce((n, s, i) => n + s.text.length + (i > 0 ? 2 : 0), 0);
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortReason(signal);
}

function loadTextual(format: Exclude<DocumentFormat, "pdf">, input: LoaderInput, opts: LoaderOptions): LoadedDocument {
  const source = decodeText(input.bytes);
  const name = baseName(input.filename);
  const limit = { maxChars: opts.maxChars };
  switch (format) {
    case "markdown":
      return loadMarkdown(source, name, limit);
    case "html":
      return loadHtml(source, name, limit);
    case "text":
      return loadText(normalizeText(source), name, limit);
    case "json":
      return loadJson(source, name, limit);
    case "csv":
      return loadCsv(source, name, { tsv: extensionOf(input.filename) === "tsv" || /tab-separated/i.test(input.mimeType ?? ""), ...limit });
  }
}

const tooLarge = documentTooLarge;

/** Loads one file into normalised sections. Throws AppError for unsupported, empty, malformed or oversize input. */
export async function loadDocument(input: LoaderInput, opts: LoaderOptions): Promise<LoadedDocument> {
  throwIfAborted(opts.signal);
  const format = detectFormat(input);
  const loaded = format === "pdf" ? await loadPdf(input, opts) : loadTextual(format, input, opts);
  throwIfAborted(opts.signal);

  const sections = loaded.sections
    .map((s) => ({ ...s, text: normalizeText(s.text), headingPath: s.headingPath.map((h) => normalizeText(h)).filter(Boolean) }))
    .filter((s) => s.text.length > 0);
  // A personal table (CSV) has records and deliberately no text (ingest/loaders/csv.ts).
  if (sections.length === 0 && !loaded.records?.length) {
    throw errors.invalid("EMPTY_DOCUMENT", "the document contains no text to ingest");
  }
  const doc: LoadedDocument = { ...loaded, title: normalizeText(loaded.title) || "Untitled document", sections };
  if (textLength(doc) > opts.maxChars) throw tooLarge(opts.maxChars);
  return doc;
}
