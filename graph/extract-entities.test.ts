import { describe, expect, test } from "bun:test";
import { extractEntities, gazetteerMatches, type Gazetteer } from "./extract-entities";
import { entityKey } from "./entity-key";

const gazetteer = (names: Record<string, string>): Gazetteer => {
  const byKey = new Map(Object.entries(names).map(([n, t]) => [entityKey(n), { name: n, type: t }]));
  return { lookup: (k) => byKey.get(k), maxWords: 4 };
};
const names = (x: ReturnType<typeof extractEntities>) => x.mentions.map((m) => `${m.name}|${m.type}`);

describe("extractEntities", () => {
  test("catalogue rows (one a line): the record with its key as alias, typed relations to categorical fields and spans", () => {
    const text = [
      "Product ZX-1: name: Zephyr Book 13; category: laptops; brand: Zephyr; price usd: 999.00; warranty months: 24; description: 13-inch laptop.",
      "Product ZX-2: name: Quietline Buds; category: headphones; brand: Quietline; price usd: 79.00; warranty months: 12; description: Earbuds.",
    ].join("\n");
    const x = extractEntities({ text, sectionPath: ["products"] });
    const book = x.mentions.find((m) => m.name === "Zephyr Book 13")!;
    expect(book.type).toBe("product");
    expect(book.aliases).toEqual(["ZX-1"]);
    const rel = x.relations.map((r) => `${r.source}>${r.type}>${r.target}`);
    expect(rel).toEqual(expect.arrayContaining(["Zephyr Book 13>category>laptops", "Zephyr Book 13>brand>Zephyr", "Zephyr Book 13>warranty_months>24 months", "Quietline Buds>category>headphones"]));
    // a price is not an entity; the second row's values belong to the second record
    expect(names(x).some((n) => n.startsWith("999"))).toBe(false);
    expect(rel).not.toContain("Zephyr Book 13>category>headphones");
  });

  test("codes, time spans, names with a stated abbreviation, places, keyphrases; typed relations per sentence", () => {
    const x = extractEntities({
      text: "The Care Plan covers accidental damage for 3 years. Request a Return Merchandise Authorization (RMA) first. Error E-102 means the battery sensor failed. We ship to Canada.",
      sectionPath: ["Plans", "2. Coverage"],
    });
    const n = names(x);
    expect(n).toEqual(expect.arrayContaining(["Care Plan|plan", "3 years|time_span", "Return Merchandise Authorization|name", "E-102|error_code", "Canada|place", "accidental damage|concept", "Coverage|topic"]));
    expect(x.mentions.find((m) => m.name === "Return Merchandise Authorization")!.aliases).toEqual(["RMA"]);
    const rel = x.relations.map((r) => `${r.source}>${r.type}>${r.target}`);
    expect(rel).toContain("Care Plan>covers>accidental damage");
    expect(rel).toContain("Coverage>topic_of>Care Plan");
    // a capitalised word opening a sentence is not a name
    expect(n.some((s) => s.startsWith("Request|") || s.startsWith("Error|"))).toBe(false);
  });

  test("known names match by key, longest first, never starting at a function word", () => {
    const g = gazetteer({ "VoltBook 14": "product", "VoltBook 14 Pro": "product", laptops: "category" });
    const m = gazetteerMatches("Is the VoltBook 14 Pro's battery like other laptop batteries?", g);
    expect(m.map((x) => x.name)).toEqual(["VoltBook 14 Pro", "laptops"]);
    const x = extractEntities({ text: "All laptops have a 15-day return window.", sectionPath: [] }, { gazetteer: g });
    expect(names(x)).toEqual(expect.arrayContaining(["laptops|category", "15 days|time_span"]));
    expect(x.relations.map((r) => `${r.source}>${r.type}>${r.target}`)).toContain("laptops>related_to>15 days");
  });

  test("text without entities gives none", () => {
    expect(extractEntities({ text: "", sectionPath: [] })).toEqual({ mentions: [], relations: [] });
    expect(extractEntities({ text: "and so on, or not.", sectionPath: [] }).mentions).toEqual([]);
  });
});
