/** Small typed-array helpers shared by the in-memory indexes. */

export function grow<T extends Int32Array | Uint32Array | Float32Array>(a: T, min: number): T {
  const next = new (a.constructor as { new (n: number): T })(Math.max(min, a.length * 2));
  next.set(a);
  return next;
}

/** Keeps the k largest (slot, score) pairs. */
export class MinHeap {
  private readonly slots: number[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly cap: number) {}

  wouldAccept(score: number): boolean {
    return this.slots.length < this.cap || score > this.scores[0]!;
  }

  push(slot: number, score: number): void {
    if (this.slots.length < this.cap) {
      this.slots.push(slot);
      this.scores.push(score);
      this.up(this.slots.length - 1);
    } else if (score > this.scores[0]!) {
      this.slots[0] = slot;
      this.scores[0] = score;
      this.down(0);
    }
  }

  sortedDesc(): [number, number][] {
    return this.slots.map((s, i) => [s, this.scores[i]!] as [number, number]).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.scores[parent]! <= this.scores[i]!) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.slots.length && this.scores[l]! < this.scores[m]!) m = l;
      if (r < this.slots.length && this.scores[r]! < this.scores[m]!) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    // Plain temporaries: a destructuring swap allocates two arrays, and this runs for most rows of a search.
    const slot = this.slots[a]!;
    this.slots[a] = this.slots[b]!;
    this.slots[b] = slot;
    const score = this.scores[a]!;
    this.scores[a] = this.scores[b]!;
    this.scores[b] = score;
  }
}
