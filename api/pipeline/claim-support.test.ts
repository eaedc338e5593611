import { describe, expect, test } from "bun:test";
import { isSupported, sentenceSupport } from "./claim-support";

const P = ["Laptops can be returned within 15 days of delivery.", "Refunds reach your card in 5-10 business days."];

describe("sentenceSupport", () => {
  test("a sentence saying what its passage says is supported", () => {
    const [s] = sentenceSupport("Laptops can be returned within 15 days [1].", P);
    expect(s!.support).toBe(1);
    expect(s!.unsupportedNumbers).toEqual([]);
    expect(isSupported(s!)).toBe(true);
  });

  test("a number its passage does not state makes the sentence unsupported, even with the same words", () => {
    const [s] = sentenceSupport("Laptops can be returned within 30 days [1].", P);
    expect(s!.unsupportedNumbers).toEqual(["30"]);
    expect(isSupported(s!)).toBe(false);
  });

  test("a claim about something else is unsupported; each sentence is checked against its own citations", () => {
    const out = sentenceSupport("Refunds reach your card in 5-10 business days [2]. The capital of France is Paris [1].", P);
    expect(out.map(isSupported)).toEqual([true, false]);
    expect(out[1]!.support).toBeLessThan(0.5);
  });

  test("a sentence without a marker is checked against every cited passage", () => {
    expect(sentenceSupport("Refunds reach your card [2]. It takes 5-10 business days.", P).map(isSupported)).toEqual([true, true]);
    // ...and only those: passage 2 says it, but the answer cites passage 1 alone.
    expect(sentenceSupport("Laptops can be returned within 15 days [1]. Refunds take 5-10 business days.", P).map(isSupported)).toEqual([true, false]);
  });
});
