import { describe, expect, test } from "bun:test";
import { fieldPhrase, fieldRole, findStructure, MAX_LIST_ITEMS, parseRecordLine, renderRecord, renderTableRow } from "./extractive-structure";

const TV = "Product VM-TV-5201: name: Brightwave 75-inch Mini-LED TV; category: TVs; price usd: 1799.99; stock: 12; warranty months: 12; description: 75-inch 4K Mini-LED smart TV, 144 Hz. Ships by freight; 15% restocking fee applies to opened returns.";
const ORDER = "Order VM-100203: customer email: liam.chen@example.com; order date: 2026-01-08; status: refunded; carrier: UPS; tracking number: 1ZDG; total usd: 249.00; estimated delivery: 2026-01-15.";
const none = { asks: () => false, identifies: false };

describe("records", () => {
  test("a 'column: value' line is read back; a value may hold '; ' and ': '", () => {
    const r = parseRecordLine(TV)!;
    expect(r.entity).toBe("Product");
    expect(r.key).toBe("VM-TV-5201");
    expect(r.fields.map((f) => f.name)).toEqual(["name", "category", "price usd", "stock", "warranty months", "description"]);
    expect(r.fields.at(-1)!.value).toBe("75-inch 4K Mini-LED smart TV, 144 Hz. Ships by freight; 15% restocking fee applies to opened returns");
    expect(parseRecordLine("People Ann: city: Berlin; age: 40.")).toMatchObject({ entity: "People Ann", fields: [{ name: "city" }, { name: "age" }] });
  });

  test("prose is not a record, even with a colon", () => {
    expect(parseRecordLine("Note: keep the box.")).toBeNull();
    expect(parseRecordLine("Final sale items: Gift cards, Opened software, Personalized items.")).toBeNull();
  });

  test("column roles come from the column name only", () => {
    expect(["name", "product_name", "title", "customer name", "price usd", "unit cost", "total_usd", "stock", "in_stock", "status", "order status", "color"].map(fieldRole)).toEqual([
      "name", "name", "name", null, "price", "price", "total", "stock", "stock", "status", "status", null,
    ]);
    expect(fieldPhrase({ name: "warranty months", value: "24" })).toBe("warranty 24 months");
    expect(fieldPhrase({ name: "weight kg", value: "1.35" })).toBe("weight 1.35 kg");
    expect(fieldPhrase({ name: "carrier", value: "UPS" })).toBe("carrier UPS");
  });

  test("a product reads as a sentence: name, key, price, stock; nothing else unless asked", () => {
    expect(renderRecord(parseRecordLine(TV)!, none)).toBe("The Brightwave 75-inch Mini-LED TV (VM-TV-5201) costs $1799.99; 12 in stock.");
    const asked = renderRecord(parseRecordLine(TV)!, { asks: (f) => f.name === "warranty months", identifies: false });
    expect(asked).toBe("The Brightwave 75-inch Mini-LED TV (VM-TV-5201) costs $1799.99; 12 in stock; warranty 12 months.");
    const out = parseRecordLine("Product X-100: name: Aurion Creator 15; price usd: 1599.00; stock: 0.")!;
    expect(renderRecord(out, none)).toBe("The Aurion Creator 15 (X-100) costs $1599.00; is out of stock.");
  });

  test("an order named by its number shows its short columns; the status leads", () => {
    const r = parseRecordLine(ORDER)!;
    expect(renderRecord(r, none)).toBe("Order VM-100203 is refunded; total $249.00.");
    expect(renderRecord(r, { asks: () => false, identifies: true })).toBe(
      "Order VM-100203 is refunded; total $249.00; customer email liam.chen@example.com; order date 2026-01-08; carrier UPS; tracking number 1ZDG; estimated delivery 2026-01-15.",
    );
  });
});

describe("tables", () => {
  test("rows become sentences: two cells 'A: B.', more 'A — header: value; ...'", () => {
    expect(renderTableRow(["Method", "Time"], ["Credit card", "5-10 business days"])).toBe("Credit card: 5-10 business days.");
    expect(renderTableRow(["Category", "Return window", "Notes"], ["Laptops", "15 days", ""])).toBe("Laptops — return window: 15 days.");
    expect(renderTableRow(["Category", "Return window", "Notes"], ["**TVs**", "30 days", "Fee for 55 inches"])).toBe("TVs — return window: 30 days; notes: Fee for 55 inches.");
  });

  test("a markdown table with its lead-in; a PDF ' | ' table; a table of contents is no table", () => {
    const md = findStructure("How long it takes depends on how you paid:\n\n| Method | Time |\n|---|---|\n| Card | 5-10 business days |\n| PayPal | 3-5 business days |\n\nAfter text.");
    expect(md.rows.map((r) => [r.text, r.lead])).toEqual([
      ["Card: 5-10 business days.", "How long it takes depends on how you paid:"],
      ["PayPal: 3-5 business days.", "How long it takes depends on how you paid:"],
    ]);
    expect(md.lines.filter(Boolean)).toEqual(["How long it takes depends on how you paid:", "After text."]);
    const pdf = findStructure("Item | Specification\nWeight | 1.35 kg\nColor | Graphite gray");
    expect(pdf.rows.map((r) => r.text)).toEqual(["Weight: 1.35 kg.", "Color: Graphite gray."]);
    expect(findStructure("1. Safety | 3\n1.1 Power | 3\n2. Setup | 4").rows).toEqual([]);
  });

  test("record lines are blanked, and so is a record's tail cut at the chunk's start", () => {
    const s = findStructure(`Ships by freight.\n\n${TV}\n\n${ORDER}`);
    expect(s.records.map((r) => r.row.key)).toEqual(["VM-TV-5201", "VM-100203"]);
    expect(s.lines.every((l) => l === "")).toBe(true);
  });
});

describe("lists", () => {
  test("numbered steps at a section's start take the heading as lead; a line between items continues the item", () => {
    const s = findStructure("1. Connect the charger.\n\nThe light should turn amber.\n2. Hold the power button for 10 seconds.\n3. Do an emergency reset.\n\nIf it still does not start, contact support.", "7.1 The laptop won't turn on");
    expect(s.lists).toHaveLength(1);
    expect(s.lists[0]).toMatchObject({
      lead: "The laptop won't turn on",
      showLead: false,
      items: ["Connect the charger. The light should turn amber.", "Hold the power button for 10 seconds.", "Do an emergency reset."],
      markers: ["1.", "2.", "3."],
    });
  });

  test("a sentence or a 'Lead:' line before the items is the lead, shown; short items after 'Lead:' are left to folding", () => {
    const prose = findStructure("Battery life depends on use. To get the most from each charge, try these.\n• Lower the screen brightness when you can.\n• Use the Quiet mode for office work.");
    expect(prose.lists[0]).toMatchObject({ lead: "To get the most from each charge, try these.", showLead: true, markers: ["-", "-"] });
    const colon = findStructure("Before you send it:\n- Back up your data. Then reset the device.\n- Remove the SIM card from the tray.");
    expect(colon.lists[0]!.lead).toBe("Before you send it:");
    expect(findStructure("Not covered:\n- water damage\n- theft").lists).toEqual([]);
  });

  test(`a list keeps at most ${MAX_LIST_ITEMS} items, in order`, () => {
    const items = Array.from({ length: 12 }, (_, i) => `${i + 1}. Step number ${i + 1} of the process.`).join("\n");
    const s = findStructure(items, "Setup");
    expect(s.lists[0]!.items).toHaveLength(MAX_LIST_ITEMS);
    expect(s.lists[0]!.markers.slice(0, 2)).toEqual(["1.", "2."]);
  });
});
