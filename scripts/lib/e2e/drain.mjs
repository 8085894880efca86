// Waits until every accepted event has reached a final status, reading the admin
// stats (cheap: index scans) every couple of seconds. Meanwhile it plays the cron:
// local dev never fires scheduled handlers, and the sweeper is what recovers work a
// restart dropped (local queue messages live in memory only).

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const finalStatuses = new Set(["routed", "partially_failed", "dead", "unmatched", "invalid"]);

/**
 * @param {{ admin: ReturnType<typeof import("../admin-api.mjs").adminApi>,
 *   gateway: { cron(): Promise<void> }, expected: number, timeoutMs: number,
 *   cronEveryMs?: number, log?: (line: string) => void }} options
 */
export async function waitUntilFinal({ admin, gateway, expected, timeoutMs, cronEveryMs = 30_000, log = () => {} }) {
  const started = Date.now();
  let lastCron = 0;
  let lastLog = 0;
  let cronRuns = 0;
  for (;;) {
    if (Date.now() - lastCron >= cronEveryMs) {
      lastCron = Date.now();
      try {
        await gateway.cron();
        cronRuns += 1;
      } catch (error) {
        log(`cron failed: ${error.message}`);
      }
    }
    const stats = await admin.stats();
    const open = Object.entries(stats.events.byStatus)
      .filter(([status]) => !finalStatuses.has(status))
      .reduce((sum, [, n]) => sum + n, 0);
    const final = stats.events.total - open;
    if (stats.events.total >= expected && open === 0) {
      return { drained: true, ms: Date.now() - started, cronRuns, stats };
    }
    if (Date.now() - started > timeoutMs) {
      return { drained: false, ms: Date.now() - started, cronRuns, stats };
    }
    if (Date.now() - lastLog >= 15_000) {
      lastLog = Date.now();
      const waiting = Object.entries(stats.events.byStatus)
        .filter(([s]) => !finalStatuses.has(s))
        .map(([s, n]) => `${n} ${s}`);
      log(
        `drain: ${final}/${expected} final, in D1 ${stats.events.total}${waiting.length ? `, ${waiting.join(", ")}` : ""}, ${stats.pendingDeliveries} deliveries pending (${Math.round((Date.now() - started) / 1000)} s)`,
      );
    }
    await sleep(2000);
  }
}
