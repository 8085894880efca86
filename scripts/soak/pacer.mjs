// Open-loop pacing: each request is launched at its own moment on a fixed schedule,
// whether or not earlier ones were answered, as providers do. A slow gateway must
// show up as growing latency and in-flight counts, not as a quietly lower rate. The
// only brake is `maxInFlight` (bounded memory and sockets); time spent waiting on it
// is reported as lag. A duplicate waits for its original's answer first, as a
// provider's redelivery would.
import { sendLikeAProvider } from "../../test/e2e/lib/sender.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function pacedSender(base, { maxInFlight = 200 } = {}) {
  const outcomes = new Map();
  const answered = new Map(); // key → promise of its outcome
  const tasks = new Set();
  let inFlight = 0;
  let launched = 0;
  let maxLagMs = 0;
  let freed; // resolves when a slot frees up

  async function one(request) {
    try {
      if (request.originalKey) await answered.get(request.originalKey);
      const outcome = await sendLikeAProvider(base, request);
      outcomes.set(request.key, outcome);
    } catch (error) {
      outcomes.set(request.key, { error: String(error), attempts: [] });
    } finally {
      inFlight -= 1;
      freed?.();
    }
  }

  /**
   * Sends `requests` evenly over [startAt, startAt + spanMs); returns once all are
   * launched (not answered). `stopped()` ends it early (Ctrl-C).
   */
  async function sendOver(requests, startAt, spanMs, stopped = () => false) {
    for (let i = 0; i < requests.length; i++) {
      if (stopped()) return;
      const due = startAt + (i * spanMs) / requests.length;
      if (due > Date.now()) await sleep(due - Date.now());
      while (inFlight >= maxInFlight) await new Promise((resolve) => (freed = resolve));
      maxLagMs = Math.max(maxLagMs, Date.now() - due);
      inFlight += 1;
      launched += 1;
      const request = requests[i];
      const task = one(request);
      answered.set(request.key, task);
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  }

  return {
    outcomes,
    sendOver,
    /** Waits for every launched request's final answer (the sender gives up after 2 min). */
    settle: () => Promise.all([...tasks]),
    progress: () => ({ launched, inFlight, maxLagMs }),
  };
}
