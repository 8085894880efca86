import { z } from "@hono/zod-openapi";
import { readCurrentConfig } from "../config/store";
import { createDb } from "../db/client";
import { countRetryable, maxCounted, type RetryFilter, retryableStatuses, sampleRetryable } from "../db/delivery-retry";
import { keepMs, type RetryJob } from "../delivery/retry-job";
import { GatewayError } from "../errors";
import { newId } from "../lib/ids";
import type { AdminBindings } from "./env";
import { validationFailed } from "./problems";
import { timeParam } from "./schemas";

/**
 * Bulk retry (`POST /admin/v1/deliveries/retry`, `GET`/`DELETE /admin/v1/jobs/{id}`)
 * and the console's form: the filter, its dry run, and the job (a Durable Object
 * per job, src/delivery/retry-job.ts).
 */

const retryableStatus = z.enum(retryableStatuses);
const defaultStatuses: z.infer<typeof retryableStatus>[] = ["dead", "failed"];

/** Strict: a misspelt filter is refused, never ignored (it would widen the retry). */
export const retryRequestSchema = z
  .object({
    status: z
      .union([retryableStatus, z.array(retryableStatus).min(1).max(retryableStatuses.length)])
      .default(defaultStatuses)
      .transform((value) => [...new Set(Array.isArray(value) ? value : [value])])
      .meta({
        description:
          "`dead` (out of attempts), `failed` (refused for good), `pending` (waiting out a backoff: made due now); one or a list. Default: both dead-letter statuses.",
      }),
    destination: z.string().min(1).max(200).optional().meta({ description: "A destination id of the active configuration." }),
    error: z
      .string()
      .trim()
      .min(2)
      .max(200)
      .optional()
      .meta({ description: "Part of the delivery's last error, case-insensitive (e.g. `HTTP 503`, `Out of attempts`)." }),
    from: timeParam.optional().meta({ description: "Last changed (for a dead letter: died) at or after (ISO 8601 or epoch ms)." }),
    to: timeParam.optional().meta({ description: "Last changed before (ISO 8601 or epoch ms)." }),
    dryRun: z.boolean().default(false).meta({ description: "Count the matching deliveries and show a few; change nothing." }),
    chunkSize: z.number().int().min(1).max(100).default(100).meta({ description: "Deliveries the job re-queues per step." }),
  })
  .strict();
export type RetryRequest = z.output<typeof retryRequestSchema>;

const sampleSize = 10;

export const retrySample = z
  .object({
    deliveryId: z.string(),
    eventId: z.string(),
    destinationId: z.string(),
    action: z.string(),
    status: retryableStatus,
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    at: z.string().meta({ description: "Last changed (for a dead letter: when it died)" }),
  })
  .openapi("RetrySample");

export const retryPlanView = z
  .object({
    dryRun: z.literal(true),
    matched: z.number().int(),
    matchedAtLeast: z.boolean().meta({ description: `True when more than ${maxCounted} match: \`matched\` is then a floor.` }),
    sample: z.array(retrySample).meta({ description: `Up to ${sampleSize} matching deliveries, most recently changed first.` }),
  })
  .openapi("RetryPlan");

export const jobView = z
  .object({
    id: z.string(),
    kind: z.literal("delivery_retry"),
    status: z.enum(["running", "done", "cancelled", "failed"]),
    filter: z.object({
      status: z.array(retryableStatus),
      destination: z.string().optional(),
      error: z.string().optional(),
      from: z.string().optional(),
      to: z.string().optional(),
    }),
    matched: z.number().int().meta({ description: "Deliveries that matched when the job began" }),
    matchedAtLeast: z.boolean(),
    requeued: z.number().int().meta({ description: "Deliveries sent again so far" }),
    skipped: z.number().int().meta({ description: "Matching deliveries that changed (delivered, taken by a consumer) before the job reached them" }),
    chunkSize: z.number().int(),
    steps: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().optional(),
    error: z.string().optional().meta({ description: "The last failed step's error" }),
  })
  .openapi("Job");
export type JobView = z.infer<typeof jobView>;

const iso = (ms: number) => new Date(ms).toISOString();

