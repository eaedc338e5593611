/** What a loader produces from one file or text: ordered sections with their page and heading path. */
export interface LoadedSection {
  text: string;
  /** 1-based page (PDF); undefined for unpaged sources. */
  page?: number;
  /** Headings from the top of the document down to this section, e.g. ["Returns", "Laptops"]. */
  headingPath: string[];
}

/** A structured row (CSV) kept for tool lookups such as order status. */
export interface LoadedRecord {
  /** Collection name, e.g. "orders" for orders.csv. */
  collection: string;
  /** The row's natural key (an id-like column) when there is one. */
  key?: string;
  data: Record<string, string>;
}

export interface LoadedDocument {
  title: string;
  mimeType: string;
  /** Loader kind: pdf | markdown | html | text | json | csv. */
  format: string;
  pageCount?: number;
  sections: LoadedSection[];
  records?: LoadedRecord[];
  metadata?: Record<string, unknown>;
}

export interface LoaderInput {
  bytes: Uint8Array;
  filename?: string;
  mimeType?: string;
}

export interface LoaderOptions {
  signal?: AbortSignal;
  /** Reject documents whose extracted text exceeds this. */
  maxChars: number;
  /** Time limit for parsing one file (PDF parsing runs in a worker that is terminated past it). */
  timeoutMs: number;
}

/** A chunk as the chunker produces it (ids and versions are added by the pipeline). */
export interface ChunkDraft {
  ordinal: number;
  text: string;
  page: number | null;
  pageEnd: number | null;
  sectionPath: string[];
  /** Offsets in the document's full text (sections joined by "\n\n"). */
  charStart: number;
  charEnd: number;
}
