/**
 * Which files the ingest CLI takes from its arguments. Inside a folder it skips, and reports with a reason:
 *   - dotfiles and dot-folders, node_modules;
 *   - README files (README, README.md, readme.txt, ...): they describe the folder, they are not knowledge;
 *   - files matched by a `.ingestignore` in that folder or a folder above it (gitignore-like lines: `#` comments,
 *     `*`, `**`, `?`, `[abc]`, a leading `/` anchors to the file's folder, a trailing `/` matches folders only,
 *     a pattern without `/` matches a name at any depth, `!` re-includes; the last matching line wins);
 *   - files matched by an --exclude pattern (same syntax, relative to the folder given on the command line);
 *   - unsupported types.
 * A file named explicitly on the command line is taken unless an --exclude pattern matches it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";

export const SUPPORTED_EXTENSIONS = new Set([".pdf", ".md", ".markdown", ".html", ".htm", ".txt", ".text", ".json", ".csv", ".tsv"]);
export const IGNORE_FILE = ".ingestignore";

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface FileSelection {
  files: string[];
  skipped: SkippedFile[];
}

export interface SelectOptions {
  /** Extra gitignore-like patterns (the CLI's --exclude). */
  exclude?: string[];
}

interface Rule {
  glob: InstanceType<typeof Bun.Glob>;
  negate: boolean;
  dirOnly: boolean;
  /** Folder the pattern is relative to (absolute). */
  base: string;
  source: string;
}

const toPosix = (p: string) => p.split(sep).join("/");

/** Parses gitignore-like lines into rules relative to base. */
export function parseIgnore(text: string, base: string, source: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, "");
    if (!line || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    if (negate) line = line.slice(1);
    line = line.replace(/^\\([#!])/, "$1");
    const dirOnly = line.endsWith("/");
    if (dirOnly) line = line.replace(/\/+$/, "");
    if (!line) continue;
    // No slash left (but a trailing one): the name matches at any depth; otherwise anchored to base.
    const anchored = line.includes("/");
    const pattern = anchored ? line.replace(/^\//, "") : `**/${line}`;
    rules.push({ glob: new Bun.Glob(pattern), negate, dirOnly, base, source: `${source}: ${raw.trim()}` });
  }
  return rules;
}

/** The rule that decides for a path (the last matching one), or undefined. */
function decide(rules: Rule[], path: string, isDir: boolean): Rule | undefined {
  let hit: Rule | undefined;
  for (const r of rules) {
    if (r.dirOnly && !isDir) continue;
    const rel = toPosix(relative(r.base, path));
    if (!rel || rel.startsWith("..")) continue;
    if (r.glob.match(rel)) hit = r;
  }
  return hit;
}

const isReadme = (name: string) => /^readme(\.[^.]+)?$/i.test(name);

function readIgnoreFile(dir: string): Rule[] {
  try {
    return parseIgnore(readFileSync(join(dir, IGNORE_FILE), "utf8"), dir, relative(process.cwd(), join(dir, IGNORE_FILE)) || IGNORE_FILE);
  } catch {
    return [];
  }
}

/** Expands files and folders into the files to ingest (sorted within each folder) and the ones skipped. */
export function selectFiles(paths: string[], opts: SelectOptions = {}): FileSelection {
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Set<string>();
  const skip = (path: string, reason: string) => skipped.push({ path, reason });

  const walk = (dir: string, inherited: Rule[], excludes: Rule[]) => {
    const rules = [...inherited, ...readIgnoreFile(dir)];
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      return skip(dir, `unreadable (${(e as Error).message})`);
    }
    for (const name of names) {
      const path = join(dir, name);
      const isDir = isDirectory(path);
      if (isDir === undefined) {
        skip(path, "unreadable");
        continue;
      }
      if (name.startsWith(".")) {
        if (name !== IGNORE_FILE) skip(path, isDir ? "hidden folder" : "hidden file");
        continue;
      }
      if (isDir && name === "node_modules") {
        skip(path, "node_modules");
        continue;
      }
      const exclude = decide(excludes, path, isDir);
      if (exclude && !exclude.negate) {
        skip(path, `--exclude ${exclude.source}`);
        continue;
      }
      const ignore = decide(rules, path, isDir);
      if (ignore && !ignore.negate) {
        skip(path, ignore.source);
        continue;
      }
      if (isDir) {
        walk(path, rules, excludes);
        continue;
      }
      // A README is skipped unless an ignore file re-includes it with "!".
      if (isReadme(name) && !ignore?.negate) skip(path, "README");
      else if (!SUPPORTED_EXTENSIONS.has(extname(name).toLowerCase())) skip(path, "unsupported type");
      else if (!seen.has(path)) {
        seen.add(path);
        files.push(path);
      }
    }
  };

  for (const p of paths) {
    const abs = resolve(p);
    const isDir = isDirectory(abs);
    if (isDir === undefined) {
      skip(abs, "not found");
      continue;
    }
    if (isDir) {
      walk(abs, [], parseIgnore((opts.exclude ?? []).join("\n"), abs, "pattern"));
      continue;
    }
    // An explicit file: only --exclude (matched against its name) and the supported types apply.
    const byName = parseIgnore((opts.exclude ?? []).join("\n"), dirname(abs), "pattern");
    const ex = decide(byName, abs, false);
    if (ex && !ex.negate) skip(abs, `--exclude ${ex.source}`);
    else if (!SUPPORTED_EXTENSIONS.has(extname(abs).toLowerCase())) skip(abs, "unsupported type");
    else if (!seen.has(abs)) {
      seen.add(abs);
      files.push(abs);
    }
  }
  return { files, skipped };
}

/** One line per skipped file, for the CLI. */
export function describeSkipped(skipped: SkippedFile[], cwd = process.cwd()): string[] {
  return skipped.map((s) => `  skipped   ${relative(cwd, s.path) || basename(s.path)} (${s.reason})`);
}

/** Whether `path` is a directory; undefined when it cannot be stat'ed (gone, no permission). */
function isDirectory(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch {
    return undefined;
  }
}
