/**
 * The real embedding worker: same vectors as the local embedder in-process (same GloVe binary, same fitted
 * state, so the same id), a worker that would build another embedder refuses, abort stops it, and an embedder
 * without a binary file embeds in place.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../config";
import { embedBatch } from "./embed-worker";
import { encodeGlove, GloveStore } from "./glove-store";
import { LocalEmbedder } from "./local-embedder";
import { canEmbedOffThread, embedOffThread } from "./off-thread-embedder";

const texts = Array.from({ length: 700 }, (_, i) => `Order ORD-${1000 + i} can be returned within ${i % 40} days; the refund goes to card ${i % 7}.`);
let fitted: LocalEmbedder;

beforeAll(async () => {
  const base = await LocalEmbedder.open(loadConfig().embeddings.cacheDir);
  fitted = LocalEmbedder.fromState(base.store, base.state());
  await fitted.fit(texts);
}, 120_000);

describe("embedding off the main thread", () => {
  test("vectors from the worker equal the in-process ones, in order, for a fitted state", async () => {
    expect(canEmbedOffThread(fitted)).toBe(true);
    let progress = 0;
    const off = await embedOffThread(fitted, texts, { batchSize: 256, onProgress: (d) => (progress = d) });
    const inProcess = await fitted.embed(texts);
    expect(off).toHaveLength(texts.length);
    expect(progress).toBe(texts.length);
    for (let i = 0; i < texts.length; i++) expect(Array.from(off[i]!)).toEqual(Array.from(inProcess[i]!));
  });

  test("the worker refuses when the state it is given builds another embedder id", () => {
    const reply = embedBatch({ id: 1, glovePath: fitted.store.path, state: fitted.state(), embedderId: "glove-sif-100d+ng128:00000000", texts: ["x"] });
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.code).toBe("EMBEDDER_MISMATCH");
  });

  test("abort rejects at once and the next call starts a fresh worker", async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => texts[i % texts.length]!);
    const ctl = new AbortController();
    const run = embedOffThread(fitted, many, { signal: ctl.signal, batchSize: 64 });
    setTimeout(() => ctl.abort(new Error("stop now")), 30);
    await expect(run).rejects.toThrow("stop now");
    const again = await embedOffThread(fitted, texts.slice(0, 3));
    expect(Array.from(again[2]!)).toEqual(Array.from((await fitted.embed([texts[2]!]))[0]!));
  });

  test("an embedder without a binary file embeds in place", async () => {
    const words = ["order", "return"];
    const store = new GloveStore(encodeGlove(words, (_, i) => [i + 1, 1, 0, 0], 4));
    const mem = new LocalEmbedder(store);
    expect(canEmbedOffThread(mem)).toBe(false);
    const out = await embedOffThread(mem, ["order return", "return"]);
    expect(Array.from(out[1]!)).toEqual(Array.from((await mem.embed(["return"]))[0]!));
  });
});
