import { describe, expect, test } from "bun:test";
import { NO_MATCH_REPLY, NO_PASSAGES_REPLY, buildAnswer, extractPassages, fixedLengthTokens, promptTokenCount, questionOf, toTokens } from "./answer-builder";

const passages = "Passages:\n[1] Returns are accepted within 30 days of delivery. Shipping is free over $50.\n[2] The warranty covers manufacturing defects for two years.\nIt does not cover water damage.";

describe("answer builder", () => {
  test("extracts numbered passages, continuing lines until the next number or a blank line", () => {
    const ps = extractPassages(`${passages}\n\nNot a passage line.`);
    expect(ps.map((p) => p.n)).toEqual([1, 2]);
    expect(ps[1]!.text).toBe("The warranty covers manufacturing defects for two years. It does not cover water damage.");
  });

  test("the question is the last user message without passages and label", () => {
    expect(questionOf([{ role: "user", content: `${passages}\n\nQuestion: Is water damage covered?` }])).toBe("Is water damage covered?");
    expect(questionOf([{ role: "system", content: "x" }])).toBe("");
  });

  test("answers with the matching sentences and their citations", () => {
    const a = buildAnswer([
      { role: "system", content: passages },
      { role: "user", content: "Does the warranty cover water damage?" },
    ]);
    expect(a).toContain("does not cover water damage [2].");
    expect(a).toContain("[2]");
    expect(a).not.toContain("[1]");
  });

  test("ranks by shared words and limits the sentence count", () => {
    const a = buildAnswer([{ role: "user", content: `${passages}\n\nQuestion: how many days for returns of delivery?` }], 1);
    expect(a).toBe("Returns are accepted within 30 days of delivery [1].");
  });

  test("no passages or no overlap give short generic replies", () => {
    expect(buildAnswer([{ role: "user", content: "hello?" }])).toBe(NO_PASSAGES_REPLY);
    expect(buildAnswer([{ role: "system", content: passages }, { role: "user", content: "quantum chromodynamics" }])).toBe(NO_MATCH_REPLY);
  });

  test("tokens, fixed-length answers and prompt counts", () => {
    expect(toTokens("Hi there [1].")).toEqual(["Hi", " there", " [1]."]);
    expect(fixedLengthTokens(["a", " b"], 5)).toEqual(["a", " b", " a", " b", " a"]);
    expect(fixedLengthTokens([], 5)).toEqual([]);
    expect(promptTokenCount([{ role: "user", content: "one two three" }])).toBe(8);
  });
});
