/** The BM25 index's FAQ-oriented scoring: title weight, typo fallback, word parts, stop words, coordination. */
import { describe, expect, test } from "bun:test";
import type { KeywordDoc } from "../ports/keyword-index";
import { BM25_PLAIN, Bm25KeywordIndex, editsOne, indexTerms, isIdentifier } from "./bm25-keyword-index";

const doc = (id: string, over: Partial<KeywordDoc>): KeywordDoc => ({
  id,
  tenantId: "t1",
  documentId: id,
  version: 1,
  docType: "faq",
  source: id,
  tags: [],
  title: "",
  section: "",
  text: "",
  ...over,
});
const ids = async (idx: Bm25KeywordIndex, q: string) => (await idx.search(q, 10, { tenantId: "t1" })).map((h) => h.id);
const filler = (n: number) => Array.from({ length: n }, (_, i) => doc(`f${i}`, { title: `Topic ${i}`, text: `Unrelated answer number ${i} about gift cards and store hours.` }));

describe("Bm25KeywordIndex (FAQ scoring)", () => {
  test("a title match ranks above the same word in the body", async () => {
    const idx = new Bm25KeywordIndex();
    await idx.add([
      doc("body", { title: "Store hours", text: "Our stores open at nine. A refund is issued to the original card." }),
      doc("title", { title: "How do I get a refund?", text: "Start a return in your account; the money goes back to the original card." }),
      ...filler(5),
    ]);
    expect((await ids(idx, "refund"))[0]).toBe("title");
  });

  test("a misspelled term still finds the document (one edit away, 5+ characters)", async () => {
    const idx = new Bm25KeywordIndex();
    await idx.add([doc("pw", { title: "Reset your password", text: "Choose Forgot password on the sign-in page." }), doc("ship", { title: "Shipping costs", text: "Delivery is free over $50." }), ...filler(5)]);
    expect(await ids(idx, "pasword")).toEqual(["pw"]); // deletion
    expect(await ids(idx, "passwrod")).toEqual(["pw"]); // transposition
    expect(await ids(idx, "shiping costs")).toContain("ship");
    // Without the fallback the typo finds nothing.
    const plain = new Bm25KeywordIndex({ fuzzy: false });
    await plain.add([doc("pw", { title: "Reset your password", text: "Choose Forgot password." })]);
    expect(await ids(plain, "pasword")).toEqual([]);
  });

  test("short unknown terms get no fallback, and a term in the vocabulary never does", async () => {
    const idx = new Bm25KeywordIndex();
    await idx.add([doc("cart", { title: "Cart", text: "Your cart keeps items for 30 days." }), doc("card", { title: "Card", text: "We accept every card." })]);
    expect(await ids(idx, "carx")).toEqual([]); // 4 characters
    // "card" is in the vocabulary: "cart" (one edit away) is not added for it.
    expect(await ids(idx, "card")).toEqual(["card"]);
  });

  test("a correct term is not outranked by fuzzy matches of a typo", async () => {
    const idx = new Bm25KeywordIndex();
    await idx.add([
      doc("exact", { title: "Change the delivery address", text: "Edit the address before the order ships." }),
      doc("near", { title: "Delivery adress", text: "See the adress book in your account." }), // a typo in the KB itself
      ...filler(5),
    ]);
    // "address" is exact for "exact"; for "near" only the typo "adress" could stand in, and it is in the
    // vocabulary, so no fallback is tried at all: the exact document wins.
    expect((await ids(idx, "delivery address"))[0]).toBe("exact");
    // An unknown typo reaches both spellings at a reduced weight, and the document with the real word is not
    // pushed below one that matches it only through the fallback.
    const idx2 = new Bm25KeywordIndex();
    await idx2.add([
      doc("a", { title: "Delivery address", text: "Edit the address before the order ships." }),
      doc("b", { title: "Delivery times", text: "Orders ship in two days." }),
      ...filler(5),
    ]);
    const hits = await idx2.search("delivery addres", 10, { tenantId: "t1" });
    expect(hits[0]!.id).toBe("a");
    const exactHits = await idx2.search("delivery address", 10, { tenantId: "t1" });
    expect(exactHits[0]!.score).toBeGreaterThan(hits[0]!.score); // the typo scores below the correct spelling
  });

  test("possessives and compound words match their plain words", async () => {
    expect(indexTerms("the company's policy")).toEqual(indexTerms("company policy"));
    expect(indexTerms("e-mail")).toEqual(expect.arrayContaining(indexTerms("email")));
    expect(indexTerms("sign-up")).toEqual(expect.arrayContaining([...indexTerms("sign up"), ...indexTerms("signup")]));
    expect(indexTerms("Settings/Privacy")).toEqual(expect.arrayContaining(indexTerms("privacy settings")));
    // Codes stay one verbatim term.
    expect(indexTerms("SKU-1042")).toEqual(["sku-1042"]);
    const idx = new Bm25KeywordIndex();
    await idx.add([doc("a", { title: "Newsletter", text: "Manage it under Settings/Notifications or reply to the e-mail." }), ...filler(3)]);
    expect(await ids(idx, "email notifications")).toEqual(["a"]);
  });

  test("particles and negations are terms: log in and log out differ", async () => {
    const idx = new Bm25KeywordIndex();
    await idx.add([doc("in", { title: "I cannot log in", text: "Reset your password." }), doc("out", { title: "How to log out", text: "Use the menu." }), ...filler(3)]);
    expect((await ids(idx, "log out"))[0]).toBe("out");
    expect((await ids(idx, "log in"))[0]).toBe("in");
    const plain = new Bm25KeywordIndex(BM25_PLAIN);
    await plain.add([doc("in", { title: "I cannot log in", text: "Reset your password." }), doc("out", { title: "How to log out", text: "Use the menu." })]);
    const [a, b] = await plain.search("log out", 10, { tenantId: "t1" });
    expect(a!.score).toBe(b!.score); // without them the two questions look the same
  });

  test("coordination: matching more of the question beats repeating one of its words", async () => {
    const docs = [
      doc("both", { title: "Cancel a subscription", text: "Open your plan page and choose cancel." }),
      doc("one", { title: "Subscription", text: "Subscription subscription subscription: plans, subscription prices and subscription perks." }),
      ...filler(5),
    ];
    const idx = new Bm25KeywordIndex();
    await idx.add(docs);
    expect((await ids(idx, "cancel subscription"))[0]).toBe("both");
    const hits = await idx.search("cancel subscription", 10, { tenantId: "t1" });
    const none = new Bm25KeywordIndex({ coordination: 0 });
    await none.add(docs);
    const plainHits = await none.search("cancel subscription", 10, { tenantId: "t1" });
    // 2 terms matched: x 2^0.25.
    expect(hits.find((h) => h.id === "both")!.score / plainHits.find((h) => h.id === "both")!.score).toBeCloseTo(2 ** 0.25, 4);
    expect(hits.find((h) => h.id === "one")!.score).toBeCloseTo(plainHits.find((h) => h.id === "one")!.score, 4);
  });

  test("editsOne: deletions, transpositions, substitutions and insertions, without the word itself", () => {
    const e = editsOne("abc");
    for (const w of ["bc", "ac", "ab", "bac", "acb", "xbc", "abx", "xabc", "abcx", "axbc"]) expect(e.has(w)).toBe(true);
    expect(e.has("abc")).toBe(false);
    expect(e.has("cba")).toBe(false);
  });
});

