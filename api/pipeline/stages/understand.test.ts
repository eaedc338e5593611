import { describe, expect, test } from "bun:test";
import { extractSlots, joinCompoundModifiers, namedEntities, rewriteFollowUp, understand, understandStage } from "./understand";
import { newContext } from "../stage";

describe("extractSlots", () => {
  test("order numbers, SKUs, emails and ISO dates, deduplicated and normalised", () => {
    const s = extractSlots("Order vm-100234 and VM-100234 (SKU VM-HP-4101, sku-1042) for Jane.Doe@Example.com placed 2026-01-05, ORD-2024-0001");
    expect(s.orderNumbers).toEqual(["VM-100234", "ORD-2024-0001"]);
    expect(s.skus).toEqual(["VM-HP-4101", "SKU-1042"]);
    expect(s.emails).toEqual(["jane.doe@example.com"]);
    expect(s.dates).toEqual(["2026-01-05"]);
  });
  test("nothing to extract", () => {
    expect(extractSlots("How long do I have to return a laptop?")).toEqual({ orderNumbers: [], skus: [], emails: [], dates: [] });
    expect(extractSlots("2026-13-40 is not a date; VM-12 is too short")).toEqual({ orderNumbers: [], skus: [], emails: [], dates: [] });
  });
});

describe("rewriteFollowUp", () => {
  const prev = "How long do I have to return a laptop?";
  test("'what about X?' replaces the previous question's topic (its trailing content words)", async () => {
    expect(await rewriteFollowUp("what about phones?", prev)).toEqual({ question: "How long do I have to return phones?", rewritten: true, followUp: { kind: "ellipsis", previous: prev } });
    expect((await rewriteFollowUp("And for the UK?", "Do you ship to Canada?")).question).toBe("Do you ship to UK?");
    // "opened" reads as a verb form: it stays, only the noun phrase is replaced.
    expect((await rewriteFollowUp("how about TVs", "What is the restocking fee for opened laptops?")).question).toBe("What is the restocking fee for opened TVs?");
    expect((await rewriteFollowUp("same for headphones?", prev)).question).toBe("How long do I have to return headphones?");
    expect((await rewriteFollowUp("Phones?", prev)).question).toBe("How long do I have to return Phones?");
  });
  test("an injected relatedness picks the word to replace when it is related enough", async () => {
    const related = async (word: string, cands: string[]) => cands.map((c) => (word === "drops" && c === "water" ? 0.6 : 0.1));
    expect((await rewriteFollowUp("what about drops?", "Is water damage covered by the warranty?", { related })).question).toBe("Is drops covered by the warranty?");
    // Below minRelatedness: the trailing content words are replaced.
    expect((await rewriteFollowUp("what about drops?", "Is water damage covered by the warranty?", { related, minRelatedness: 0.9 })).question).toBe("Is water damage covered by drops?");
  });
  test("a short message with a pronoun carries the previous question's content words", async () => {
    const r = await rewriteFollowUp("Is it covered by the warranty?", "My laptop screen cracked");
    expect(r).toMatchObject({ rewritten: true, followUp: { kind: "reference" } });
    expect(r.question).toBe("Is it covered by the warranty? laptop screen cracked");
  });
  test("standalone questions and first messages are left alone", async () => {
    expect(await rewriteFollowUp("Do you ship to Canada?", prev)).toEqual({ question: "Do you ship to Canada?", rewritten: false });
    expect(await rewriteFollowUp("what about phones?", undefined)).toEqual({ question: "what about phones?", rewritten: false });
    expect(await rewriteFollowUp("thanks", prev)).toEqual({ question: "thanks", rewritten: false });
    // A pronoun in a long, self-contained question is not a reference to the previous turn.
    const long = "Is it possible to pay for a laptop order with PayPal credit and gift cards together?";
    expect((await rewriteFollowUp(long, prev)).rewritten).toBe(false);
  });
});

