import { describe, expect, test } from "bun:test";
import { rejection } from "../../tests/helpers/rejection";
import { loadDocument, textLength } from "./index";

const enc = (s: string) => new TextEncoder().encode(s);
const OPTS = { maxChars: 10_000, timeoutMs: 5000 };

describe("loadDocument", () => {
  test("dispatches by format and records the canonical MIME type", async () => {
    const cases: Array<[string, string, string, string]> = [
      ["a.md", "# T\n\nbody", "markdown", "text/markdown"],
      ["a.html", "<h1>T</h1><p>body</p>", "html", "text/html"],
      ["a.txt", "body text", "text", "text/plain"],
      ["a.json", '[{"title":"T","text":"body"}]', "json", "application/json"],
      ["a.csv", "id,v\n1,x", "csv", "text/csv"],
    ];
    for (const [filename, content, format, mime] of cases) {
      const doc = await loadDocument({ bytes: enc(content), filename }, OPTS);
      expect([doc.format, doc.mimeType]).toEqual([format, mime]);
      expect(doc.sections.length).toBeGreaterThan(0);
    }
  });

  test("every section passes through normalizeText", async () => {
    const doc = await loadDocument({ bytes: enc("# Caf\u0065\u0301\n\nfull\u00A0width \uFF21\u200B  \n\n\n\nnext"), filename: "n.md" }, OPTS);
    expect(doc.sections[0]!.headingPath).toEqual(["Café"]);
    expect(doc.sections[0]!.text).toBe("full width A\n\nnext");
  });

  test("text longer than maxChars is 413 DOCUMENT_TOO_LARGE", async () => {
    const e = await rejection(loadDocument({ bytes: enc("word ".repeat(300)), filename: "big.txt" }, { maxChars: 1000, timeoutMs: 1000 }));
    expect([e.status, e.code, e.category]).toEqual([413, "DOCUMENT_TOO_LARGE", "too_large"]);
    const ok = await loadDocument({ bytes: enc("word ".repeat(150)), filename: "ok.txt" }, { maxChars: 1000, timeoutMs: 1000 });
    expect(textLength(ok)).toBeLessThanOrEqual(1000);
  });

  test("a document whose markup holds no text is 422 EMPTY_DOCUMENT", async () => {
    const e = await rejection(loadDocument({ bytes: enc("<html><script>var a = 1;</script><nav>Home</nav></html>"), filename: "x.html" }, OPTS));
    expect([e.status, e.code]).toEqual([422, "EMPTY_DOCUMENT"]);
    const md = await rejection(loadDocument({ bytes: enc("# Just a heading\n<!-- and a comment -->"), filename: "x.md" }, OPTS));
    expect(md.code).toBe("EMPTY_DOCUMENT");
  });

  test("unsupported types are 415 before any parsing", async () => {
    const e = await rejection(loadDocument({ bytes: new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0]), filename: "c.docx" }, OPTS));
    expect([e.status, e.code]).toEqual([415, "UNSUPPORTED_TYPE"]);
  });

  test("an aborted signal rejects with its reason", async () => {
    const ac = new AbortController();
    ac.abort(new Error("stopped by caller"));
    await expect(loadDocument({ bytes: enc("hello"), filename: "a.txt" }, { ...OPTS, signal: ac.signal })).rejects.toThrow("stopped by caller");
  });
});
