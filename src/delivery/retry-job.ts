import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { createDb } from "../db/client";
import { cursorStart, type RetryCursor, retryableStatuses, type ScannedRow, scanRetryWindowQuery } from "../db/delivery-retry";
import { errorMessage, log } from "../lib/log";
import { resendDeliveries } from "./resend";

/**
 * A bulk retry job (`POST /admin/v1/deliveries/retry`): one Durable Object per job
 * (`DELIVERY_RETRY_JOB.getByName(jobId)`), whose alarm re-queues up to `chunkSize`
 * matching deliveries per step and keeps its cursor, so no request and no alarm
 * does more than one bounded step (a few D1 statements and one queue send). The
 * deliveries are sent again through src/delivery/resend.ts.
 *
 * Each delivery is sent at most once per job: it must be unchanged since the job
 * began (re-queuing changes it), and the object remembers every id it re-queued.
 * A cancel waits for the step in progress (steps run under blockConcurrencyWhile),
 * and none starts after it. A finished job is kept `keepMs`, then forgotten.
 */

export const jobStatuses = ["running", "done", "cancelled", "failed"] as const;

const filterSchema = z.object({
  status: z.array(z.enum(retryableStatuses)).min(1),
  destination: z.string().optional(),
  error: z.string().optional(),
  fromMs: z.number().int().optional(),
  toMs: z.number().int().optional(),
});

/** What the admin API hands a new job. */
export const retryPlanSchema = z.object({
  id: z.string().startsWith("job_"),
  filter: filterSchema,
  /** The job's start: only deliveries unchanged since before it match. */
  asOfMs: z.number().int(),
  /** What the dry-run count found at the start. */
  matched: z.number().int().min(0),
  matchedAtLeast: z.boolean(),
  chunkSize: z.number().int().min(1).max(100),
});
export type RetryPlan = z.infer<typeof retryPlanSchema>;

const jobSchema = retryPlanSchema.extend({
  kind: z.literal("delivery_retry"),
  status: z.enum(jobStatuses),
  requeued: z.number().int(),
  /** Deliveries found matching whose state changed before the step could re-queue them. */
  skipped: z.number().int(),
  steps: z.number().int(),
  cursor: z.object({ statusIndex: z.number().int(), at: z.number(), id: z.string() }),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  finishedAt: z.number().int().optional(),
  /** Consecutive failed steps, and the last one's error. */
  failures: z.number().int(),
  error: z.string().optional(),
});
export type RetryJob = z.infer<typeof jobSchema>;

/** Rows of the deliveries index read per scan, and scans per step: a step's work is bounded. */
const windowRows = 500;
const scansPerStep = 4;
/** A step that failed is tried again after this, times the failures so far; then the job fails. */
const failureBackoffMs = 15_000;
const maxFailures = 5;
/** How long a finished job can still be read. */
export const keepMs = 7 * 24 * 3_600_000;
/** Default for the var RETRY_JOB_STEP_MS: the pause between two steps. */
const defaultStepMs = 500;

const stepMsOf = (env: Env) => {
  const value = Number(env.RETRY_JOB_STEP_MS);
  return env.RETRY_JOB_STEP_MS !== undefined && Number.isFinite(value) && value >= 0 ? value : defaultStepMs;
};

interface Picked {
  hits: ScannedRow[];
  cursor: RetryCursor;
  exhausted: boolean;
}