describe("understand", () => {
  test("normalises whitespace and Unicode, uses the last user turn's standalone form", async () => {
    const u = await understand("  what\u00a0about \u200bphones?\n", [
      { role: "user", content: "and laptops?", standalone: prev() },
      { role: "assistant", content: "Within 15 days [1]." },
    ]);
    expect(u.normalized).toBe("what about phones?");
    expect(u.question).toBe("How long do I have to return phones?");
    expect(u.rewritten).toBe(true);
  });
  test("slots come from the standalone question (a follow-up keeps the order number)", async () => {
    const u = await understand("and when will it arrive?", [{ role: "user", content: "Where is my order VM-100251?" }]);
    expect(u.slots.orderNumbers).toEqual(["VM-100251"]);
  });
  test("the stage fills the context and the meta event", async () => {
    const ctx = newContext({ tenantId: "t", content: "Where is VM-100251?" });
    await understandStage().run(ctx);
    expect(ctx.understanding?.question).toBe("Where is VM-100251?");
    expect(ctx.meta).toMatchObject({ question: "Where is VM-100251?", rewritten: false, slots: { orderNumbers: ["VM-100251"] } });
  });
});

function prev() {
  return "How long do I have to return a laptop?";
}

describe("references to a named entity", () => {
  test("named entities: codes with the word before them, and runs of capitalised words and numbers", () => {
    expect(namedEntities("Tell me about the VoltBook 14")).toEqual(["VoltBook 14"]);
    expect(namedEntities("What's the status of order VM-100203?")).toEqual(["order VM-100203"]);
    expect(namedEntities("Is the Pixelon P8 waterproof? I like the Kestrel K2 Mini too")).toEqual(["Pixelon P8", "Kestrel K2 Mini"]);
    expect(namedEntities("How long do I have to return a laptop?")).toEqual([]);
    expect(namedEntities("Tell me more")).toEqual([]);
  });

  test("'its' (a possessive, not only 'it') takes the last entity named", async () => {
    const r = await rewriteFollowUp("How long is its warranty?", "Tell me about the VoltBook 14");
    expect(r).toEqual({ question: "How long is the VoltBook 14 warranty?", rewritten: true, followUp: { kind: "reference", previous: "Tell me about the VoltBook 14" } });
    expect((await rewriteFollowUp("What is their price?", "Do you have the Pixelon P8?")).question).toBe("What is the Pixelon P8 price?");
    expect((await rewriteFollowUp("Is this one in stock?", "I like the Kestrel K2 Mini")).question).toBe("Is the Kestrel K2 Mini in stock?");
    expect((await rewriteFollowUp("It is broken, can I return it?", "I bought a VoltBook 16")).question).toBe("The VoltBook 16 is broken, can I return it?");
  });

  test("an order number is carried with its noun", async () => {
    expect((await rewriteFollowUp("When will it arrive?", "What's the status of order VM-100203?")).question).toBe("When will order VM-100203 arrive?");
  });

  test("the entity may come from an earlier turn than the last; a message naming its own entity is left alone", async () => {
    const u = await understand("How long is its warranty?", [
      { role: "user", content: "Tell me about the VoltBook 14" },
      { role: "assistant", content: "It runs 14 hours [1]." },
      { role: "user", content: "and the battery?" , standalone: "and the battery?" },
      { role: "assistant", content: "..." },
    ]);
    expect(u.question).toBe("How long is the VoltBook 14 warranty?");
    expect((await rewriteFollowUp("Is the Pixelon P8 in stock, and is it waterproof?", "Tell me about the VoltBook 14")).rewritten).toBe(false);
  });

  test("without a named entity the previous question's words are carried, as before", async () => {
    expect((await rewriteFollowUp("Is its screen covered?", "My laptop screen cracked")).question).toBe("Is its screen covered? laptop cracked");
  });
});

describe("compound modifiers", () => {
  test("'a 75 inch TV' is written as the catalogue writes it; other numbers are left alone", async () => {
    expect(joinCompoundModifiers("Do you sell a 75 inch TV?")).toBe("Do you sell a 75-inch TV?");
    expect(joinCompoundModifiers("Is there a 2 year warranty on it?")).toBe("Is there a 2-year warranty on it?");
    expect(joinCompoundModifiers("Can I return it within 30 days?")).toBe("Can I return it within 30 days?");
    expect(joinCompoundModifiers("I ordered 2 phone cases")).toBe("I ordered 2 phone cases");
    const u = await understand("Do you sell a 75 inch TV?", []);
    expect(u).toMatchObject({ normalized: "Do you sell a 75 inch TV?", question: "Do you sell a 75-inch TV?", rewritten: false });
  });
});
