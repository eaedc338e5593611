/**
 * GraphRAG end to end on the relational graph store (PGlite; PostgreSQL when TEST_DATABASE_URL is set): ingestion
 * writes the graph, /v1/search fuses the graph channel and says which channels found each passage (with the
 * path), a re-ingest swaps a document's entities and a delete removes them (shared ones stay), communities
 * follow, tenants never see each other's nodes, and the graph routes answer bad input with clear 4xx errors.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { adminToken, authedApp } from "../helpers/authed-app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

const PRODUCTS = [
  "sku,name,category,brand,price_usd,warranty_months,description",
  'ZX-LT-100,Zephyr Book 13,laptops,Zephyr,999.00,24,"13-inch laptop with a 60 Wh battery"',
  'ZX-LT-200,Zephyr Book 15 Max,laptops,Zephyr,1499.00,24,"15-inch laptop"',
  'ZX-HP-300,Quietline Buds,headphones,Quietline,79.00,12,"Wireless earbuds"',
].join("\n");
const POLICY = `# Returns policy

## Return windows

Laptops can be returned within 15 days of delivery. Headphones can be returned within 30 days.

## Restocking fees

Opened laptops have a 12% restocking fee unless they are defective.
`;
const CARE = `# Care Plan

## What the Care Plan covers

The Care Plan covers accidental damage for laptops and replaces batteries that fall below 80% capacity.
`;

for (const kind of DB_KINDS) {
  describe(`GraphRAG (${kind})`, () => {
    let t: TestServices;
    let app: ReturnType<typeof authedApp>;
    const enc = (s: string) => new TextEncoder().encode(s);
    const ingest = (source: string, text: string, filename: string, tenantId = t.config.defaultTenant) =>
      t.services.pipeline.ingest({ tenantId, source, sourceType: "upload", bytes: enc(text), filename });
    const get = async (path: string, token?: string) => {
      const res = await app.handle(new Request(`http://local${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
      return { status: res.status, body: (await res.json()) as any };
    };
    const search = async (body: Record<string, unknown>) => {
      const res = await app.handle(new Request("http://local/v1/search", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
      return { status: res.status, body: (await res.json()) as any };
    };

    beforeAll(async () => {
      t = await testServices(kind, { GRAPH_ENABLED: "true", SENTENCE_ENCODER: "off" });
      app = authedApp(t.services);
      await ingest("products.csv", PRODUCTS, "products.csv");
      await ingest("returns.md", POLICY, "returns.md");
      await ingest("care.md", CARE, "care.md");
      await t.services.graph!.index.idle();
    });
    afterAll(() => t?.cleanup());

    test("ingestion writes catalogue entities with their SKU alias and typed relations; the API lists and shows them", async () => {
      const list = await get("/v1/graph/entities?q=zephyr%20book");
      expect(list.status).toBe(200);
      const names = list.body.items.map((e: any) => e.name);
      expect(names).toContain("Zephyr Book 13");
      expect(names).toContain("Zephyr Book 15 Max");
      const byAlias = await get("/v1/graph/entities?q=zx-lt-100");
      expect(byAlias.body.items.map((e: any) => e.name)).toEqual(["Zephyr Book 13"]);
      const id = byAlias.body.items[0].id;
      const one = await get(`/v1/graph/entities/${encodeURIComponent(id)}`);
      expect(one.status).toBe(200);
      expect(one.body.relationTypes).toEqual(expect.arrayContaining(["brand", "category"]));
      expect(one.body.neighbours.map((n: any) => n.name)).toEqual(expect.arrayContaining(["laptops", "Zephyr"]));
      expect(one.body.chunks[0].source).toBe("products.csv");
      // two hops: from the product through its category to what the policies say about laptops
      const two = await get(`/v1/graph/entities/${encodeURIComponent(id)}?hops=2`);
      expect(two.body.neighbours.some((n: any) => n.hops === 2)).toBe(true);
    });

    test("the graph channel joins a product to the policy of its category; each passage says its channels and the path", async () => {
      const r = await search({ query: "Can I return the Zephyr Book 15 Max after 20 days?", k: 8 });
      expect(r.status).toBe(200);
      const graphHits = r.body.passages.filter((p: any) => p.channels.includes("graph"));
      expect(graphHits.length).toBeGreaterThan(0);
      for (const p of r.body.passages) {
        expect(p.channels.length).toBeGreaterThan(0);
        expect(p.channels.sort()).toEqual(Object.keys(p.ranks).sort());
      }
      const policy = graphHits.find((p: any) => p.source === "returns.md");
      expect(policy).toBeDefined();
      expect(policy.evidence.graph).toContain("laptop");
      // the graph channel alone
      const only = await search({ query: "Zephyr Book 15 Max return window", channels: ["graph"] });
      expect(only.status).toBe(200);
      expect(only.body.passages.map((p: any) => p.source)).toEqual(expect.arrayContaining(["products.csv", "returns.md"]));
      // filters apply to the graph's chunks too
      const filtered = await search({ query: "Zephyr Book 15 Max return window", channels: ["graph"], filters: { sources: ["returns.md"] } });
      expect(filtered.body.passages.every((p: any) => p.source === "returns.md")).toBe(true);
    });

    test("communities exist with extractive summaries; q ranks them", async () => {
      const all = await get("/v1/graph/communities");
      expect(all.status).toBe(200);
      expect(all.body.items.length).toBeGreaterThan(0);
      for (const c of all.body.items) {
        expect(c.size).toBeGreaterThan(1);
        expect(c.summary.length).toBeGreaterThan(10);
      }
      const ranked = await get("/v1/graph/communities?q=restocking%20fee");
      expect(ranked.status).toBe(200);
      for (const c of ranked.body.items) expect(c.score).toBeGreaterThan(0);
    });

    test("re-ingest swaps a document's entities, delete removes them; entities another document mentions stay", async () => {
      const careOnly = async () => (await get("/v1/graph/entities?q=care%20plan")).body.items.length;
      expect(await careOnly()).toBeGreaterThan(0);
      const laptops = async () => (await get("/v1/graph/entities?q=laptop")).body.items.find((e: any) => e.name.toLowerCase() === "laptops");
      const before = (await laptops()).mentions;
      const updated = await ingest("care.md", CARE.replace(/Care Plan/g, "Guardian Plan"), "care.md");
      expect(updated.status).toBe("updated");
      await t.services.graph!.index.idle();
      expect(await careOnly()).toBe(0);
      expect((await get("/v1/graph/entities?q=guardian%20plan")).body.items.length).toBeGreaterThan(0);
      await t.services.pipeline.delete(t.config.defaultTenant, updated.document.id);
      await t.services.graph!.index.idle();
      expect((await get("/v1/graph/entities?q=guardian%20plan")).body.items.length).toBe(0);
      const after = await laptops();
      expect(after).toBeDefined(); // products and returns still mention it
      expect(after.mentions).toBeLessThan(before);
      // no community keeps a removed entity
      const ids = new Set((await t.services.graph!.store.entities(t.config.defaultTenant, { limit: 10_000 })).map((e) => e.id));
      for (const c of await t.services.graph!.communities.list(t.config.defaultTenant)) for (const id of c.entityIds) expect(ids.has(id)).toBe(true);
    });

    test("tenants never share a node: another tenant's graph is its own, and its token sees none of this one", async () => {
      await ingest("products.csv", PRODUCTS.replace("Zephyr Book 13", "Other Book 13"), "products.csv", "graph-b");
      await t.services.graph!.index.idle();
      const tokenB = await adminToken(t.services, "graph-b");
      const b = await get("/v1/graph/entities?q=book", tokenB);
      expect(b.status).toBe(200);
      expect(b.body.items.map((e: any) => e.name)).toContain("Other Book 13");
      expect(b.body.items.map((e: any) => e.name)).not.toContain("Zephyr Book 13");
      const a = await get("/v1/graph/entities?q=other%20book");
      expect(a.body.items).toEqual([]);
      const id = (await get("/v1/graph/entities?q=zx-lt-100")).body.items[0].id;
      expect((await get(`/v1/graph/entities/${encodeURIComponent(id)}`, tokenB)).status).toBe(404); // A's "Zephyr Book 13" is not B's
      // both tenants name "Zephyr Book 15 Max": each has its own node, with its own chunks
      const shared = (await get("/v1/graph/entities?q=zephyr%20book%2015")).body.items[0].id;
      const inA = await get(`/v1/graph/entities/${encodeURIComponent(shared)}`);
      const inB = await get(`/v1/graph/entities/${encodeURIComponent(shared)}`, tokenB);
      expect(inB.status).toBe(200);
      expect(inB.body.chunks.map((c: any) => c.documentId)).not.toEqual(inA.body.chunks.map((c: any) => c.documentId));
      const r = await app.handle(new Request("http://local/v1/search", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tokenB}` }, body: JSON.stringify({ query: "Zephyr Book 13", channels: ["graph"] }) }));
      const body = (await r.json()) as any;
      expect(body.passages.every((p: any) => !p.text.includes("Zephyr Book 13"))).toBe(true);
    });

    test("bad input: clear 4xx errors, nothing stored changes", async () => {
      const count = async () => (await t.services.graph!.store.entities(t.config.defaultTenant, { limit: 10_000 })).length;
      const n = await count();
      for (const path of ["/v1/graph/entities?limit=0", "/v1/graph/entities?limit=201", "/v1/graph/entities?limit=abc", `/v1/graph/entities?q=${"x".repeat(201)}`, "/v1/graph/entities/x?hops=0", "/v1/graph/entities/x?hops=9", "/v1/graph/communities?limit=-1", `/v1/graph/entities/${"y".repeat(301)}`]) {
        const r = await get(path);
        expect(r.status, path).toBeGreaterThanOrEqual(400);
        expect(r.status, path).toBeLessThan(500);
        expect(typeof r.body.error.code, path).toBe("string");
      }
      const missing = await get("/v1/graph/entities/no-such-entity");
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe("ENTITY_NOT_FOUND");
      const unknown = await search({ query: "x", channels: ["graphs"] });
      expect(unknown.status).toBe(422);
      expect(await count()).toBe(n);
    });

    test("a customer may not read the graph", async () => {
      const customer = await t.services.auth.accessToken({ id: "usr_c", tenantId: t.config.defaultTenant, role: "customer", username: "c", email: null }, 600);
      for (const p of ["/v1/graph/entities", "/v1/graph/entities/x", "/v1/graph/communities"]) expect((await get(p, customer)).status).toBe(403);
    });
  });
}

describe("GraphRAG switched off", () => {
  test("the graph routes say so (404 GRAPH_DISABLED) and search has no graph channel", async () => {
    const t = await testServices("pglite", { SENTENCE_ENCODER: "off" });
    try {
      const app = authedApp(t.services);
      const res = await app.handle(new Request("http://local/v1/graph/entities"));
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).error.code).toBe("GRAPH_DISABLED");
      expect(t.services.retriever.channelNames).not.toContain("graph");
      expect(t.services.stores.chunkIndexes.map((i) => i.name)).not.toContain("graph");
    } finally {
      await t.cleanup();
    }
  });
});
