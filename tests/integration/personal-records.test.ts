/**
 * Personal tables against the real stores (PGlite always, PostgreSQL when TEST_DATABASE_URL is set): the
 * verified lookup reads the active version of a tenant's personal tables only, through the upper(key) index;
 * and a knowledge base ingested before personal tables existed (the old CSV loader: every order row a chunk in
 * the vector, keyword and heading indexes) loses those chunks at start, while a product table stays indexed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createApp } from "../../api/app";
import { createOrderLookup, NOT_VERIFIED } from "../../api/orders/order-lookup";
import { unindexPersonalTables } from "../../api/startup";
import { PersonalRecordRepository } from "../../core/db/personal-record-repository";
import { chunkDocument, fullTextOf } from "../../ingest/chunker";
import { loadDocument } from "../../ingest/loaders";
import { entityName, renderRow } from "../../ingest/loaders/csv";
import { IngestionPipeline, type IngestionDeps, type IngestRequest } from "../../ingest/pipeline";
import type { PreparedDocument } from "../../ingest/prepare-document";
import { SAMPLE_KB_DIR } from "../../ingest/sample-kb";
import { adminToken } from "../helpers/authed-app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

const EMAIL = "j.okafor@example.com";
const TRACKING = "1ZXYDL5X2849796784";
const enc = (s: string) => new TextEncoder().encode(s);
const csv = (tenantId: string, source: string, text: string): IngestRequest => ({ tenantId, source, sourceType: "upload", bytes: enc(text), filename: `${source}.csv` });
const sampleFile = (tenantId: string, file: string): IngestRequest => ({
  tenantId,
  source: `sample-kb/${file}`,
  sourceType: "file",
  bytes: new Uint8Array(readFileSync(join(SAMPLE_KB_DIR, file))),
  filename: file,
  tags: ["sample"],
});

/** The CSV loader as it was before personal tables: every row a section, no personal flag. */
const legacyPrepare: IngestionDeps["prepare"] = async (input, opts): Promise<PreparedDocument> => {
  const doc = await loadDocument(input, opts);
  const m = doc.metadata as { collection: string; columns: string[]; keyColumn: string; personal?: boolean; personalColumns?: unknown; keyPattern?: unknown };
  const keyIndex = m.columns.indexOf(m.keyColumn);
  const sections = (doc.records ?? []).map((r) => ({ text: renderRow(entityName(m.collection), m.columns, m.columns.map((c) => r.data[c] ?? ""), keyIndex), headingPath: [m.collection] }));
  const { personal: _p, personalColumns: _c, keyPattern: _k, ...metadata } = m;
  const old = { ...doc, sections, metadata };
  const { sections: _s, ...rest } = old;
  return { loaded: { ...rest, sectionCount: sections.length }, content: fullTextOf(old), drafts: chunkDocument(old, opts.chunking) };
};

