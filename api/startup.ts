/**
 * Work done once when the API starts, in one place: jobs a crash interrupted are marked failed (embedded
 * database only: with PostgreSQL another replica may be running them), rows of versions that never became
 * active are swept, tables ingested before personal tables existed are taken out of the shared indexes when
 * personal, and on a first start the sample knowledge base is ingested.
 */
import type { Config } from "../core/config";
import type { Stores } from "../core/stores/open-stores";
import type { IngestionPipeline } from "../ingest/pipeline";
import { sampleKbRequests } from "../ingest/sample-kb";
import { personalColumns } from "../ingest/loaders/personal-columns";
import { PersonalRecordRepository } from "../core/db/personal-record-repository";

/** Half-written versions older than this are orphans (no ingest runs that long). */
const ORPHAN_AGE_MS = 60 * 60 * 1000;

export async function runStartup(config: Config, stores: Stores, pipeline: IngestionPipeline, o: { sampleKb: boolean; log: (line: string) => void }): Promise<void> {
  if (stores.database.kind === "pglite") await stores.jobs.failInterrupted();
  await stores.documents.sweepOrphans(new Date(Date.now() - ORPHAN_AGE_MS));
  await unindexPersonalTables(stores, pipeline, o.log);
  if (!o.sampleKb || (await stores.documents.list({ tenantId: config.defaultTenant, limit: 1, offset: 0 })).total > 0) return;
  const reqs = sampleKbRequests(config.defaultTenant);
  o.log(`ingesting the sample knowledge base (${reqs.length} files)...`);
  const t = performance.now();
  const results = await pipeline.ingestMany(reqs);
  results.forEach((r, i) => {
    if (r instanceof Error) o.log(`  ${reqs[i]!.source}: FAILED ${r.message}`);
  });
  const ok = results.filter((r) => !(r instanceof Error));
  o.log(`sample knowledge base ready: ${ok.length}/${reqs.length} documents in ${Math.round(performance.now() - t)} ms`);
}

const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;

/**
 * Tables ingested before personal tables existed have their rows (emails, tracking numbers) in the shared
 * indexes (vector, keyword, heading, chunk cache), and re-sending the same bytes would be "unchanged". Each CSV
 * document never checked for personal columns is checked on its records: a personal one is re-ingested from its
 * records, so a new version with records only replaces the indexed one in every index at once (the old
 * version's chunks are removed like on any re-ingest); any other is marked checked, so a start reads it once.
 */
export async function unindexPersonalTables(stores: Pick<Stores, "database">, pipeline: Pick<IngestionPipeline, "ingest">, log: (line: string) => void): Promise<number> {
  const repo = new PersonalRecordRepository(stores.database.db);
  let n = 0;
  for (const doc of await repo.uncheckedTables()) {
    const rows = await repo.rowsOf(doc.tenantId, doc.id);
    const columns = (doc.metadata as { columns?: unknown }).columns;
    const headers = Array.isArray(columns) && columns.every((c) => typeof c === "string") ? (columns as string[]) : Object.keys(rows[0] ?? {});
    const cells = rows.map((r) => headers.map((h) => r[h] ?? ""));
    if (!rows.length || !personalColumns(headers, cells).length) {
      await repo.markNotPersonal(doc.tenantId, doc.id, doc.version);
      continue;
    }
    const csv = [headers, ...cells].map((line) => line.map(quote).join(",")).join("\n");
    const filename = (doc.metadata as { filename?: unknown }).filename;
    await pipeline.ingest({
      tenantId: doc.tenantId,
      source: doc.source,
      sourceType: doc.sourceType as "file" | "upload" | "url" | "text",
      bytes: new TextEncoder().encode(csv),
      filename: typeof filename === "string" ? filename : `${(doc.metadata as { collection?: string }).collection ?? "records"}.csv`,
      mimeType: "text/csv",
      title: doc.title,
      docType: doc.docType,
      tags: doc.tags,
    });
    log(`personal table '${doc.title}' (${doc.id}) taken out of the shared indexes: ${rows.length} rows kept as records only`);
    n++;
  }
  return n;
}
