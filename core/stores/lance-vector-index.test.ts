import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "lance-quiet-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("LanceVectorIndex start-up", () => {
  // The native module logs from Rust straight to the process's stderr, so the check runs in a child process.
  test("a fresh start, a restart and a reset print no lance 'No existing dataset' warnings", async () => {
    const script = join(dir, "open.ts");
    writeFileSync(
      script,
      `import { LanceVectorIndex } from ${JSON.stringify(join(import.meta.dir, "lance-vector-index.ts"))};
const uri = ${JSON.stringify(join(dir, "lance"))};
const opts = { uri, embedderId: "test-embedder", dimension: 4, annMinRows: 0 };
const fresh = await LanceVectorIndex.open(opts);
const again = await LanceVectorIndex.open(opts);
const reset = await LanceVectorIndex.open({ ...opts, reset: true });
console.log(JSON.stringify([fresh.mismatch?.code ?? null, again.mismatch?.code ?? null, reset.mismatch?.code ?? null]));
`,
    );
    const proc = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "pipe", env: { ...process.env } });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(0);
    expect(out.trim()).toBe("[null,null,null]");
    expect(err).not.toContain("No existing dataset");
    expect(err).not.toMatch(/WARN\s+lance/);
  }, 60_000);
});
