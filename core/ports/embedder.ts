/** Turns texts into fixed-size vectors. `id` names the model and its fitted state; indexes refuse to mix ids. */
export interface Embedder {
  readonly id: string;
  readonly dimension: number;
  /** Vectors are L2-normalised, one per input, in input order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}
