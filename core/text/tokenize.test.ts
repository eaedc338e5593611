import { describe, expect, test } from "bun:test";
import { estimateTokens } from "./tokenize";

describe("estimateTokens", () => {
  test("counts words like splitting on \\s+ and never falls below a token per 4 characters", () => {
    const reference = (t: string) => Math.max(t.split(/\s+/).filter(Boolean).length, Math.ceil(t.length / 4));
    const samples = [
      "",
      "   ",
      "a b c d e f g h",
      "Laptops can be returned within 15 days.",
      "  leading and trailing\tspaces\n\nnew lines  ",
      "no\u00a0break\u2003em\u3000ideographic\u2028line\ufeffbom",
      "supercalifragilisticexpialidocious",
      "Ça coûte 20 € — où est ma commande n° 1234 ?",
    ];
    for (const s of samples) expect(estimateTokens(s)).toBe(reference(s));
  });
});
