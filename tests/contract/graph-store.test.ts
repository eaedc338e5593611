/**
 * Contract suite of the GraphStore port, run against every adapter: the relational store on PGlite always and on
 * PostgreSQL when TEST_DATABASE_URL is set (a schema of its own), Neo4j when TEST_NEO4J_URL or NEO4J_URL is set
 * (.ci/run starts a Neo4j 5 community server with tests/neo4j/start.sh; tenants of this run are removed after).
 * With CI=true a missing Neo4j fails the suite.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { createDatabase, type Database } from "../../core/db/client";
import type { GraphBatch, GraphStore } from "../../core/ports/graph-store";
import { Neo4jGraphStore } from "../../graph/neo4j-graph-store";
import { RelationalGraphStore } from "../../graph/relational-graph-store";

const PG = process.env.TEST_DATABASE_URL;
const NEO4J = process.env.TEST_NEO4J_URL ?? process.env.NEO4J_URL;
if (!NEO4J) {
  const reason = "TEST_NEO4J_URL (or NEO4J_URL) is not set: the Neo4j graph store contract suite is skipped (.ci/run starts Neo4j and sets it)";
  if (process.env.CI === "true") throw new Error(reason);
  console.warn(reason);
}
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const adapters: [string, () => Promise<GraphStore>][] = [
  [
    "relational (PGlite)",
    async () => {
      const db = await createDatabase({});
      cleanups.push(() => db.close());
      return new RelationalGraphStore(db.db);
    },
  ],
];
if (PG) {
  adapters.push([
    "relational (PostgreSQL)",
    async () => {
      const schema = `graph_test_${run}`;
      const db: Database = await createDatabase({ url: PG, searchPath: schema, maxConnections: 2 });
      cleanups.push(async () => {
        await db.db.execute(sql.raw(`drop schema if exists "${schema}" cascade`));
        await db.close();
      });
      return new RelationalGraphStore(db.db);
    },
  ]);
}
if (NEO4J) {
  adapters.push([
    "neo4j",
    async () => {
      const s = await Neo4jGraphStore.open({ url: NEO4J, user: process.env.TEST_NEO4J_USER ?? "neo4j", password: process.env.TEST_NEO4J_PASSWORD ?? "neo4j" });
      cleanups.push(async () => {
        for (const t of tenantsUsed) await s.dropTenant(t);
        await s.close();
      });
      return s;
    },
  ]);
}

const tenantsUsed = new Set<string>();
let n = 0;
const tenant = () => {
  const t = `t_${run}_${n++}`;
  tenantsUsed.add(t);
  return t;
};

/** Document d1 v1: a product, its brand and a plan that covers it; d2 v1: the plan and a time span. */
function docs(t: string): { d1: GraphBatch; d2: GraphBatch } {
  const e = (id: string, type: string, aliases: string[] = []) => ({ id, name: id.replace(/-/g, " "), type, aliases });
  return {
    d1: {
      tenantId: t,
      documentId: "d1",
      version: 1,
      entities: [e("voltbook-14", "product", ["VM-LT-1401"]), e("voltmart", "brand"), e("voltmart-protect", "plan", ["VP"])],
      mentions: [
        { entityId: "voltbook-14", chunkId: "d1:1:0" },
        { entityId: "voltmart", chunkId: "d1:1:0" },
        { entityId: "voltmart-protect", chunkId: "d1:1:1" },
        { entityId: "voltbook-14", chunkId: "d1:1:1" },
      ],
      relations: [
        { source: "voltbook-14", target: "voltmart", type: "brand", chunkId: "d1:1:0" },
        { source: "voltmart-protect", target: "voltbook-14", type: "covers", chunkId: "d1:1:1" },
      ],
    },
    d2: {
      tenantId: t,
      documentId: "d2",
      version: 1,
      entities: [e("voltmart-protect", "plan", ["Protect plan"]), e("2-year", "time_span")],
      mentions: [
        { entityId: "voltmart-protect", chunkId: "d2:1:0" },
        { entityId: "2-year", chunkId: "d2:1:0" },
      ],
      relations: [{ source: "voltmart-protect", target: "2-year", type: "lasts", chunkId: "d2:1:0" }],
    },
  };
}

