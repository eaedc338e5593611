import { describe, expect, test } from "bun:test";
import { AppError } from "../../core/errors";
import type { Passage } from "../../core/ports/retrieval";
import overlapping from "../../tests/fixtures/passages/overlapping-returns.json";
import returns from "../../tests/fixtures/passages/return-policy.json";
import shipping from "../../tests/fixtures/passages/shipping-policy.json";
import warranty from "../../tests/fixtures/passages/warranty.json";
import { cosine, mmrSelect, sparseCosine, termCosine, termVector, termVectorOf, textSimilarity } from "./mmr";

const P = (text: string, score: number, chunkId = text.slice(0, 12)) => ({ chunkId, text, score });
const ids = (ps: { chunkId: string }[]) => ps.map((p) => p.chunkId);

describe("similarity", () => {
  test("term-frequency cosine: identical texts 1, unrelated 0, partial in between", () => {
    expect(textSimilarity("Laptops can be returned", "laptops CAN be returned!")).toBeCloseTo(1, 6);
    expect(textSimilarity("laptops returned", "shipping to Canada")).toBe(0);
    const partial = textSimilarity("laptops returned within 15 days", "tablets returned within 30 days");
    expect(partial).toBeGreaterThan(0.3);
    expect(partial).toBeLessThan(0.9);
    expect(sparseCosine(termVector("the of and"), termVector("laptop"))).toBe(0);
    // The merge form mmrSelect uses agrees with the map form.
    for (const [a, b] of [["laptops returned within 15 days", "tablets returned within 30 days, laptops laptops 15"], ["x y z", "q"], ["", "laptop"]] as const) {
      expect(termCosine(termVectorOf(a), termVectorOf(b))).toBeCloseTo(sparseCosine(termVector(a), termVector(b)), 10);
    }
  });

  test("dense cosine and dimension mismatch", () => {
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 2], [2, 4])).toBeCloseTo(1, 9);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(() => cosine([1, 2], [1])).toThrow(AppError);
  });
});

describe("mmrSelect", () => {
  test("drops overlapping chunks of the same text and keeps diverse passages", () => {
    const pool = [overlapping[0]!, overlapping[2]!, shipping[0]!, warranty[0]!] as Passage[];
    // overlapping[2] contains all of overlapping[0] and outscores shipping and warranty, but is a near-duplicate.
    const pool2 = pool.map((p) => ({ ...p, score: { "returns-ov#0": 0.05, "returns-ov#2": 0.049 }[p.chunkId] ?? 0.03 }));
    expect(textSimilarity(overlapping[0]!.text, overlapping[2]!.text)).toBeGreaterThan(0.9);
    const picked = ids(mmrSelect(pool2, { k: 3, lambda: 0.7 }));
    expect(picked[0]).toBe("returns-ov#0");
    expect(picked.slice(1).sort()).toEqual(["shipping#1", "warranty#0"]);
    // Even with room for all four, the duplicate is not returned.
    expect(ids(mmrSelect(pool2, { k: 4, lambda: 0.7 }))).not.toContain("returns-ov#2");
    expect(mmrSelect(pool2, { k: 4, lambda: 0.7, duplicateThreshold: 0.99 })).toHaveLength(4);
  });

  test("prefers a different topic over a similar, slightly better-scored passage", () => {
    const pool = [
      P("Laptops can be returned within 15 days of delivery for a refund.", 1.0, "a"),
      P("Laptops and tablets can be returned within 15 days of delivery.", 0.9, "a-similar"),
      P("We ship to Canada and Mexico in 7 to 10 business days.", 0.85, "b"),
    ];
    expect(ids(mmrSelect(pool, { k: 2, lambda: 0.5 }))).toEqual(["a", "b"]);
    // lambda 1 is pure relevance: the similar passage wins (it is not a >0.9 duplicate).
    expect(ids(mmrSelect(pool, { k: 2, lambda: 1 }))).toEqual(["a", "a-similar"]);
  });

  test("returns fewer than k when the rest are duplicates; first pick is the best score", () => {
    const text = "Refunds are issued to the original payment method within 5 business days.";
    const pool = [P(text, 0.2, "low"), P(text, 0.9, "high"), P(`${text} `, 0.5, "mid")];
    expect(ids(mmrSelect(pool, { k: 3 }))).toEqual(["high"]);
  });

  test("embedding vectors drive similarity when given", () => {
    const pool = [P("alpha", 1, "x"), P("beta", 0.9, "y"), P("gamma", 0.8, "z")];
    // x and y point the same way: y is a duplicate of x by vectors, though the texts share nothing.
    const picked = mmrSelect(pool, { k: 3, vectors: [[1, 0], [1, 0.01], [0, 1]] });
    expect(ids(picked)).toEqual(["x", "z"]);
  });

  test("a custom similarity function is used", () => {
    const pool = [P("one", 1, "a"), P("two", 0.9, "b"), P("three", 0.1, "c")];
    const sameGroup = (p: { chunkId: string }, q: { chunkId: string }) => (p.chunkId !== "c" && q.chunkId !== "c" ? 0.8 : 0);
    expect(ids(mmrSelect(pool, { k: 2, lambda: 0.3, similarity: sameGroup }))).toEqual(["a", "c"]);
  });

  test("full fixture set: one passage per topic when k = 3 and lambda favours diversity", () => {
    const pool = [...returns, ...shipping, ...warranty].map((p, i) => ({ ...p, score: 1 - i * 0.05 })) as Passage[];
    const picked = mmrSelect(pool, { k: 3, lambda: 0.3 });
    expect(new Set(picked.map((p) => p.documentId)).size).toBe(3);
  });

  test("termVectorOf supplies the term vectors (callers cache them) and gives the same selection", () => {
    const pool = [...returns, ...shipping, ...warranty].map((p, i) => ({ ...p, score: 1 - i * 0.05 })) as Passage[];
    const seen: string[] = [];
    const cached = mmrSelect(pool, { k: 3, lambda: 0.3, termVectorOf: (p) => (seen.push(p.chunkId), termVectorOf(p.text)) });
    expect(ids(cached)).toEqual(ids(mmrSelect(pool, { k: 3, lambda: 0.3 })));
    expect(new Set(seen).size).toBe(seen.length); // asked once per passage
    expect(seen.length).toBeGreaterThan(0);
  });

  test("empty input gives an empty list", () => {
    expect(mmrSelect([], { k: 5 })).toEqual([]);
  });

  test("bad options are 422 AppErrors", () => {
    const pool = [P("a b c", 1)];
    for (const bad of [{ k: 0 }, { k: 1.5 }, { k: 2, lambda: 1.2 }, { k: 2, lambda: -0.1 }, { k: 2, duplicateThreshold: 0 }, { k: 2, vectors: [[1], [2]] }]) {
      try {
        mmrSelect(pool, bad);
        throw new Error(`accepted ${JSON.stringify(bad)}`);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).status).toBe(422);
      }
    }
    expect(() => mmrSelect([{ text: "x", score: Number.NaN }], { k: 1 })).toThrow(AppError);
    expect(() => mmrSelect(null as unknown as [], { k: 1 })).toThrow(AppError);
  });
});
