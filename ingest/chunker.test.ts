import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { chunkDocument, fullTextOf } from "./chunker";
import { closePdfWorkers, loadDocument } from "./loaders";
import type { ChunkDraft, LoadedDocument, LoadedSection } from "./types";

const FIXTURES = join(import.meta.dir, "../tests/fixtures/ingest");
afterAll(() => closePdfWorkers());

const doc = (sections: LoadedSection[], extra: Partial<LoadedDocument> = {}): LoadedDocument => ({
  title: "T",
  mimeType: "text/plain",
  format: "text",
  sections,
  ...extra,
});
const isPrefix = (p: string[], of: string[]) => p.length <= of.length && p.every((x, i) => x === of[i]);
const WORD = /[\p{L}\p{N}]/u;

/** The invariants every chunking must satisfy. */
function checkInvariants(d: LoadedDocument, chunks: ChunkDraft[], size: number, overlap: number): void {
  const full = fullTextOf(d);
  const starts: number[] = [];
  let at = 0;
  for (const s of d.sections) {
    starts.push(at);
    at += s.text.length + 2;
  }
  const covered = new Uint8Array(full.length);
  chunks.forEach((c, i) => {
    expect(c.ordinal).toBe(i);
    expect(full.slice(c.charStart, c.charEnd)).toBe(c.text);
    expect(c.text.length).toBeGreaterThan(0);
    expect(c.text).toBe(c.text.trim());
    expect(c.text.length).toBeLessThanOrEqual(Math.floor(size * 1.5));
    // never mid-word
    if (c.charStart > 0 && WORD.test(full[c.charStart]!)) expect(WORD.test(full[c.charStart - 1]!)).toBe(false);
    if (c.charEnd < full.length && WORD.test(full[c.charEnd - 1]!)) expect(WORD.test(full[c.charEnd]!)).toBe(false);
    // sections touched are under the chunk's path (or are untitled text before the first heading)
    d.sections.forEach((s, k) => {
      const touches = starts[k]! < c.charEnd && starts[k]! + s.text.length > c.charStart;
      if (touches && s.headingPath.length > 0) expect(isPrefix(c.sectionPath, s.headingPath)).toBe(true);
    });
    // pages
    const first = d.sections.findLastIndex((_, k) => starts[k]! <= c.charStart);
    const last = d.sections.findLastIndex((_, k) => starts[k]! < c.charEnd);
    expect(c.page).toBe(d.sections[first]!.page ?? null);
    expect(c.pageEnd).toBe(d.sections[last]!.page ?? null);
    // overlap with the previous chunk is bounded
    const prev = chunks[i - 1];
    if (prev && c.charStart < prev.charEnd) expect(prev.charEnd - c.charStart).toBeLessThanOrEqual(overlap);
    covered.fill(1, c.charStart, c.charEnd);
  });
  // no content is lost
  const lost: number[] = [];
  for (let k = 0; k < full.length; k++) if (!covered[k] && !/\s/.test(full[k]!)) lost.push(k);
  expect(lost).toEqual([]);
}

describe("chunkDocument on every fixture", () => {
  const files = readdirSync(FIXTURES).filter((f) => /\.(pdf|md|html|txt|json|csv)$/.test(f));
  test("fullText.slice(charStart, charEnd) === text and the other invariants hold", async () => {
    let loaded = 0;
    for (const file of files) {
      const bytes = new Uint8Array(await Bun.file(join(FIXTURES, file)).arrayBuffer());
      let d: LoadedDocument;
      try {
        d = await loadDocument({ bytes, filename: file }, { maxChars: 1_000_000, timeoutMs: 20_000 });
      } catch {
        continue; // the error fixtures
      }
      loaded++;
      for (const [size, overlap] of [[80, 30], [200, 60], [400, 0], [1000, 150]] as const) {
        checkInvariants(d, chunkDocument(d, { size, overlap }), size, overlap);
      }
    }
    expect(loaded).toBeGreaterThanOrEqual(10);
  });

  test("manual.pdf: chunks follow headings and record page spans", async () => {
    const bytes = new Uint8Array(await Bun.file(join(FIXTURES, "manual.pdf")).arrayBuffer());
    const d = await loadDocument({ bytes, filename: "manual.pdf" }, { maxChars: 1_000_000, timeoutMs: 20_000 });
    const chunks = chunkDocument(d, { size: 400, overlap: 0 });
    const storage = chunks.find((c) => c.sectionPath.join(" > ") === "2 Battery Care > 2.1 Storage")!;
    expect([storage.page, storage.pageEnd]).toEqual([2, 3]);
    expect(chunks.find((c) => c.sectionPath[0] === "3 Troubleshooting")).toMatchObject({ page: 3, pageEnd: 3 });
  });
});

