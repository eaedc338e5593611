import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { selectFiles } from "./select-files";

const root = mkdtempSync(join(tmpdir(), "select-files-"));
const kb = join(root, "kb");
const put = (path: string, text = "x") => {
  mkdirSync(dirname(join(kb, path)), { recursive: true });
  writeFileSync(join(kb, path), text);
};
for (const f of [
  "README.md", "guide.md", "faq.json", "orders.csv", "private.pdf", "image.png", ".hidden.md", ".git/notes.md",
  "node_modules/pkg/doc.md", "drafts/wip.md", "sub/private.pdf", "sub/Readme.txt", "notes/a.txt", "notes/keep.txt", "notes/README.md",
]) put(f);
put(".ingestignore", "# drafts and the top-level private file\ndrafts/\n/private.pdf\n");
put("notes/.ingestignore", "*.txt\n!keep.txt\n!README.md\n");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rel = (paths: string[]) => paths.map((p) => relative(kb, p));

describe("selectFiles", () => {
  test("a folder skips README*, dotfiles, node_modules, .ingestignore matches and unsupported types, with reasons", () => {
    const { files, skipped } = selectFiles([kb]);
    expect(rel(files)).toEqual(["faq.json", "guide.md", "notes/README.md", "notes/keep.txt", "orders.csv", "sub/private.pdf"]);
    const reasons = Object.fromEntries(skipped.map((s) => [relative(kb, s.path), s.reason]));
    expect(reasons).toEqual({
      ".git": "hidden folder",
      ".hidden.md": "hidden file",
      "README.md": "README",
      "drafts": expect.stringContaining("drafts/"),
      "image.png": "unsupported type",
      "node_modules": "node_modules",
      "notes/a.txt": expect.stringContaining("*.txt"),
      "private.pdf": expect.stringContaining("/private.pdf"),
      "sub/Readme.txt": "README",
    });
    expect(reasons["drafts"]).toContain(".ingestignore");
  });

  test("--exclude patterns apply in folders and to explicit files; an explicit README is taken", () => {
    const { files, skipped } = selectFiles([kb, join(kb, "README.md"), join(kb, "orders.csv")], { exclude: ["*.csv", "sub/"] });
    expect(rel(files)).toEqual(["faq.json", "guide.md", "notes/README.md", "notes/keep.txt", "README.md"]);
    const excluded = skipped.filter((s) => s.reason.startsWith("--exclude")).map((s) => relative(kb, s.path));
    expect(excluded).toEqual(["orders.csv", "sub", "orders.csv"]);
  });

  test("a missing path is reported, not thrown", () => {
    const { files, skipped } = selectFiles([join(root, "nope")]);
    expect(files).toEqual([]);
    expect(skipped).toEqual([{ path: join(root, "nope"), reason: "not found" }]);
  });
});