export class DeliveryRetryJob extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS requeued (id TEXT PRIMARY KEY) WITHOUT ROWID");
  }

  private load(): RetryJob | undefined {
    const stored = this.ctx.storage.kv.get("job");
    if (stored === undefined) return undefined;
    const parsed = jobSchema.safeParse(stored);
    if (!parsed.success) {
      log("error", "retry job state unreadable", { error: parsed.error.message });
      return undefined;
    }
    return parsed.data;
  }

  private save(job: RetryJob): RetryJob {
    this.ctx.storage.kv.put("job", job);
    return job;
  }

  /** Starts the job (the first step after RETRY_JOB_STEP_MS); a second call returns the job as it is. */
  async start(input: RetryPlan): Promise<RetryJob> {
    const existing = this.load();
    if (existing) return existing;
    const plan = retryPlanSchema.parse(input);
    const now = Date.now();
    const job = this.save({
      ...plan,
      kind: "delivery_retry",
      status: "running",
      requeued: 0,
      skipped: 0,
      steps: 0,
      cursor: cursorStart,
      createdAt: now,
      updatedAt: now,
      failures: 0,
    });
    await this.ctx.storage.setAlarm(now + stepMsOf(this.env));
    log("info", "retry job started", { jobId: job.id, matched: job.matched });
    return job;
  }

  /** The job, or undefined when there is none by this id. */
  view(): RetryJob | undefined {
    return this.load();
  }

  /** Stops a running job; a finished one stays as it is. */
  async cancel(): Promise<RetryJob | undefined> {
    const job = this.load();
    if (job?.status !== "running") return job;
    const now = Date.now();
    const cancelled = this.save({ ...job, status: "cancelled", finishedAt: now, updatedAt: now });
    await this.ctx.storage.setAlarm(now + keepMs);
    log("info", "retry job cancelled", { jobId: job.id, requeued: job.requeued });
    return cancelled;
  }

  override async alarm(): Promise<void> {
    // No other call (a cancel) runs while a step is under way.
    await this.ctx.blockConcurrencyWhile(() => this.step());
  }

  private async step(): Promise<void> {
    const job = this.load();
    if (!job) return;
    if (job.status !== "running") {
      if (Date.now() >= (job.finishedAt ?? 0) + keepMs) await this.ctx.storage.deleteAll();
      return;
    }
    const now = Math.max(Date.now(), job.asOfMs);
    try {
      const picked = await this.pick(job, now);
      const fresh = picked.hits.filter((row) => this.ctx.storage.sql.exec("SELECT 1 FROM requeued WHERE id = ?", row.id).toArray().length === 0);
      const requeued = await resendDeliveries(this.env, fresh, { statuses: job.filter.status, asOfMs: job.asOfMs }, now);
      for (const message of requeued) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO requeued (id) VALUES (?)", message.deliveryId);
      const next: RetryJob = {
        ...job,
        requeued: job.requeued + requeued.length,
        skipped: job.skipped + (picked.hits.length - requeued.length),
        steps: job.steps + 1,
        cursor: picked.cursor,
        updatedAt: now,
        failures: 0,
      };
      if (picked.exhausted) {
        this.save({ ...next, status: "done", finishedAt: now });
        await this.ctx.storage.setAlarm(now + keepMs);
        log("info", "retry job done", { jobId: job.id, requeued: next.requeued, skipped: next.skipped });
      } else {
        this.save(next);
        await this.ctx.storage.setAlarm(now + stepMsOf(this.env));
      }
    } catch (error) {
      // Nothing of a failed step is lost: what it re-queued is no longer unchanged
      // since the job began, so the next step cannot send it again.
      const failures = job.failures + 1;
      const failed = failures >= maxFailures;
      this.save({ ...job, failures, error: errorMessage(error), updatedAt: now, ...(failed ? { status: "failed" as const, finishedAt: now } : {}) });
      await this.ctx.storage.setAlarm(now + (failed ? keepMs : failureBackoffMs * failures));
      log(failed ? "error" : "warn", failed ? "retry job failed" : "retry job step failed; trying again", {
        jobId: job.id,
        failures,
        error: errorMessage(error),
      });
    }
  }

  /** The next matching deliveries from the cursor on: up to `chunkSize`, reading at most `scansPerStep` windows. */
  private async pick(job: RetryJob, now: number): Promise<Picked> {
    const db = createDb(this.env.DB);
    const hits: ScannedRow[] = [];
    let cursor = job.cursor;
    for (let scan = 0; scan < scansPerStep; scan++) {
      const status = job.filter.status[cursor.statusIndex];
      if (status === undefined) return { hits, cursor, exhausted: true };
      const rows = await scanRetryWindowQuery(db, job.filter, status, cursor, job.asOfMs, now, windowRows);
      for (const row of rows) {
        cursor = { statusIndex: cursor.statusIndex, at: row.at, id: row.id };
        if (row.hit) hits.push(row);
        if (hits.length >= job.chunkSize) return { hits, cursor, exhausted: false };
      }
      if (rows.length < windowRows) cursor = { ...cursorStart, statusIndex: cursor.statusIndex + 1 };
    }
    return { hits, cursor, exhausted: job.filter.status[cursor.statusIndex] === undefined };
  }
}
