import { describe, expect, test } from "bun:test";
import { acronymOf, entityKey, isAbbreviation, singular } from "./entity-key";

describe("entity keys", () => {
  test("case, accents, punctuation, plural, possessive and a leading article fold to one key", () => {
    expect(entityKey("VoltBook Laptops")).toBe(entityKey("voltbook laptop"));
    expect(entityKey("the Voltmart Protect plan")).toBe("voltmart-protect-plan");
    expect(entityKey("USB-C")).toBe(entityKey("usb c"));
    expect(entityKey("Café Policies")).toBe("cafe-policy");
    expect(entityKey("VoltBook 14 Pro's")).toBe("voltbook-14-pro");
    expect(entityKey("VM-LT-1401")).toBe("vm-lt-1401");
    expect(entityKey("...")).toBe("");
  });
  test("singular leaves words that only look plural", () => {
    expect(["batteries", "boxes", "laptops", "glass", "status", "analysis", "electronics", "tvs"].map(singular)).toEqual(["battery", "box", "laptop", "glass", "status", "analysis", "electronics", "tv"]);
  });
  test("abbreviations and initials", () => {
    expect(acronymOf("Return Merchandise Authorization")).toBe("rma");
    expect(acronymOf("Terms of Service")).toBe("ts");
    expect(acronymOf("Laptop")).toBeUndefined();
    expect(isAbbreviation("RMA")).toBe(true);
    expect(isAbbreviation("Rma")).toBe(false);
    expect(isAbbreviation("A")).toBe(false);
  });
});
