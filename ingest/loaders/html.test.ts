import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { decodeEntities } from "./html-entities";
import { loadHtml } from "./html";
import { loadDocument } from "./index";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/ingest");

describe("html loader", () => {
  test("extracts the fixture: headings build paths, boilerplate and hidden content are dropped", async () => {
    const bytes = new Uint8Array(await Bun.file(join(FIXTURES, "page.html")).arrayBuffer());
    const doc = await loadDocument({ bytes, filename: "page.html" }, { maxChars: 100_000, timeoutMs: 5000 });
    expect(doc.format).toBe("html");
    expect(doc.title).toBe("Shipping & Delivery | Aurora Store");
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      ["Shipping & Delivery"],
      ["Shipping & Delivery", "Delivery times"],
      ["Shipping & Delivery", "Tracking"],
    ]);
    expect(doc.sections[0]!.text).toBe("We ship to 30 countries. Orders placed before 2 pm ship the same day.");
    expect(doc.sections[1]!.text).toBe(
      "Standard delivery takes 3–5 business days. Express delivery takes 1–2 business days.\n\n" +
        "- Standard: free over €50\n- Express: €9.90\n\nZone | Days\nEU | 3-5\nUK | 4-6",
    );
    expect(doc.sections[2]!.text).toBe("You receive a tracking link by e-mail\nas soon as the parcel leaves our warehouse.");
    const all = doc.sections.map((s) => s.text).join("\n");
    for (const junk of ["analytics", "font-family", "Home", "All rights reserved", "Hidden promo"]) expect(all).not.toContain(junk);
  });

  test("title falls back to the first h1; pre keeps its line breaks", () => {
    const doc = loadHtml("<body><h1>Help</h1><pre>line 1\n  line 2</pre><p>a <b>bold</b> word</p></body>", "help");
    expect(doc.title).toBe("Help");
    expect(doc.sections[0]!.text).toBe("line 1\nline 2\n\na bold word");
    expect(loadHtml("<p>just text</p>", "page-name").title).toBe("page-name");
  });

  test("list items with nested paragraphs keep their marker", () => {
    const doc = loadHtml("<ul><li><p>First</p></li><li><p>Second</p></li></ul>", "x");
    expect(doc.sections[0]!.text).toBe("- First\n\n- Second");
  });

  test("an svg title does not become the page title", () => {
    expect(loadHtml("<body><svg><title>icon</title></svg><h1>Real</h1><p>x</p></body>").title).toBe("Real");
  });

  test("decodeEntities handles named, decimal and hex references", () => {
    expect(decodeEntities("&lt;a&gt; &amp; &eacute;&#233;&#xE9; &unknown; &copy 2024")).toBe("<a> & ééé &unknown; © 2024");
  });
});
