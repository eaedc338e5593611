import { describe, expect, test } from "bun:test";
import { loadCsv } from "./csv";
import { personalColumns } from "./personal-columns";

describe("personal columns", () => {
  test("by name: common schema words for contact, address, people's names, ids of a person", () => {
    const headers = ["order_id", "Customer Email", "phone", "Shipping Address", "ZIP", "first_name", "status", "total_usd", "sku"];
    expect(personalColumns(headers, [])).toEqual(["Customer Email", "phone", "Shipping Address", "ZIP", "first_name"]);
  });

  test("by value: a column of emails or phone numbers under any name; dates and prices are not phones", () => {
    const rows = [
      ["a@x.io", "+1 (415) 555-0100", "2026-01-05", "1,299.00", "A-1"],
      ["b@y.org", "415-555-0101", "2026-02-11", "99.00", "A-2"],
      ["", "020 7946 0958", "05/03/2026", "12.50", "A-3"],
    ];
    expect(personalColumns(["contact", "reach", "placed", "amount", "ref"], rows)).toEqual(["contact", "reach"]);
  });

  test("a product table has none", () => {
    expect(personalColumns(["sku", "name", "category", "price_usd", "stock", "description"], [["VM-1", "VoltBook", "laptops", "899.00", "14", "A laptop"]])).toEqual([]);
  });

  test("the CSV loader keeps a personal table as records only, with no section and the columns named", () => {
    const doc = loadCsv("order_id,email,status\nORD-1,ann@example.com,shipped\nORD-2,bo@example.com,pending\n", "orders");
    expect(doc.sections).toEqual([]);
    expect(doc.records).toHaveLength(2);
    expect(doc.metadata).toMatchObject({ personal: true, personalColumns: ["email"] });
    const products = loadCsv("sku,name\nP-1,Lamp\n", "products");
    expect(products.sections).toHaveLength(1);
    expect(products.metadata?.personal).toBe(false);
  });
});
