import { beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../config";
import { AppError } from "../errors";
import { encodeGlove, GloveStore } from "./glove-store";
import { LocalEmbedder, unfittedState, type LocalEmbedderState } from "./local-embedder";

// Uses the real word vectors: the binary is built once into .cache/embeddings (about 6 s) and reused after.
let base: LocalEmbedder;
beforeAll(async () => {
  base = await LocalEmbedder.open(loadConfig().embeddings.cacheDir);
}, 120_000);

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

const CORPUS = [
  "Refunds are issued within 5 business days to the original payment method.",
  "We ship to Canada, the United States and Mexico; shipping is free above $50.",
  "The VB-14X blender has a two year warranty covering the motor.",
  "Reset your password from the login page with the link we email you.",
  "Battery SKU-1042 fits the VB-14X and lasts about 300 charge cycles.",
  "Orders can be tracked with the tracking number in your confirmation email.",
  "Returns are accepted within 30 days if the item is unused and in its box.",
  "Contact support by chat or email, Monday to Friday.",
  "The charger SKU-7781 is sold separately and works with every model.",
  "Damaged items are replaced at no cost; send us a photo of the damage.",
  "Gift cards cannot be refunded or exchanged for cash.",
  "Your invoice is attached to the order confirmation email.",
].flatMap((t, i) => [t, `${t} (section ${i})`]);

describe("word similarity from the real word vectors", () => {
  test("close words score high, unrelated ones low, unknown ones 0, a word with itself 1", () => {
    const sim = base.store.wordSimilarity();
    expect(sim("refund", "reimbursement")).toBeGreaterThan(0.5);
    expect(sim("refund", "reimbursement")).toBeGreaterThan(sim("refund", "zebra") + 0.3);
    expect(sim("customs", "duties")).toBeGreaterThan(sim("customs", "banana"));
    expect(sim("Refund", "refund")).toBeCloseTo(1, 6);
    expect(sim("qwxzv", "refund")).toBe(0);
  });
});

describe("LocalEmbedder with the real word vectors", () => {
  test("vectors are unit length, 100 + 128 dimensions, in input order", async () => {
    const texts = ["where is my order", "refund", "SKU-1042"];
    const vs = await base.embed(texts);
    expect(base.dimension).toBe(228);
    expect(base.id).toMatch(/^glove-sif-100d\+ng128:[0-9a-f]{8}$/);
    expect(vs.length).toBe(3);
    for (const v of vs) {
      expect(v.length).toBe(228);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    const [again] = await base.embed(["refund"]);
    expect(Array.from(again!)).toEqual(Array.from(vs[1]!));
  });

  test("a refund question is closer to another refund question than to shipping", async () => {
    const [q, near, far] = await base.embed(["refund my money", "how do I get a refund", "shipping to Canada"]);
    expect(dot(q!, near!)).toBeGreaterThan(dot(q!, far!) + 0.1);
  });

  test("out-of-vocabulary codes match through their character n-grams", async () => {
    const [q, near, far] = await base.embed(["SKU-1042 battery", "battery SKU-1042 replacement", "SKU-7781 charger"]);
    expect(dot(q!, near!)).toBeGreaterThan(dot(q!, far!) + 0.1);
    const [code, same, other] = await base.embed(["VB-14X", "the VB-14X blender manual", "the VB-22 kettle manual"]);
    expect(dot(code!, same!)).toBeGreaterThan(dot(code!, other!));
  });

  test("SIF weighting: frequent words count less than rare ones", async () => {
    const [both, rare, common] = await base.embed(["the refund", "refund", "the"]);
    expect(dot(both!, rare!)).toBeGreaterThan(0.9);
    expect(dot(both!, rare!)).toBeGreaterThan(dot(both!, common!));
  });

  test("empty or token-less text gives the zero vector, never NaN", async () => {
    for (const v of await base.embed(["", "   ", "?!…", "—"])) {
      expect(v.length).toBe(base.dimension);
      expect(v.every((x) => x === 0)).toBe(true);
    }
    expect(await base.embed([])).toEqual([]);
  });

  test("bad input is a 422", async () => {
    for (const bad of [[1, 2], "text", null, [null]] as unknown as string[][]) {
      const err = await base.embed(bad).catch((e) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err.status).toBe(422);
      expect(err.code).toBe("EMBED_INPUT_INVALID");
    }
    const err = await base.fit("corpus" as unknown as string[]).catch((e) => e);
    expect(err.status).toBe(422);
  });

  test("an aborted signal stops embedding", async () => {
    const ac = new AbortController();
    ac.abort(new Error("client went away"));
    await expect(base.embed(["a"], ac.signal)).rejects.toThrow("client went away");
  });

  test("fit -> state -> fromState gives identical vectors and a new id", async () => {
    const e = new LocalEmbedder(base.store);
    const before = e.id;
    expect(e.fitted).toBe(false);
    const state = await e.fit(CORPUS);
    expect(e.fitted).toBe(true);
    expect(e.id).not.toBe(before);
    expect(state.pc?.length).toBe(100);
    expect(state.total).toBeGreaterThan(200);
    const probe = ["refund my money", "SKU-1042 battery", "where is my order?", ""];
    const fittedVectors = await e.embed(probe);

    const restored = LocalEmbedder.fromState(base.store, JSON.parse(JSON.stringify(state)) as LocalEmbedderState);
    expect(restored.id).toBe(e.id);
    const again = await restored.embed(probe);
    again.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(fittedVectors[i]!)));

    // The fitted embedder differs from the prior-only one, and refitting on other texts changes the id again.
    const prior = await base.embed(probe);
    expect(Array.from(prior[0]!)).not.toEqual(Array.from(fittedVectors[0]!));
    await e.fit(CORPUS.slice(0, 22).reverse().map((t) => `${t} extra words here`));
    expect(e.id).not.toBe(restored.id);
  });

  test("a fit that finishes during a big batch never leaves the batch with mixed states", async () => {
    const e = new LocalEmbedder(base.store);
    const texts = Array.from({ length: 300 }, (_, i) => `${CORPUS[i % CORPUS.length]} ${i}`);
    const [batch] = await Promise.all([e.embed(texts), e.fit(CORPUS)]);
    const fresh = await e.embed([texts[0]!, texts[299]!]);
    expect(Array.from(batch[0]!)).toEqual(Array.from(fresh[0]!));
    expect(Array.from(batch[299]!)).toEqual(Array.from(fresh[1]!));
  });

  test("the fitted principal component is removed from the word part", async () => {
    const e = new LocalEmbedder(base.store);
    const state = await e.fit(CORPUS);
    const pc = Float32Array.from(state.pc!);
    for (const v of await e.embed(CORPUS.slice(0, 5))) {
      expect(Math.abs(dot(v.subarray(0, 100), pc))).toBeLessThan(1e-5);
    }
    const [plain] = await base.embed([CORPUS[0]!]);
    expect(Math.abs(dot(plain!.subarray(0, 100), pc))).toBeGreaterThan(0.01);
    // Semantics survive the fit.
    const [q, near, far] = await e.embed(["refund my money", "how do I get a refund", "shipping to Canada"]);
    expect(dot(q!, near!)).toBeGreaterThan(dot(q!, far!));
  });

  test("a corpus too small for a principal component still fits frequencies", async () => {
    const e = new LocalEmbedder(base.store);
    const state = await e.fit(CORPUS.slice(0, 4));
    expect(state.pc).toBeNull();
    expect(state.total).toBeGreaterThan(0);
    expect(e.id).not.toBe(base.id);
    const empty = new LocalEmbedder(base.store);
    await empty.fit([]);
    expect(empty.id).toBe(base.id); // nothing learnt: same as the prior-only state
  });

  test("a malformed or foreign state is a 422", () => {
    const good = unfittedState();
    const cases: unknown[] = [
      null,
      { ...good, kind: "other" },
      { ...good, pc: [1, 2, 3] }, // fitted on other word vectors
      { ...good, vocab: [["a", "x"]] },
      { ...good, ngramBuckets: -1 },
    ];
    for (const s of cases) {
      let err: unknown;
      try {
        LocalEmbedder.fromState(base.store, s as LocalEmbedderState);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(422);
      expect((err as AppError).code).toBe("EMBEDDER_STATE_INVALID");
    }
  });
});

describe("LocalEmbedder on a synthetic vocabulary", () => {
  // Three orthogonal words; "the" is rank 0 (very frequent), the others rare.
  const store = new GloveStore(encodeGlove(["the", "alpha", "beta"], (_, i) => [i === 0 ? 1 : 0, i === 1 ? 1 : 0, i === 2 ? 1 : 0], 3));

  test("the n-gram part can be switched off and the word part then is the SIF average", async () => {
    const e = new LocalEmbedder(store, { ngramBuckets: 0 });
    expect(e.dimension).toBe(3);
    expect(e.id).toStartWith("glove-sif-3d+ng0:");
    const [v] = await e.embed(["the alpha"]);
    // Zipf prior p(rank r) = 1/((r+1) H) with H = ln 3 + gamma + 1/6; SIF weight a/(a+p), a = 1e-3.
    const H = Math.log(3) + 0.5772156649 + 1 / 6;
    const w = (rank: number) => 1e-3 / (1e-3 + 1 / ((rank + 1) * H));
    expect(v![1]! / v![0]!).toBeCloseTo(w(1) / w(0), 4);
    expect(v![2]!).toBe(0);
    expect(norm(v!)).toBeCloseTo(1, 6);
  });

  test("unknown tokens use only the n-gram part, and different options give different ids", async () => {
    const a = new LocalEmbedder(store, { ngramBuckets: 32 });
    const b = new LocalEmbedder(store, { ngramBuckets: 32, ngramWeight: 0.9 });
    expect(a.id).not.toBe(b.id);
    const [v] = await a.embed(["zzz-999"]);
    expect(Array.from(v!.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(norm(v!)).toBeCloseTo(1, 5);
  });
});
