import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rejection } from "../../tests/helpers/rejection";
import { entityName, renderRow, sniffDelimiter } from "./csv";
import { loadDocument } from "./index";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/ingest");
const OPTS = { maxChars: 100_000, timeoutMs: 5000 };
const load = async (name: string) => loadDocument({ bytes: new Uint8Array(await Bun.file(join(FIXTURES, name)).arrayBuffer()), filename: name }, OPTS);
const loadString = (s: string, filename = "items.csv") => loadDocument({ bytes: new TextEncoder().encode(s), filename }, OPTS);

describe("csv loader", () => {
  test("orders.csv: BOM, quoted fields with commas, quotes and newlines; records keyed by order_number", async () => {
    const doc = await load("orders.csv");
    expect(doc.format).toBe("csv");
    expect(doc.records).toHaveLength(3);
    expect(doc.records![0]).toEqual({
      collection: "orders",
      key: "ORD-1001",
      data: { order_number: "ORD-1001", status: "shipped", customer: "Ann Lee", carrier: "DHL", notes: "Left at door, signed" },
    });
    expect(doc.records![2]!.data.customer).toBe('Cara "CJ" Jones');
    expect(doc.records![2]!.data.notes).toBe("Two parcels:\nbox and tube");
    expect(doc.sections.map((s) => s.text)).toEqual([
      "Order ORD-1001: status: shipped; customer: Ann Lee; carrier: DHL; notes: Left at door, signed.",
      "Order ORD-1002: status: processing; customer: Bo Chen.",
      'Order ORD-1003: status: delivered; customer: Cara "CJ" Jones; carrier: UPS; notes: Two parcels: box and tube.',
    ]);
    expect(doc.sections.every((s) => s.headingPath.join() === "orders")).toBe(true);
  });

  test("products.csv: semicolon delimiter sniffed, sku is the key", async () => {
    const doc = await load("products.csv");
    expect(doc.metadata?.delimiter).toBe(";");
    expect(doc.records!.map((r) => [r.collection, r.key, r.data.price])).toEqual([
      ["products", "SKU-100", "199,00"],
      ["products", "SKU-200", "9,90"],
      ["products", "SKU-300", "14,50"],
    ]);
    expect(doc.sections[1]!.text).toBe("Product SKU-200: name: USB-C Cable; price: 9,90; stock: 140.");
  });

  test("tab-separated, *_id key column and the first column as fallback key", async () => {
    const tsv = await loadString("name\tcustomer_id\tcity\nAnn\tC-7\tBerlin\n", "Customers.tsv");
    expect(tsv.records![0]).toMatchObject({ collection: "customers", key: "C-7" });
    const plain = await loadString("name,city\nAnn,Berlin\n", "people.csv");
    expect(plain.records![0]!.key).toBe("Ann");
    expect(plain.sections[0]!.text).toBe("People Ann: city: Berlin.");
  });

  test("short rows are padded; blank rows skipped", async () => {
    const doc = await loadString("id,name,price\n1,Cable\n\n2,Pouch,14.50\n");
    expect(doc.records!.map((r) => r.data)).toEqual([
      { id: "1", name: "Cable", price: "" },
      { id: "2", name: "Pouch", price: "14.50" },
    ]);
  });

  test("an unclosed quote is 422 CSV_MALFORMED with the line where the record starts", async () => {
    const e = await rejection(load("malformed.csv"));
    expect([e.status, e.code]).toEqual([422, "CSV_MALFORMED"]);
    expect(e.message).toContain("line 3");
    expect(e.details).toMatchObject({ line: 3 });
  });

  test("rows with extra non-empty fields are 422 CSV_MALFORMED with the line", async () => {
    const e = await rejection(load("ragged.csv"));
    expect([e.status, e.code]).toEqual([422, "CSV_MALFORMED"]);
    expect(e.message).toContain("line 2");
    const quote = await rejection(loadString('id,name\n1,ab"c"d\n'));
    expect(quote.code).toBe("CSV_MALFORMED");
  });

  test("header-only and blank CSVs are 422 EMPTY_DOCUMENT", async () => {
    const e = await rejection(load("header-only.csv"));
    expect([e.status, e.code]).toEqual([422, "EMPTY_DOCUMENT"]);
    expect((await rejection(loadString("id,name\n,\n"))).code).toBe("EMPTY_DOCUMENT");
  });

  test("helpers", () => {
    expect(sniffDelimiter('a;"b;c";d\n1;2;3')).toBe(";");
    expect(sniffDelimiter("a\tb\tc")).toBe("\t");
    expect(sniffDelimiter("single")).toBe(",");
    expect(entityName("orders")).toBe("Order");
    expect(entityName("categories")).toBe("Category");
    expect(entityName("order_items")).toBe("Order item");
    expect(entityName("address")).toBe("Address");
    expect(renderRow("Order", ["id", "status"], ["A1", "done."], 0)).toBe("Order A1: status: done.");
  });
});
