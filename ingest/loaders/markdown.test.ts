import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadDocument } from "./index";
import { cleanInline, loadMarkdown, splitFrontMatter } from "./markdown";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/ingest");
const OPTS = { maxChars: 100_000, timeoutMs: 5000 };

describe("markdown loader", () => {
  test("splits the fixture at ATX headings with heading paths; title from front matter", async () => {
    const bytes = new Uint8Array(await Bun.file(join(FIXTURES, "guide.md")).arrayBuffer());
    const doc = await loadDocument({ bytes, filename: "guide.md" }, OPTS);
    expect(doc.format).toBe("markdown");
    expect(doc.title).toBe("Returns & Warranty Guide");
    expect(doc.sections.map((s) => s.headingPath)).toEqual([[], ["Returns"], ["Returns", "Laptops"], ["Returns", "Phones"], ["Warranty"]]);
    const [intro, returns, laptops, phones, warranty] = doc.sections.map((s) => s.text);
    expect(intro).toBe("This guide covers returns and the warranty for all Aurora products.");
    expect(returns).toBe("You can return most items within 30 days of delivery. See the returns portal to start.");
    expect(laptops).toContain("- charger and cable\n- original box");
    expect(laptops).toContain("| Unopened  | 100%   |");
    expect(phones).toContain("# this is a comment in code, not a heading");
    expect(warranty).toBe("All products carry a two-year warranty against manufacturing defects. Contact support to make a claim.");
    const all = doc.sections.map((s) => s.text).join("\n");
    expect(all).not.toContain("internal note");
    expect(all).not.toContain("label.png");
    expect(all).not.toContain("https://example.com");
  });

  test("title falls back to the first h1, then the file name", () => {
    expect(loadMarkdown("intro\n\n## Sub\n\ntext\n\n# Main\n\nbody", "kb").title).toBe("Main");
    expect(loadMarkdown("## Only h2\n\ntext", "kb").title).toBe("Only h2");
    expect(loadMarkdown("no headings at all", "kb").title).toBe("kb");
  });

  test("closing hashes and deeper levels", () => {
    const doc = loadMarkdown("# A #\n\na\n\n### C\n\nc\n\n## B ##\n\nb\n\n####### not a heading", "x");
    expect(doc.sections.map((s) => [s.headingPath, s.text])).toEqual([
      [["A"], "a"],
      [["A", "C"], "c"],
      [["A", "B"], "b\n\n####### not a heading"],
    ]);
  });

  test("front matter and inline clean-up", () => {
    expect(splitFrontMatter("---\ntitle: 'Hello'\nlang: en\n---\nBody").title).toBe("Hello");
    expect(splitFrontMatter("No front matter").body).toBe("No front matter");
    expect(cleanInline("See [docs](https://x.y/a_(b)) and ![img](a.png) **now** \\*literal\\*")).toBe("See docs and  now *literal*");
    expect(cleanInline("Mail <mailto:help@example.com> or [ref link][1]")).toBe("Mail mailto:help@example.com or ref link");
  });
});
