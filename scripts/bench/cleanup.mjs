// One place that knows everything the bench started, so it is all stopped on a normal
// end, on an error, and on Ctrl-C / SIGTERM (wrangler dev runs in its own process
// group, which the terminal's Ctrl-C does not reach).
//
// Signals are handled synchronously: importing wrangler's API registers a SIGINT
// handler that calls process.exit() at once (and each Miniflare instance one that
// exits with 130), so an async cleanup started from a signal would be cut short.
// Our handler is put first and does every task's synchronous variant before exiting.
const tasks = [];
let running;

/**
 * Registers a cleanup: `fn` (may be async) for a normal end, `sync` (optional, must not
 * return a promise) when a signal arrives. Returns a function that runs `fn` now, once.
 */
export function onCleanup(label, fn, sync) {
  const task = { label, fn, sync, started: false, finished: false };
  tasks.push(task);
  return async () => runTask(task);
}

async function runTask(task) {
  if (task.started) return;
  task.started = true;
  try {
    await task.fn();
  } catch (error) {
    console.error(`cleanup '${task.label}' failed: ${error instanceof Error ? error.message : error}`);
  } finally {
    task.finished = true;
  }
}

/** Runs every pending task, newest first (a server before the directory it writes to). */
export function cleanupAll() {
  running ??= (async () => {
    for (const task of [...tasks].reverse()) await runTask(task);
  })();
  return running;
}

function onSignal(signal, code) {
  console.error(`\n${signal}: stopping everything the bench started…`);
  for (const task of [...tasks].reverse()) {
    if (task.finished || !task.sync) continue;
    try {
      task.sync();
    } catch (error) {
      console.error(`cleanup '${task.label}' failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  // Miniflare's own exit hook (on 'exit') kills the workerd processes it started.
  process.exit(code);
}

for (const [signal, code] of /** @type {[NodeJS.Signals, number][]} */ ([
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
])) {
  process.prependListener(signal, () => onSignal(signal, code));
}