for (const kind of DB_KINDS) {
  describe(`personal records on ${kind}`, () => {
    let t: TestServices;
    let repo: PersonalRecordRepository;

    beforeAll(async () => {
      t = await testServices(kind);
      repo = new PersonalRecordRepository(t.services.stores.database.db);
    }, 120_000);
    afterAll(async () => {
      await t?.cleanup();
    });

    test("the lookup: active version, personal tables, the tenant's own; proof by email or postcode", async () => {
      const p = t.services.pipeline;
      await p.ingest(csv("t1", "orders", "order_id,email,post_code,status\nAB-1001,ann@example.com,SW1A 1AA,shipped\nAB-1002,bo@example.com,94107,placed\n"));
      await p.ingest(csv("t2", "orders", "order_id,email,post_code,status\nAB-1001,eve@example.com,10001,delivered\n"));
      // A table with no personal column keyed the same way is not a personal table.
      await p.ingest(csv("t1", "parts", "id,name,status\nAB-1001,Widget,active\n"));
      const lookup = createOrderLookup(t.services.stores);
      expect(await lookup.lookup({ tenantId: "t1", orderNumber: "ab-1001", proof: { email: " Ann@Example.com " } })).toEqual({
        verified: true,
        collection: "orders",
        key: "AB-1001",
        fields: { order_id: "AB-1001", status: "shipped" },
      });
      expect(await lookup.lookup({ tenantId: "t1", orderNumber: "AB-1002", proof: { postcode: "94107" } })).toMatchObject({ verified: true, fields: { status: "placed" } });
      expect(await lookup.lookup({ tenantId: "t1", orderNumber: "AB-1001", verifiedEmail: "ann@example.com" })).toMatchObject({ verified: true });
      for (const r of [
        await lookup.lookup({ tenantId: "t1", orderNumber: "AB-1001", proof: { email: "bo@example.com" } }),
        await lookup.lookup({ tenantId: "t1", orderNumber: "AB-9999", proof: { email: "ann@example.com" } }),
        await lookup.lookup({ tenantId: "t1", orderNumber: "AB-1001" }),
        await lookup.lookup({ tenantId: "t1", orderNumber: "AB-1001", proof: { email: "eve@example.com" } }),
        await lookup.lookup({ tenantId: "t3", orderNumber: "AB-1001", proof: { email: "ann@example.com" } }),
      ])
        expect(r).toBe(NOT_VERIFIED);
      // A new version replaces the old rows: the old email no longer proves anything.
      await p.ingest(csv("t1", "orders", "order_id,email,post_code,status\nAB-1001,new@example.com,SW1A 1AA,delivered\n"));
      expect(await lookup.lookup({ tenantId: "t1", orderNumber: "AB-1001", proof: { email: "ann@example.com" } })).toBe(NOT_VERIFIED);
      expect(await lookup.lookup({ tenantId: "t1", orderNumber: "AB-1001", proof: { email: "new@example.com" } })).toMatchObject({ fields: { status: "delivered" } });
      // The route learns the key shape from the table (cache refreshed by the ingest).
      expect((await lookup.collections("t1")).map((c) => [c.collection, c.keyPattern])).toEqual([["orders", "AB-\\d{4,6}"]]);
    });

    test("the key is found through the upper(key) index", async () => {
      const db = t.services.stores.database.db;
      const plan = await db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        return tx.execute(sql`explain select * from records where tenant_id = 't1' and upper(key) = upper('ab-1001')`);
      });
      const rows = (Array.isArray(plan) ? plan : (plan as { rows: unknown[] }).rows) as Record<string, string>[];
      expect(rows.map((r) => Object.values(r).join(" ")).join("\n")).toContain("records_tenant_upper_key_idx");
    });

    test("a knowledge base from before: order chunks leave every shared index at start, products stay", async () => {
      const tenantId = t.config.defaultTenant;
      const legacy = new IngestionPipeline({ ...(t.services.pipeline as unknown as { deps: IngestionDeps }).deps, prepare: legacyPrepare });
      for (const file of ["orders.csv", "products.csv"]) await legacy.ingest(sampleFile(tenantId, file));
      const app = createApp(t.services);
      const admin = await adminToken(t.services);
      const search = async (query: string) => {
        const r = await app.handle(
          new Request("http://local/v1/search", { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ query, k: 20 }) }),
        );
        expect(r.status).toBe(200);
        return JSON.stringify(((await r.json()) as { passages: unknown[] }).passages);
      };
      // The old state leaks, as the issue reports.
      expect(await search("VM-100202")).toContain(EMAIL);
      expect(await search(`${EMAIL} tracking number`)).toContain(TRACKING);
      // And re-sending the same bytes is "unchanged": only the start-up check takes it out.
      expect((await t.services.pipeline.ingest(sampleFile(tenantId, "orders.csv"))).status).toBe("unchanged");

      const lines: string[] = [];
      expect(await unindexPersonalTables(t.services.stores, t.services.pipeline, (l) => lines.push(l))).toBe(1);
      expect(lines).toHaveLength(1);
      for (const q of ["VM-100202", EMAIL, `tracking number ${TRACKING}`, "Order VM-100202 customer email order date status carrier"]) {
        const hits = await search(q);
        expect(hits).not.toContain(EMAIL);
        expect(hits).not.toContain(TRACKING);
      }
      const orders = (await t.services.stores.documents.findBySource(tenantId, "sample-kb/orders.csv"))!;
      expect(orders).toMatchObject({ chunkCount: 0, recordCount: 62, metadata: { personal: true, personalColumns: ["customer_email"] } });
      expect(await t.services.stores.documents.getContent(tenantId, orders.id)).not.toContain(EMAIL);
      expect(await search("VoltBook 14 laptop price")).toContain("VoltBook 14");
      const products = (await t.services.stores.documents.findBySource(tenantId, "sample-kb/products.csv"))!;
      expect(products.metadata).toMatchObject({ personal: false });
      expect(products.chunkCount).toBeGreaterThan(0);
      // The rows still answer a verified lookup; the next start has nothing left to check.
      expect(await createOrderLookup(t.services.stores).lookup({ tenantId, orderNumber: "VM-100202", proof: { email: EMAIL } })).toMatchObject({ fields: { tracking_number: TRACKING } });
      expect(await repo.uncheckedTables()).toEqual([]);
      expect(await unindexPersonalTables(t.services.stores, t.services.pipeline, () => {})).toBe(0);
    }, 120_000);
  });
}
