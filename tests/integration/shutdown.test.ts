/**
 * SIGTERM always stops the server: a real server process (bun run api/server.ts, PGlite in a temp dir) is sent
 * SIGTERM while it ingests a large upload; it aborts the ingestion and exits (the bound is the test's timeout, a
 * liveness check). The health endpoint answers during the ingestion, and after a restart on the same data the
 * aborted document is absent (no half-written version).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { largeDocument } from "../../bench/lib/large-corpus";
import { startServerProcess } from "../support/server-process";

const dir = mkdtempSync(join(tmpdir(), "cs-shutdown-"));
const startServer = () => startServerProcess(dir, { LOG_LEVEL: "info", SHUTDOWN_TIMEOUT_MS: "10000" }, { stderr: "pipe" });
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe("server shutdown", () => {
  test(
    "SIGTERM during a large ingest: the server exits and the document is not half-written",
    async () => {
      const { proc, base, auth } = await startServer();
      const headers = await auth();
      const form = new FormData();
      form.append("file", new File([largeDocument("text", 16 * 1024 * 1024, 4)], "big.txt", { type: "text/plain" }));
      const res = await fetch(`${base}/v1/documents`, { method: "POST", body: form, headers });
      expect(res.status).toBe(202);
      const job = (await res.json()) as { id: string };
      // Wait until the job runs, checking that health answers meanwhile.
      for (;;) {
        const h = await fetch(`${base}/v1/health`);
        expect(h.status).toBeLessThan(600);
        const j = (await (await fetch(`${base}/v1/ingest/jobs/${job.id}`, { headers })).json()) as { status: string };
        if (j.status === "running") break;
        expect(j.status).toBe("queued");
        await Bun.sleep(50);
      }
      await Bun.sleep(300);
      proc.kill("SIGTERM");
      const code = await proc.exited;
      expect(code).toBe(0);

      // Same data directory: the aborted upload left no document behind.
      const again = await startServer();
      const againHeaders = await again.auth();
      const list = (await (await fetch(`${again.base}/v1/documents`, { headers: againHeaders })).json()) as { total: number };
      expect(list.total).toBe(0);
      const failed = (await (await fetch(`${again.base}/v1/ingest/jobs/${job.id}`, { headers: againHeaders })).json()) as { status: string; error?: { code: string } };
      expect(failed.status).toBe("failed");
      expect(failed.error?.code).toBe("INGEST_ABORTED");
      again.proc.kill("SIGTERM");
      expect(await again.proc.exited).toBe(0);
    },
    60_000,
  );
});
