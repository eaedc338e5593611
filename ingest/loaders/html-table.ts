/**
 * One HTML table as the HTML loader reads it: rows of cells (th or td, with colspan), then rendered as text a
 * reader and the retriever can use on its own, one line per row. Under a header (thead rows, or leading rows made
 * of th cells only) every row reads "Column: value; Column: value", so a row that lands in a chunk without the
 * header still says what its values are. A table without a header keeps its rows as "a | b | c".
 */

interface Cell {
  text: string;
  header: boolean;
  span: number;
}

interface Row {
  cells: Cell[];
  inHead: boolean;
}

const squash = (t: string) => t.replace(/\s+/g, " ").trim();
const MAX_SPAN = 50;

export class HtmlTable {
  private rows: Row[] = [];
  private cell?: Cell;
  /** Set while inside <thead>. */
  inHead = false;

  get inCell(): boolean {
    return this.cell !== undefined;
  }

  startRow(): void {
    this.endCell();
    this.rows.push({ cells: [], inHead: this.inHead });
  }

  startCell(header: boolean, span: number): void {
    this.endCell();
    if (this.rows.length === 0) this.startRow(); // a cell without <tr> (lenient markup)
    this.cell = { text: "", header, span: Math.min(Math.max(1, span), MAX_SPAN) };
    this.rows[this.rows.length - 1]!.cells.push(this.cell);
  }

  text(t: string): void {
    if (this.cell) this.cell.text += t;
  }

  endCell(): void {
    if (this.cell) this.cell.text = squash(this.cell.text);
    this.cell = undefined;
  }

  /** The table as text, one line per non-empty row ("" when it has no text). */
  render(): string {
    this.endCell();
    const rows = this.rows.filter((r) => r.cells.some((c) => c.text));
    let headCount = 0;
    while (headCount < rows.length - 1 && (rows[headCount]!.inHead || rows[headCount]!.cells.every((c) => c.header || !c.text))) {
      headCount++;
    }
    if (headCount === 0) return rows.map((r) => r.cells.map((c) => c.text).filter(Boolean).join(" | ")).join("\n");

    // Column labels: the header rows' texts per column slot (colspan repeats a cell), stacked rows joined.
    const labels: string[] = [];
    for (const row of rows.slice(0, headCount)) {
      let slot = 0;
      for (const c of row.cells) {
        for (let k = 0; k < c.span; k++, slot++) {
          if (c.text && !(labels[slot] ?? "").split(" / ").includes(c.text)) labels[slot] = labels[slot] ? `${labels[slot]} / ${c.text}` : c.text;
        }
      }
    }
    return rows
      .slice(headCount)
      .map((row) => {
        let slot = 0;
        const parts: string[] = [];
        for (const c of row.cells) {
          const label = labels[slot];
          slot += c.span;
          if (!c.text) continue;
          parts.push(label && label !== c.text ? `${label}: ${c.text}` : c.text);
        }
        return parts.join("; ");
      })
      .join("\n");
  }
}
