/**
 * The unwrapping of hard-wrapped blocks is linear: the output equals the former reduce() (which re-tested the
 * whole text joined so far at every line), and on a 2 MB wrapped block the regular expressions see only a few
 * characters per line. Counted, not timed.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { prng, wrap } from "../../bench/lib/large-corpus";
import { loadText, unwrap } from "./text";

/** The former implementation, as the reference for the output. */
const reference = (lines: string[]) =>
  lines.reduce((acc, l) => (/\p{L}-$/u.test(acc) && /^\p{Ll}/u.test(l) ? acc.slice(0, -1) + l : `${acc} ${l}`));

const realTest = RegExp.prototype.test;
afterEach(() => {
  RegExp.prototype.test = realTest;
});

describe("unwrap of hard-wrapped text", () => {
  test("same output as the former reduce on random wrapped blocks with hyphenated line ends", () => {
    const next = prng(11);
    const words = ["ex-", "change", "Re-", "turn", "a", "-", "é-", "été", "𝒜-", "x", "well-known", "Order", "ok-"];
    for (let k = 0; k < 300; k++) {
      const lines = Array.from({ length: 2 + Math.floor(next() * 6) }, () => {
        const n = 1 + Math.floor(next() * 4);
        return Array.from({ length: n }, () => words[Math.floor(next() * words.length)]!).join(" ");
      });
      expect(unwrap(lines.map((l) => l))).toBe(lines.length > 1 && lines.slice(0, -1).every((l) => l.length >= 50) ? reference(lines) : lines.join("\n"));
      // Force the wrapped path with long lines that keep the hyphenated ends.
      const long = lines.map((l) => "w".repeat(50) + " " + l);
      expect(unwrap(long)).toBe(reference(long));
    }
  });

  test("a 2 MB wrapped block: regular expressions test a bounded number of characters per line", () => {
    const next = prng(5);
    const words: string[] = [];
    for (let n = 0; n < 2_000_000; ) {
      const w = next() < 0.05 ? "hy-" : ["order", "return", "refund", "shipping", "parcel"][Math.floor(next() * 5)]!;
      words.push(w);
      n += w.length + 1;
    }
    // One paragraph, every line at least 50 columns: the whole file is one wrapped block.
    const source = wrap(words.join(" "), 72)
      .split("\n")
      .map((l) => l.padEnd(50, " x"))
      .join("\n");
    const lines = source.split("\n").length;
    let scanned = 0;
    RegExp.prototype.test = function (this: RegExp, s: string) {
      scanned += String(s).length;
      return realTest.call(this, s);
    };
    const doc = loadText(source);
    RegExp.prototype.test = realTest;
    expect(doc.sections).toHaveLength(1);
    expect(doc.sections[0]!.text.includes("\n")).toBe(false);
    // The former code tested the joined text at every line: ~lines^2 * 36 characters (~1e11 here).
    expect(scanned).toBeLessThan(lines * 200 + 4 * source.length);
  });
});
