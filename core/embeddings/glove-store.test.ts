import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../errors";
import { convertGloveJson, encodeGlove, ensureGloveBinary, gloveBinaryPath, isGloveBinaryValid, loadGlove, GloveStore } from "./glove-store";

const root = mkdtempSync(join(tmpdir(), "glove-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const DIMS = 6;
const WORDS = ["the", ",", "refund", "money", "well-known", "café", "sku", "zebra"];

/** A tiny file in the package's format: vectors are [...dims, l2norm, index]. */
function writeSource(dir: string, words = WORDS): string {
  const vectors: Record<string, number[]> = {};
  words.forEach((w, i) => {
    const v = Array.from({ length: DIMS }, (_, d) => Math.sin(i * 7 + d * 1.3) * (1 + i / 4));
    vectors[w] = [...v, Math.hypot(...v), i];
  });
  const path = join(dir, "source.json");
  writeFileSync(path, JSON.stringify({ precision: 8, l2NormIndex: DIMS, wordIndex: DIMS + 1, size: words.length, dimensions: DIMS, words, vectors, unkVector: new Array(DIMS).fill(0) }));
  return path;
}

function expected(i: number): number[] {
  return Array.from({ length: DIMS }, (_, d) => Math.sin(i * 7 + d * 1.3) * (1 + i / 4));
}

const freshDir = (name: string) => join(root, name);

describe("glove binary conversion", () => {
  test("round-trips words, ranks and vectors (int8 within half a quantisation step)", async () => {
    const dir = freshDir("roundtrip");
    const src = writeSource(root);
    const lines: string[] = [];
    const path = await ensureGloveBinary(dir, { source: src, inProcess: true, log: (l) => lines.push(l) });
    expect(path).toBe(gloveBinaryPath(dir));
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("converting");
    const g = loadGlove(path);
    expect(g.size).toBe(WORDS.length);
    expect(g.dimension).toBe(DIMS);
    WORDS.forEach((w, i) => {
      expect(g.indexOf(w)).toBe(i);
      expect(g.rankOf(w)).toBe(i);
      expect(g.wordAt(i)).toBe(w);
      const want = expected(i);
      const step = Math.max(...want.map(Math.abs)) / 127;
      const got = g.vectorOf(w)!;
      want.forEach((x, d) => expect(Math.abs(got[d]! - x)).toBeLessThanOrEqual(step / 2 + 1e-6));
    });
    expect(g.indexOf("cafe")).toBe(-1);
    expect(g.indexOf("missing")).toBe(-1);
    expect(g.vectorOf("missing")).toBeUndefined();
    const acc = new Float64Array(DIMS);
    g.addTo(2, 2, acc);
    const v = g.vectorAt(2);
    v.forEach((x, d) => expect(acc[d]).toBeCloseTo(2 * x, 5));
  });

  test("a second call reuses the binary without converting", async () => {
    const dir = freshDir("roundtrip");
    const lines: string[] = [];
    await ensureGloveBinary(dir, { source: join(root, "source.json"), inProcess: true, log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
  });

  test("the child-process conversion gives the same bytes as the in-process one", async () => {
    const src = writeSource(root);
    const a = await ensureGloveBinary(freshDir("inproc"), { source: src, inProcess: true, log: () => {} });
    const b = await ensureGloveBinary(freshDir("child"), { source: src, log: () => {} });
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
  });

  test("a truncated binary is detected and rebuilt", async () => {
    const dir = freshDir("truncated");
    const src = writeSource(root);
    const path = await ensureGloveBinary(dir, { source: src, inProcess: true, log: () => {} });
    const size = readFileSync(path).length;
    truncateSync(path, size - 10);
    expect(isGloveBinaryValid(path)).toBe(false);
    expect(() => loadGlove(path)).toThrow(/truncated/);
    const lines: string[] = [];
    await ensureGloveBinary(dir, { source: src, inProcess: true, log: (l) => lines.push(l) });
    expect(lines.length).toBe(1);
    expect(readFileSync(path).length).toBe(size);
    expect(loadGlove(path).indexOf("zebra")).toBe(7);
  });

  test("a flipped byte fails the checksum and is rebuilt", async () => {
    const dir = freshDir("flipped");
    const src = writeSource(root);
    const path = await ensureGloveBinary(dir, { source: src, inProcess: true, log: () => {} });
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    writeFileSync(path, bytes);
    let err: unknown;
    try {
      loadGlove(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("GLOVE_BINARY_CORRUPT");
    expect((err as AppError).message).toContain("checksum");
    const lines: string[] = [];
    await ensureGloveBinary(dir, { source: src, inProcess: true, log: (l) => lines.push(l) });
    expect(lines.length).toBe(1);
    expect(isGloveBinaryValid(path)).toBe(true);
  });

  test("a changed source (other size) triggers a rebuild", async () => {
    const dir = freshDir("changed");
    const srcDir = join(root, "changed-src");
    rmSync(srcDir, { recursive: true, force: true });
    mkdirSync(srcDir);
    const src = writeSource(srcDir);
    await ensureGloveBinary(dir, { source: src, inProcess: true, log: () => {} });
    writeSource(srcDir, [...WORDS, "extra"]);
    const lines: string[] = [];
    const path = await ensureGloveBinary(dir, { source: src, inProcess: true, log: (l) => lines.push(l) });
    expect(lines.length).toBe(1);
    expect(loadGlove(path).indexOf("extra")).toBe(WORDS.length);
  });

  test("two processes starting at once both get an intact binary, nothing left behind", async () => {
    const dir = freshDir("race");
    const src = writeSource(root);
    const script = join(root, "race.ts");
    writeFileSync(
      script,
      `import { ensureGloveBinary, loadGlove } from ${JSON.stringify(join(import.meta.dir, "glove-store.ts"))};\n` +
        `const p = await ensureGloveBinary(process.argv[2], { source: process.argv[3] });\n` +
        `console.log(p, loadGlove(p).size);\n`,
    );
    const run = () => Bun.spawn([process.execPath, script, dir, src], { stdout: "pipe", stderr: "pipe" });
    const procs = [run(), run()];
    const outs = await Promise.all(procs.map(async (p) => ({ code: await p.exited, out: await new Response(p.stdout).text(), err: await new Response(p.stderr).text() })));
    for (const o of outs) {
      expect(o.code).toBe(0);
      expect(o.out.trim()).toBe(`${gloveBinaryPath(dir)} ${WORDS.length}`);
    }
    // At most one of them converted (the other waited on the lock), and no temp or lock file remains.
    expect(outs.filter((o) => o.err.includes("converting")).length).toBeLessThanOrEqual(1);
    expect(readdirSync(dir)).toEqual([gloveBinaryPath(dir).split("/").pop()!]);
  });

  test("while another process holds the lock, it waits for that binary instead of converting", async () => {
    const dir = freshDir("locked");
    mkdirSync(dir, { recursive: true });
    const src = writeSource(root);
    const out = gloveBinaryPath(dir);
    writeFileSync(`${out}.lock`, "12345");
    setTimeout(() => {
      convertGloveJson(src, out); // "the other process" finishes
      rmSync(`${out}.lock`);
    }, 300);
    const lines: string[] = [];
    const path = await ensureGloveBinary(dir, { source: src, inProcess: true, log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
    expect(loadGlove(path).size).toBe(WORDS.length);
  });

  test("a lock that is never released ends in a 503 after the wait limit", async () => {
    const dir = freshDir("stuck");
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${gloveBinaryPath(dir)}.lock`, "12345");
    const err = await ensureGloveBinary(dir, { source: writeSource(root), inProcess: true, lockWaitMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("GLOVE_CONVERSION_TIMEOUT");
    expect(err.status).toBe(503);
  });

  test("a source that is not in the package format is a 422", () => {
    const bad = join(root, "bad.json");
    writeFileSync(bad, JSON.stringify({ dimensions: 3, words: ["a"], vectors: { a: [1, 2] } }));
    expect(() => convertGloveJson(bad, join(root, "bad.glvb"))).toThrow(expect.objectContaining({ code: "GLOVE_SOURCE_INVALID", status: 422 }));
    writeFileSync(bad, "{not json");
    expect(() => convertGloveJson(bad, join(root, "bad.glvb"))).toThrow(expect.objectContaining({ code: "GLOVE_SOURCE_INVALID", status: 422 }));
    writeFileSync(bad, JSON.stringify({ words: [] }));
    expect(() => convertGloveJson(bad, join(root, "bad.glvb"))).toThrow(expect.objectContaining({ status: 422 }));
  });

  test("no binary and no source is a clear 503", async () => {
    const err = await ensureGloveBinary(freshDir("nosource"), { source: join(root, "absent.json") }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(503);
    expect(err.code).toBe("GLOVE_SOURCE_MISSING");
  });

  test("an in-memory image works without a file, and garbage is rejected", () => {
    const g = new GloveStore(encodeGlove(["a", "b"], (_, i) => [i, 1], 2));
    expect(g.indexOf("b")).toBe(1);
    expect(Array.from(g.vectorAt(1))).toEqual([1, 1]);
    expect(() => new GloveStore(new Uint8Array(100))).toThrow(/bad magic/);
    expect(existsSync(join(root, "bad.glvb"))).toBe(false);
  });
});
