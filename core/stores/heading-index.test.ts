import { afterAll, describe, expect, test } from "bun:test";
import { SentenceEncoder } from "../embeddings/sentence-encoder";
import type { Embedder } from "../ports/embedder";
import type { KeywordDoc } from "../ports/keyword-index";
import { HeadingIndex, keyTextOf } from "./heading-index";

/** Unit-test embedder: one axis per known word, so cosines are predictable; counts what it was asked. */
class WordAxes implements Embedder {
  readonly id = "axes";
  readonly dimension = 8;
  readonly asked: string[] = [];
  private readonly words = ["return", "refund", "canada", "battery", "hours", "warranty", "laptop", "ship"];
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.asked.push(...texts);
    return texts.map((t) => {
      const v = new Float32Array(this.dimension);
      for (const w of t.toLowerCase().split(/\W+/)) {
        const i = this.words.findIndex((x) => w.startsWith(x));
        if (i >= 0) v[i]! += 1;
      }
      const n = Math.hypot(...v);
      return n ? v.map((x) => x / n) : v;
    });
  }
}

const doc = (id: string, section: string, o: Partial<KeywordDoc> = {}): KeywordDoc => ({
  id,
  tenantId: "t1",
  documentId: "d1",
  version: 1,
  docType: "policy",
  source: "policy.md",
  tags: [],
  title: "Store Policy",
  section,
  text: "",
  ...o,
});

describe("keyTextOf", () => {
  test("the deepest heading that is not the title, without its section number", () => {
    expect(keyTextOf({ title: "Manual", section: "7. Troubleshooting > 7.1 The laptop won't turn on" })).toBe("The laptop won't turn on");
    expect(keyTextOf({ title: "Store Policy", section: "Store Policy > Refund timing" })).toBe("Refund timing");
  });
  test("the title when there is no heading below it (an FAQ entry titled by its question)", () => {
    expect(keyTextOf({ title: "Do you ship to Canada?", section: "" })).toBe("Do you ship to Canada?");
    expect(keyTextOf({ title: "Store Policy", section: "Store Policy" })).toBe("Store Policy");
  });
  test("a heading that is only a number keeps its text", () => {
    expect(keyTextOf({ title: "T", section: "3." })).toBe("3.");
  });
});

describe("HeadingIndex", () => {
  test("a section's key text is encoded once; a hit returns every chunk under it, in order, with the key's score", async () => {
    const enc = new WordAxes();
    const idx = new HeadingIndex(enc);
    await idx.add([doc("c1", "Store Policy > Refund timing"), doc("c2", "Store Policy > Refund timing"), doc("c3", "Store Policy > Shipping to Canada")]);
    expect(enc.asked).toEqual(["Refund timing", "Shipping to Canada"]);
    const hits = await idx.search("when is my refund", 5, { tenantId: "t1" });
    expect(hits.map((h) => h.id).slice(0, 2)).toEqual(["c1", "c2"]);
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    expect(await idx.count("t1")).toBe(3);
  });

  test("k bounds the chunks returned", async () => {
    const idx = new HeadingIndex(new WordAxes());
    await idx.add([doc("c1", "Refund"), doc("c2", "Refund"), doc("c3", "Refund")]);
    expect((await idx.search("refund", 2, { tenantId: "t1" })).length).toBe(2);
  });

  test("tenant and metadata filters hold: another tenant's headings are never returned", async () => {
    const idx = new HeadingIndex(new WordAxes());
    await idx.add([doc("a", "Refund timing"), doc("b", "Refund timing", { tenantId: "t2", documentId: "d9" }), doc("c", "Battery", { docType: "manual", documentId: "d2" })]);
    expect((await idx.search("refund", 5, { tenantId: "t2" })).map((h) => h.id)).toEqual(["b"]);
    expect((await idx.search("refund battery", 5, { tenantId: "t1", docTypes: ["manual"] })).map((h) => h.id)).toEqual(["c"]);
  });

  test("remove by version swaps a re-ingested document: the old version's headings go, the new one's stay", async () => {
    const idx = new HeadingIndex(new WordAxes());
    await idx.add([doc("old", "Refund timing", { version: 1 })]);
    await idx.add([doc("new", "Refund timing", { version: 2 })]);
    await idx.remove({ tenantId: "t1", documentId: "d1", exceptVersion: 2 });
    expect((await idx.search("refund", 5, { tenantId: "t1" })).map((h) => h.id)).toEqual(["new"]);
    await idx.remove({ tenantId: "t1", documentId: "d1" });
    expect(await idx.search("refund", 5, { tenantId: "t1" })).toEqual([]);
    expect(idx.size).toEqual({ entries: 0, chunks: 0 });
  });

  test("adding the same rows twice (a replica's sync after its own ingest) changes nothing", async () => {
    const enc = new WordAxes();
    const idx = new HeadingIndex(enc);
    const rows = [doc("c1", "Refund"), doc("c2", "Canada")];
    await idx.add(rows);
    await idx.add(rows);
    expect(enc.asked.length).toBe(2);
    expect(await idx.count()).toBe(2);
  });

  test("a wordless query and an empty index return nothing", async () => {
    const idx = new HeadingIndex(new WordAxes());
    expect(await idx.search("refund", 5, { tenantId: "t1" })).toEqual([]);
    await idx.add([doc("c1", "Refund")]);
    expect(await idx.search("?!", 5, { tenantId: "t1" })).toEqual([]);
  });
});

