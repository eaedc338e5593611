/**
 * The real ingestion worker: it returns exactly the drafts the in-process load + chunk gives (for every text
 * format and a PDF), keeps the coded errors (413, 422), and stops on abort and on its time limit.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { largeDocument } from "../bench/lib/large-corpus";
import { prepareDocument } from "./prepare-document";
import { prepareOffThread } from "./prepare-off-thread";

const FIXTURES = join(import.meta.dir, "../tests/fixtures/ingest");
const opts = { maxChars: 5_000_000, timeoutMs: 60_000, chunking: { size: 1000, overlap: 150 } };
const enc = (s: string) => new TextEncoder().encode(s);

describe("load + chunk in the ingestion worker", () => {
  const inputs: [string, () => Promise<Uint8Array> | Uint8Array][] = [
    ["big.md", () => enc(largeDocument("markdown", 400_000))],
    ["big.html", () => enc(largeDocument("html", 400_000))],
    ["orders.csv", () => enc(largeDocument("csv", 200_000))],
    ["notes.txt", () => enc(largeDocument("text", 400_000))],
    ["pages.json", () => enc(JSON.stringify([{ title: "Returns", text: "Returns within 30 days." }, { title: "Shipping", text: "We ship to Canada." }]))],
  ];
  for (const [filename, bytes] of inputs) {
    test(`${filename}: same document and drafts as in-process`, async () => {
      const input = { bytes: await bytes(), filename };
      const off = await prepareOffThread(input, opts);
      const local = await prepareDocument(input, opts);
      expect(off.drafts.length).toBeGreaterThan(0);
      expect(off.drafts).toEqual(local.drafts);
      expect(off.content).toBe(local.content);
      expect(off.loaded).toEqual(local.loaded);
      for (const d of off.drafts.slice(0, 50)) expect(off.content.slice(d.charStart, d.charEnd)).toBe(d.text);
    });
  }

  test("a PDF parses (through the PDF worker it starts) to the same drafts", async () => {
    const input = { bytes: new Uint8Array(await Bun.file(join(FIXTURES, "manual.pdf")).arrayBuffer()), filename: "manual.pdf" };
    const off = await prepareOffThread(input, opts);
    const local = await prepareDocument(input, opts);
    expect(off.loaded.format).toBe("pdf");
    expect(off.drafts.length).toBeGreaterThan(0);
    expect(off.drafts).toEqual(local.drafts);
    const corrupt = { bytes: new Uint8Array(await Bun.file(join(FIXTURES, "corrupt.pdf")).arrayBuffer()), filename: "corrupt.pdf" };
    const err = await prepareOffThread(corrupt, opts).catch((e) => e);
    expect(err.status).toBe(422);
    expect(err.code).toBe((await prepareDocument(corrupt, opts).catch((e) => e)).code);
  });

  test("coded errors keep their code and status", async () => {
    const tooBig = await prepareOffThread({ bytes: enc(largeDocument("markdown", 200_000)), filename: "a.md" }, { ...opts, maxChars: 10_000 }).catch((e) => e);
    expect([tooBig.code, tooBig.status]).toEqual(["DOCUMENT_TOO_LARGE", 413]);
    const csv = await prepareOffThread({ bytes: enc('id,name\n1,"open'), filename: "x.csv" }, opts).catch((e) => e);
    expect([csv.code, csv.status]).toEqual(["CSV_MALFORMED", 422]);
    const chunks = await prepareOffThread({ bytes: enc(largeDocument("markdown", 200_000)), filename: "a.md" }, { ...opts, maxChunks: 10 }).catch((e) => e);
    expect([chunks.code, chunks.status]).toEqual(["TOO_MANY_CHUNKS", 413]);
  });

  test("abort stops the worker and rejects with the reason; the next document still works", async () => {
    const ctl = new AbortController();
    const run = prepareOffThread({ bytes: enc(largeDocument("text", 4_000_000)), filename: "big.txt" }, { ...opts, signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error("cancelled by test")), 20);
    await expect(run).rejects.toThrow("cancelled by test");
    const next = await prepareOffThread({ bytes: enc("# Hi\n\nReturns within 30 days."), filename: "a.md" }, opts);
    expect(next.drafts[0]!.text).toBe("Returns within 30 days.");
  });

  test("past its time limit the worker is stopped with 422 INGEST_TIMEOUT", async () => {
    const err = await prepareOffThread({ bytes: enc(largeDocument("text", 4_000_000)), filename: "big.txt" }, { ...opts, timeoutMs: 0, graceMs: 0 }).catch((e) => e);
    expect([err.code, err.status]).toEqual(["INGEST_TIMEOUT", 422]);
  });
});
