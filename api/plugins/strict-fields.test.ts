import { describe, expect, test } from "bun:test";
import { t } from "elysia";
import { rejectUnknown, unknownField } from "./strict-fields";

const strict = { additionalProperties: false } as const;
const schema = t.Object(
  {
    name: t.String(),
    owner: t.Optional(t.Object({ id: t.String() }, strict)),
    items: t.Optional(t.Array(t.Object({ sku: t.String() }, strict))),
    assignee: t.Optional(t.Union([t.String(), t.Null()])),
    loose: t.Optional(t.Object({ a: t.String() })),
  },
  strict,
);

describe("unknown fields", () => {
  test("finds the first unknown field by its dotted path, nested in objects and arrays", () => {
    expect(unknownField({ name: "x" }, schema)).toBeUndefined();
    expect(unknownField({ name: "x", colour: "red" }, schema)).toBe("colour");
    expect(unknownField({ name: "x", owner: { id: "1", email: "e" } }, schema)).toBe("owner.email");
    expect(unknownField({ name: "x", items: [{ sku: "a" }, { sku: "b", qty: 2 }] }, schema)).toBe("items.1.qty");
    expect(unknownField({ name: "x", assignee: null }, schema)).toBeUndefined();
    // Objects without additionalProperties: false keep the default (dropped by normalization).
    expect(unknownField({ name: "x", loose: { a: "1", b: 2 } }, schema)).toBeUndefined();
  });

  test("wrong shapes are left to validation", () => {
    for (const v of [undefined, null, "text", 5, [1, 2], { name: 5 }, { items: "no" }]) expect(unknownField(v, schema)).toBeUndefined();
  });

  test("the transform hook throws 422 UNKNOWN_FIELD naming the part and field", () => {
    const hook = rejectUnknown({ body: schema, query: t.Object({ limit: t.Optional(t.Number()) }, strict) });
    expect(() => hook({ body: { name: "x" }, query: {} })).not.toThrow();
    expect(() => hook({ body: { name: "x", nmae: "y" } })).toThrow(expect.objectContaining({ status: 422, code: "UNKNOWN_FIELD", message: "unknown field 'nmae'" }));
    expect(() => hook({ body: { name: "x" }, query: { limt: "5" } })).toThrow(expect.objectContaining({ status: 422, message: "unknown query parameter 'limt'" }));
  });
});
