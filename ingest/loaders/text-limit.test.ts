/**
 * MAX_DOCUMENT_CHARS stops a loader while it reads: every loader collects sections through sectionList(limit),
 * which throws 413 DOCUMENT_TOO_LARGE at the first section past the limit. The limit's maxChars is read once per
 * section added, so counting the reads shows how far the loader got (not timed).
 */
import { describe, expect, test } from "bun:test";
import { isAppError } from "../../core/errors";
import { largeDocument } from "../../bench/lib/large-corpus";
import { loadCsv } from "./csv";
import { loadHtml } from "./html";
import { loadDocument } from "./index";
import { loadJson } from "./json";
import { loadMarkdown } from "./markdown";
import { loadText } from "./text";
import { sectionList } from "./text-limit";

function countingLimit(maxChars: number) {
  let reads = 0;
  return {
    limit: {
      get maxChars() {
        reads++;
        return maxChars;
      },
    },
    reads: () => reads,
  };
}

function expectTooLarge(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isAppError(err) && err.code).toBe("DOCUMENT_TOO_LARGE");
  expect(isAppError(err) && err.status).toBe(413);
}

describe("size limit while loading", () => {
  test("sectionList counts the joined text and throws at the first section past the limit", () => {
    const list = sectionList({ maxChars: 10 });
    list.push({ text: "abcd", headingPath: [] }, { text: "ef", headingPath: [] }); // 4 + 2 + 2 = 8
    expect(list).toHaveLength(2);
    expectTooLarge(() => list.push({ text: "g", headingPath: [] })); // 8 + 2 + 1 = 11
    expect(list).toHaveLength(2);
  });

  const cases: [string, (limit: { maxChars: number }) => unknown, string][] = [
    ["text", (l) => loadText(largeDocument("text", 2_000_000).replace(/^.*Topic.*$/gm, "Orders Section"), "big", l), "sections"],
    ["markdown", (l) => loadMarkdown(largeDocument("markdown", 2_000_000), "big", l), "sections"],
    ["html", (l) => loadHtml(largeDocument("html", 2_000_000), "big", l), "sections"],
    ["csv", (l) => loadCsv(largeDocument("csv", 2_000_000), "orders", { maxChars: l.maxChars }), "rows"],
  ];
  for (const [name, load] of cases) {
    test(`${name}: a 2 MB document over a 5,000-character limit stops after a few sections`, () => {
      const { limit, reads } = countingLimit(5000);
      expectTooLarge(() => load(limit));
      if (name !== "csv") expect(reads()).toBeLessThan(60);
      // Without the limit the same document has hundreds of sections (or thousands of rows).
      const all = load({ maxChars: 1e9 }) as { sections: unknown[] };
      expect(all.sections.length).toBeGreaterThan(80);
    });
  }

  test("json: stops at the limit before an invalid item further on (which would otherwise be the error)", () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ title: `Page ${i}`, text: "Returns are accepted within 30 days. ".repeat(20) }));
    const source = JSON.stringify([...items, { title: 42 }]);
    expect(() => loadJson(source, "pages")).toThrow(/has no 'title' string/);
    expectTooLarge(() => loadJson(source, "pages", { maxChars: 5000 }));
  });

  test("loadDocument refuses with 413 DOCUMENT_TOO_LARGE", async () => {
    const bytes = new TextEncoder().encode(largeDocument("markdown", 300_000));
    const err = await loadDocument({ bytes, filename: "big.md" }, { maxChars: 10_000, timeoutMs: 5000 }).catch((e) => e);
    expect(err.code).toBe("DOCUMENT_TOO_LARGE");
    expect(err.status).toBe(413);
  });
});
