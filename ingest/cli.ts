/**
 * bun run ingest <files|dirs...> [--doc-type T] [--tags a,b] [--tenant T] [--exclude PATTERN]...
 *   each file's document identity is its path relative to the folder given (a file given directly: its name);
 *   an HTTP upload with that path as `sourceId` replaces the same document
 * bun run ingest --reindex          re-embed every chunk (after changing the embedder)
 * bun run ingest --delete <docId>   remove a document everywhere
 *
 * Folders skip README files, dotfiles, node_modules, .ingestignore and --exclude matches (select-files.ts) and
 * print what they skipped. Opens the same stores as the server. With the embedded database (no DATABASE_URL) stop the server first:
 * PGlite allows one process at a time.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { ConfigError, loadConfig } from "../core/config";
import { isAppError } from "../core/errors";
import { openStores } from "../core/stores/open-stores";
import { collectFiles } from "./collect-files";
import { createIngestion } from "./create-ingestion";
import { openGraph } from "../graph/open-graph";
import type { IngestRequest } from "./pipeline";
import { reindexVectors } from "./reindex";
import { describeSkipped } from "./select-files";

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "doc-type": { type: "string" },
      tags: { type: "string" },
      tenant: { type: "string" },
      reindex: { type: "boolean", default: false },
      delete: { type: "string" },
      exclude: { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || (!positionals.length && !values.reindex && !values.delete)) {
    console.log(
      "usage: bun run ingest <files|dirs...> [--doc-type T] [--tags a,b] [--tenant T] [--exclude PATTERN]... | --reindex | --delete <docId>\n" +
        "folders skip README*, dotfiles, node_modules and the gitignore-like patterns of a .ingestignore file and of --exclude",
    );
    process.exit(values.help ? 0 : 2);
  }
  const config = loadConfig();
  const tenantId = values.tenant ?? config.defaultTenant;
  // --reindex starts from an empty vector index and an unfitted embedder, refitted on the whole corpus.
  const stores = await openStores(config, { skipKeywordRebuild: true, resetVectors: values.reindex });
  // With GRAPH_ENABLED the graph's chunk index joins the list the pipeline writes through.
  const graph = config.graph.enabled ? await openGraph(stores) : undefined;
  const pipeline = createIngestion(stores);
  let failed = 0;
  try {
    if (values.delete) {
      const doc = await pipeline.delete(tenantId, values.delete);
      console.log(`deleted ${doc.id} (${doc.title})`);
    }
    if (values.reindex) {
      const bar = new cliProgress.SingleBar({ format: "re-embedding [{bar}] {value}/{total} chunks" }, cliProgress.Presets.shades_classic);
      bar.start(1, 0);
      const r = await reindexVectors(stores, (done, total) => {
        bar.setTotal(total);
        bar.update(done);
      });
      bar.stop();
      console.log(`re-indexed ${r.chunks} chunks with ${r.embedderId}`);
    }
    const { files, skipped } = collectFiles(positionals, { exclude: values.exclude });
    if (skipped.length) console.log(`skipped ${skipped.length} file(s):\n${describeSkipped(skipped).join("\n")}`);
    if (positionals.length && !files.length) {
      console.error("no supported files found (pdf, md, html, txt, json, csv)");
      failed++;
    }
    const bar = new cliProgress.SingleBar(
      { format: "{bar} {value}/{total} files | {file} {stage}", hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    if (files.length) bar.start(files.length, 0, { file: "", stage: "" });
    const t0 = performance.now();
    let chunks = 0;
    const lines: string[] = [];
    for (const [i, { path, sourceId }] of files.entries()) {
      const name = relative(process.cwd(), path);
      bar.update(i, { file: name, stage: "" });
      const req: IngestRequest = {
        tenantId,
        // The identity an HTTP upload gives with the same sourceId (the path relative to the folder given).
        source: sourceId,
        sourceType: "file",
        bytes: new Uint8Array(readFileSync(path)),
        filename: path.split("/").pop(),
        docType: values["doc-type"],
        tags: values.tags?.split(",").map((t) => t.trim()).filter(Boolean),
      };
      try {
        const res = await pipeline.ingest(req, { onProgress: (p) => bar.update(i, { file: name, stage: `${p.stage} ${p.total > 1 ? `${p.done}/${p.total}` : ""}` }) });
        chunks += res.chunks;
        lines.push(`  ${res.status.padEnd(9)} ${name} (${res.chunks} chunks${res.pages ? `, ${res.pages} pages` : ""})`);
      } catch (e) {
        failed++;
        lines.push(`  FAILED    ${name}: ${isAppError(e) ? `${e.code}: ${e.message}` : (e as Error).message}`);
      }
      bar.update(i + 1, { file: name, stage: "done" });
    }
    if (files.length) {
      bar.stop();
      console.log(lines.join("\n"));
      console.log(`${files.length - failed}/${files.length} files, ${chunks} chunks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } catch (e) {
    failed++;
    console.error(isAppError(e) ? `${e.code}: ${e.message}` : e);
  } finally {
    await graph?.close();
    await stores.close();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? `configuration error: ${e.message}` : isAppError(e) ? `${e.code}: ${e.message}` : e);
  process.exit(2);
});
