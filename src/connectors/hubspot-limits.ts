import { z } from "zod";
import type { Rate } from "../lib/config-fields";
import { nextMidnight } from "../lib/zoned-time";
import { type HttpResult, parseJson, sendHttp } from "./http";
import type { Hold } from "./types";

/** HubSpot subscription tiers; the API's burst limit depends on the portal's highest one. */
export const hubspotPlans = ["free", "starter", "professional", "enterprise"] as const;
export type HubspotPlan = (typeof hubspotPlans)[number];

/** What these limits read of a HubSpot destination (its schema is in hubspot.ts). */
interface HubspotDestination {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  plan: HubspotPlan;
  accountTimeZone: string;
  rate?: Rate;
}

/**
 * HubSpot's API limits as HubSpot states them, in one place for the connector and
 * the company enrichment (which share the destination's limiter).
 * https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details
 */

/** Calls per rolling 10 s for private apps, by the portal's plan. */
const callsPerTenSeconds: Record<HubspotPlan, number> = {
  free: 100,
  starter: 100,
  professional: 190,
  enterprise: 190,
};

/** A bucket's burst; the refill rate is what the 10 s window leaves after it. */
const burst = 20;

/**
 * The rate of a HubSpot destination: its `rate`, else by plan: burst + 10 s × rate stays within the
 * plan's calls per rolling 10 s (a full bucket plus ten seconds of refill), so
 * 100 → 8/s, 190 → 17/s.
 */
export function hubspotRate(destination: HubspotDestination): Rate {
  return destination.rate ?? hubspotDefaultRate(destination);
}

/** The rate a HubSpot destination without `rate` gets from its plan. */
export function hubspotDefaultRate(destination: { plan: HubspotPlan }): Rate {
  return { perSecond: (callsPerTenSeconds[destination.plan] - burst) / 10, burst };
}

/** What the company enrichment needs of its destination's limiter (the `DestinationLimiter` Durable Object). */
export interface Limiter {
  take(perSecond: number, burst: number): Promise<number>;
  hold(untilMs: number): Promise<boolean>;
}

/**
 * HubSpot's 429 body: `{ status, message, errorType: "RATE_LIMIT", correlationId,
 * policyName, requestId }`; `policyName` is `TEN_SECONDLY_ROLLING`, `DAILY` (or,
 * e.g., `SECONDLY` for search). HubSpot sends no Retry-After.
 */
const rateLimitBody = z.object({ errorType: z.string().optional(), policyName: z.string().optional() }).loose();

/** Only the interval is used: `X-HubSpot-RateLimit-Interval-Milliseconds` (10000 for the burst limit). */
const defaultIntervalMs = 10_000;

/**
 * What a HubSpot 429 asks of us: wait out the rolling window (its interval, from
 * the header) or, for `DAILY`, hold until midnight in the account's time zone.
 * Undefined for anything that is not a 429.
 */
export function holdOf(result: HttpResult, destination: HubspotDestination, nowMs: number = Date.now()): Hold | undefined {
  if (result.kind !== "response" || result.status !== 429) return undefined;
  const body = rateLimitBody.safeParse(parseJson(result.text));
  const policy = (body.success ? body.data.policyName : undefined) ?? "UNKNOWN";
  if (policy === "DAILY") return { untilMs: nextMidnight(nowMs, destination.accountTimeZone), policy, daily: true };
  const interval = Number(result.headers.get("x-hubspot-ratelimit-interval-milliseconds"));
  const windowMs = Number.isFinite(interval) && interval > 0 && interval <= 60_000 ? interval : defaultIntervalMs;
  return { untilMs: nowMs + windowMs, policy, daily: false };
}

/**
 * "Retrieve the daily API usage for private apps":
 * `GET /account-info/v3/api-usage/daily/private-apps` →
 * `{ results: [{ name: "private-apps-api-calls-daily", usageLimit, currentUsage, resetsAt, … }] }`.
 * https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-usage-details
 */
const usageAnswer = z.object({
  results: z.array(z.object({ name: z.string().optional(), resetsAt: z.string() }).loose()),
});

/** The longest a daily hold may last: HubSpot's answer beyond it is not believed. */
const maxDailyHoldMs = 48 * 3_600_000;

/**
 * A `DAILY` hold ends when HubSpot says the daily limit resets (`resetsAt` of the
 * account's usage); `holdOf`'s midnight in `accountTimeZone` stands when HubSpot
 * does not say (no scope for it, an error, an answer not in the next 48 h).
 */
export async function dailyReset(hold: Hold, destination: HubspotDestination, options: { allowHttp: boolean }, nowMs: number = Date.now()): Promise<Hold> {
  if (!hold.daily) return hold;
  const result = await sendHttp(
    {
      url: `${destination.baseUrl.replace(/\/+$/, "")}/account-info/v3/api-usage/daily/private-apps`,
      method: "GET",
      headers: { authorization: `Bearer ${destination.token}`, accept: "application/json" },
    },
    { timeoutMs: destination.timeoutMs, allowHttp: options.allowHttp },
  );
  if (result.kind !== "response" || result.status !== 200) return hold;
  const answer = usageAnswer.safeParse(parseJson(result.text));
  const daily = answer.success ? (answer.data.results.find((r) => r.name === "private-apps-api-calls-daily") ?? answer.data.results[0]) : undefined;
  const resetsAt = daily ? Date.parse(daily.resetsAt) : Number.NaN;
  if (!Number.isFinite(resetsAt) || resetsAt <= nowMs || resetsAt > nowMs + maxDailyHoldMs) return hold;
  return { ...hold, untilMs: resetsAt };
}
