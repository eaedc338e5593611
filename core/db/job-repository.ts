/** Ingestion jobs: what was asked, how far it got, and how it ended. */
import { and, eq } from "drizzle-orm";
import type { JobInfo, JobStatus } from "../ports/store";
import type { Db } from "./client";
import { ingestionJobs } from "./schema";

export class JobRepository {
  constructor(private readonly db: Db) {}

  async create(job: { id: string; tenantId: string; source: string; title?: string | null }): Promise<JobInfo> {
    const rows = await this.db
      .insert(ingestionJobs)
      .values({ id: job.id, tenantId: job.tenantId, source: job.source, title: job.title ?? null, status: "queued" })
      .returning();
    return toJob(rows[0]!);
  }

  async update(
    tenantId: string,
    id: string,
    patch: Partial<{
      status: JobStatus;
      title: string | null;
      documentId: string | null;
      error: { code: string; message: string } | null;
      progress: { stage: string; done: number; total: number } | null;
      result: Record<string, unknown> | null;
      startedAt: Date;
      finishedAt: Date;
    }>,
  ): Promise<void> {
    const { error, ...rest } = patch;
    await this.db
      .update(ingestionJobs)
      .set({ ...rest, ...(error !== undefined ? { errorCode: error?.code ?? null, errorMessage: error?.message ?? null } : {}) })
      .where(and(eq(ingestionJobs.tenantId, tenantId), eq(ingestionJobs.id, id)));
  }

  async get(tenantId: string, id: string): Promise<JobInfo | null> {
    const rows = await this.db
      .select()
      .from(ingestionJobs)
      .where(and(eq(ingestionJobs.tenantId, tenantId), eq(ingestionJobs.id, id)))
      .limit(1);
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** Jobs left queued or running by a process that died are marked failed at start. */
  async failInterrupted(): Promise<number> {
    const rows = await this.db
      .update(ingestionJobs)
      .set({ status: "failed", errorCode: "INTERRUPTED", errorMessage: "the server stopped before this job finished; submit it again", finishedAt: new Date() })
      .where(eq(ingestionJobs.status, "running"))
      .returning({ id: ingestionJobs.id });
    return rows.length;
  }
}

function toJob(r: typeof ingestionJobs.$inferSelect): JobInfo {
  return {
    id: r.id,
    tenantId: r.tenantId,
    status: r.status as JobStatus,
    source: r.source,
    title: r.title,
    documentId: r.documentId,
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? "" } : null,
    progress: r.progress ?? null,
    result: r.result ?? null,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}
