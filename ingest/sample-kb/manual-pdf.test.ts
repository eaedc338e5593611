import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { extractText, getDocumentProxy } from "unpdf";
import { MANUAL_PDF, flattenText, renderVoltbookManual, verifyManualPdf } from "./build-manual.ts";
import { parseInline, parseManualMarkdown } from "./manual-markdown.ts";
import { renderManualPdf } from "./manual-pdf.ts";

const DATE = new Date("2026-01-15T12:00:00Z");

describe("parseManualMarkdown", () => {
  test("reads headings, paragraphs, lists and tables in order", () => {
    const blocks = parseManualMarkdown(
      "# Title\n\nIntro **bold** text\ncontinued.\n\n## 1. Part\n\n- one\n- two\n\n1. first\n2. second\n\n| K | V |\n|---|---|\n| a | b |\n",
    );
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "paragraph", "heading", "list", "list", "table"]);
    expect(blocks[1]).toEqual({
      kind: "paragraph",
      runs: [
        { text: "Intro ", style: "regular" },
        { text: "bold", style: "bold" },
        { text: " text continued.", style: "regular" },
      ],
    });
    expect(blocks[3]).toMatchObject({ kind: "list", ordered: false });
    expect(blocks[4]).toMatchObject({ kind: "list", ordered: true });
    expect(blocks[5]).toEqual({ kind: "table", header: ["K", "V"], rows: [["a", "b"]] });
  });

  test("parseInline handles italic and unmatched markers", () => {
    expect(parseInline("an *italic* word")).toEqual([
      { text: "an ", style: "regular" },
      { text: "italic", style: "italic" },
      { text: " word", style: "regular" },
    ]);
    expect(parseInline("5 * 3")).toEqual([{ text: "5 * 3", style: "regular" }]);
  });
});

describe("renderManualPdf", () => {
  test("wraps long text over pages with readable text, footers and a Title", async () => {
    const paragraph = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} about battery care and “charging”.`).join(" ");
    const markdown = `# Test Manual\n\nCover text.\n\n## 1. Long part\n\n${paragraph}\n\n${paragraph}\n\n## 2. Table\n\n| Key | Value |\n|---|---|\n| Weight | 1.35 kg |\n`;
    const result = await renderManualPdf(parseManualMarkdown(markdown), { title: "Test Manual", author: "T", date: DATE });
    expect(result.pageCount).toBeGreaterThanOrEqual(4);
    expect(result.replacedChars).toBe(0);
    expect(result.headings.map((h) => h.text)).toEqual(["1. Long part", "2. Table"]);

    const pdf = await getDocumentProxy(new Uint8Array(result.bytes));
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    expect(totalPages).toBe(result.pageCount);
    const all = flattenText(text.join("\n"));
    expect(all).toContain("sentence number 59 about battery care");
    expect(all).toContain("weight 1.35 kg");
    expect(text[1]).toContain(`Page 2 of ${totalPages}`);
  });

  test("replaces characters outside WinAnsi instead of failing", async () => {
    const result = await renderManualPdf(parseManualMarkdown("# T\n\n## 1. S\n\nEmoji \u{1F50B} and \u4e2d.\n"), { title: "T", author: "T", date: DATE });
    expect(result.replacedChars).toBe(2);
  });
});

describe("the committed VoltBook 14 manual", () => {
  test("is up to date with its Markdown source and passes the build checks", async () => {
    const rebuilt = await renderVoltbookManual();
    const committed = new Uint8Array(readFileSync(MANUAL_PDF));
    // If this fails, run: npx bun ingest/sample-kb/build-manual.ts
    expect(Buffer.from(committed).equals(Buffer.from(rebuilt.bytes))).toBe(true);
    const check = await verifyManualPdf(committed, rebuilt.pageCount, rebuilt.headings.map((h) => h.text));
    expect(check.problems).toEqual([]);
  });
});
