// Drives a list of requests through a fixed number of concurrent senders (the load
// sender's closed loop, scripts/lib/load-sender.mjs, sending like a provider), and
// fires side actions (faults, the restart, the flood) when a share of the list is
// done. Actions run beside the traffic, never in its way: the senders keep sending
// while the gateway restarts, as providers would.
import { loadSender } from "../../../scripts/lib/load-sender.mjs";

/**
 * @param {object[]} requests each with `key`, `build()`, and optionally `originalKey` (wait for that one first)
 * @param {string} base the gateway's origin
 * @param {{ concurrency: number, milestones?: { at: number, name: string, run: () => Promise<unknown> }[], onProgress?: (done: number, total: number) => void }} options
 * @returns {Promise<{ outcomes: Map<string, object>, actions: { name: string, error?: string, ms: number }[] }>}
 */
export async function runTraffic(requests, base, { concurrency, milestones = [], onProgress = () => {} }) {
  const sender = loadSender(base, { retry: true, maxInFlight: concurrency });
  const pending = [...milestones].sort((a, b) => a.at - b.at);
  const actions = [];
  const running = [];
  let completed = 0;

  const fire = () => {
    while (pending.length > 0 && completed >= pending[0].at * requests.length) {
      const milestone = pending.shift();
      const started = Date.now();
      const record = { name: milestone.name, ms: 0 };
      actions.push(record);
      running.push(
        milestone
          .run()
          .catch((error) => (record.error = String(error?.stack ?? error)))
          .finally(() => (record.ms = Date.now() - started)),
      );
    }
  };

  fire();
  await sender.closedLoop(requests, {
    connections: concurrency,
    onAnswer: (done, total) => {
      completed = done;
      onProgress(done, total);
      fire();
    },
  });
  // Milestones past the end (e.g. at: 1) still run; then wait for all of them.
  completed = requests.length;
  fire();
  await Promise.all(running);
  return { outcomes: sender.outcomes, actions };
}
