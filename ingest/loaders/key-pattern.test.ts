import { describe, expect, test } from "bun:test";
import { keyPattern, keysIn } from "./key-pattern";

describe("key pattern", () => {
  test("a constant letter prefix stays literal; digit runs allow numbers that grow", () => {
    const p = keyPattern(["VM-100201", "VM-100202", "VM-100262"])!;
    expect(keysIn("Give me the tracking number for VM-100202", p)).toEqual(["VM-100202"]);
    expect(keysIn("where is vm-999999 and VM-1000001?", p)).toEqual(["VM-999999", "VM-1000001"]);
    // Another shape of the same prefix (a product SKU), a shorter number, a longer code: not keys.
    expect(keysIn("VM-LT-1401, VM-12, XVM-100202, VM-100202-B", p)).toEqual([]);
  });

  test("any tenant's format: other prefixes, separators and varying letters", () => {
    const ord = keyPattern(["ORD/2026/0001", "ORD/2026/0417"])!;
    expect(keysIn("order ord/2026/0999 please", ord)).toEqual(["ORD/2026/0999"]);
    const mixed = keyPattern(["AB12345", "QX99881", "ZZ00001"])!;
    expect(keysIn("my order is KL55555", mixed)).toEqual(["KL55555"]);
    expect(keysIn("a word like HELLO or 12345 alone", mixed)).toEqual([]);
    const dotted = keyPattern(["A.1", "A.22"])!;
    expect(keysIn("A.5 but not AX5", dotted)).toEqual(["A.5"]);
  });

  test("no pattern for keys that cannot be told apart from ordinary text", () => {
    expect(keyPattern(["100201", "100202"])).toBeUndefined(); // bare numbers
    expect(keyPattern(["alpha", "beta"])).toBeUndefined(); // no digit
    expect(keyPattern(["a@x.io", "b-1", "C_2_d", "77-x-y", "q.9.z"])).toBeUndefined(); // no regular shape
    expect(keyPattern([])).toBeUndefined();
  });

  test("a few odd keys among regular ones do not spoil the shape", () => {
    const keys = [...Array.from({ length: 40 }, (_, i) => `INV-${5000 + i}`), "legacy key", "X"];
    expect(keysIn("INV-6001", keyPattern(keys)!)).toEqual(["INV-6001"]);
  });

  test("a stored pattern that is not a valid expression matches nothing", () => {
    expect(keysIn("VM-100202", "VM-\\d{6")).toEqual([]);
    expect(keysIn("VM-100202", "(")).toEqual([]);
  });
});
