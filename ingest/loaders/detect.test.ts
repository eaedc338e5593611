import { describe, expect, test } from "bun:test";
import { AppError } from "../../core/errors";
import { baseName, decodeText, detectFormat, hasPdfMagic, looksBinary } from "./detect";

const enc = (s: string) => new TextEncoder().encode(s);

function rejects(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error("expected an AppError");
}

describe("detectFormat", () => {
  test("uses the extension", () => {
    expect(detectFormat({ filename: "a.md", bytes: enc("# Hi") })).toBe("markdown");
    expect(detectFormat({ filename: "a.HTM", bytes: enc("<p>x</p>") })).toBe("html");
    expect(detectFormat({ filename: "notes.txt", bytes: enc("x") })).toBe("text");
    expect(detectFormat({ filename: "faq.json", bytes: enc("[]") })).toBe("json");
    expect(detectFormat({ filename: "orders.csv", bytes: enc("id\n1") })).toBe("csv");
    expect(detectFormat({ filename: "orders.tsv", bytes: enc("id\n1") })).toBe("csv");
  });

  test("uses the MIME type when there is no extension", () => {
    expect(detectFormat({ filename: "upload", mimeType: "text/csv; charset=utf-8", bytes: enc("id\n1") })).toBe("csv");
    expect(detectFormat({ mimeType: "text/markdown", bytes: enc("hello") })).toBe("markdown");
  });

  test("magic bytes win: %PDF- means pdf whatever the name", () => {
    expect(detectFormat({ filename: "x.bin", bytes: enc("%PDF-1.7\n...") })).toBe("pdf");
    expect(detectFormat({ bytes: enc("%PDF-1.4") })).toBe("pdf");
    expect(hasPdfMagic(enc("junk\n%PDF-1.4"))).toBe(true);
    expect(hasPdfMagic(enc("%PD"))).toBe(false);
  });

  test("sniffs text content without name or MIME", () => {
    expect(detectFormat({ bytes: enc("<!DOCTYPE html><html><body>x</body></html>") })).toBe("html");
    expect(detectFormat({ bytes: enc('  [{"title":"a","text":"b"}]') })).toBe("json");
    expect(detectFormat({ bytes: enc("# Title\n\nBody") })).toBe("markdown");
    expect(detectFormat({ bytes: enc("Just some words.") })).toBe("text");
  });

  test("a .pdf without the %PDF- header is 422 PDF_CORRUPT", () => {
    const e = rejects(() => detectFormat({ filename: "fake.pdf", bytes: enc("I am text") }));
    expect([e.status, e.code]).toEqual([422, "PDF_CORRUPT"]);
  });

  test("empty or whitespace-only input is 422 EMPTY_DOCUMENT", () => {
    for (const bytes of [new Uint8Array(0), enc("  \n\t \r\n"), new Uint8Array([0xef, 0xbb, 0xbf, 0x20])]) {
      const e = rejects(() => detectFormat({ filename: "a.txt", bytes }));
      expect([e.status, e.code]).toEqual([422, "EMPTY_DOCUMENT"]);
    }
  });

  test("unsupported and binary types are 415 UNSUPPORTED_TYPE naming the supported types", () => {
    const cases = [
      { filename: "contract.docx", bytes: new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]) },
      { filename: "photo.png", bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]) },
      { filename: "setup.exe", bytes: new Uint8Array([0x4d, 0x5a, 0x90, 0x00]) },
      { filename: "archive.zip", bytes: new Uint8Array([0x50, 0x4b, 0x03, 0x04]) },
      { filename: "slides.key", bytes: enc("plain words") },
      { filename: "blob", bytes: new Uint8Array([1, 0, 0, 0, 7, 0, 0, 9, 0, 0, 0, 0]) },
      { filename: "data.txt", bytes: new Uint8Array(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 0 : 65))) },
      { mimeType: "image/jpeg", bytes: enc("not really") },
    ];
    for (const c of cases) {
      const e = rejects(() => detectFormat(c));
      expect([e.status, e.code, e.category]).toEqual([415, "UNSUPPORTED_TYPE", "unsupported"]);
      expect(e.message).toContain("supported types: PDF");
    }
  });
});

describe("text helpers", () => {
  test("bytes that are not UTF-8 decode as windows-1252 (charset.ts), never fail", () => {
    const bytes = new Uint8Array([0x48, 0x69, 0xff, 0xfe, 0x21]);
    expect(looksBinary(bytes)).toBe(false);
    expect(decodeText(bytes)).toBe("Hi\u00FF\u00FE!");
    expect(detectFormat({ filename: "a.txt", bytes })).toBe("text");
  });

  test("UTF-16 text with a byte-order mark is decoded, not rejected as binary", () => {
    const le = new Uint8Array([0xff, 0xfe, ...Array.from("id,name\n1,Ann").flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(detectFormat({ filename: "export.csv", bytes: le })).toBe("csv");
    expect(decodeText(le)).toBe("id,name\n1,Ann");
    const be = new Uint8Array([0xfe, 0xff, 0, 0x48, 0, 0x69]);
    expect(decodeText(be)).toBe("Hi");
  });

  test("a UTF-8 BOM is dropped", () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe("A");
  });

  test("baseName strips folders and the extension", () => {
    expect(baseName("data/Orders.csv")).toBe("Orders");
    expect(baseName("C:\\kb\\guide.v2.md")).toBe("guide.v2");
    expect(baseName(undefined)).toBeUndefined();
  });
});
