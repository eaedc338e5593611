/**
 * Picks the embedder from the config: the OpenAI-compatible server when EMBEDDINGS_BASE_URL is set, otherwise
 * the embedded GloVe/SIF embedder (converting the word vectors into EMBEDDINGS_CACHE_DIR on first use).
 */
import type { Config } from "../config";
import type { Embedder } from "../ports/embedder";
import type { EnsureGloveOptions } from "./glove-store";
import { LocalEmbedder, type LocalEmbedderState } from "./local-embedder";
import { OpenAIEmbedder, type EmbeddingsClient } from "./openai-embedder";

export interface CreateEmbedderDeps {
  /** Injected into the openai client (tests, proxies). */
  fetch?: typeof fetch;
  client?: EmbeddingsClient;
  /** Ask the remote server for its dimension now (default true), so `dimension` is known before the first embed. */
  probe?: boolean;
  signal?: AbortSignal;
  glove?: EnsureGloveOptions;
}

export async function createEmbedder(cfg: Config, fittedState?: LocalEmbedderState, deps: CreateEmbedderDeps = {}): Promise<Embedder> {
  const e = cfg.embeddings;
  if (e.baseUrl) {
    const remote = new OpenAIEmbedder({ baseUrl: e.baseUrl, model: e.model, apiKey: e.apiKey, fetch: deps.fetch, client: deps.client });
    return deps.probe === false ? remote : remote.init(deps.signal);
  }
  return LocalEmbedder.open(e.cacheDir, fittedState, deps.glove);
}
