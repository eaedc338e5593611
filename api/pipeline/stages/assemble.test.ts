import { describe, expect, test } from "bun:test";
import { newContext } from "../stage";
import { assembleStage, citationSources, snippetOf } from "./assemble";
import type { Passage } from "../../../core/ports/retrieval";

const passage = (id: string, text: string, score: number, extra: Partial<Passage> = {}): Passage => ({
  chunkId: id, documentId: `doc-${id}`, title: `Title ${id}`, page: null, sectionPath: [], text, charStart: 0, charEnd: text.length,
  docType: "policy", source: `s-${id}`, tags: [], score, ranks: {}, ...extra,
});

describe("assemble stage", () => {
  test("fits the passages into the token budget and numbers them as citation sources", () => {
    const ctx = newContext({ tenantId: "t", content: "q" });
    const long = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} about returns and refunds.`).join(" ");
    ctx.passages = [passage("a", "Laptops can be returned within 15 days.", 1, { page: 3, sectionPath: ["Returns", "Laptops"] }), passage("b", long, 0.5), passage("c", "Never reached.", 0.1)];
    assembleStage({ maxTokens: 120, overheadTokens: 10, snippetChars: 60 }).run(ctx);
    expect(ctx.passages.map((p) => p.chunkId)).toEqual(["a", "b"]);
    expect(ctx.passages[1]!.text.length).toBeLessThan(long.length); // trimmed at a sentence
    expect(ctx.passages[1]!.text.endsWith(".")).toBe(true);
    expect(ctx.sources[0]).toEqual({ n: 1, chunkId: "a", documentId: "doc-a", title: "Title a", page: 3, sectionPath: ["Returns", "Laptops"], snippet: "Laptops can be returned within 15 days." });
    expect(ctx.sources[1]!.n).toBe(2);
    expect(ctx.sources[1]!.snippet.length).toBeLessThanOrEqual(61);
  });

  test("snippets are cut at a word with an ellipsis", () => {
    expect(snippetOf("short  text\n here", 100)).toBe("short text here");
    expect(snippetOf("The warranty covers manufacturing defects for one year from delivery.", 30)).toBe("The warranty covers…");
    // Long texts are flattened from their start only, whatever their whitespace.
    const long = `Returns ${" \n".repeat(200)}are accepted within thirty days ${"of delivery ".repeat(100)}`;
    expect(snippetOf(long, 40)).toBe("Returns are accepted within thirty days…");
    expect(snippetOf(long, 40)).toBe(snippetOf(long.replace(/\s+/g, " "), 40));
    const words = "alpha beta gamma delta ".repeat(100);
    expect(snippetOf(words, 50)).toBe(snippetOf(words.replace(/\s+/g, " ").trim(), 50));
    expect(citationSources([])).toEqual([]);
  });
});
