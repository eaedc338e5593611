/** A minimal leveled logger (LOG_LEVEL): one line per event to stdout (debug, info) or stderr (warn, error). */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string, cause?: unknown): void;
}

export function createLogger(level: LogLevel, sink: { out: (l: string) => void; err: (l: string, c?: unknown) => void } = { out: (l) => console.log(l), err: (l, c) => (c === undefined ? console.error(l) : console.error(l, c)) }): Logger {
  const on = (l: LogLevel) => ORDER[l] >= ORDER[level];
  return {
    debug: (l) => on("debug") && sink.out(l),
    info: (l) => on("info") && sink.out(l),
    warn: (l) => on("warn") && sink.err(l),
    error: (l, c) => on("error") && sink.err(l, c),
  } as Logger;
}
