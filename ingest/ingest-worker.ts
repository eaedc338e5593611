/**
 * Bun Worker that loads and chunks one document at a time (prepare-document.ts), so no file of any type parses
 * on the API's thread; the caller (prepare-off-thread.ts) terminates it on timeout or abort. PDFs are parsed in
 * the PDF worker this worker starts (loaders/pdf.ts), under the same time limit.
 */
import type { LoaderInput } from "./types";
import { packDrafts, prepareDocument, serializeError, type PackedPrepared, type PrepareOptions, type SerializedError } from "./prepare-document";

export interface IngestWorkerRequest {
  id: number;
  input: LoaderInput;
  opts: PrepareOptions;
}

export type IngestWorkerReply = { id: number; ok: true; result: PackedPrepared } | { id: number; ok: false; error: SerializedError };

declare const self: Worker;
if (!Bun.isMainThread) {
  self.onmessage = async (event: MessageEvent<IngestWorkerRequest>) => {
    const { id, input, opts } = event.data;
    let reply: IngestWorkerReply;
    try {
      const { loaded, content, drafts } = await prepareDocument(input, opts);
      reply = { id, ok: true, result: { loaded, content, packed: packDrafts(drafts) } };
    } catch (e) {
      reply = { id, ok: false, error: serializeError(e) };
    }
    if (reply.ok) {
      const p = reply.result.packed;
      postMessage(reply, [p.starts.buffer, p.ends.buffer, p.pages.buffer, p.pageEnds.buffer, p.pathIndex.buffer] as never);
    } else postMessage(reply);
  };
}
