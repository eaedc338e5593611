/**
 * Work done once when the API starts, in one place: jobs a crash interrupted are marked failed (embedded
 * database only: with PostgreSQL another replica may be running them), rows of versions that never became
 * active are swept, and on a first start the sample knowledge base is ingested.
 */
import type { Config } from "../core/config";
import type { Stores } from "../core/stores/open-stores";
import type { IngestionPipeline } from "../ingest/pipeline";
import { sampleKbRequests } from "../ingest/sample-kb";

/** Half-written versions older than this are orphans (no ingest runs that long). */
const ORPHAN_AGE_MS = 60 * 60 * 1000;

export async function runStartup(config: Config, stores: Stores, pipeline: IngestionPipeline, o: { sampleKb: boolean; log: (line: string) => void }): Promise<void> {
  if (stores.database.kind === "pglite") await stores.jobs.failInterrupted();
  await stores.documents.sweepOrphans(new Date(Date.now() - ORPHAN_AGE_MS));
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
