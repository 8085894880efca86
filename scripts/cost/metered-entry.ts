// The gateway with its billed units counted (scripts/cost/usage-meter.ts): the same
// Worker and Durable Object classes as src/index.ts, each handed a metered env, plus
// GET /__usage (the counts so far) and POST /__usage/reset. Bundled and run only by
// `npm run cost` (scripts/cost/run.mjs); never deployed.
import type { DurableObject } from "cloudflare:workers";
import worker, * as gateway from "../../src/index";
import { countAlarm, countScheduled, countWorkerRequest, meterBatch, meterEnv, meterStorage, readUsage, resetUsage } from "./usage-meter";

/** Durable Object bindings → class names, as wrangler.toml binds them. */
const classOf: Record<string, string> = {
  SOURCE_INBOX: "SourceInbox",
  OWNER_POOL: "OwnerPool",
  DESTINATION_LIMITER: "DestinationLimiter",
  SLA_CLOCK: "SlaClock",
  HOLD_CLOCK: "HoldClock",
  AUTH_THROTTLE: "AuthThrottle",
  CRM_TOKENS: "CrmTokens",
  DELIVERY_RETRY_JOB: "DeliveryRetryJob",
};

const metered = (env: Env) => meterEnv(env, classOf);

type ObjectClass = new (ctx: DurableObjectState, env: Env) => DurableObject<Env>;

/** A subclass that meters its storage, hands the object a metered env and counts its alarms. */
function meteredClass<C extends ObjectClass>(name: string, Base: C): C {
  const Metered = class extends (Base as ObjectClass) {
    constructor(ctx: DurableObjectState, env: Env) {
      meterStorage(ctx);
      super(ctx, metered(env));
    }
  };
  const alarm = (Base.prototype as { alarm?: (...args: unknown[]) => unknown }).alarm;
  if (alarm) {
    Object.defineProperty(Metered.prototype, "alarm", {
      value(this: DurableObject<Env>, ...args: unknown[]) {
        countAlarm(name);
        return alarm.apply(this, args);
      },
    });
  }
  Object.defineProperty(Metered, "name", { value: name });
  return Metered as unknown as C;
}

export const AuthThrottle = meteredClass("AuthThrottle", gateway.AuthThrottle);
export const OwnerPool = meteredClass("OwnerPool", gateway.OwnerPool);
export const CrmTokens = meteredClass("CrmTokens", gateway.CrmTokens as unknown as ObjectClass);
export const DestinationLimiter = meteredClass("DestinationLimiter", gateway.DestinationLimiter);
export const DeliveryRetryJob = meteredClass("DeliveryRetryJob", gateway.DeliveryRetryJob);
export const HoldClock = meteredClass("HoldClock", gateway.HoldClock);
export const SourceInbox = meteredClass("SourceInbox", gateway.SourceInbox);
export const SlaClock = meteredClass("SlaClock", gateway.SlaClock);

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__usage") {
      if (request.method === "POST") {
        resetUsage();
        return new Response(null, { status: 204 });
      }
      return Response.json(readUsage());
    }
    countWorkerRequest();
    return worker.fetch(request, metered(env), ctx);
  },
  async queue(batch, env, ctx) {
    const { batch: counted, settle } = meterBatch(batch);
    try {
      await worker.queue(counted, metered(env), ctx);
      settle(true);
    } catch (error) {
      settle(false);
      throw error;
    }
  },
  async scheduled(controller, env, ctx) {
    countScheduled();
    await worker.scheduled(controller, metered(env), ctx);
  },
} satisfies ExportedHandler<Env>;