describe("chunkDocument rules", () => {
  const sentences = (n: number, prefix = "Sentence") =>
    Array.from({ length: n }, (_, i) => `${prefix} number ${i + 1} says something useful about returns.`).join(" ");

  test("long paragraphs split at sentence boundaries with overlap of trailing sentences", () => {
    const d = doc([{ text: sentences(20), headingPath: ["Returns"] }]);
    const chunks = chunkDocument(d, { size: 200, overlap: 60 });
    expect(chunks.length).toBeGreaterThan(3);
    checkInvariants(d, chunks, 200, 60);
    for (const c of chunks) {
      expect(c.text).toMatch(/^Sentence number \d+/);
      expect(c.text).toMatch(/returns\.$/);
    }
    for (let i = 1; i < chunks.length; i++) {
      const lastSentence = chunks[i - 1]!.text.match(/Sentence number \d+[^.]*\.$/)![0];
      expect(chunks[i]!.text.startsWith(lastSentence)).toBe(true);
    }
  });

  test("no overlap without the option or across sections", () => {
    const d = doc([
      { text: sentences(6, "Alpha"), headingPath: ["A"] },
      { text: sentences(6, "Beta"), headingPath: ["B"] },
    ]);
    const noOverlap = chunkDocument(d, { size: 200, overlap: 0 });
    for (let i = 1; i < noOverlap.length; i++) expect(noOverlap[i]!.charStart).toBeGreaterThan(noOverlap[i - 1]!.charEnd);
    const withOverlap = chunkDocument(d, { size: 200, overlap: 80 });
    const firstB = withOverlap.find((c) => c.sectionPath[0] === "B")!;
    expect(firstB.text.startsWith("Beta number 1")).toBe(true);
  });

  test("a run-on text without punctuation is split between words; one huge token is cut within the hard max", () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
    const d = doc([{ text: words, headingPath: [] }, { text: "x".repeat(500), headingPath: ["Blob"] }]);
    const chunks = chunkDocument(d, { size: 100, overlap: 20 });
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(150);
    const wordChunks = chunks.filter((c) => c.text.startsWith("word"));
    for (const c of wordChunks) expect(c.text).toMatch(/^word\d+( word\d+)*$/);
    expect(chunks.filter((c) => c.text.startsWith("x")).map((c) => c.text.length)).toEqual([100, 100, 100, 100, 100]);
  });

  test("prefers to break at a page boundary", () => {
    const p1 = "Page one text. ".repeat(10).trim(); // 149 chars
    const p2 = "Page two text. ".repeat(10).trim();
    const d = doc([
      { text: p1, page: 1, headingPath: ["Guide"] },
      { text: p2, page: 2, headingPath: ["Guide"] },
    ]);
    const chunks = chunkDocument(d, { size: 250, overlap: 0 });
    expect(chunks.map((c) => [c.page, c.pageEnd, c.text])).toEqual([
      [1, 1, p1],
      [2, 2, p2],
    ]);
  });

  test("a small page tail joins its chunk and records the page span", () => {
    const d = doc([
      { text: "Main text of the section on page one. ".repeat(4).trim(), page: 1, headingPath: ["S"] },
      { text: "Short tail.", page: 2, headingPath: ["S"] },
    ]);
    const [only, ...rest] = chunkDocument(d, { size: 200, overlap: 0 });
    expect(rest).toEqual([]);
    expect([only!.page, only!.pageEnd]).toEqual([1, 2]);
  });

  test("tiny sections under the same parent merge; top-level siblings and large sections do not", () => {
    const d = doc([
      { text: "Intro to returns.", headingPath: ["Returns"] },
      { text: "Laptops need the charger.", headingPath: ["Returns", "Laptops"] },
      { text: "Phones need a reset.", headingPath: ["Returns", "Phones"] },
      { text: "Two years.", headingPath: ["Warranty"] },
      { text: sentences(6), headingPath: ["Warranty", "Claims"] },
    ]);
    const chunks = chunkDocument(d, { size: 200, overlap: 0 });
    expect(chunks.map((c) => [c.sectionPath, c.text.slice(0, 12)])).toEqual([
      [["Returns"], "Intro to ret"],
      [["Warranty"], "Two years."],
      [["Warranty", "Claims"], "Sentence num"],
      [["Warranty", "Claims"], "Sentence num"],
    ]);
    expect(chunks[0]!.text).toBe("Intro to returns.\n\nLaptops need the charger.\n\nPhones need a reset.");
    // a tiny intro merges with a child that fits
    const intro = doc([
      { text: "Two years.", headingPath: ["Warranty"] },
      { text: sentences(3), headingPath: ["Warranty", "Claims"] },
    ]);
    expect(chunkDocument(intro, { size: 200, overlap: 0 }).map((c) => c.sectionPath)).toEqual([["Warranty"]]);
    const siblings = doc([
      { text: "Parking is free.", headingPath: ["Parking"] },
      { text: "Step-free access.", headingPath: ["Accessibility"] },
    ]);
    expect(chunkDocument(siblings, { size: 200, overlap: 0 }).map((c) => c.sectionPath)).toEqual([["Parking"], ["Accessibility"]]);
  });

  test("CSV-style rows are packed a handful per chunk, each chunk starting at a row", () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({
      text: `Order ORD-${1000 + i}: status shipped; customer Customer ${i}; carrier DHL.`,
      headingPath: ["orders"],
    }));
    const d = doc(rows);
    const chunks = chunkDocument(d, { size: 400, overlap: 0 });
    checkInvariants(d, chunks, 400, 0);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.text).toMatch(/^Order ORD-\d+:/);
      expect(c.text.split("\n\n").length).toBeGreaterThanOrEqual(3);
    }
  });

  test("fullTextOf joins sections with blank lines and an empty document has no chunks", () => {
    expect(fullTextOf(doc([{ text: "a", headingPath: [] }, { text: "b", headingPath: [] }]))).toBe("a\n\nb");
    expect(chunkDocument(doc([]), { size: 100, overlap: 10 })).toEqual([]);
  });
});
