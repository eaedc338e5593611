/**
 * Keeps replicas' in-memory indexes in step with each other's ingests. Each replica holds its own keyword index,
 * vector mirror and chunk cache (rebuilt at start); when one replica commits a new version of a document or
 * deletes it, it publishes { origin, tenantId, documentId } on the Cache port's pub/sub (Redis between replicas),
 * and every other replica re-reads that document from the shared stores: its active chunks from the database
 * into the keyword index, its vectors from LanceDB into the mirror, and forgets the chunk cache's view of it. A
 * message also carries the sender's embedder id: a replica that still has the unfitted local embedder while
 * the sender fitted it on the first corpus loads the fitted state first.
 * Changes to one document are applied in order; a failure is logged and leaves the previous state (the next
 * change, or a restart, repairs it).
 */
import { randomUUID } from "node:crypto";
import { Counter, type Registry } from "prom-client";
import type { DocumentRepository } from "../db/document-repository";
import type { Cache } from "../ports/cache";
import type { KeywordIndex } from "../ports/keyword-index";
import type { SharedVectorIndex } from "../ports/vector-index";
import type { ChunkCache } from "./chunk-cache";
import { keywordDocOf } from "./open-stores";

export interface DocumentChange {
  tenantId: string;
  documentId: string;
}

export interface IndexSyncDeps {
  cache: Pick<Cache, "publish" | "subscribe">;
  documents: Pick<DocumentRepository, "activeChunksOfDocument">;
  /** The chunk cache forgets what it believed about the document's active version. */
  chunks: Pick<ChunkCache, "forget">;
  keywords: Pick<KeywordIndex, "add" | "remove">;
  vectors: () => Pick<SharedVectorIndex, "refreshDocument">;
  /** This replica's embedder id, sent with each change: a replica whose id differs loads the fitted state. */
  embedderId?: () => string;
  /** Loads the embedder state another replica fitted (EmbedderHandle.sync). */
  syncEmbedder?: () => Promise<boolean>;
  log?: (line: string) => void;
  /** Registry for index_sync_changes_total{result="applied"|"failed"} (the API's /metrics). */
  metrics?: Registry;
  /** Pub/sub channel (default "kb:changed"; the Redis adapter adds its key prefix). */
  channel?: string;
}

export class IndexSync {
  /** This replica's id: its own messages come back from Redis and are skipped. */
  readonly origin = randomUUID();
  private readonly channel: string;
  private readonly queues = new Map<string, Promise<void>>();
  private unsubscribe?: () => Promise<void>;
  /** Changes from other replicas applied so far (tests, health). */
  applied = 0;

  private readonly changes?: Counter<"result">;

  private constructor(private readonly deps: IndexSyncDeps) {
    this.channel = deps.channel ?? "kb:changed";
    if (deps.metrics) {
      this.changes = new Counter({
        name: "index_sync_changes_total",
        help: "Document changes from other replicas applied to this replica's in-memory indexes, by result.",
        labelNames: ["result"],
        registers: [deps.metrics],
      });
    }
  }

  static async start(deps: IndexSyncDeps): Promise<IndexSync> {
    const sync = new IndexSync(deps);
    sync.unsubscribe = await deps.cache.subscribe(sync.channel, (raw) => sync.receive(raw));
    return sync;
  }

  /** Tells the other replicas that this one changed a document (fire and forget; failures are logged). */
  publish(change: DocumentChange): void {
    const message = JSON.stringify({ origin: this.origin, tenantId: change.tenantId, documentId: change.documentId, embedderId: this.deps.embedderId?.() });
    this.deps.cache.publish(this.channel, message).catch((e) => this.deps.log?.(`index sync: publish failed: ${(e as Error).message}`));
  }

  /** Resolves once every change received so far has been applied. */
  async settled(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.().catch(() => {});
    await this.settled();
  }

  private receive(raw: string): void {
    let m: { origin?: unknown; tenantId?: unknown; documentId?: unknown; embedderId?: unknown };
    try {
      m = JSON.parse(raw) as typeof m;
    } catch {
      return this.deps.log?.("index sync: ignored a malformed message");
    }
    if (m.origin === this.origin || typeof m.tenantId !== "string" || typeof m.documentId !== "string") return;
    const change = { tenantId: m.tenantId, documentId: m.documentId, embedderId: typeof m.embedderId === "string" ? m.embedderId : undefined };
    const key = `${change.tenantId}\u0000${change.documentId}`;
    const next = (this.queues.get(key) ?? Promise.resolve())
      .then(() => this.apply(change))
      .then(() => this.changes?.inc({ result: "applied" }))
      .catch((e) => {
        this.changes?.inc({ result: "failed" });
        this.deps.log?.(`index sync: ${change.documentId} not refreshed: ${(e as Error).message}`);
      })
      .finally(() => {
        if (this.queues.get(key) === next) this.queues.delete(key);
      });
    this.queues.set(key, next);
  }

  private async apply({ tenantId, documentId, embedderId }: DocumentChange & { embedderId?: string }): Promise<void> {
    // The sender fitted the local embedder on its first corpus: use the same fitted state (and vectors).
    if (embedderId && this.deps.embedderId && embedderId !== this.deps.embedderId() && (await this.deps.syncEmbedder?.())) {
      this.deps.log?.(`index sync: loaded the embedder another replica fitted (${this.deps.embedderId()})`);
    }
    this.deps.chunks.forget(tenantId, documentId);
    const chunks = await this.deps.documents.activeChunksOfDocument(tenantId, documentId);
    await this.deps.vectors().refreshDocument(tenantId, documentId);
    await this.deps.keywords.remove({ tenantId, documentId });
    if (chunks.length) await this.deps.keywords.add(chunks.map(keywordDocOf));
    this.applied++;
  }
}
