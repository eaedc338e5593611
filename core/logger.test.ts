import { expect, test } from "bun:test";
import { createLogger } from "./logger";

test("lines below the level are dropped; warn and error go to stderr", () => {
  const out: string[] = [];
  const err: string[] = [];
  const log = createLogger("warn", { out: (l) => out.push(l), err: (l) => err.push(l) });
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  expect(out).toEqual([]);
  expect(err).toEqual(["w", "e"]);
  const verbose = createLogger("debug", { out: (l) => out.push(l), err: (l) => err.push(l) });
  verbose.debug("d2");
  verbose.info("i2");
  expect(out).toEqual(["d2", "i2"]);
});
