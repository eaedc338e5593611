/**
 * Runs prepareDocument (load + chunk) in the ingestion worker (ingest-worker.ts) under a time limit, so parsing
 * and chunking of any file type never hold the API's thread: chat streams and /v1/health stay responsive. On
 * timeout or abort the worker is terminated (a PDF worker it started goes with it); an idle worker is kept,
 * unref'd, for the next document.
 */
import { errors } from "../core/errors";
import { abortReason } from "./loaders/pdf";
import type { LoaderInput } from "./types";
import type { IngestWorkerReply, IngestWorkerRequest } from "./ingest-worker";
import { deserializeError, unpackDrafts, type PreparedDocument, type PrepareOptions } from "./prepare-document";

const WORKER_URL = new URL("./ingest-worker.ts", import.meta.url).href;
const MAX_IDLE = 1;
/** Past the load time limit, the PDF worker's own PDF_TIMEOUT is given this long to arrive first. */
const GRACE_MS = 1000;
type RefWorker = Worker & { ref(): void; unref(): void };
const idle: RefWorker[] = [];
const busy = new Set<RefWorker>();
let nextId = 1;

export const ingestTimeout = (ms: number) =>
  errors.invalid("INGEST_TIMEOUT", `reading and chunking the document took longer than ${ms} ms and was stopped; split it into smaller files`);

/** Terminates every ingestion worker, idle or busy (shutdown; a busy one's caller gets INGEST_ABORTED). */
export function closeIngestWorkers(): void {
  while (idle.length) idle.pop()!.terminate();
  for (const w of busy) w.dispatchEvent(new Event("ingest-close"));
}

export function prepareOffThread(input: LoaderInput, opts: PrepareOptions & { signal?: AbortSignal; graceMs?: number }): Promise<PreparedDocument> {
  const { signal, graceMs = GRACE_MS, ...plain } = opts;
  return new Promise<PreparedDocument>((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const worker = (idle.pop() ?? new Worker(WORKER_URL)) as RefWorker;
    worker.ref();
    busy.add(worker);
    const id = nextId++;
    let settled = false;
    const finish = (fn: () => void, reuse: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      worker.removeEventListener("ingest-close", onClose);
      busy.delete(worker);
      worker.onmessage = null;
      worker.onerror = null;
      if (reuse && idle.length < MAX_IDLE) {
        worker.unref();
        idle.push(worker);
      } else worker.terminate();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(ingestTimeout(opts.timeoutMs)), false), opts.timeoutMs + graceMs);
    const onAbort = () => finish(() => reject(abortReason(signal!)), false);
    const onClose = () => finish(() => reject(errors.unavailable("INGEST_ABORTED", "ingestion was stopped: the server is shutting down")), false);
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.addEventListener("ingest-close", onClose, { once: true });
    worker.onmessage = (event: MessageEvent<IngestWorkerReply>) => {
      const reply = event.data;
      if (reply.id !== id) return;
      if (!reply.ok) return finish(() => reject(deserializeError(reply.error)), true);
      const { loaded, content, packed } = reply.result;
      finish(() => resolve({ loaded, content, drafts: unpackDrafts(content, packed) }), true);
    };
    worker.onerror = (event: ErrorEvent) => {
      finish(() => reject(errors.internal("INGEST_WORKER_FAILED", `the ingestion worker failed (${event.message || "worker error"})`)), false);
    };
    const bytes = input.bytes.slice();
    const request: IngestWorkerRequest = { id, input: { ...input, bytes }, opts: plain };
    worker.postMessage(request, [bytes.buffer]);
  });
}
