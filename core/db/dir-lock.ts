/**
 * An exclusive lock on a data directory (PGlite allows one process: a second one would silently overwrite the
 * first one's writes when it closes). The lock file holds the owner's pid; a lock whose process is gone is stale
 * and taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { errors } from "../errors";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Takes the lock or throws a 503 AppError naming the process that holds it. Returns the release function. */
export function lockDirectory(dir: string, what: string): () => void {
  const path = join(dir, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(path, "utf8").trim() === String(process.pid)) rmSync(path, { force: true });
        } catch {
          /* already gone */
        }
      };
      process.once("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw errors.unavailable(
          "DATA_DIR_IN_USE",
          `${what} in ${dir} is in use by process ${owner} (the API server?); the embedded database allows one process: ` +
            "stop it first, upload over HTTP instead, or use PostgreSQL (DATABASE_URL)",
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw errors.unavailable("DATA_DIR_IN_USE", `could not lock ${dir}`);
}
