import { describe, expect, test } from "bun:test";
import type { Passage } from "../../../core/ports/retrieval";
import { termSetOf } from "../passage-terms";
import { groundingCoverage } from "./ground";

const P = (chunkId: string, text: string): Passage => ({
  chunkId, documentId: chunkId, title: "products", page: null, sectionPath: ["products"], text, charStart: 0, charEnd: text.length, docType: "data", source: "s", tags: [], score: 1, ranks: {},
});

describe("grounding coverage and compounds", () => {
  const tv = P("tv", "Product VM-TV-5201: name: Brightwave 75-inch Mini-LED TV; price usd: 1799.99.");
  const other = P("other", "Standard shipping is free on orders of $49 or more.");

  test("a compound gives its parts, so '75 inch' meets '75-inch'", () => {
    expect([...termSetOf("a 75-inch TV").terms]).toEqual(expect.arrayContaining(["75-inch", "75", "inch", "tv"]));
    expect(groundingCoverage("Do you sell a 75 inch TV?", [tv, other]).coverage).toBeGreaterThan(0.6);
  });

  test("a compound in the question counts as its parts: a passage that spaces them covers it", () => {
    const spaced = P("spaced", "We sell one TV that is 75 inch wide.");
    const r = groundingCoverage("Do you sell a 75-inch TV?", [spaced, other]);
    expect(r.terms).not.toContain("75-inch");
    expect(r.coverage).toBe(1);
  });

  test("codes of three parts stay whole (no 'tv' from a SKU)", () => {
    expect([...termSetOf("VM-TV-5201").terms]).toEqual(["vm-tv-5201"]);
  });
});