export function presentJob(job: RetryJob): JobView {
  const { filter } = job;
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    filter: {
      status: filter.status,
      ...(filter.destination === undefined ? {} : { destination: filter.destination }),
      ...(filter.error === undefined ? {} : { error: filter.error }),
      ...(filter.fromMs === undefined ? {} : { from: iso(filter.fromMs) }),
      ...(filter.toMs === undefined ? {} : { to: iso(filter.toMs) }),
    },
    matched: job.matched,
    matchedAtLeast: job.matchedAtLeast,
    requeued: job.requeued,
    skipped: job.skipped,
    chunkSize: job.chunkSize,
    steps: job.steps,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    ...(job.finishedAt === undefined ? {} : { finishedAt: iso(job.finishedAt) }),
    ...(job.error === undefined ? {} : { error: job.error }),
  };
}

/** The filter of a request, checked against the active configuration. */
async function filterOf(env: AdminBindings, request: RetryRequest): Promise<RetryFilter> {
  if (request.from !== undefined && request.to !== undefined && request.from >= request.to) {
    throw validationFailed([{ pointer: "/to", message: "must be after `from`" }]);
  }
  if (request.destination !== undefined) {
    const config = await readCurrentConfig(env);
    if (!config?.document.destinations.some((d) => d.id === request.destination)) {
      throw validationFailed([{ pointer: "/destination", message: `no destination '${request.destination}' in the active configuration` }]);
    }
  }
  return {
    status: request.status,
    ...(request.destination === undefined ? {} : { destination: request.destination }),
    ...(request.error === undefined ? {} : { error: request.error }),
    ...(request.from === undefined ? {} : { fromMs: request.from }),
    ...(request.to === undefined ? {} : { toMs: request.to }),
  };
}

/** What a retry with this filter would take now: a count and a sample. Changes nothing. */
export async function planRetry(env: AdminBindings, request: RetryRequest, nowMs = Date.now()) {
  const filter = await filterOf(env, request);
  const db = createDb(env.DB);
  const [count, sample] = await Promise.all([countRetryable(db, filter, nowMs), sampleRetryable(db, filter, nowMs, sampleSize)]);
  return {
    filter,
    plan: {
      dryRun: true as const,
      matched: Math.min(count, maxCounted),
      matchedAtLeast: count > maxCounted,
      sample: sample.map(({ updatedAt, ...row }) => ({ ...row, status: row.status as z.infer<typeof retryableStatus>, at: iso(updatedAt) })),
    },
  };
}

/** Starts a job over the deliveries the filter matches now. */
export async function startRetryJob(env: AdminBindings, request: RetryRequest): Promise<JobView> {
  const asOfMs = Date.now();
  const { filter, plan } = await planRetry(env, request, asOfMs);
  const id = newId("job", asOfMs);
  const job = await env.DELIVERY_RETRY_JOB.getByName(id).start({
    id,
    filter,
    asOfMs,
    matched: plan.matched,
    matchedAtLeast: plan.matchedAtLeast,
    chunkSize: request.chunkSize,
  });
  return presentJob(job);
}

/** A job id as `newId` makes them; anything else names no job (and wakes no object). */
const jobIdPattern = /^job_[0-9A-HJKMNP-TV-Z]{26}$/;

const unknownJob = (id: string) => new GatewayError("job_not_found", `There is no job '${id}' (a finished job is kept ${keepMs / 86_400_000} days).`);

function jobStub(env: AdminBindings, id: string) {
  if (!jobIdPattern.test(id)) throw unknownJob(id);
  return env.DELIVERY_RETRY_JOB.getByName(id);
}

export async function readJob(env: AdminBindings, id: string): Promise<JobView> {
  const job = await jobStub(env, id).view();
  if (!job) throw unknownJob(id);
  return presentJob(job);
}

/** Cancels a running job: what it re-queued stays re-queued, nothing more is. A finished job is returned as it is. */
export async function cancelJob(env: AdminBindings, id: string): Promise<JobView> {
  const job = await jobStub(env, id).cancel();
  if (!job) throw unknownJob(id);
  return presentJob(job);
}
