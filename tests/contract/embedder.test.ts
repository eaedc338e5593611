/**
 * Contract suite of the Embedder port, run against every adapter: the embedded GloVe/SIF embedder (unfitted, and
 * fitted then restored from its state, as the API does) and the OpenAI-compatible embedder talking over HTTP to
 * the project's simulator (its /v1/embeddings), and the neural sentence encoder (USE lite, in its worker). The
 * GloVe and remote adapters are built through createEmbedder, like production.
 *
 * The same OpenAI-compatible adapter also runs against a real embeddings server, all-MiniLM-L6-v2 behind
 * /v1/embeddings (.ci/peers/embeddings_server.py; TEST_EMBEDDINGS_URL, which .ci/run sets).
 *
 * The simulator's vectors are hashed tokens (inference/simulator/embeddings.ts), not semantic: the similarity
 * test runs only for adapters flagged `semantic`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig, type Config } from "../../core/config";
import { createEmbedder } from "../../core/embeddings/create-embedder";
import { LocalEmbedder } from "../../core/embeddings/local-embedder";
import { SentenceEncoder } from "../../core/embeddings/sentence-encoder";
import type { Embedder } from "../../core/ports/embedder";
import { startSimulator } from "../../inference/simulator/server";
import { realPeer } from "../support/real-peers";

const sim = startSimulator({ port: 0, embeddingDim: 96 });
afterAll(() => sim.stop());

const base = loadConfig();
const withEmbeddings = (e: Partial<Config["embeddings"]>): Config => ({ ...base, embeddings: { ...base.embeddings, ...e } });
const localCfg = withEmbeddings({ baseUrl: undefined });
const remoteCfg = withEmbeddings({ baseUrl: sim.url, model: "sim-embed", apiKey: undefined });
const realUrl = realPeer("TEST_EMBEDDINGS_URL", "Embedder contract against a real embeddings server");
const realCfg = withEmbeddings({ baseUrl: realUrl, model: process.env.TEST_EMBEDDINGS_MODEL || "all-minilm-l6-v2", apiKey: undefined });

const CORPUS = [
  "Laptops, tablets and cameras can be returned within 15 days of delivery.",
  "We ship to Canada and Mexico; customs duties are paid by the customer.",
  "Refunds are issued to the original payment method within 5 business days.",
  "The warranty lasts two years and covers manufacturing defects.",
  "Reset your password from the login page with the link we email you.",
].flatMap((t, i) => [t, `${t} (section ${i})`, `Note ${i}: ${t}`, `${t} See the FAQ.`]);

interface Traits {
  /** The vectors carry meaning (a paraphrase is closer than an unrelated text). */
  semantic: boolean;
}

const adapters: [string, () => Promise<Embedder>, Traits][] = [
  ["local GloVe/SIF, unfitted", () => createEmbedder(localCfg), { semantic: true }],
  [
    "local GloVe/SIF, fitted (restored from its state)",
    async () => {
      const fresh = (await createEmbedder(localCfg)) as LocalEmbedder;
      const state = await new LocalEmbedder(fresh.store).fit(CORPUS);
      return createEmbedder(localCfg, state);
    },
    { semantic: true },
  ],
  ["OpenAI-compatible, against the simulator over HTTP", () => createEmbedder(remoteCfg), { semantic: false }],
  ...(realUrl
    ? ([["OpenAI-compatible, against a real embeddings server (all-MiniLM-L6-v2)", () => createEmbedder(realCfg), { semantic: true }]] as [string, () => Promise<Embedder>, Traits][])
    : []),
  ["neural sentence encoder (USE lite, in its worker)", async () => encoders[encoders.push(new SentenceEncoder()) - 1]!, { semantic: true }],
];
const encoders: SentenceEncoder[] = [];
afterAll(() => encoders.forEach((e) => e.close()));

// The word vectors are converted into the cache directory on first use (seconds); do it before the timed tests.
beforeAll(async () => {
  await createEmbedder(localCfg);
}, 120_000);

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

const TEXTS = ["how do I return a laptop", "refund to my credit card", "SKU-1042 battery for the VB-14X", "qwxzv zzkrp"];

