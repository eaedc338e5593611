/**
 * A large list or table in one block is read in linear work: the loader no longer trims the growing paragraph
 * buffer at every <li>/<tr>. Counted (characters String#trim sees), not timed; and the rows come out as before.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { loadHtml } from "./html";

const realTrim = String.prototype.trim;
afterEach(() => {
  String.prototype.trim = realTrim;
});

function counting<T>(fn: () => T): { result: T; trimmed: number } {
  let trimmed = 0;
  String.prototype.trim = function (this: string) {
    trimmed += this.length;
    return realTrim.call(this);
  };
  try {
    return { result: fn(), trimmed };
  } finally {
    String.prototype.trim = realTrim;
  }
}

describe("html loader on large blocks", () => {
  test("a 2 MB list: rows kept in order, trimming work proportional to the size", () => {
    const items = Array.from({ length: 50_000 }, (_, i) => `<li>Item number ${i} is in stock</li>`);
    const html = `<html><body><h1>Stock</h1><ul>${items.join("\n")}</ul></body></html>`;
    expect(html.length).toBeGreaterThan(1_900_000);
    const { result, trimmed } = counting(() => loadHtml(html));
    const lines = result.sections[0]!.text.split("\n");
    expect(lines).toHaveLength(50_000);
    expect(lines[0]).toBe("- Item number 0 is in stock");
    expect(lines[49_999]).toBe("- Item number 49999 is in stock");
    // Trimming the whole buffer at every item costs ~50,000^2 * 18 characters (~4e10).
    expect(trimmed).toBeLessThan(10 * html.length);
  });

  test("a table in one block: one 'a | b' line per row", () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `<tr><td>ORD-${i}</td><td>shipped</td></tr>`);
    const { result, trimmed } = counting(() => loadHtml(`<table>${rows.join("")}</table>`));
    const lines = result.sections[0]!.text.split("\n");
    expect(lines).toHaveLength(20_000);
    expect(lines[7]).toBe("ORD-7 | shipped");
    expect(trimmed).toBeLessThan(10 * rows.join("").length);
  });
});
