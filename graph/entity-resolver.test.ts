import { afterAll, describe, expect, test } from "bun:test";
import { createDatabase } from "../core/db/client";
import type { Embedder } from "../core/ports/embedder";
import { EntityResolver } from "./entity-resolver";
import { RelationalGraphStore } from "./relational-graph-store";

const db = await createDatabase({});
afterAll(() => db.close());
const store = new RelationalGraphStore(db.db);

/** A stand-in encoder (unit test): texts listed together get the same vector, others orthogonal ones. */
function fakeEncoder(groups: string[][]): Embedder {
  const dim = groups.length + 50;
  let spare = groups.length;
  const seen = new Map<string, number>();
  return {
    id: "fake",
    dimension: dim,
    async embed(texts) {
      return texts.map((t) => {
        const g = groups.findIndex((xs) => xs.includes(t));
        const axis = g >= 0 ? g : (seen.get(t) ?? (seen.set(t, spare++), seen.get(t)!));
        const v = new Float32Array(dim);
        v[axis % dim] = 1;
        return v;
      });
    },
  };
}

describe("EntityResolver", () => {
  test("forms by key, stated aliases, abbreviations; names known from the store and from domain terms", async () => {
    await store.write({ tenantId: "r1", documentId: "d", version: 1, entities: [{ id: "return-merchandise-authorization", name: "Return Merchandise Authorization", type: "name", aliases: [] }], mentions: [{ entityId: "return-merchandise-authorization", chunkId: "d:1:0" }], relations: [] });
    const r = new EntityResolver({ store, domainTerms: { "Voltmart Protect": "plan" } });
    const out = await r.resolve("r1", [
      { name: "VoltBook Laptops", type: "name" },
      { name: "voltbook laptop", type: "concept" },
      { name: "RMA", type: "term" },
      { name: "the Voltmart Protect", type: "name" },
      { name: "Zephyr Book 13", type: "product", aliases: ["ZX-1"] },
      { name: "ZX-1", type: "code" },
    ]);
    expect(out.get("voltbook laptop")!.id).toBe(out.get("VoltBook Laptops")!.id);
    expect(out.get("VoltBook Laptops")!.aliases).toEqual(["voltbook laptop"]);
    expect(out.get("RMA")!.id).toBe("return-merchandise-authorization");
    expect(out.get("the Voltmart Protect")!).toMatchObject({ id: "voltmart-protect", type: "plan" });
    expect(out.get("ZX-1")!.id).toBe(out.get("Zephyr Book 13")!.id);
    // another tenant knows none of it
    const other = await r.resolve("r2", [{ name: "RMA", type: "term" }]);
    expect(other.get("RMA")!.id).toBe("rma");
  });

  test("with an encoder: a near-duplicate name that shares a word merges; one that shares none is never compared", async () => {
    await store.write({ tenantId: "r3", documentId: "d", version: 1, entities: [{ id: "extended-protection-plan", name: "Extended Protection Plan", type: "plan", aliases: [] }], mentions: [{ entityId: "extended-protection-plan", chunkId: "d:1:0" }], relations: [] });
    const encoder = fakeEncoder([["Extended Protection Plan", "Extended Protect Plan", "Coverage Extension"]]);
    const r = new EntityResolver({ store, encoder });
    const out = await r.resolve("r3", [
      { name: "Extended Protect Plan", type: "plan" },
      { name: "Coverage Extension", type: "plan" }, // same vector, but no shared word: not a candidate
      { name: "Extended Warranty", type: "policy" }, // shares a word, different vector
    ]);
    expect(out.get("Extended Protect Plan")!.id).toBe("extended-protection-plan");
    expect(out.get("Coverage Extension")!.id).toBe("coverage-extension");
    expect(out.get("Extended Warranty")!.id).toBe("extended-warranty");
  });
});
