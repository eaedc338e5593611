/**
 * Load + chunk of one document, the CPU-heavy half of ingestion, as one function with a serialisable result, so
 * it runs the same in-process (tests, CLI fallback) and in the ingestion worker (ingest-worker.ts). The result
 * carries the document without its sections, the full text the chunk offsets refer to, and the chunk drafts
 * packed into typed arrays (text = content.slice(start, end)), so posting it back costs one string and a few
 * buffers instead of one object per chunk.
 */
import { AppError, isAppError, type ErrorCategory } from "../core/errors";
import { chunkDocument, fullTextOf, type ChunkOptions } from "./chunker";
import { loadDocument } from "./loaders";
import type { ChunkDraft, LoadedDocument, LoaderInput, LoaderOptions } from "./types";

export type LoadedMeta = Omit<LoadedDocument, "sections"> & { sectionCount: number };

export interface PackedDrafts {
  starts: Int32Array;
  ends: Int32Array;
  /** -1 for null. */
  pages: Int32Array;
  pageEnds: Int32Array;
  /** Index into `paths`. */
  pathIndex: Int32Array;
  paths: string[][];
}

export interface PreparedDocument {
  loaded: LoadedMeta;
  /** The document's full text (sections joined by "\n\n"); every draft is a slice of it. */
  content: string;
  drafts: ChunkDraft[];
}

export interface PackedPrepared {
  loaded: LoadedMeta;
  content: string;
  packed: PackedDrafts;
}

export interface SerializedError {
  code: string;
  message: string;
  category: ErrorCategory;
  status: number;
  details?: Record<string, unknown>;
}

export interface PrepareOptions extends Omit<LoaderOptions, "signal"> {
  chunking: ChunkOptions;
  /** Refuse documents that produce more chunks than this (422 TOO_MANY_CHUNKS). */
  maxChunks?: number;
}

export async function prepareDocument(input: LoaderInput, opts: PrepareOptions & { signal?: AbortSignal }): Promise<PreparedDocument> {
  const doc = await loadDocument(input, opts);
  const drafts = chunkDocument(doc, opts.chunking);
  if (opts.maxChunks !== undefined && drafts.length > opts.maxChunks) {
    throw new AppError({
      code: "TOO_MANY_CHUNKS",
      message: `the document makes ${drafts.length} chunks, more than the limit of ${opts.maxChunks}; split it into smaller files`,
      category: "too_large",
    });
  }
  const { sections, ...rest } = doc;
  return { loaded: { ...rest, sectionCount: sections.length }, content: fullTextOf(doc), drafts };
}

export function packDrafts(drafts: ChunkDraft[]): PackedDrafts {
  const n = drafts.length;
  const p: PackedDrafts = { starts: new Int32Array(n), ends: new Int32Array(n), pages: new Int32Array(n), pageEnds: new Int32Array(n), pathIndex: new Int32Array(n), paths: [] };
  const seen = new Map<string, number>();
  drafts.forEach((d, i) => {
    p.starts[i] = d.charStart;
    p.ends[i] = d.charEnd;
    p.pages[i] = d.page ?? -1;
    p.pageEnds[i] = d.pageEnd ?? -1;
    const key = JSON.stringify(d.sectionPath);
    let k = seen.get(key);
    if (k === undefined) {
      seen.set(key, (k = p.paths.length));
      p.paths.push(d.sectionPath);
    }
    p.pathIndex[i] = k;
  });
  return p;
}

export function unpackDrafts(content: string, p: PackedDrafts): ChunkDraft[] {
  const out: ChunkDraft[] = new Array(p.starts.length);
  for (let i = 0; i < p.starts.length; i++) {
    const page = p.pages[i]!;
    const pageEnd = p.pageEnds[i]!;
    out[i] = {
      ordinal: i,
      text: content.slice(p.starts[i]!, p.ends[i]!),
      page: page < 0 ? null : page,
      pageEnd: pageEnd < 0 ? null : pageEnd,
      sectionPath: p.paths[p.pathIndex[i]!]!,
      charStart: p.starts[i]!,
      charEnd: p.ends[i]!,
    };
  }
  return out;
}

export function serializeError(e: unknown): SerializedError {
  if (isAppError(e)) return { code: e.code, message: e.message, category: e.category, status: e.status, details: e.details };
  return { code: "INGEST_FAILED", message: `ingestion failed: ${(e as Error)?.message ?? String(e)}`, category: "internal", status: 500 };
}

export function deserializeError(e: SerializedError): AppError {
  return new AppError({ code: e.code, message: e.message, category: e.category, status: e.status, details: e.details });
}
