import { describe, expect, test } from "bun:test";
import fragments from "../tests/fixtures/passages/fragments.json";
import returns from "../tests/fixtures/passages/return-policy.json";
import { cleanMarkup, extractCandidates, fragmentReason, hasVerb, prepareText, sentenceKey, stem } from "./extractive-sentences";

describe("stem", () => {
  test("plural, -ing, -ed and final e meet on one stem", () => {
    expect(stem("returns")).toBe(stem("returned"));
    expect(stem("returning")).toBe(stem("return"));
    expect(stem("shipping")).toBe(stem("ships"));
    expect(stem("shipped")).toBe("ship");
    expect(stem("laptops")).toBe("laptop");
    expect(stem("policies")).toBe("policy");
    expect(stem("damaged")).toBe(stem("damage"));
    expect(stem("covered")).toBe(stem("covers"));
    expect(stem("applied")).toBe(stem("applies"));
  });

  test("applies only generic English suffix rules: no word-specific mapping such as demonyms", () => {
    // A rule fitted to "Canada"/"Canadian" also turned guardian into guard and technician into technic.
    expect(stem("guardian")).toBe("guardian");
    expect(stem("technician")).toBe("technician");
    expect(stem("canadian")).not.toBe(stem("canada"));
  });

  test("leaves short words, numbers and -ss words alone", () => {
    expect(stem("bus")).toBe("bus");
    expect(stem("30")).toBe("30");
    expect(stem("address")).toBe("address");
    expect(stem("status")).toBe("status");
  });
});

describe("fragment filter", () => {
  test.each([
    ["returned within 15 days of delivery for a laptop.", "continuation"],
    ["And laptops can be returned after 15 days only with a receipt.", "dangling conjunction"],
    ["Can I return a laptop after 15 days?", "question"],
    ["Refunds are handled as follows:", "lead-in"],
    ["Laptops bought on sale can be returned within 15 days of delivery and", "truncated"],
    ["Laptops.", "too short"],
    ["Free returns on all laptops for members.", null],
    ["Opened software and digital downloads.", "no verb"],
    ["Laptop 15 days | Tablet 15 days | Camera 30 days.", "table debris"],
    ["Laptops can be returned within 15 days of delivery.", null],
  ])("%p -> %p", (sentence, reason) => {
    expect(fragmentReason(sentence)).toBe(reason);
  });

  test("verb detection", () => {
    expect(hasVerb(["we", "ship", "to", "canada"])).toBe(true);
    expect(hasVerb(["items", "excluded", "from", "sale"])).toBe(true);
    expect(hasVerb(["opened", "software"])).toBe(false);
    expect(hasVerb(["gift", "cards"])).toBe(false);
  });
});

describe("markup and layout", () => {
  test("strips emphasis, links, headings and bullets", () => {
    expect(cleanMarkup("- **Laptops** can be [returned](https://x.example/r) within `15` days.")).toBe(
      "Laptops can be returned within 15 days.",
    );
    expect(cleanMarkup("## Returns")).toBe("Returns");
    expect(cleanMarkup("> Quoted _policy_ text here.")).toBe("Quoted policy text here.");
  });

  test("headings and table rows become blank lines; bare bullets are closed", () => {
    const out = prepareText("Standard returns\nMost items can be returned.\n| a | b |\n|---|---|\n- Gift cards\nRETURN WINDOW");
    expect(out.split("\n")).toEqual(["", "Most items can be returned.", "", "", "- Gift cards.", ""]);
  });

  test("a lead-in with short bullets folds into one sentence; full-sentence bullets stay separate", () => {
    expect(prepareText("Not covered:\n- water damage\n- theft, loss or fire\n\nMore text.").split("\n")[0]).toBe(
      "Not covered: water damage; theft, loss or fire.",
    );
    expect(fragmentReason("Not covered: water damage; theft, loss or fire.")).toBeNull();
    const sentences = "Before you send it:\n- Back up your data. Then reset the device.\n- Remove the SIM card.";
    expect(prepareText(sentences)).toContain("- Remove the SIM card.");
    expect(prepareText("Only one:\n- item")).toBe("\n- item.");
  });

  test("a wrapped prose line is not mistaken for a heading", () => {
    const out = prepareText("Items bought during holiday\nsales can be returned until January 31.");
    expect(out).toContain("Items bought during holiday");
  });

  test("same sentence from two chunks gets one key", () => {
    expect(sentenceKey("Laptops can be returned **within** 15 days.")).toBe(sentenceKey("laptops can be returned within 15 days"));
  });
});

describe("extractCandidates", () => {
  test("keeps only sentences that stand alone, cleaned", () => {
    const all = extractCandidates(returns);
    const texts = all.filter((c) => !c.kind).map((c) => c.text);
    expect(texts).toContain("Laptops, tablets and cameras can be returned within 15 days of delivery.");
    expect(texts).toContain("To start a return, sign in to your account and choose Return an item next to the order.");
    // The table's rows are candidates of their own, as sentences (they need no verb); the header is their context.
    const rows = all.filter((c) => c.kind === "row");
    expect(rows.map((c) => c.text)).toEqual(["Laptops: 15 days.", "Tablets: 15 days.", "Clothing: 30 days."]);
    expect(rows[0]!.contextTerms).toEqual(expect.arrayContaining(["return", "window"]));
    for (const t of texts) {
      expect(fragmentReason(t)).toBeNull();
      expect(t).not.toMatch(/\*\*|^#|^- |\|/);
    }
    // The lead-in and its short bullets become one sentence; bare bullets and headings never stand alone.
    expect(texts).toContain("Final sale items: Gift cards, Opened software and digital downloads, Personalized items.");
    expect(texts.filter((t) => /Gift cards/.test(t))).toHaveLength(1);
    expect(texts.some((t) => /Electronics returns|Return Policy/.test(t))).toBe(false);
  });

  test("a passage of fragments yields nothing; positions count kept sentences", () => {
    const cands = extractCandidates(fragments);
    expect(cands.map((c) => [c.passageIndex, c.position, c.text])).toEqual([
      [1, 0, "Laptops can be returned within 15 days of delivery for a full refund."],
    ]);
    expect(cands[0]!.terms).toEqual(expect.arrayContaining(["laptop", "return", "15", "day"]));
  });
});
