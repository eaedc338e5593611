import { describe, expect, test } from "bun:test";
import { readSse } from "./sse-reader";

const streamOf = (parts: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(p);
      c.close();
    },
  });

async function parse(text: string, cut: number[]): Promise<unknown[]> {
  const bytes = new TextEncoder().encode(text);
  const parts: Uint8Array[] = [];
  let last = 0;
  for (const c of [...cut, bytes.length]) {
    parts.push(bytes.subarray(last, c));
    last = c;
  }
  const out: unknown[] = [];
  for await (const m of readSse(streamOf(parts))) out.push(m);
  return out;
}

describe("readSse", () => {
  const text = ': ping\r\n\r\nid: 1\r\nevent: delta\r\ndata: {"text":"Grüße"}\r\n\r\ndata: line one\ndata:line two\n\nid: 2\ndata: [DONE]\n\nevent: end\n\ndata: no blank line at the end';
  const expected = [
    { comment: "ping" },
    { id: "1", event: "delta", data: '{"text":"Grüße"}' },
    { id: "1", event: "message", data: "line one\nline two" },
    { id: "2", event: "message", data: "[DONE]" },
    { id: "2", event: "end", data: "" },
  ];

  test("fields, comments, CRLF and LF, multi-line data; an unterminated last event is not dispatched", async () => {
    expect(await parse(text, [])).toEqual(expected);
  });

  test("the same events whatever the chunk boundaries (inside a CRLF, inside a UTF-8 character)", async () => {
    const n = new TextEncoder().encode(text).length;
    for (let cut = 1; cut < n; cut++) expect(await parse(text, [cut])).toEqual(expected);
    expect(await parse(text, Array.from({ length: n - 1 }, (_, i) => i + 1))).toEqual(expected); // byte by byte
  });
});
