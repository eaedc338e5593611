/**
 * Finds where JSON text goes wrong. JavaScriptCore's JSON.parse (Bun) reports no position, so a small strict
 * scanner (RFC 8259) walks the text and returns the offset, line and column of the first error.
 */

export interface JsonErrorLocation {
  /** 0-based character offset. */
  position: number;
  /** 1-based line and column. */
  line: number;
  column: number;
  reason: string;
}

class Fail extends Error {
  constructor(readonly at: number, readonly reason: string) {
    super(reason);
  }
}

function scan(text: string): void {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const describe = () => (i >= text.length ? "unexpected end of input" : `unexpected character ${JSON.stringify(text[i])}`);
  const value = (depth: number): void => {
    if (depth > 512) throw new Fail(i, "nesting too deep");
    ws();
    const ch = text[i];
    if (ch === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Fail(i, `${describe()}, expected a property name in double quotes`);
        string();
        ws();
        if (text[i] !== ":") throw new Fail(i, `${describe()}, expected ':'`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") return void i++;
        throw new Fail(i, `${describe()}, expected ',' or '}'`);
      }
    }
    if (ch === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") return void i++;
        throw new Fail(i, `${describe()}, expected ',' or ']'`);
      }
    }
    if (ch === '"') return string();
    const lit = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (lit) return void (i += lit[0].length);
    throw new Fail(i, `${describe()}, expected a value`);
  };
  const string = () => {
    i++;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"') return void i++;
      if (ch === "\\") {
        const esc = text[i + 1];
        if (esc === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i += 2;
        else throw new Fail(i, "invalid escape sequence in string");
        continue;
      }
      if (ch < " ") throw new Fail(i, "control character in string (unescaped line break?)");
      i++;
    }
    throw new Fail(i, "unterminated string");
  };
  value(0);
  ws();
  if (i < text.length) throw new Fail(i, `${describe()} after the end of the JSON value`);
}

/** Returns the location of the first syntax error, or undefined when the text is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  try {
    scan(text);
    return undefined;
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    const before = text.slice(0, e.at);
    const line = before.split("\n").length;
    const column = e.at - (before.lastIndexOf("\n") + 1) + 1;
    return { position: e.at, line, column, reason: e.reason };
  }
}
