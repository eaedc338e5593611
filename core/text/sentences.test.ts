/**
 * splitSentences stays linear on text without spaces (one code per line): the look-back for an abbreviation
 * before a period is bounded. Counted (characters String#lastIndexOf scans for a space), not timed; and the
 * spans equal a straightforward unbounded look-back on mixed text.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { splitSentences } from "./sentences";

const realLastIndexOf = String.prototype.lastIndexOf;
afterEach(() => {
  String.prototype.lastIndexOf = realLastIndexOf;
});

describe("splitSentences", () => {
  test("abbreviations, initials and long words before a period", () => {
    const text = `Call Dr. Smith today. See e.g. the manual. J. Doe agreed. ${"X".repeat(40)}. Next one. "Mr. Lee" came. ${'"'.repeat(40)}dr. Who knows.`;
    expect(splitSentences(text).map((s) => s.text)).toEqual([
      "Call Dr. Smith today.",
      "See e.g. the manual.",
      "J. Doe agreed.",
      `${"X".repeat(40)}.`,
      "Next one.",
      '"Mr. Lee" came.',
      `${'"'.repeat(40)}dr. Who knows.`,
    ]);
  });

  test("120 KB of space-free lines: the look-back for a space scans a bounded number of characters per period", () => {
    const text = Array.from({ length: 12_000 }, (_, i) => `SKU-${i}.`).join("\n");
    let scanned = 0;
    String.prototype.lastIndexOf = function (this: string, needle: string, from?: number) {
      const r = realLastIndexOf.call(this, needle, from);
      if (needle === " ") scanned += (from ?? this.length) - r;
      return r;
    };
    const spans = splitSentences(text);
    String.prototype.lastIndexOf = realLastIndexOf;
    expect(spans).toHaveLength(12_000);
    expect(spans[12]!.text).toBe("SKU-12.");
    // An unbounded look-back scans back to the start at every period: ~7e8 characters here (and hours on 2 MB).
    expect(scanned).toBeLessThan(100 * text.length);
  });
});

test("a.m. and p.m. do not end a sentence", () => {
  const s = splitSentences("Call us Monday to Friday from 8 a.m. to 8 p.m. Saturday and Sunday from 9 a.m. to 5 p.m. Email us any time.");
  expect(s.map((x) => x.text)).toEqual(["Call us Monday to Friday from 8 a.m. to 8 p.m. Saturday and Sunday from 9 a.m. to 5 p.m. Email us any time."]);
});
