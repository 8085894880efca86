import { knownOwnerIds, type OwnerStatus, ownerStatuses } from "../assign/owners";
import { type ConfigEnv, readCurrentConfig } from "../config/store";
import type { Database } from "../db/client";
import { clearRuntimeAway, runtimeAwayAfter, setRuntimeAway } from "../db/owner-away";
import { GatewayError } from "../errors";
import { wakeHeldLeads } from "../hold/wake";

/**
 * Owners' status and runtime time away: what the admin API's /v1/owners and the
 * console's routing page show and change. Their routes only translate HTTP.
 */

type OwnersEnv = ConfigEnv & Pick<Env, "HOLD_CLOCK">;

/** The owner's status now, or a 404 when the configuration does not know the id. */
async function statusOf(env: ConfigEnv, db: Database, id: string): Promise<OwnerStatus> {
  const config = await readCurrentConfig(env);
  const document = config?.document;
  if (!document || !knownOwnerIds(document).includes(id)) {
    throw new GatewayError("entry_not_found", `No owner has the id '${id}': list it in \`owners\` or in a pool.`);
  }
  const nowMs = Date.now();
  const away = await runtimeAwayAfter(db, nowMs);
  const status = ownerStatuses(document, away, nowMs).find((s) => s.id === id);
  if (!status) throw new GatewayError("entry_not_found", `No owner has the id '${id}'.`);
  return status;
}

/** Every known owner's status now (none before the first configuration). */
export async function listOwnerStatuses(env: ConfigEnv, db: Database, nowMs = Date.now()): Promise<OwnerStatus[]> {
  const config = await readCurrentConfig(env);
  if (!config) return [];
  const away = await runtimeAwayAfter(db, nowMs);
  return ownerStatuses(config.document, away, nowMs);
}

/**
 * Sets an owner's runtime time away (replacing an earlier one) and answers with the
 * owner's status after it. Throws `entry_not_found` for an unknown owner and
 * `validation_failed` when `until` is not in the future and after `from`.
 */
export async function setOwnerAway(env: OwnersEnv, db: Database, id: string, body: { until: string; from?: string | undefined; reason?: string | undefined }) {
  await statusOf(env, db, id);
  const nowMs = Date.now();
  const fromMs = body.from === undefined ? nowMs : Date.parse(body.from);
  const untilMs = Date.parse(body.until);
  if (untilMs <= Math.max(fromMs, nowMs)) {
    const message = "`until` must be in the future and after `from`";
    throw new GatewayError("validation_failed", `${message}.`, undefined, { problems: [{ pointer: "/until", message }] });
  }
  await setRuntimeAway(db, { ownerId: id, fromMs, untilMs, ...(body.reason === undefined ? {} : { reason: body.reason }) }, nowMs);
  const status = await statusOf(env, db, id);
  // A shorter time away than the one replaced can bring the owner back sooner.
  await wakeHeldLeads(env, db, status.pools, Date.now());
  return status;
}

/** Ends an owner's runtime time away (planned periods stay). */
export async function endOwnerAway(env: OwnersEnv, db: Database, id: string) {
  await statusOf(env, db, id);
  await clearRuntimeAway(db, id);
  const status = await statusOf(env, db, id);
  await wakeHeldLeads(env, db, status.pools, Date.now());
  return status;
}
