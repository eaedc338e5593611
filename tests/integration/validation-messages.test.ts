/**
 * Validation errors read "<field path>: <what is expected>", from Elysia's typed ValidationError (never its
 * message text), the same in development and with NODE_ENV=production (Elysia reads NODE_ENV at import, so
 * each mode runs tests/support/validation-messages.ts in its own process).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const EXPECTED = [
  { field: "k", message: "k: must be an integer from 1 to 100" },
  { field: "k", message: "k: must be an integer from 1 to 100" },
  { field: "filters.tags", message: "filters.tags: must be an array of strings of at most 50 items" },
  { field: "query", message: "query: is required (a string)" },
  { field: "fusion", message: "fusion: must be one of 'rrf', 'weighted'" },
  { field: "messages.0.role", message: "messages.0.role: must be one of 'system', 'developer', 'user', 'assistant', 'tool'" },
  { field: "limit", message: "limit: must be an integer from 1 to 200" },
  { field: "offset", message: "offset: must be an integer >= 0" },
  { field: "rating", message: "rating: must be one of 'up', 'down'" },
  { field: "expectedVersion", message: "expectedVersion: must be an integer >= 0" },
];

async function run(nodeEnv: string) {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "../support/validation-messages.ts")], {
    env: { ...process.env, NODE_ENV: nodeEnv },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`validation-messages.ts exited ${code}: ${err.slice(-2000)}`);
  const line = out.trim().split("\n").pop()!;
  return JSON.parse(line) as { production: boolean; results: { status: number; code: string; message: string; details?: { field: string } }[] };
}

describe("validation messages name the field and what it expects", () => {
  for (const mode of ["development", "production"]) {
    test(`with NODE_ENV=${mode}`, async () => {
      const r = await run(mode);
      expect(r.production).toBe(mode === "production");
      expect(r.results.map((x) => x.status)).toEqual(EXPECTED.map(() => 422));
      expect(r.results.map((x) => x.code)).toEqual(EXPECTED.map(() => "VALIDATION_FAILED"));
      expect(r.results.map((x) => ({ field: x.details?.field, message: x.message }))).toEqual(EXPECTED);
    }, 120_000);
  }
});