describe("Bm25KeywordIndex: identifiers", () => {
  const orders = () => [
    doc("rows", { title: "orders", text: Array.from({ length: 40 }, (_, i) => `VM-1002${String(i).padStart(2, "0")}, customer${i}@example.com, shipped`).join("\n") }),
    doc("manual", { title: "Manual", section: "The laptop won't turn on", text: "If nothing is going on when you press power, charge the laptop for 30 minutes." }),
    ...filler(5),
  ];

  test("a query naming an identifier the index has only matches chunks that have it", async () => {
    const idx = new Bm25KeywordIndex();
    await idx.add(orders());
    expect(await ids(idx, "whats going on with VM-100209")).toEqual(["rows"]);
    const plain = new Bm25KeywordIndex({ identifiers: false });
    await plain.add(orders());
    expect((await ids(plain, "whats going on with VM-100209"))[0]).toBe("manual"); // the common words win without it
  });

  test("an identifier the index does not have changes nothing; numbers and short codes are not identifiers", async () => {
    const idx = new Bm25KeywordIndex();
    await idx.add(orders());
    expect((await ids(idx, "whats going on with VM-999999"))[0]).toBe("manual");
    expect(isIdentifier("vm-100209")).toBe(true);
    expect(isIdentifier("sku12345")).toBe(true);
    expect(isIdentifier("vm-tv-5201")).toBe(true);
    for (const t of ["1080p", "4k", "2026-01-21", "65w", "lpddr5x", "8840u"]) expect(isIdentifier(t)).toBe(false);
  });
});
