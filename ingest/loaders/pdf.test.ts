import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rejection } from "../../tests/helpers/rejection";
import { closePdfWorkers, loadDocument } from "./index";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/ingest");
const fixture = async (name: string) => new Uint8Array(await Bun.file(join(FIXTURES, name)).arrayBuffer());
const OPTS = { maxChars: 1_000_000, timeoutMs: 20_000 };

afterAll(() => closePdfWorkers());

describe("pdf loader", () => {
  test("extracts pages, headings, metadata title and clean paragraphs", async () => {
    const doc = await loadDocument({ bytes: await fixture("manual.pdf"), filename: "manual.pdf" }, OPTS);
    expect(doc.format).toBe("pdf");
    expect(doc.mimeType).toBe("application/pdf");
    expect(doc.pageCount).toBe(3);
    expect(doc.title).toBe("Aurora X2 Headphones User Guide");
    expect(doc.sections.map((s) => [s.page, s.headingPath.join(" > ")])).toEqual([
      [1, "1 Getting Started"],
      [1, "1 Getting Started > 1.1 Unboxing"],
      [2, "2 Battery Care"],
      [2, "2 Battery Care > 2.1 Storage"],
      [3, "2 Battery Care > 2.1 Storage"],
      [3, "3 Troubleshooting"],
    ]);
    const all = doc.sections.map((s) => s.text).join("\n\n");
    expect(all).toContain("The built-in battery is rechargeable and needs no maintenance"); // de-hyphenated, joined
    expect(all).not.toContain("Page 2"); // running footer removed
    expect(all).not.toContain("Aurora X2 User Guide -");
    const trouble = doc.sections[5]!.text;
    expect(trouble).toBe(
      "If the headphones do not turn on, connect them to a charger for ten minutes.\n" +
        "- Reset: hold both buttons for fifteen seconds.\n" +
        "- Pairing: remove the old pairing from your phone and pair again.\n\n" +
        "Contact support if the problem persists after a reset.",
    );
  });

  test("uses the outline for heading paths and falls back to the first heading for the title", async () => {
    const doc = await loadDocument({ bytes: await fixture("outline.pdf"), filename: "outline.pdf" }, OPTS);
    expect(doc.title).toBe("Returns Policy");
    expect(doc.metadata?.hasOutline).toBe(true);
    expect(doc.sections.map((s) => [s.page, s.headingPath.join(" > "), s.text.slice(0, 20)])).toEqual([
      [1, "Returns Policy", "You can return most "],
      [1, "Returns Policy > Eligible Items", "Unopened accessories"],
      [2, "Returns Policy > Eligible Items", "Opened software and "],
      [2, "Returns Policy > Refund Timing", "Refunds reach your o"],
    ]);
  });

  test("a table of short Title Case cells stays rows of text, not headings; the heading after it is found", async () => {
    const doc = await loadDocument({ bytes: await fixture("table.pdf"), filename: "table.pdf" }, OPTS);
    expect(doc.sections.map((s) => s.headingPath.join(" > "))).toEqual(["Return Windows", "Refund Timing"]);
    expect(doc.sections[0]!.text).toBe(
      "Most items can be returned within the windows below, counted from the delivery date.\n\n" +
        "Product Type | Return Window | Restocking Fee\nLaptop | 15 days | None\nOpen Box Phones | 30 Days | 10%\nGift Cards | Not Returnable | None",
    );
  });

  test("typographic and ASCII apostrophes survive extraction, heading detection and paragraph joining", async () => {
    const doc = await loadDocument({ bytes: await fixture("apostrophes.pdf"), filename: "apostrophes.pdf" }, OPTS);
    expect(doc.sections.map((s) => s.headingPath)).toEqual([["What’s in the Box"]]);
    expect(doc.sections[0]!.text).toBe(
      "Here’s how it works. They're not fond of rules and you can’t ignore them, because ‘quoted’ words and the " +
        "customer’s order number aren't lost. Rock ’n’ roll in the ’90s at O'Brien's shop.",
    );
  });

  test("Arabic drawn in visual order (a text run per word, digits and Latin in another font) reads in logical order", async () => {
    const doc = await loadDocument({ bytes: await fixture("arabic.pdf"), filename: "arabic.pdf" }, OPTS);
    const all = doc.sections.map((s) => s.text).join("\n");
    expect(all).toContain("سياسة الشحن");
    expect(all).toContain("يصل الطلب في 5 أيام عمل"); // not "أيام عمل 5 يصل الطلب في"
    expect(all).toContain("رقم الطلب VM-1001 جاهز"); // not "جاهز VM-1001 رقم الطلب"
    expect(all).toContain("Shipping policy (سياسة الشحن) applies to every order.");
  });

  test("image-only PDF is 422 PDF_NO_TEXT", async () => {
    const e = await rejection(loadDocument({ bytes: await fixture("image-only.pdf"), filename: "image-only.pdf" }, OPTS));
    expect([e.status, e.code]).toEqual([422, "PDF_NO_TEXT"]);
    expect(e.message).toContain("OCR is not supported");
  });

  test("password-protected PDF is 422 PDF_ENCRYPTED", async () => {
    const e = await rejection(loadDocument({ bytes: await fixture("encrypted.pdf"), filename: "encrypted.pdf" }, OPTS));
    expect([e.status, e.code]).toEqual([422, "PDF_ENCRYPTED"]);
    expect(e.message).toContain("remove the password and upload again");
  });

  test("truncated PDF is 422 PDF_CORRUPT", async () => {
    const e = await rejection(loadDocument({ bytes: await fixture("corrupt.pdf"), filename: "corrupt.pdf" }, OPTS));
    expect([e.status, e.code]).toEqual([422, "PDF_CORRUPT"]);
  });

  test("garbage after a %PDF- header is 422 PDF_CORRUPT", async () => {
    const bytes = new TextEncoder().encode("%PDF-1.7\nthis is not a pdf body at all\n%%EOF");
    const e = await rejection(loadDocument({ bytes, filename: "x.pdf" }, OPTS));
    expect([e.status, e.code]).toEqual([422, "PDF_CORRUPT"]);
  });

  test("empty .pdf is 422 EMPTY_DOCUMENT and a text file named .pdf is 422 PDF_CORRUPT", async () => {
    const empty = await rejection(loadDocument({ bytes: await fixture("empty.pdf"), filename: "empty.pdf" }, OPTS));
    expect([empty.status, empty.code]).toEqual([422, "EMPTY_DOCUMENT"]);
    const fake = await rejection(loadDocument({ bytes: await fixture("fake.pdf"), filename: "fake.pdf" }, OPTS));
    expect([fake.status, fake.code]).toEqual([422, "PDF_CORRUPT"]);
  });

  test("a worker that runs past timeoutMs is terminated: 422 PDF_TIMEOUT, and later loads still work", async () => {
    closePdfWorkers(); // a cold worker needs far longer than 1 ms to start and parse
    const bytes = await fixture("manual.pdf");
    const e = await rejection(loadDocument({ bytes, filename: "manual.pdf" }, { maxChars: 1_000_000, timeoutMs: 1 }));
    expect([e.status, e.code]).toEqual([422, "PDF_TIMEOUT"]);
    const again = await loadDocument({ bytes, filename: "manual.pdf" }, OPTS);
    expect(again.pageCount).toBe(3);
  });

  test("more text than maxChars is 413 DOCUMENT_TOO_LARGE", async () => {
    const e = await rejection(loadDocument({ bytes: await fixture("manual.pdf"), filename: "manual.pdf" }, { maxChars: 300, timeoutMs: 20_000 }));
    expect([e.status, e.code]).toEqual([413, "DOCUMENT_TOO_LARGE"]);
  });

  test("an abort signal stops the parse", async () => {
    const ac = new AbortController();
    const p = loadDocument({ bytes: await fixture("manual.pdf"), filename: "manual.pdf" }, { ...OPTS, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    const pre = new AbortController();
    pre.abort(new Error("client went away"));
    await expect(loadDocument({ bytes: await fixture("manual.pdf") }, { ...OPTS, signal: pre.signal })).rejects.toThrow("client went away");
  });
});
