import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { decodeEntities } from "./html-entities";
import { loadHtml } from "./html";
import { chunkDocument } from "../chunker";
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
        "- Standard: free over €50\n- Express: €9.90\n\nZone: EU; Days: 3-5\nZone: UK; Days: 4-6",
    );
    expect(doc.sections[2]!.text).toBe("You receive a tracking link by e-mail\nas soon as the parcel leaves our warehouse.");
    const all = doc.sections.map((s) => s.text).join("\n");
    for (const junk of ["analytics", "font-family", "Home", "All rights reserved", "Hidden promo"]) expect(all).not.toContain(junk);
  });

  test("every h1-h6 is a heading: accordion buttons, <br> inside, a missing </h2>, an image-only heading", async () => {
    const bytes = new Uint8Array(await Bun.file(join(FIXTURES, "help-center.html")).arrayBuffer());
    const doc = await loadDocument({ bytes, filename: "help-center.html" }, { maxChars: 100_000, timeoutMs: 5000 });
    expect(doc.sections.map((s) => s.headingPath.join(" > "))).toEqual([
      "Returns help",
      "Returns help > How do I start a return?",
      "Returns help > Refunds and exchanges",
      "Returns help > Return windows and fees",
      "Returns help > Return windows and fees > Holiday returns",
    ]);
    expect(doc.sections[1]!.text).toBe("Open your order in your account and choose Return items.");
    expect(doc.sections[3]!.text).toStartWith("Every product category has its own return window and restocking fee.");
  });

  test("table rows under a header read 'Column: value; ...', so a row is self-describing in any chunk", async () => {
    const bytes = new Uint8Array(await Bun.file(join(FIXTURES, "help-center.html")).arrayBuffer());
    const doc = await loadDocument({ bytes, filename: "help-center.html" }, { maxChars: 100_000, timeoutMs: 5000 });
    const fees = doc.sections[3]!.text.split("\n");
    expect(fees).toContain("Product: Drone; Return window: 14 days; Restocking fee: 20%");
    expect(fees).toContain("Product: Gift card; Return window: Not returnable"); // empty cell left out
    expect(fees).not.toContain("Product | Return window | Restocking fee");
    // Chunks small enough to split the table: the chunk holding the drone row names the fee column itself.
    const chunks = chunkDocument(doc, { size: 200, overlap: 0 });
    const drone = chunks.filter((c) => c.text.includes("Drone"));
    expect(drone.length).toBeGreaterThan(0);
    for (const c of drone) expect(c.text).toMatch(/Drone; Return window: 14 days; Restocking fee: 20%/);
    expect(chunks.some((c) => c.text.includes("Drone") && !c.text.includes("Product: Laptop"))).toBe(true);
  });

  test("tables: no header keeps 'a | b' rows; colspan and stacked header rows label the columns; nested tables", () => {
    expect(loadHtml("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>").sections[0]!.text).toBe("a | b\nc | d");
    const stacked = loadHtml(
      "<table><tr><th></th><th colspan=2>Price</th></tr><tr><th></th><th>EUR</th><th>USD</th></tr>" +
        "<tr><th>Basic</th><td>5</td><td>6</td></tr></table>",
    );
    expect(stacked.sections[0]!.text).toBe("Basic; Price / EUR: 5; Price / USD: 6");
    const nested = loadHtml("<table><tr><th>K</th><th>V</th></tr><tr><td>x &amp; y</td><td><table><tr><td>1</td><td>2</td></tr></table></td></tr></table>");
    expect(nested.sections[0]!.text).toBe("K: x & y; V: 1 | 2");
    const cellBlocks = loadHtml("<table><tr><th>Q</th><th>A</th></tr><tr><td>Fee<br>cap</td><td><p>20%</p><p>max</p></td></tr></table>");
    expect(cellBlocks.sections[0]!.text).toBe("Q: Fee cap; A: 20% max");
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
