// Drives a list of requests through a fixed number of concurrent senders, and fires
// side actions (faults, the restart, the flood) when a share of the list is done.
// Actions run beside the traffic, never in its way: the senders keep sending while
// the gateway restarts, as providers would.

/**
 * @param {object[]} requests each with `key`, and optionally `originalKey` (wait for that one first)
 * @param {(request: object) => Promise<object>} send
 * @param {{ concurrency: number, milestones?: { at: number, name: string, run: () => Promise<unknown> }[], onProgress?: (done: number, total: number) => void }} options
 * @returns {Promise<{ outcomes: Map<string, object>, actions: { name: string, error?: string, ms: number }[] }>}
 */
export async function runTraffic(requests, send, { concurrency, milestones = [], onProgress = () => {} }) {
  const outcomes = new Map();
  const finished = new Map();
  const done = (key) => {
    let entry = finished.get(key);
    if (!entry) {
      let resolve;
      entry = { promise: new Promise((r) => (resolve = r)), resolve };
      finished.set(key, entry);
    }
    return entry;
  };
  const pending = [...milestones].sort((a, b) => a.at - b.at);
  const actions = [];
  const running = [];
  let completed = 0;
  let next = 0;

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

  async function worker() {
    while (next < requests.length) {
      const request = requests[next++];
      if (request.originalKey) await done(request.originalKey).promise;
      const outcome = await send(request);
      outcomes.set(request.key, outcome);
      done(request.key).resolve();
      completed += 1;
      onProgress(completed, requests.length);
      fire();
    }
  }

  fire();
  await Promise.all(Array.from({ length: concurrency }, worker));
  // Milestones past the end (e.g. at: 1) still run; then wait for all of them.
  completed = requests.length;
  fire();
  await Promise.all(running);
  return { outcomes, actions };
}
