import type { RouteConfig } from "../config/schema";
import type { Database } from "../db/client";
import { kpiCounts, kpiSample } from "../db/kpis";
import { compareExperiments, type ExperimentResult } from "./experiments";
import { buildKpiGroups, type KpiGroups } from "./groups";

export interface KpiReport {
  kpis: KpiGroups;
  experiments: ExperimentResult[];
}

/**
 * The KPIs of leads received in [since, until) and the experiments' comparisons, for
 * GET /admin/v1/stats and the console. `routes` (the current configuration's) give
 * the arms' order, hence the control; without them arms are compared alphabetically.
 */
export async function kpiReport(db: Database, sinceMs: number, untilMs: number, routes: readonly RouteConfig[] = []): Promise<KpiReport> {
  const [counts, sample] = await Promise.all([kpiCounts(db, sinceMs, untilMs), kpiSample(db, sinceMs, untilMs)]);
  const kpis = buildKpiGroups(counts, sample);
  return { kpis, experiments: compareExperiments(kpis.byArm, routes) };
}
