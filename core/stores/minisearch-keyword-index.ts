/**
 * KeywordIndex on MiniSearch (BM25+), one in-memory index per tenant in each replica. It is rebuilt from the
 * chunk table at start and updated on ingest and delete (see ingest/pipeline.ts).
 */
import MiniSearch from "minisearch";
import type { DocumentSelector, IndexFilter, IndexHit } from "../ports/filters";
import type { KeywordDoc, KeywordIndex } from "../ports/keyword-index";
import { STOP_WORDS, tokenize } from "../text/tokenize";
import { stem } from "../text/stem";
import { matchesFilter } from "./filter-sql";

interface Stored {
  documentId: string;
  version: number;
  tenantId: string;
  docType: string;
  source: string;
  tags: string[];
}

const processTerm = (term: string): string | null => (STOP_WORDS.has(term) ? null : stem(term));

function newIndex(): MiniSearch<KeywordDoc> {
  return new MiniSearch<KeywordDoc>({
    idField: "id",
    fields: ["title", "section", "text"],
    storeFields: ["documentId", "version", "tenantId", "docType", "source", "tags"],
    tokenize: (text) => tokenize(text),
    processTerm,
    searchOptions: {
      boost: { title: 2, section: 1.5, text: 1 },
      // Stemming does the work of prefix matching at a fraction of the cost; fuzzy matching would blur codes.
      prefix: false,
      combineWith: "OR",
      tokenize: (text) => tokenize(text),
      processTerm,
    },
  });
}

export class MiniSearchKeywordIndex implements KeywordIndex {
  private readonly byTenant = new Map<string, MiniSearch<KeywordDoc>>();
  /** tenant -> document -> version -> chunk ids, so whole documents or versions can be removed. */
  private readonly ids = new Map<string, Map<string, Map<number, string[]>>>();

  async add(docs: KeywordDoc[]): Promise<void> {
    for (const d of docs) {
      const index = this.indexFor(d.tenantId);
      if (index.has(d.id)) index.discard(d.id);
      index.add(d);
      const perDoc = this.idsFor(d.tenantId, d.documentId);
      const list = perDoc.get(d.version) ?? [];
      list.push(d.id);
      perDoc.set(d.version, list);
    }
  }

  async search(query: string, k: number, filter: IndexFilter): Promise<IndexHit[]> {
    const index = this.byTenant.get(filter.tenantId);
    if (!index) return [];
    const hits = index.search(query, {
      filter: (r) => matchesFilter(r as unknown as Stored & { id: string }, filter),
    });
    return hits.slice(0, k).map((h) => ({
      id: String(h.id),
      documentId: (h as unknown as Stored).documentId,
      version: (h as unknown as Stored).version,
      score: h.score,
    }));
  }

  async remove(sel: DocumentSelector): Promise<void> {
    const index = this.byTenant.get(sel.tenantId);
    const perDoc = this.ids.get(sel.tenantId)?.get(sel.documentId);
    if (!index || !perDoc) return;
    for (const [version, chunkIds] of [...perDoc]) {
      if (sel.versions && !sel.versions.includes(version)) continue;
      if (sel.exceptVersion !== undefined && version === sel.exceptVersion) continue;
      for (const id of chunkIds) if (index.has(id)) index.discard(id);
      perDoc.delete(version);
    }
    if (!perDoc.size) this.ids.get(sel.tenantId)?.delete(sel.documentId);
    // MiniSearch vacuums discarded entries in the background by itself once enough have accumulated.
  }

  async count(tenantId?: string): Promise<number> {
    if (tenantId !== undefined) return this.byTenant.get(tenantId)?.documentCount ?? 0;
    let n = 0;
    for (const idx of this.byTenant.values()) n += idx.documentCount;
    return n;
  }

  /** Drops everything (before a rebuild from the chunk table). */
  clear(): void {
    this.byTenant.clear();
    this.ids.clear();
  }

  private indexFor(tenantId: string): MiniSearch<KeywordDoc> {
    let idx = this.byTenant.get(tenantId);
    if (!idx) {
      idx = newIndex();
      this.byTenant.set(tenantId, idx);
    }
    return idx;
  }

  private idsFor(tenantId: string, documentId: string): Map<number, string[]> {
    let t = this.ids.get(tenantId);
    if (!t) this.ids.set(tenantId, (t = new Map()));
    let d = t.get(documentId);
    if (!d) t.set(documentId, (d = new Map()));
    return d;
  }
}