for (const [name, make, traits] of adapters) {
  describe(`Embedder contract: ${name}`, () => {
    test("id is a non-empty string, the same for every instance built alike, unchanged by embedding", async () => {
      const a = await make();
      const b = await make();
      expect(typeof a.id).toBe("string");
      expect(a.id.trim().length).toBeGreaterThan(0);
      expect(b.id).toBe(a.id);
      await a.embed(TEXTS);
      expect(a.id).toBe(b.id);
    });

    test("dimension is known up front and equals the length of every vector", async () => {
      const e = await make();
      const dim = e.dimension;
      expect(Number.isInteger(dim) && dim > 0).toBe(true);
      const vs = await e.embed(TEXTS);
      for (const v of vs) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v.length).toBe(dim);
      }
      expect(e.dimension).toBe(dim);
    });

    test("vectors of text with words (known or not) are L2-normalised", async () => {
      const e = await make();
      for (const v of await e.embed([...TEXTS, "a", "The", "Hello, world!"])) {
        expect(v.every(Number.isFinite)).toBe(true);
        expect(norm(v)).toBeCloseTo(1, 5);
      }
    });

    // Not in the port's promise ("L2-normalised"): every adapter returns the zero vector here, consistently.
    test("text without any word token gives the all-zero vector of full length, never NaN", async () => {
      const e = await make();
      const vs = await e.embed(["", "   ", "?!…", "—", "refund"]);
      expect(vs.length).toBe(5);
      for (const v of vs.slice(0, 4)) {
        expect(v.length).toBe(e.dimension);
        expect(v.every((x) => x === 0)).toBe(true);
      }
      expect(norm(vs[4]!)).toBeCloseTo(1, 5);
    });

    test("one vector per input, in input order: a batch equals its texts embedded one by one", async () => {
      const e = await make();
      const batch = await e.embed(TEXTS);
      expect(batch.length).toBe(TEXTS.length);
      for (let i = 0; i < TEXTS.length; i++) {
        const [single] = await e.embed([TEXTS[i]!]);
        expect(maxDiff(batch[i]!, single!)).toBeLessThan(1e-6);
      }
      // The vectors differ, so a shuffle would be caught.
      expect(maxDiff(batch[0]!, batch[1]!)).toBeGreaterThan(1e-3);
    });

    test("order holds across large batches (more inputs than one upstream request carries)", async () => {
      const e = await make();
      const texts = Array.from({ length: 150 }, (_, i) => `question ${i} about order ORD-${1000 + i} and its refund`);
      const forward = await e.embed(texts);
      const backward = await e.embed([...texts].reverse());
      expect(forward.length).toBe(150);
      expect(backward.length).toBe(150);
      for (let i = 0; i < 150; i++) expect(maxDiff(forward[i]!, backward[149 - i]!)).toBeLessThan(1e-6);
      expect(maxDiff(forward[0]!, forward[149]!)).toBeGreaterThan(1e-3);
    });

    test("deterministic: the same text gives the same vector, within a batch and across calls and instances", async () => {
      const e = await make();
      const [a, b] = await e.embed(["where is my parcel", "where is my parcel"]);
      const [c] = await e.embed(["where is my parcel"]);
      const [d] = await (await make()).embed(["where is my parcel"]);
      expect(Array.from(b!)).toEqual(Array.from(a!));
      expect(Array.from(c!)).toEqual(Array.from(a!));
      expect(Array.from(d!)).toEqual(Array.from(a!));
    });

    test("an empty batch gives []", async () => {
      const e = await make();
      expect(await e.embed([])).toEqual([]);
    });

    // Only for batches with at least one non-blank text: see the report on empty and blank-only batches.
    test("an already-aborted signal rejects with the signal's reason; the embedder keeps working", async () => {
      const e = await make();
      const ac = new AbortController();
      ac.abort(new Error("client went away"));
      await expect(e.embed(["refund", "shipping to Canada"], ac.signal)).rejects.toThrow("client went away");
      expect((await e.embed(["refund"])).length).toBe(1);
    });

    test.skipIf(!traits.semantic)("similar texts are closer than unrelated ones", async () => {
      const e = await make();
      const triples: [string, string, string][] = [
        ["how do I return a laptop", "returning my notebook computer", "the weather in Paris"],
        ["I want my money back", "how do I get a refund", "the weather in Paris"],
      ];
      for (const [q, near, far] of triples) {
        const [vq, vn, vf] = await e.embed([q, near, far]);
        expect(dot(vq!, vn!)).toBeGreaterThan(dot(vq!, vf!) + 0.1);
      }
    });
  });
}
