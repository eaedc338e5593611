/**
 * Ticket counters (Prometheus): tickets_opened_total and tickets_solved_total by category and priority. No ids in
 * labels; categories are tenant data (intent names), so past MAX_CATEGORIES distinct values per process further
 * ones are counted as "other" to keep the series bounded.
 */
import { Counter, type Registry } from "prom-client";

export const MAX_CATEGORIES = 100;

export interface TicketMetrics {
  opened(category: string, priority: string): void;
  solved(category: string, priority: string): void;
}

const byRegistry = new WeakMap<Registry, TicketMetrics>();

export function ticketMetrics(registry: Registry): TicketMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const labelNames = ["category", "priority"] as const;
  const opened = new Counter({ name: "tickets_opened_total", help: "Tickets opened, by category and priority.", labelNames, registers: [registry] });
  const solved = new Counter({ name: "tickets_solved_total", help: "Tickets set to solved (again after a reopen), by category and priority.", labelNames, registers: [registry] });
  const seen = new Set<string>();
  const label = (category: string) => {
    if (seen.has(category)) return category;
    if (seen.size >= MAX_CATEGORIES) return "other";
    seen.add(category);
    return category;
  };
  const m: TicketMetrics = {
    opened: (category, priority) => opened.inc({ category: label(category), priority }),
    solved: (category, priority) => solved.inc({ category: label(category), priority }),
  };
  byRegistry.set(registry, m);
  return m;
}
