/** Turns texts into fixed-size vectors. `id` names the model and its fitted state; indexes refuse to mix ids. */
export interface Embedder {
  readonly id: string;
  readonly dimension: number;
  /** Vectors are L2-normalised, one per input, in input order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/**
 * The embedder as the composition root hands it out. The embedder in use can change while the process runs (the
 * local embedder is fitted on the first corpus; another replica's fit is loaded), so holders ask for the current
 * one instead of keeping it; fit and sync also rebind the vector index to the new embedder.
 */
export interface EmbedderHandle {
  current(): Embedder;
  /** Fits an unfitted local embedder on a first corpus (and rebinds the vector index); true when it changed. */
  fit(texts: string[]): Promise<boolean>;
  /** Loads the state another replica fitted (and reopens the vector index with it); true when it changed. */
  sync(): Promise<boolean>;
  /** Similarity of two words in the local embedder's word vectors; undefined for a remote embedder. */
  wordSimilarity(): ((a: string, b: string) => number) | undefined;
}
