import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { deliveries } from "../../src/db/schema";
import type { DeliveryMessage } from "../../src/queue/messages";
import { readToken } from "../admin/helpers";
import { storeDeadDeliveries } from "../delivery/retry-helpers";
import { configure, recordSends } from "../helpers";
import { consoleFetch, formToken, hidden, page, signIn, text } from "./helpers";

const db = () => createDb(env.DB);

beforeAll(async () => {
  await configure({
    destinations: [
      { id: "crm", type: "http", url: "https://crm.example/in", secret: "whsec-console-retry-0123456789abcdef" },
      { id: "other", type: "http", url: "https://other.example/in", secret: "whsec-console-retry-0123456789abcdef" },
    ],
  });
});

describe("Retry matching deliveries, in the console", () => {
  it("counts first, then starts a job whose progress page can cancel it", async () => {
    const ids = await storeDeadDeliveries("crm", 3, "Out of attempts (3/3): HTTP 502 Bad Gateway");
    await storeDeadDeliveries("other", 2, "Out of attempts (3/3): HTTP 502 Bad Gateway");
    const { session } = await signIn();

    // The dry run: a count and the most recent matching ones, and the button to go on.
    const planned = await page(await consoleFetch("GET", "/retry?check=1&status=dead&destination=crm&error=502", { session }));
    expect(text(planned)).toContain("3 deliveries match.");
    for (const id of ids) expect(planned).toContain(id.slice(0, -2));
    expect(planned).toContain('method="post" action="/console/retry"');
    expect(hidden(planned, "status")).toBe("dead");
    expect(await db().select().from(deliveries).where(inArray(deliveries.id, ids))).toSatisfy((rows: { status: string }[]) =>
      rows.every((r) => r.status === "dead"),
    );

    const started = await consoleFetch("POST", "/retry", {
      session,
      form: { _csrf: hidden(planned, "_csrf"), status: "dead", destination: "crm", error: "502", from: "", to: "" },
    });
    expect(started.status).toBe(303);
    const location = started.headers.get("location") ?? "";
    const jobId = /^\/console\/jobs\/(job_[0-9A-Z]+)\?done=started$/.exec(location)?.[1] ?? "";
    expect(jobId).not.toBe("");

    const progress = await page(await consoleFetch("GET", `/jobs/${jobId}?done=started`, { session }));
    expect(text(progress)).toContain("The retry started");
    expect(text(progress)).toMatch(/Re-queued 0 of 3 matched/);
    expect(progress).toContain(`action="/console/jobs/${jobId}/cancel"`);
    expect(progress).toContain("data-refresh");

    // Cancel before the first step: nothing is re-queued.
    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    const cancelled = await consoleFetch("POST", `/jobs/${jobId}/cancel`, { session, form: { _csrf: hidden(progress, "_csrf") } });
    expect(cancelled.status).toBe(303);
    await runDurableObjectAlarm(env.DELIVERY_RETRY_JOB.getByName(jobId));
    sends.restore();
    expect(sends.bodies).toEqual([]);
    const after = await page(await consoleFetch("GET", `/jobs/${jobId}?done=cancelled`, { session }));
    expect(text(after)).toContain("The retry was cancelled");
    expect(after).not.toContain(`action="/console/jobs/${jobId}/cancel"`);
  });

  it("shows the filter's problems instead of a count", async () => {
    const { session } = await signIn();
    const badTime = await page(await consoleFetch("GET", "/retry?check=1&from=yesterday", { session }), 422);
    expect(text(badTime)).toContain("The filter has problems: from: expected an ISO 8601 date-time");
    const unknown = await page(await consoleFetch("GET", "/retry?check=1&destination=nowhere", { session }), 422);
    expect(text(unknown)).toContain("no destination 'nowhere'");
    expect(unknown).not.toContain('method="post" action="/console/retry"');
  });

  it("lets the read-only token count but not start or cancel", async () => {
    await storeDeadDeliveries("other", 1, "HTTP 500");
    const { session } = await signIn(readToken);
    const planned = await page(await consoleFetch("GET", "/retry?check=1&destination=other", { session }));
    expect(text(planned)).toMatch(/\d+ deliver(y matches|ies match)\./);
    expect(planned).not.toContain('method="post" action="/console/retry"');
    const refused = await consoleFetch("POST", "/retry", { session, form: { _csrf: await formToken(session), status: "dead" } });
    expect(refused.status).toBe(403);
  });

  it("answers an unknown job with a 404 page", async () => {
    const { session } = await signIn();
    expect(text(await page(await consoleFetch("GET", "/jobs/job_01M95FSYE452R3B7XFHBWFPDZV", { session }), 404))).toContain("There is no job");
  });
});
