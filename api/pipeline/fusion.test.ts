import { describe, expect, test } from "bun:test";
import { fuse } from "./fusion";

describe("fuse", () => {
  const vector = { channel: "vector", hits: [{ id: "a", score: 0.9 }, { id: "b", score: 0.8 }, { id: "c", score: 0.1 }] };
  const keyword = { channel: "keyword", hits: [{ id: "b", score: 12 }, { id: "d", score: 5 }] };

  test("RRF rewards documents both channels rank", () => {
    const out = fuse([vector, keyword], { method: "rrf", rrfK: 60, weights: {} });
    expect(out[0]!.id).toBe("b");
    expect(out[0]!.ranks).toEqual({ vector: 2, keyword: 1 });
    expect(out[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 10);
    expect(out.map((h) => h.id)).toEqual(["b", "a", "d", "c"]);
  });

  test("weights change the order; weight 0 removes a channel", () => {
    const out = fuse([vector, keyword], { method: "rrf", rrfK: 60, weights: { vector: 0 } });
    expect(out.map((h) => h.id)).toEqual(["b", "d"]);
    const tilted = fuse([vector, keyword], { method: "rrf", rrfK: 1, weights: { vector: 5, keyword: 1 } });
    expect(tilted[0]!.id).toBe("a");
  });

  test("weighted fusion min-max normalises each channel", () => {
    const out = fuse([vector, keyword], { method: "weighted", rrfK: 60, weights: {} });
    const b = out.find((h) => h.id === "b")!;
    expect(b.score).toBeCloseTo((0.8 - 0.1) / 0.8 + 1, 10);
    expect(out.find((h) => h.id === "c")!.score).toBe(0);
  });

  test("an id listed twice by a channel counts once; empty input gives empty output", () => {
    const dup = { channel: "vector", hits: [{ id: "a", score: 1 }, { id: "a", score: 0.5 }] };
    expect(fuse([dup], { method: "rrf", rrfK: 60, weights: {} })[0]!.score).toBeCloseTo(1 / 61, 10);
    expect(fuse([], { method: "rrf", rrfK: 60, weights: {} })).toEqual([]);
  });
});
