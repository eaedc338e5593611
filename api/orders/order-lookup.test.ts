import { describe, expect, test } from "bun:test";
import type { PersonalCollection, PersonalRecord } from "../../core/db/personal-record-repository";
import { NOT_VERIFIED, OrderLookup, proves } from "./order-lookup";

const ROW: PersonalRecord = {
  documentId: "d1",
  collection: "orders",
  key: "VM-100202",
  data: { order_id: "VM-100202", customer_email: "J.Okafor@example.com", post_code: "SW1A 1AA", status: "delivered", tracking_number: "1ZXY" },
  personalColumns: ["customer_email", "post_code"],
};

/** The records source the lookup reads (the real one is PersonalRecordRepository, tested in tests/integration). */
function source(rows: PersonalRecord[], collections: PersonalCollection[] = []) {
  const calls = { findByKey: 0, collections: 0 };
  return {
    calls,
    findByKey: async (tenantId: string, key: string) => {
      calls.findByKey++;
      return tenantId === "t1" ? rows.filter((r) => r.key.toUpperCase() === key.toUpperCase()) : [];
    },
    collections: async () => {
      calls.collections++;
      return collections;
    },
  };
}

describe("proof", () => {
  test("email case-insensitive and trimmed; postcode without case or spaces; the signed-in email like a given one", () => {
    expect(proves(ROW, { proof: { email: "  j.okafor@EXAMPLE.com " } })).toBe(true);
    expect(proves(ROW, { proof: { postcode: "sw1a1aa" } })).toBe(true);
    expect(proves(ROW, { verifiedEmail: "j.okafor@example.com" })).toBe(true);
    expect(proves(ROW, { proof: { email: "someone@example.com" }, verifiedEmail: "other@example.com" })).toBe(false);
    expect(proves(ROW, { proof: {} })).toBe(false);
    expect(proves(ROW, { proof: { email: "", postcode: " " } })).toBe(false);
  });

  test("only a personal field proves: a postcode equal to the status or tracking number does not", () => {
    expect(proves(ROW, { proof: { postcode: "1ZXY" } })).toBe(false);
    expect(proves({ ...ROW, personalColumns: ["customer_email"] }, { proof: { postcode: "SW1A 1AA" } })).toBe(false);
    // An email column found by its values (any name) proves by email.
    const contact = { ...ROW, data: { ...ROW.data, reach: "ann@example.com" }, personalColumns: ["reach"] };
    expect(proves(contact, { proof: { email: "ann@example.com" } })).toBe(true);
  });
});

describe("order lookup", () => {
  test("verified: the row without its personal columns", async () => {
    const lookup = new OrderLookup(source([ROW]));
    expect(await lookup.lookup({ tenantId: "t1", orderNumber: "vm-100202", proof: { email: "j.okafor@example.com" } })).toEqual({
      verified: true,
      collection: "orders",
      key: "VM-100202",
      fields: { order_id: "VM-100202", status: "delivered", tracking_number: "1ZXY" },
    });
  });

  test("one constant result, one query, whether the order is missing, the proof wrong or absent, or the tenant another", async () => {
    const src = source([ROW]);
    const lookup = new OrderLookup(src);
    const results = [
      await lookup.lookup({ tenantId: "t1", orderNumber: "VM-999999", proof: { email: "j.okafor@example.com" } }),
      await lookup.lookup({ tenantId: "t1", orderNumber: "VM-100202", proof: { email: "x@example.com" } }),
      await lookup.lookup({ tenantId: "t1", orderNumber: "VM-100202" }),
      await lookup.lookup({ tenantId: "t2", orderNumber: "VM-100202", proof: { email: "j.okafor@example.com" } }),
    ];
    for (const r of results) expect(r).toBe(NOT_VERIFIED);
    expect(src.calls.findByKey).toBe(4);
  });

  test("collections are cached per tenant until a version of a document changes", async () => {
    const src = source([], [{ documentId: "d1", collection: "orders", personalColumns: ["email"] }]);
    let changed: (tenantId: string) => void = () => {};
    const lookup = new OrderLookup(src, { onVersionChange: (fn) => (changed = fn) });
    await lookup.collections("t1");
    await lookup.collections("t1");
    expect(src.calls.collections).toBe(1);
    changed("t1");
    expect(await lookup.collections("t1")).toHaveLength(1);
    expect(src.calls.collections).toBe(2);
  });
});
