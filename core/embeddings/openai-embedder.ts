/**
 * Embedder over any OpenAI-compatible /v1/embeddings endpoint (vLLM, Ollama, TEI, OpenAI) through the `openai`
 * package. Batches inputs, forwards the abort signal, gives texts without a word the zero vector (as the local
 * embedders do) without sending them, learns the dimension from the first response (unless it is
 * given), L2-normalises, and turns every upstream failure into an AppError with a clear message.
 */
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { Embedder } from "../ports/embedder";
import { AppError, errors } from "../errors";
import { tokenize } from "../text/tokenize";

/** The slice of the OpenAI client this adapter uses (inject a fake or a configured client in tests). */
export interface EmbeddingsClient {
  embeddings: {
    create(
      body: { model: string; input: string[]; encoding_format: "float" },
      options?: { signal?: AbortSignal },
    ): PromiseLike<{ data: { embedding: number[] | string; index: number }[] }>;
  };
}

export interface OpenAIEmbedderOptions {
  /** e.g. http://gpu1:8000/v1 (the client posts to `${baseUrl}/embeddings`). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Expected vector size; when absent it is learnt from the first response. */
  dimension?: number;
  /** Inputs per request (default 64). */
  batchSize?: number;
  /** Retries of the openai client on 408/409/429/5xx/connection errors (default 2). */
  maxRetries?: number;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  client?: EmbeddingsClient;
}

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  private dim: number;
  private readonly client: EmbeddingsClient;
  private readonly batchSize: number;

  constructor(private readonly opts: OpenAIEmbedderOptions) {
    if (!opts.model) throw errors.invalid("EMBEDDINGS_CONFIG_INVALID", "an embeddings model name is required");
    if (opts.dimension !== undefined && (!Number.isInteger(opts.dimension) || opts.dimension < 1))
      throw errors.invalid("EMBEDDINGS_CONFIG_INVALID", `embedding dimension must be a positive whole number, got ${opts.dimension}`);
    this.id = `openai:${opts.model}`;
    this.dim = opts.dimension ?? 0;
    this.batchSize = Math.max(1, Math.min(2048, opts.batchSize ?? 64));
    this.client =
      opts.client ??
      new OpenAI({
        baseURL: opts.baseUrl.replace(/\/+$/, ""),
        apiKey: opts.apiKey ?? "not-needed", // local servers ignore it; the SDK would otherwise read the environment
        maxRetries: opts.maxRetries ?? 2,
        timeout: opts.timeoutMs ?? 30_000,
        fetch: opts.fetch,
      });
  }

  /** The vector size: as given, or learnt from the first response (0 until then; `init()` learns it). */
  get dimension(): number {
    return this.dim;
  }

  /** Sends one probe request when the dimension is not known yet. */
  async init(signal?: AbortSignal): Promise<this> {
    if (this.dim === 0) await this.request(["dimension probe"], signal);
    return this;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string"))
      throw errors.invalid("EMBED_INPUT_INVALID", "embed() takes an array of strings");
    const out: (Float32Array | undefined)[] = new Array(texts.length);
    // Blank texts are rejected by most servers, and a text without any word ("?!…") would embed as the model's
    // bare special tokens: both get the zero vector, as in the local embedders.
    const todo = texts.map((t, i) => i).filter((i) => tokenize(texts[i]!).length > 0);
    for (let at = 0; at < todo.length; at += this.batchSize) {
      const idx = todo.slice(at, at + this.batchSize);
      const vectors = await this.request(idx.map((i) => texts[i]!), signal);
      idx.forEach((i, k) => (out[i] = vectors[k]));
    }
    if (todo.length < texts.length && this.dim === 0) await this.init(signal);
    return Array.from(out, (v) => v ?? new Float32Array(this.dim)); // (map would skip the holes)
  }

  private async request(input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    signal?.throwIfAborted();
    let res: Awaited<ReturnType<EmbeddingsClient["embeddings"]["create"]>>;
    try {
      res = await this.client.embeddings.create({ model: this.opts.model, input, encoding_format: "float" }, { signal });
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      throw this.mapError(e);
    }
    const data = Array.isArray(res?.data) ? [...res.data].sort((a, b) => a.index - b.index) : [];
    if (data.length !== input.length)
      throw this.badResponse("EMBEDDINGS_BAD_RESPONSE", `returned ${data.length} embeddings for ${input.length} inputs`);
    return data.map((d) => {
      const v = d.embedding;
      if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "number" && Number.isFinite(x)))
        throw this.badResponse("EMBEDDINGS_BAD_RESPONSE", "returned an embedding that is not a list of finite numbers");
      if (this.dim === 0) this.dim = v.length;
      if (v.length !== this.dim)
        throw this.badResponse("EMBEDDINGS_DIMENSION_MISMATCH", `returned a ${v.length}-dimensional vector, expected ${this.dim}`);
      return normalise(v);
    });
  }

  private where(): string {
    return `embeddings server ${this.opts.baseUrl} (model ${this.opts.model})`;
  }

  /** The server answered, but with something unusable: a misconfiguration, retrying will not help. */
  private badResponse(code: string, what: string): AppError {
    return new AppError({ code, message: `${this.where()} ${what}`, category: "unavailable", retryable: false });
  }

  private mapError(e: unknown): AppError {
    if (e instanceof AppError) return e;
    if (e instanceof APIUserAbortError) return errors.unavailable("EMBEDDINGS_ABORTED", `request to ${this.where()} was aborted`, e);
    if (e instanceof APIConnectionError)
      return errors.unavailable("EMBEDDINGS_UNAVAILABLE", `${this.where()} is unreachable: ${e.message}`, e);
    if (e instanceof APIError && typeof e.status === "number") {
      const detail = `${this.where()} answered ${e.status}: ${e.message}`;
      if (e.status === 400 || e.status === 413 || e.status === 422)
        return new AppError({ code: "EMBEDDINGS_INPUT_REJECTED", message: detail, category: "validation", cause: e });
      const retryable = e.status === 408 || e.status === 429 || e.status >= 500;
      return new AppError({ code: "EMBEDDINGS_UNAVAILABLE", message: detail, category: "unavailable", retryable, cause: e });
    }
    return errors.unavailable("EMBEDDINGS_UNAVAILABLE", `${this.where()} failed: ${(e as Error)?.message ?? String(e)}`, e);
  }
}

function normalise(v: number[]): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  const out = new Float32Array(v.length);
  if (n > 0) for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}
