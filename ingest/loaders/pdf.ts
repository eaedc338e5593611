/**
 * PDF loader: parsing runs in a Bun Worker (pdf-worker.ts) under a time limit; on timeout or abort the worker is
 * terminated, so no PDF can crash or hang the process. Idle workers are kept (unref'd) for reuse.
 */
import { errors } from "../../core/errors";
import type { LoadedDocument, LoaderInput, LoaderOptions } from "../types";
import { baseName } from "./detect";
import { buildPdfSections, cleanPdfTitle } from "./pdf-sections";
import type { PdfParsed, PdfWorkerReply, PdfWorkerRequest } from "./pdf-worker";

const WORKER_URL = new URL("./pdf-worker.ts", import.meta.url).href;
const MAX_IDLE = 2;
const idle: RefWorker[] = [];
let nextId = 1;

/** Bun's Worker can be unref'd so an idle worker does not keep the process alive (not in the DOM typings). */
type RefWorker = Worker & { ref(): void; unref(): void };

function takeWorker(): RefWorker {
  const w = (idle.pop() ?? new Worker(WORKER_URL)) as RefWorker;
  w.ref();
  return w;
}

function releaseWorker(w: RefWorker): void {
  w.onmessage = null;
  w.onerror = null;
  if (idle.length < MAX_IDLE) {
    w.unref();
    idle.push(w);
  } else w.terminate();
}

/** Terminates the idle workers (tests and shutdown). */
export function closePdfWorkers(): void {
  while (idle.length) idle.pop()!.terminate();
}

export const pdfTimeout = (ms: number) =>
  errors.invalid("PDF_TIMEOUT", `parsing the PDF took longer than ${ms} ms and was stopped; the file may be malformed or too complex`);

/** Parses PDF bytes in a worker; rejects with AppError on timeout, abort, encryption or corruption. */
export function parsePdfInWorker(bytes: Uint8Array, opts: LoaderOptions): Promise<PdfParsed> {
  return new Promise<PdfParsed>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortReason(opts.signal));
    const worker = takeWorker();
    const id = nextId++;
    let settled = false;
    const finish = (fn: () => void, reuse: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (reuse) releaseWorker(worker);
      else worker.terminate();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(pdfTimeout(opts.timeoutMs)), false), opts.timeoutMs);
    const onAbort = () => finish(() => reject(abortReason(opts.signal!)), false);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    worker.onmessage = (event: MessageEvent<PdfWorkerReply>) => {
      const reply = event.data;
      if (reply.id !== id) return;
      if (reply.ok) return finish(() => resolve(reply.result), true);
      const err = reply.code === "DOCUMENT_TOO_LARGE" ? errors.tooLarge(reply.code, reply.message) : errors.invalid(reply.code, reply.message);
      finish(() => reject(err), true);
    };
    worker.onerror = (event: ErrorEvent) => {
      const err = errors.invalid("PDF_CORRUPT", `the PDF parser failed on this file (${event.message || "worker error"})`);
      finish(() => reject(err), false);
    };
    const copy = bytes.slice();
    const request: PdfWorkerRequest = { id, bytes: copy, maxRawChars: Math.max(opts.maxChars * 2, 10_000) };
    worker.postMessage(request, [copy.buffer]);
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new DOMException("the operation was aborted", "AbortError");
}

/** Loads a PDF into sections with 1-based pages and heading paths. */
export async function loadPdf(input: LoaderInput, opts: LoaderOptions): Promise<LoadedDocument> {
  const parsed = await parsePdfInWorker(input.bytes, opts);
  const { sections, firstHeading } = buildPdfSections(parsed.pages, parsed.outline);
  if (sections.length === 0) {
    throw errors.invalid("PDF_NO_TEXT", "the PDF has no text layer on any page (scanned or image-only); OCR is not supported");
  }
  const title = cleanPdfTitle(parsed.info.title) ?? firstHeading ?? baseName(input.filename) ?? "Untitled PDF";
  const metadata: Record<string, unknown> = { hasOutline: parsed.outline.length > 0 };
  for (const [k, v] of Object.entries(parsed.info)) if (v && k !== "title") metadata[k] = v;
  return { title, mimeType: "application/pdf", format: "pdf", pageCount: parsed.pageCount, sections, metadata };
}
