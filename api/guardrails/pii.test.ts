import { describe, expect, test } from "bun:test";
import { detectPii, dniValid, ibanValid, luhnValid, redactPii } from "./pii";

const kinds = (t: string) => detectPii(t).map((m) => `${m.kind}:${t.slice(m.start, m.end)}`);

describe("PII detection", () => {
  test("emails, cards with a Luhn check, IBANs with their checksum, phones, SSN, NINO, DNI", () => {
    expect(kinds("mail jane.doe+shop@example.co.uk now")).toEqual(["email:jane.doe+shop@example.co.uk"]);
    expect(kinds("card 4111 1111 1111 1111 please")).toEqual(["card:4111 1111 1111 1111"]);
    expect(kinds("IBAN GB82 WEST 1234 5698 7654 32")).toEqual(["iban:GB82 WEST 1234 5698 7654 32"]);
    expect(kinds("iban DE89370400440532013000")).toEqual(["iban:DE89370400440532013000"]);
    expect(kinds("call +44 20 7946 0958 or (555) 123-4567")).toEqual(["phone:+44 20 7946 0958", "phone:(555) 123-4567"]);
    expect(kinds("SSN 123-45-6789")).toEqual(["ssn:123-45-6789"]);
    expect(kinds("NI number AB 12 34 56 C")).toEqual(["nino:AB 12 34 56 C"]);
    expect(kinds("DNI 12345678Z")).toEqual(["dni:12345678Z"]);
  });

  test("checksums reject look-alikes", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(kinds("card 4111 1111 1111 1112")).toEqual([]);
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
    expect(ibanValid("GB83WEST12345698765432")).toBe(false);
    expect(dniValid("12345678A")).toBe(false);
    expect(kinds("SSN 000-12-3456 and 666-12-3456")).toEqual([]);
  });

  test("words, order numbers, SKUs, dates, prices and long order ids are not PII", () => {
    for (const t of [
      "yes",
      "I am an individual customer, not a business",
      "Where is order VM-100251?",
      "SKU VM-HP-4101 and product X200-B",
      "delivered on 2024-03-15 for $1,299.00",
      "how can I cancel purchase 113542617735902?",
      "tracking number 1Z999AA10123456784",
      "the model number is 55UQ7590PUB",
      "version 10.4.2 released 12/05/2023",
    ]) {
      expect(kinds(t)).toEqual([]);
    }
  });

  test("redaction replaces each span by its kind", () => {
    const r = redactPii("I'm jane@example.com, card 4111-1111-1111-1111.");
    expect(r.text).toBe("I'm [EMAIL], card [CARD].");
    expect(r.found.map((f) => f.kind)).toEqual(["email", "card"]);
    expect(redactPii("nothing here").text).toBe("nothing here");
  });
});
