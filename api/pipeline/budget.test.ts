import { describe, expect, test } from "bun:test";
import { AppError } from "../../core/errors";
import type { Passage } from "../../core/ports/retrieval";
import { estimateTokens } from "../../core/text";
import returns from "../../tests/fixtures/passages/return-policy.json";
import shipping from "../../tests/fixtures/passages/shipping-policy.json";
import warranty from "../../tests/fixtures/passages/warranty.json";
import { fitBudget, trimToTokens } from "./budget";

const all = [...returns, ...shipping, ...warranty] as Passage[];
const total = (ps: { text: string }[]) => ps.reduce((s, p) => s + estimateTokens(p.text), 0);

describe("trimToTokens", () => {
  const text = "First sentence is here. Second sentence follows it. Third sentence ends the text.";

  test("cuts after the last whole sentence that fits", () => {
    expect(trimToTokens(text, 100)).toBe(text);
    expect(trimToTokens(text, estimateTokens("First sentence is here. Second sentence follows it."))).toBe(
      "First sentence is here. Second sentence follows it.",
    );
    expect(trimToTokens(text, 3)).toBeNull();
  });

  test("word cut only when asked", () => {
    // "First sentence is here." is 6 tokens by estimateTokens (23 chars / 4); "First sentence is" is 5.
    expect(trimToTokens(text, 5)).toBeNull();
    expect(trimToTokens(text, 5, true)).toBe("First sentence is");
    expect(trimToTokens("Supercalifragilistic", 1, true)).toBeNull();
  });
});

describe("fitBudget", () => {
  test("keeps everything, same objects, when the budget is large", () => {
    const out = fitBudget(all, { maxTokens: 10_000 });
    expect(out).toHaveLength(all.length);
    out.forEach((p, i) => expect(p).toBe(all[i]!));
  });

  test("keeps passages in order and never exceeds the budget", () => {
    for (const maxTokens of [60, 120, 200, 300]) {
      const out = fitBudget(all, { maxTokens, overheadTokens: 5 });
      expect(out.length).toBeGreaterThan(0);
      expect(total(out) + 5 * out.length).toBeLessThanOrEqual(maxTokens);
      out.forEach((p, i) => expect(p.chunkId).toBe(all[i]!.chunkId));
    }
  });

  test("trims an over-long passage at a sentence boundary instead of dropping it", () => {
    const firstTokens = estimateTokens(all[0]!.text);
    const out = fitBudget(all, { maxTokens: firstTokens + 50 });
    const second = out[1]!;
    expect(second.chunkId).toBe(all[1]!.chunkId);
    expect(second.text.length).toBeLessThan(all[1]!.text.length);
    expect(all[1]!.text.startsWith(second.text)).toBe(true);
    expect(second.text).toMatch(/[.!?]$/);
    expect(second.charEnd).toBe(second.charStart + second.text.length);
    expect(all[1]!.charEnd).toBe(all[1]!.charStart + all[1]!.text.length); // input untouched
    expect(out).toHaveLength(2);
  });

  test("perPassageMax trims every passage but keeps going", () => {
    const out = fitBudget(all, { maxTokens: 10_000, perPassageMax: 40 });
    expect(out).toHaveLength(all.length);
    for (const p of out) expect(estimateTokens(p.text)).toBeLessThanOrEqual(40);
  });

  test("never empty when the first passage fits at all: falls back to a word cut", () => {
    const long = { text: "An extremely long opening sentence that keeps going and going without any full stop for quite a while indeed" };
    const out = fitBudget([long, { text: "Short one." }], { maxTokens: 5 });
    expect(out).toHaveLength(1);
    expect(out[0]!.text).toBe("An extremely long"); // 17 chars = 5 tokens
    expect(fitBudget([{ text: "Antidisestablishmentarianism" }], { maxTokens: 1 })).toEqual([]);
  });

  test("a later passage is dropped when too little of it would survive", () => {
    const a = { text: "Alpha sentence here." };
    const b = { text: "This second passage is a long sentence with many words in it. And another sentence follows it." };
    const out = fitBudget([a, b], { maxTokens: estimateTokens(a.text) + 14, minTrimTokens: 24 });
    expect(out.map((p) => p.text)).toEqual([a.text]);
    const lenient = fitBudget([a, b], { maxTokens: estimateTokens(a.text) + 16, minTrimTokens: 5 });
    expect(lenient[1]!.text).toBe("This second passage is a long sentence with many words in it.");
  });

  test("bad budgets are 422 AppErrors", () => {
    const bad = [{ maxTokens: 0 }, { maxTokens: 1.5 }, { maxTokens: 10, perPassageMax: 0 }, { maxTokens: 10, overheadTokens: -1 }, {}];
    for (const o of bad) {
      try {
        fitBudget(all, o as { maxTokens: number });
        throw new Error(`accepted ${JSON.stringify(o)}`);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).status).toBe(422);
      }
    }
    expect(() => fitBudget([{ text: 3 } as unknown as { text: string }], { maxTokens: 10 })).toThrow(AppError);
  });
});
