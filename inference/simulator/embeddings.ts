/**
 * Deterministic hashed embeddings for the simulator's /v1/embeddings: each token of the text is hashed
 * (FNV-1a) to a dimension and a sign, the counts are summed and the vector is L2-normalised. Texts that share
 * words get similar vectors, which is enough for load tests of an embedding pipeline.
 */
import { tokenize } from "../../core/text";

function fnv1a(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hashedEmbedding(text: string, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (const token of tokenize(text)) {
    const h = fnv1a(token, 0);
    const sign = fnv1a(token, 0x9e3779b9) & 1 ? 1 : -1;
    v[h % dim]! += sign;
  }
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < dim; i++) v[i] = v[i]! / norm;
  return v;
}

/** OpenAI's base64 encoding: the little-endian float32 bytes, base64. */
export function toBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}
