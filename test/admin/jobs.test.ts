import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { deliveries } from "../../src/db/schema";
import type { DeliveryMessage } from "../../src/queue/messages";
import { storeDeadDeliveries } from "../delivery/retry-helpers";
import { configure, recordSends } from "../helpers";
import { admin, json, problem, readToken } from "./helpers";

const db = () => createDb(env.DB);

beforeAll(async () => {
  await configure({ destinations: [{ id: "crm", type: "http", url: "https://crm.example/in", secret: "whsec-jobs-test-0123456789abcdef" }] });
});

interface Job {
  id: string;
  status: string;
  matched: number;
  requeued: number;
  finishedAt?: string;
}

const start = async (body: object) => json<Job>(await admin("POST", "/v1/deliveries/retry", { body: { destination: "crm", ...body } }), 202);

describe("GET and DELETE /admin/v1/jobs/{id}", () => {
  it("shows a job's progress step by step, to the read token too", async () => {
    const ids = await storeDeadDeliveries("crm", 3, "HTTP 502 (progress)");
    const job = await start({ chunkSize: 2, error: "(progress)" });
    expect(await json<Job>(await admin("GET", `/v1/jobs/${job.id}`, { token: readToken }))).toMatchObject({ status: "running", matched: 3, requeued: 0 });

    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    await runDurableObjectAlarm(env.DELIVERY_RETRY_JOB.getByName(job.id));
    expect(await json<Job>(await admin("GET", `/v1/jobs/${job.id}`))).toMatchObject({ status: "running", requeued: 2 });
    await runDurableObjectAlarm(env.DELIVERY_RETRY_JOB.getByName(job.id));
    sends.restore();
    const done = await json<Job>(await admin("GET", `/v1/jobs/${job.id}`));
    expect(done).toMatchObject({ status: "done", requeued: 3, finishedAt: expect.any(String) });
    expect(sends.bodies.map((m) => m.deliveryId).sort()).toEqual(ids.sort());
  });

  it("takes a set larger than one chunk (100 by default) in several steps, each delivery once", async () => {
    const ids = await storeDeadDeliveries("crm", 150, "HTTP 502 (large)");
    const job = await start({ error: "(large)" });
    const stub = env.DELIVERY_RETRY_JOB.getByName(job.id);
    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    await runDurableObjectAlarm(stub);
    expect(await stub.view()).toMatchObject({ status: "running", requeued: 100, steps: 1 });
    await runDurableObjectAlarm(stub);
    sends.restore();
    expect(await stub.view()).toMatchObject({ status: "done", matched: 150, requeued: 150, steps: 2 });
    expect(sends.bodies.map((m) => m.deliveryId).sort()).toEqual(ids.sort());
  }, 60_000);

  it("cancel stops the job: what it re-queued stays re-queued, nothing after", async () => {
    const ids = await storeDeadDeliveries("crm", 3, "HTTP 502 (cancel)");
    const job = await start({ chunkSize: 1, error: "(cancel)" });
    const stub = env.DELIVERY_RETRY_JOB.getByName(job.id);
    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    await runDurableObjectAlarm(stub);

    const cancelled = await json<Job>(await admin("DELETE", `/v1/jobs/${job.id}`));
    expect(cancelled).toMatchObject({ status: "cancelled", requeued: 1, finishedAt: expect.any(String) });
    // The alarm left is the one that forgets the job later: it re-queues nothing.
    await runDurableObjectAlarm(stub);
    sends.restore();
    expect(sends.bodies).toHaveLength(1);
    const rows = await db().select().from(deliveries).where(inArray(deliveries.id, ids));
    expect(rows.map((r) => r.status).sort()).toEqual(["dead", "dead", "pending"]);
    expect(await json<Job>(await admin("GET", `/v1/jobs/${job.id}`))).toMatchObject({ status: "cancelled", requeued: 1 });

    // Cancelling again changes nothing; the read token may not cancel.
    expect(await json<Job>(await admin("DELETE", `/v1/jobs/${job.id}`))).toMatchObject({ status: "cancelled", requeued: 1 });
    expect((await problem(await admin("DELETE", `/v1/jobs/${job.id}`, { token: readToken }), 403)).code).toBe("forbidden");
  });

  it("makes pending deliveries due now, keeping their attempts, and leaves held ones to their consumer", async () => {
    const now = Date.now();
    const base = {
      destinationId: "crm",
      action: "forward" as const,
      status: "pending" as const,
      attempts: 2,
      payload: "{}",
      lastError: "HTTP 503 (backing off)",
      nextAttemptAt: now + 3_600_000,
      createdAt: now - 60_000,
      updatedAt: now - 60_000,
    };
    const waiting = "evt_JOBSPENDING00000000000001:0";
    const held = "evt_JOBSPENDING00000000000002:0";
    await db()
      .insert(deliveries)
      .values([
        { ...base, id: waiting, eventId: waiting.slice(0, -2) },
        { ...base, id: held, eventId: held.slice(0, -2), leaseUntil: now + 60_000 },
      ]);
    const job = await start({ status: "pending", error: "(backing off)" });
    expect(job.matched).toBe(1);
    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    await runDurableObjectAlarm(env.DELIVERY_RETRY_JOB.getByName(job.id));
    sends.restore();
    expect(sends.bodies.map((m) => m.deliveryId)).toEqual([waiting]);
    const [row] = await db()
      .select()
      .from(deliveries)
      .where(inArray(deliveries.id, [waiting]));
    expect(row).toMatchObject({ status: "pending", attempts: 2 });
    expect(row?.nextAttemptAt).toBeLessThanOrEqual(Date.now());
  });

  it("a step that fails is tried again later; the job goes on from where it was", async () => {
    const ids = await storeDeadDeliveries("crm", 2, "HTTP 502 (outage)");
    const job = await start({ error: "(outage)" });
    const stub = env.DELIVERY_RETRY_JOB.getByName(job.id);
    const outage = vi.spyOn(env.DB, "batch").mockRejectedValueOnce(new Error("D1_ERROR: Network connection lost"));
    await runDurableObjectAlarm(stub);
    outage.mockRestore();
    expect(await stub.view()).toMatchObject({ status: "running", requeued: 0, failures: 1, error: expect.stringContaining("D1_ERROR") });

    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    await runDurableObjectAlarm(stub);
    sends.restore();
    expect(sends.bodies.map((m) => m.deliveryId).sort()).toEqual(ids.sort());
    expect(await stub.view()).toMatchObject({ status: "done", requeued: 2, failures: 0 });
  });

  it("answers job_not_found for an unknown job or a malformed id", async () => {
    for (const id of ["job_01M95FSYE452R3B7XFHBWFPDZV", "nope", "job_../../x"]) {
      for (const method of ["GET", "DELETE"]) {
        const refused = await problem(await admin(method, `/v1/jobs/${encodeURIComponent(id)}`), 404);
        expect(refused.code).toBe("job_not_found");
      }
    }
  });
});
