import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadDocument } from "./index";
import { loadText } from "./text";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/ingest");

describe("text loader", () => {
  test("fixture: title from the first short line, heading-like lines start sections, wrapped lines unwrapped", async () => {
    const bytes = new Uint8Array(await Bun.file(join(FIXTURES, "notes.txt")).arrayBuffer());
    const doc = await loadDocument({ bytes, filename: "notes.txt" }, { maxChars: 100_000, timeoutMs: 5000 });
    expect(doc.format).toBe("text");
    expect(doc.title).toBe("Store Opening Hours");
    expect(doc.sections.map((s) => s.headingPath)).toEqual([["Store Opening Hours"], ["Parking"], ["Accessibility"]]);
    expect(doc.sections[0]!.text).toBe(
      "Our flagship store in Berlin is open Monday to Saturday from 9 am to 8 pm. On public holidays the store closes at 4 pm. " +
        "The customer desk on the ground floor handles returns and repairs during the same hours.",
    );
  });

  test("a table row on its own ('Laptop | 15 Days', tab-separated cells) is text, not a heading", async () => {
    const bytes = new Uint8Array(await Bun.file(join(FIXTURES, "windows.txt")).arrayBuffer());
    const doc = await loadDocument({ bytes, filename: "windows.txt" }, { maxChars: 100_000, timeoutMs: 5000 });
    expect(doc.sections.map((s) => s.headingPath.join(" > "))).toEqual(["Return Windows", "Refund Timing"]);
    expect(doc.sections[0]!.text).toContain("Laptop | 15 Days\n\nOpen Box Phones | 30 Days");
  });

  test("title falls back to the file name when the first line is long", () => {
    const doc = loadText("This first line is a long sentence that goes on and on, well past any reasonable heading length for a title line.\n\nMore.", "readme");
    expect(doc.title).toBe("readme");
    expect(doc.sections).toHaveLength(1);
    expect(doc.sections[0]!.headingPath).toEqual([]);
  });

  test("short lines and lists are kept as written", () => {
    const doc = loadText("Address:\nAurora Store\nMain Street 1\n\n- one\n- two", "x");
    expect(doc.sections[0]!.text).toBe("Address:\nAurora Store\nMain Street 1\n\n- one\n- two");
  });

  test("CRLF line endings and control characters are normalised", async () => {
    const bytes = new TextEncoder().encode("Title\r\n\r\nLine one\u0007 text.\r\nLine two.\r\n");
    const doc = await loadDocument({ bytes, filename: "crlf.txt" }, { maxChars: 1000, timeoutMs: 1000 });
    expect(doc.sections.map((s) => s.text)).toEqual(["Line one text.\nLine two."]);
  });
});
