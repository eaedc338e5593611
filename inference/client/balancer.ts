/**
 * Least-outstanding-requests balancing weighted by capacity: among the eligible backends, pick the one with the
 * lowest (inFlight + 1) / weight, so a backend of weight 2 carries about twice the concurrent requests of a
 * backend of weight 1. Ties rotate, so equal idle backends share the load instead of the first taking all.
 */
export interface Balanceable {
  readonly weight: number;
  readonly inFlight: number;
}

export class LeastOutstandingBalancer {
  private rotation = 0;

  /** The backend to use among `eligible`, or undefined when the list is empty. */
  pick<T extends Balanceable>(eligible: readonly T[]): T | undefined {
    const n = eligible.length;
    if (n === 0) return undefined;
    const start = this.rotation++ % n;
    let best: T | undefined;
    let bestScore = Infinity;
    for (let i = 0; i < n; i++) {
      const b = eligible[(start + i) % n]!;
      const score = (b.inFlight + 1) / b.weight;
      if (score < bestScore) {
        best = b;
        bestScore = score;
      }
    }
    return best;
  }
}
