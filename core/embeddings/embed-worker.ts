/**
 * Bun Worker that embeds batches of texts with the local GloVe/SIF embedder, so embedding a large document does
 * not hold the API's thread. It loads the same GloVe binary (by path) and rebuilds the embedder from the fitted
 * state the caller sends; the embedder id it computes must equal the caller's, or it refuses (EMBEDDER_MISMATCH),
 * so vectors of two states never mix. Reply: EmbedWorkerReply with one flat Float32Array (transferred).
 */
import { loadGlove, type GloveStore } from "./glove-store";
import { LocalEmbedder, type LocalEmbedderState } from "./local-embedder";

export interface EmbedWorkerRequest {
  id: number;
  glovePath: string;
  state: LocalEmbedderState;
  embedderId: string;
  texts: string[];
}

export type EmbedWorkerReply =
  | { id: number; ok: true; dimension: number; vectors: Float32Array }
  | { id: number; ok: false; code: string; message: string };

let store: { path: string; glove: GloveStore } | undefined;
let embedder: LocalEmbedder | undefined;

export function embedBatch(req: EmbedWorkerRequest): EmbedWorkerReply {
  if (store?.path !== req.glovePath) {
    store = { path: req.glovePath, glove: loadGlove(req.glovePath) };
    embedder = undefined;
  }
  if (embedder?.id !== req.embedderId) embedder = LocalEmbedder.fromState(store.glove, req.state);
  if (embedder.id !== req.embedderId) {
    return { id: req.id, ok: false, code: "EMBEDDER_MISMATCH", message: `the embedding worker built embedder ${embedder.id}, expected ${req.embedderId}` };
  }
  const dim = embedder.dimension;
  const vectors = new Float32Array(req.texts.length * dim);
  req.texts.forEach((t, i) => vectors.set(embedder!.embedOne(t), i * dim));
  return { id: req.id, ok: true, dimension: dim, vectors };
}

declare const self: Worker;
if (!Bun.isMainThread) {
  self.onmessage = (event: MessageEvent<EmbedWorkerRequest>) => {
    let reply: EmbedWorkerReply;
    try {
      reply = embedBatch(event.data);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      reply = { id: event.data.id, ok: false, code: err.code ?? "EMBED_FAILED", message: err.message ?? String(e) };
    }
    if (reply.ok) postMessage(reply, [reply.vectors.buffer] as never);
    else postMessage(reply);
  };
}
