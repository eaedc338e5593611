/**
 * Runs ingestion requests as background jobs: persisted in the jobs table (so GET /v1/ingest/jobs/:id works from
 * any replica), a bounded number at a time, with throttled progress updates.
 */
import { randomUUID } from "node:crypto";
import type { JobRepository } from "../core/db/job-repository";
import { errors } from "../core/errors";
import type { JobInfo } from "../core/ports/store";
import type { IngestionPipeline, IngestRequest } from "./pipeline";

export interface JobRunnerOptions {
  concurrency: number;
  /** Jobs waiting beyond this are refused with 429 rather than queued without end. */
  maxQueued: number;
}

export class JobRunner {
  private running = 0;
  private readonly queue: { job: JobInfo; req: IngestRequest }[] = [];
  private readonly idle = new Set<() => void>();
  private readonly finished = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  /** Abort controllers of the running jobs (stop() aborts them; the pipeline rolls back the new version). */
  private readonly running$ = new Set<AbortController>();
  private stopped = false;

  constructor(
    private readonly pipeline: IngestionPipeline,
    private readonly jobs: JobRepository,
    private readonly opts: JobRunnerOptions,
  ) {}

  async submit(req: IngestRequest): Promise<JobInfo> {
    if (this.stopped) throw errors.unavailable("SHUTTING_DOWN", "the server is shutting down; submit the document again shortly", undefined, 5);
    if (this.queue.length >= this.opts.maxQueued) {
      throw errors.unavailable("INGEST_QUEUE_FULL", `${this.queue.length} ingestion jobs are waiting; try again shortly`, undefined, 5);
    }
    const job = await this.jobs.create({ id: `job_${randomUUID()}`, tenantId: req.tenantId, source: req.source, title: req.title ?? null });
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.finished.set(job.id, { promise, resolve });
    this.queue.push({ job, req });
    this.pump();
    return job;
  }

  /** Resolves when the given job (submitted to this runner) has finished; at once for unknown ids. */
  async wait(jobId: string): Promise<void> {
    await this.finished.get(jobId)?.promise;
  }

  /** Resolves when every submitted job has finished (tests, shutdown). */
  async drain(): Promise<void> {
    if (!this.running && !this.queue.length) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  /**
   * Shutdown: refuses new jobs, fails the queued ones and aborts the running ones (their workers are terminated
   * and their new version removed; the previous version stays live), then waits for them to finish.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const reason = errors.unavailable("INGEST_ABORTED", "ingestion was stopped: the server is shutting down; submit the document again");
    const queued = this.queue.splice(0);
    for (const { job } of queued) {
      await this.jobs
        .update(job.tenantId, job.id, { status: "failed", error: { code: reason.code, message: reason.message }, finishedAt: new Date() })
        .catch(() => {});
      this.finished.get(job.id)?.resolve();
      this.finished.delete(job.id);
    }
    for (const c of this.running$) c.abort(reason);
    await this.drain();
  }

  get depth(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  private pump(): void {
    while (this.running < this.opts.concurrency && this.queue.length) {
      const next = this.queue.shift()!;
      this.running++;
      void this.run(next.job, next.req).finally(() => {
        this.running--;
        this.finished.get(next.job.id)?.resolve();
        this.finished.delete(next.job.id);
        this.pump();
        if (!this.running && !this.queue.length) {
          for (const r of this.idle) r();
          this.idle.clear();
        }
      });
    }
  }

  private async run(job: JobInfo, req: IngestRequest): Promise<void> {
    const { tenantId, id } = job;
    await this.jobs.update(tenantId, id, { status: "running", startedAt: new Date() });
    let lastWrite = 0;
    const abort = new AbortController();
    this.running$.add(abort);
    try {
      const res = await this.pipeline.ingest(req, {
        signal: abort.signal,
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastWrite < 500) return;
          lastWrite = now;
          void this.jobs.update(tenantId, id, { progress: p }).catch(() => {});
        },
      });
      await this.jobs.update(tenantId, id, {
        status: res.status === "unchanged" ? "unchanged" : "succeeded",
        documentId: res.document.id,
        title: res.document.title,
        progress: null,
        result: { status: res.status, chunks: res.chunks, records: res.records, pages: res.pages, version: res.document.version, timings: res.timings },
        finishedAt: new Date(),
      });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      await this.jobs
        .update(tenantId, id, {
          status: "failed",
          progress: null,
          error: { code: err.code ?? "INGEST_FAILED", message: err.message ?? String(e) },
          finishedAt: new Date(),
        })
        .catch(() => {});
    } finally {
      this.running$.delete(abort);
    }
  }
}