for (const [name, make] of adapters) {
  describe(`GraphStore contract: ${name}`, () => {
    const store = make();

    test("write, entities by id and text, aliases merged across documents, mentions counted", async () => {
      const s = await store;
      const t = tenant();
      const { d1, d2 } = docs(t);
      await s.write(d1);
      await s.write(d2);
      await s.write(d2); // idempotent
      const [plan] = await s.entities(t, { ids: ["voltmart-protect"], limit: 10 });
      expect(plan!.name).toBe("voltmart protect");
      expect(plan!.type).toBe("plan");
      expect([...plan!.aliases].sort()).toEqual(["Protect plan", "VP"]);
      expect(plan!.mentions).toBe(2);
      expect((await s.entities(t, { text: "VOLT", limit: 10 })).map((x) => x.id)).toEqual(["voltbook-14", "voltmart", "voltmart-protect"]);
      expect((await s.entities(t, { text: "vm-lt-1401", limit: 10 })).map((x) => x.id)).toEqual(["voltbook-14"]);
      expect((await s.entities(t, { text: "100%_", limit: 10 })).length).toBe(0); // LIKE wildcards are literal
      expect((await s.entities(t, { limit: 2 })).map((x) => x.id)).toEqual(["2-year", "voltbook-14"]);
      expect((await s.entities(t, { limit: 10, after: "voltbook-14" })).map((x) => x.id)).toEqual(["voltmart", "voltmart-protect"]);
      expect(await s.entities(t, { ids: [], limit: 10 })).toEqual([]);
    });

    test("k-hop neighbourhood: nearest first, typed paths in either direction, the chunks that mention each", async () => {
      const s = await store;
      const t = tenant();
      const { d1, d2 } = docs(t);
      await s.write(d1);
      await s.write(d2);
      const one = await s.neighbourhood(t, { seeds: ["voltbook-14"], hops: 1, limit: 50 });
      expect(one.map((x) => [x.entity.id, x.hops])).toEqual([["voltbook-14", 0], ["voltmart", 1], ["voltmart-protect", 1]]);
      const two = await s.neighbourhood(t, { seeds: ["voltbook-14"], hops: 2, limit: 50 });
      const span = two.find((x) => x.entity.id === "2-year")!;
      expect(span.hops).toBe(2);
      expect(span.path).toEqual([
        { from: "voltbook-14", to: "voltmart-protect", type: "covers" },
        { from: "voltmart-protect", to: "2-year", type: "lasts" },
      ]);
      expect(span.chunkIds).toEqual(["d2:1:0"]);
      expect(two.find((x) => x.entity.id === "voltbook-14")!.chunkIds).toEqual(["d1:1:0", "d1:1:1"]);
      // relation types restrict the walk; limit caps the answer; unknown seeds are ignored
      const typed = await s.neighbourhood(t, { seeds: ["voltbook-14"], hops: 2, limit: 50, relationTypes: ["brand"] });
      expect(typed.map((x) => x.entity.id).sort()).toEqual(["voltbook-14", "voltmart"]);
      expect((await s.neighbourhood(t, { seeds: ["voltbook-14"], hops: 2, limit: 2 })).length).toBe(2);
      expect(await s.neighbourhood(t, { seeds: ["nope"], hops: 2, limit: 10 })).toEqual([]);
      const capped = await s.neighbourhood(t, { seeds: ["voltbook-14"], hops: 0, limit: 10, chunksPerEntity: 1 });
      expect(capped).toEqual([{ entity: expect.objectContaining({ id: "voltbook-14" }), hops: 0, path: [], chunkIds: ["d1:1:0"] }]);
    });

    test("edges merged over chunks, all or around given entities", async () => {
      const s = await store;
      const t = tenant();
      const { d1, d2 } = docs(t);
      await s.write(d1);
      await s.write(d2);
      await s.write({ ...d2, documentId: "d3", relations: [{ source: "voltmart-protect", target: "2-year", type: "lasts", chunkId: "d3:1:0" }], mentions: [] });
      const all = await s.edges(t);
      expect(all.map((e) => `${e.source}>${e.type}>${e.target}:${e.weight}`)).toEqual(["voltbook-14>brand>voltmart:1", "voltmart-protect>lasts>2-year:2", "voltmart-protect>covers>voltbook-14:1"]);
      expect(all.find((e) => e.type === "lasts")!.chunkIds).toEqual(["d2:1:0", "d3:1:0"]);
      expect((await s.edges(t, ["voltmart"])).map((e) => e.type)).toEqual(["brand"]);
      expect(await s.edges(t, [])).toEqual([]);
    });

    test("removal by version with reference counting: shared entities survive, orphans go, touched ids returned", async () => {
      const s = await store;
      const t = tenant();
      const { d1, d2 } = docs(t);
      await s.write(d1);
      await s.write(d2);
      // a re-ingest of d1 writes v2 (without the plan), then the old version goes
      await s.write({ ...d1, version: 2, entities: d1.entities.slice(0, 2), mentions: [{ entityId: "voltbook-14", chunkId: "d1:2:0" }, { entityId: "voltmart", chunkId: "d1:2:0" }], relations: [{ source: "voltbook-14", target: "voltmart", type: "brand", chunkId: "d1:2:0" }] });
      const touched = await s.remove({ tenantId: t, documentId: "d1", versions: [1] });
      expect(touched).toEqual(["voltbook-14", "voltmart", "voltmart-protect"]);
      expect((await s.entities(t, { limit: 10 })).map((x) => [x.id, x.mentions])).toEqual([["2-year", 1], ["voltbook-14", 1], ["voltmart", 1], ["voltmart-protect", 1]]);
      expect((await s.edges(t)).map((e) => e.type).sort()).toEqual(["brand", "lasts"]);
      // removing d2 entirely: the plan and the span have no mention left
      await s.remove({ tenantId: t, documentId: "d2" });
      expect((await s.entities(t, { limit: 10 })).map((x) => x.id)).toEqual(["voltbook-14", "voltmart"]);
      // exceptVersion keeps the named version
      await s.remove({ tenantId: t, documentId: "d1", exceptVersion: 2 });
      expect((await s.entities(t, { limit: 10 })).length).toBe(2);
      await s.remove({ tenantId: t, documentId: "d1", versions: [] }); // no version: nothing
      expect((await s.entities(t, { limit: 10 })).length).toBe(2);
      await s.remove({ tenantId: t, documentId: "d1" });
      expect(await s.entities(t, { limit: 10 })).toEqual([]);
      expect(await s.edges(t)).toEqual([]);
      expect(await s.remove({ tenantId: t, documentId: "never" })).toEqual([]);
    });

    test("tenants never share a node", async () => {
      const s = await store;
      const [a, b] = [tenant(), tenant()];
      await s.write(docs(a).d1);
      await s.write(docs(b).d1);
      await s.remove({ tenantId: a, documentId: "d1" });
      expect(await s.entities(a, { limit: 10 })).toEqual([]);
      expect((await s.entities(b, { limit: 10 })).map((x) => x.id)).toEqual(["voltbook-14", "voltmart", "voltmart-protect"]);
      expect(await s.neighbourhood(a, { seeds: ["voltbook-14"], hops: 2, limit: 10 })).toEqual([]);
      expect((await s.neighbourhood(b, { seeds: ["voltbook-14"], hops: 1, limit: 10 })).length).toBe(3);
    });
  });
}
