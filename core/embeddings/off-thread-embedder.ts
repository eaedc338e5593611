/**
 * Embeds many texts with the local embedder in a worker (embed-worker.ts), batch by batch, so a large document's
 * embedding leaves the API's thread free: the main thread only posts texts and receives vectors. The worker is
 * given the GloVe binary's path and the embedder's fitted state and checks that it rebuilds the same embedder id.
 * Abort terminates the worker (a new one starts for the next call); an idle worker is kept, unref'd.
 * Embedders that are not a file-backed LocalEmbedder (the OpenAI-compatible one: network I/O) embed in place.
 */
import { errors } from "../errors";
import type { Embedder } from "../ports/embedder";
import type { EmbedWorkerReply, EmbedWorkerRequest } from "./embed-worker";
import { LocalEmbedder } from "./local-embedder";

const WORKER_URL = new URL("./embed-worker.ts", import.meta.url).href;
type RefWorker = Worker & { ref(): void; unref(): void };
let idle: RefWorker | undefined;
const busy = new Set<RefWorker>();
let nextId = 1;

export interface OffThreadOptions {
  signal?: AbortSignal;
  /** Texts per message (default 256). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** True when `e` can embed in the worker: a local embedder whose word vectors come from a file. */
export function canEmbedOffThread(e: Embedder): e is LocalEmbedder {
  return e instanceof LocalEmbedder && e.store.path !== "<memory>";
}

/** Terminates the embedding workers (shutdown; a busy one's caller gets EMBED_ABORTED). */
export function closeEmbedWorkers(): void {
  idle?.terminate();
  idle = undefined;
  for (const w of busy) w.dispatchEvent(new Event("embed-close"));
}

const aborted = (signal?: AbortSignal) =>
  signal?.reason instanceof Error ? signal.reason : errors.unavailable("INGEST_ABORTED", "ingestion was cancelled");

export async function embedOffThread(e: Embedder, texts: string[], o: OffThreadOptions = {}): Promise<Float32Array[]> {
  const size = o.batchSize ?? 256;
  if (!canEmbedOffThread(e)) {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += size) {
      if (o.signal?.aborted) throw aborted(o.signal);
      out.push(...(await e.embed(texts.slice(i, i + size), o.signal)));
      o.onProgress?.(Math.min(i + size, texts.length), texts.length);
    }
    return out;
  }
  const state = e.state();
  const embedderId = e.id;
  const worker = idle ?? (new Worker(WORKER_URL) as RefWorker);
  idle = undefined;
  worker.ref();
  busy.add(worker);
  let reuse = false;
  try {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += size) {
      const reply = await call(worker, { id: nextId++, glovePath: e.store.path, state, embedderId, texts: texts.slice(i, i + size) }, o.signal);
      if (!reply.ok) throw errors.internal(reply.code, reply.message);
      for (let k = 0; k < reply.vectors.length; k += reply.dimension) out.push(reply.vectors.subarray(k, k + reply.dimension));
      o.onProgress?.(Math.min(i + size, texts.length), texts.length);
    }
    reuse = true;
    return out;
  } finally {
    busy.delete(worker);
    if (reuse && !idle) {
      worker.unref();
      idle = worker;
    } else worker.terminate();
  }
}

function call(worker: RefWorker, req: EmbedWorkerRequest, signal?: AbortSignal): Promise<Extract<EmbedWorkerReply, { ok: true }> | Extract<EmbedWorkerReply, { ok: false }>> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const done = () => {
      signal?.removeEventListener("abort", onAbort);
      worker.removeEventListener("embed-close", onClose);
      worker.onmessage = null;
      worker.onerror = null;
    };
    const onAbort = () => (done(), reject(aborted(signal)));
    const onClose = () => (done(), reject(errors.unavailable("INGEST_ABORTED", "embedding was stopped: the server is shutting down")));
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.addEventListener("embed-close", onClose, { once: true });
    worker.onmessage = (event: MessageEvent<EmbedWorkerReply>) => {
      if (event.data.id !== req.id) return;
      done();
      resolve(event.data);
    };
    worker.onerror = (event: ErrorEvent) => {
      done();
      reject(errors.internal("EMBED_WORKER_FAILED", `the embedding worker failed (${event.message || "worker error"})`));
    };
    worker.postMessage(req);
  });
}