describe("HeadingIndex on the real sentence encoder", () => {
  const enc = new SentenceEncoder();
  afterAll(() => enc.close());
  test("a paraphrased question finds its heading with no word in common", async () => {
    const idx = new HeadingIndex(enc);
    await idx.add([
      doc("on", "7. Troubleshooting > 7.1 The laptop won't turn on", { title: "Manual" }),
      doc("hot", "7. Troubleshooting > 7.2 The laptop is too hot or the fan is loud", { title: "Manual" }),
      doc("ship", "Shipping > Countries we do not ship to", { title: "Manual" }),
    ]);
    const [top] = await idx.search("my notebook is dead, nothing happens when I press power", 3, { tenantId: "t1" });
    expect(top!.id).toBe("on");
  });
});

describe("headingChunkIndex (background writes)", () => {
  const batch = (version: number, id: string) => ({ tenantId: "t1", documentId: "d1", version, title: "T", docType: "policy", source: "s", tags: [], chunks: [{ id, sectionPath: ["Refund timing"] }] as never });

  test("the write returns before the encoder has run; idle() resolves once the section is searchable", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const enc = new WordAxes();
    const slow: Embedder = { id: "slow", dimension: 8, embed: async (t) => (await gate, enc.embed(t)) };
    const idx = new HeadingIndex(slow);
    const { headingChunkIndex } = await import("./chunk-indexes");
    await headingChunkIndex(idx).write(batch(1, "c1"));
    expect(idx.size.entries).toBe(0);
    release();
    await idx.idle();
    expect((await idx.search("refund", 5, { tenantId: "t1" })).map((h) => h.id)).toEqual(["c1"]);
  });

  test("a version removed while it was being encoded (a failed or superseded ingest) is never added", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const enc = new WordAxes();
    const idx = new HeadingIndex({ id: "slow", dimension: 8, embed: async (t) => (await gate, enc.embed(t)) });
    const { headingChunkIndex } = await import("./chunk-indexes");
    const ci = headingChunkIndex(idx);
    await ci.write(batch(1, "v1"));
    await ci.remove({ tenantId: "t1", documentId: "d1", versions: [1] });
    release();
    await idx.idle();
    expect(idx.size.entries).toBe(0);
    // A later version is added normally.
    await ci.write(batch(2, "v2"));
    await idx.idle();
    expect((await idx.search("refund", 5, { tenantId: "t1" })).map((h) => h.id)).toEqual(["v2"]);
  });

  test("an encoder failure does not fail the ingest: the miss is counted on the index", async () => {
    const { headingChunkIndex } = await import("./chunk-indexes");
    const idx = new HeadingIndex({ id: "x", dimension: 8, embed: async () => Promise.reject(new Error("encoder down")) });
    await headingChunkIndex(idx).write({ ...batch(1, "c1"), chunks: [{ id: "c1", sectionPath: ["Refunds"] }, { id: "c2", sectionPath: ["Refunds"] }] as never });
    await idx.idle();
    expect(idx.misses.chunks).toBe(2);
    expect(idx.misses.lastError).toContain("encoder down");
    idx.clear();
    expect(idx.misses.chunks).toBe(0);
  });
});

describe("HeadingIndex above fullScanMax (rerank mode)", () => {
  test("only the candidates' sections are compared; without candidates nothing is returned", async () => {
    const idx = new HeadingIndex(new WordAxes(), { fullScanMax: 1 });
    await idx.add([doc("refund", "Refund timing"), doc("canada", "Shipping to Canada"), doc("battery", "Battery warranty")]);
    expect(idx.fullScan).toBe(false);
    // The best heading for the query ("Refund timing") is not among the candidates, so it is not returned.
    const hits = await idx.search("refund for shipping to canada", 5, { tenantId: "t1" }, undefined, Promise.resolve(["canada", "battery"]));
    expect(hits.map((h) => h.id)).toEqual(["canada", "battery"]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(await idx.search("refund", 5, { tenantId: "t1" })).toEqual([]);
  });

  test("a candidate's whole section comes back, and removed versions are never scored", async () => {
    const idx = new HeadingIndex(new WordAxes(), { fullScanMax: 0 });
    await idx.add([doc("r1", "Refund timing"), doc("r2", "Refund timing"), doc("c", "Canada")]);
    expect((await idx.search("refund", 5, { tenantId: "t1" }, undefined, Promise.resolve(["r2"]))).map((h) => h.id)).toEqual(["r1", "r2"]);
    await idx.remove({ tenantId: "t1", documentId: "d1" });
    expect(await idx.search("refund", 5, { tenantId: "t1" }, undefined, Promise.resolve(["r1", "r2", "c"]))).toEqual([]);
  });
});
