import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase } from "./client";

test("the embedded database allows one process: a second opener gets DATA_DIR_IN_USE, a stale lock is taken over", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cs-lock-"));
  try {
    const first = await createDatabase({ dataDir: dir });
    // Another live process holds it (our parent stands in for "the API server").
    await first.close();
    writeFileSync(join(dir, ".lock"), String(process.ppid));
    await expect(createDatabase({ dataDir: dir })).rejects.toMatchObject({ code: "DATA_DIR_IN_USE", status: 503 });
    // A lock left by a process that is gone is stale.
    writeFileSync(join(dir, ".lock"), "999999999");
    const again = await createDatabase({ dataDir: dir });
    await again.ping();
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
