import type { OwnerConfig } from "../config/owners-schema";
import type { GatewayConfig } from "../config/schema";
import type { RuntimeAway } from "../db/owner-away";
import { localTime, unavailableReason } from "./availability";

/** One owner as the admin API and console show it: configured or only named by a pool. */
export interface OwnerStatus {
  id: string;
  name?: string;
  timeZone: string;
  /** The owner's local clock now, e.g. `Mon 09:30`. */
  localTime: string;
  /** Away now (planned or runtime), ignoring working hours. */
  away: boolean;
  /** Inside working hours (always true without working hours). */
  working: boolean;
  /** Why the owner takes no leads now, if so. */
  reason?: string;
  /** The runtime time away, if one is set and not over. */
  runtimeAway?: { from: string; until: string; reason?: string };
  /** Pools listing the owner as a member or fallback. */
  pools: string[];
}

/** Every owner the configuration knows of: its `owners` entries, then ids only pools name. */
export function knownOwnerIds(document: GatewayConfig): string[] {
  const ids = new Set(document.owners.map((owner) => owner.id));
  for (const pool of document.pools) {
    for (const member of pool.members) ids.add(member.ownerId);
    if (pool.fallbackOwnerId !== undefined) ids.add(pool.fallbackOwnerId);
  }
  return [...ids];
}

/** Each known owner's availability at `nowMs`. */
export function ownerStatuses(document: GatewayConfig, runtimeAway: readonly RuntimeAway[], nowMs: number): OwnerStatus[] {
  const configured = new Map(document.owners.map((owner) => [owner.id, owner]));
  return knownOwnerIds(document).map((id) => {
    const owner: OwnerConfig = configured.get(id) ?? { id, timeZone: "UTC", away: [] };
    const mine = runtimeAway.filter((away) => away.ownerId === id);
    const away = unavailableReason(owner, mine, nowMs, { workingHours: false });
    const offHours = away === undefined ? unavailableReason(owner, [], nowMs, { workingHours: true }) : undefined;
    const names = document.pools.filter((pool) => pool.fallbackOwnerId === id || pool.members.some((m) => m.ownerId === id));
    const memberName = document.pools.flatMap((pool) => pool.members).find((m) => m.ownerId === id)?.name;
    const name = owner.name ?? memberName;
    const runtime = mine.find((entry) => entry.untilMs > nowMs);
    return {
      id,
      ...(name === undefined ? {} : { name }),
      timeZone: owner.timeZone,
      localTime: localTime(owner.timeZone, nowMs).label,
      away: away !== undefined,
      working: offHours === undefined,
      ...((away ?? offHours) ? { reason: away ?? offHours } : {}),
      ...(runtime
        ? {
            runtimeAway: {
              from: new Date(runtime.fromMs).toISOString(),
              until: new Date(runtime.untilMs).toISOString(),
              ...(runtime.reason === undefined ? {} : { reason: runtime.reason }),
            },
          }
        : {}),
      pools: names.map((pool) => pool.id),
    };
  });
}
