// Counts the units Cloudflare bills for, as the gateway causes them: a bench-only
// wrapper around the Worker's bindings (scripts/cost/metered-entry.ts puts it in
// place). Production never loads this file, so it pays nothing for it.
//
// One module-level tally: under workerd (wrangler dev, Miniflare) the Worker and its
// Durable Objects run in one isolate, so every handler and object adds to the same
// counts, read through GET /__usage of the metered entry.

/** Cloudflare bills Queues per 64 KB written, read or deleted (developers.cloudflare.com/queues/platform/pricing/). */
const queueChunkBytes = 64 * 1024;

export interface Usage {
  /** Invocations of the Worker: HTTP requests, queue batches, cron runs. */
  workerRequests: number;
  queueBatches: number;
  scheduledRuns: number;
  /** Calls into a Durable Object (RPC methods, fetch) and alarm runs, per class. */
  doRequests: Record<string, number>;
  doAlarms: Record<string, number>;
  /** Rows read and written by Durable Object SQLite storage (SQL cursors, storage API, alarms). */
  doRowsRead: number;
  doRowsWritten: number;
  /** D1 statements and the rows D1 itself reported in each result's `meta`. */
  d1Queries: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  /** Per statement kind and table (first words of the SQL): where D1's rows go. */
  d1ByStatement: Record<string, { queries: number; rowsRead: number; rowsWritten: number }>;
  /** Queue operations, 64 KB each: a message sent is a write, delivered a read, acked a delete. */
  queueWrites: number;
  queueReads: number;
  queueDeletes: number;
  queueMessagesSent: Record<string, number>;
  kvReads: number;
  kvWrites: number;
  r2ClassA: number;
  r2ClassB: number;
}

function emptyUsage(): Usage {
  return {
    workerRequests: 0,
    queueBatches: 0,
    scheduledRuns: 0,
    doRequests: {},
    doAlarms: {},
    doRowsRead: 0,
    doRowsWritten: 0,
    d1Queries: 0,
    d1RowsRead: 0,
    d1RowsWritten: 0,
    d1ByStatement: {},
    queueWrites: 0,
    queueReads: 0,
    queueDeletes: 0,
    queueMessagesSent: {},
    kvReads: 0,
    kvWrites: 0,
    r2ClassA: 0,
    r2ClassB: 0,
  };
}

let usage = emptyUsage();

export function readUsage(): Usage {
  foldCursors();
  return structuredClone(usage);
}

export function resetUsage(): void {
  foldCursors();
  usage = emptyUsage();
}

function add(record: Record<string, number>, key: string, n = 1): void {
  record[key] = (record[key] ?? 0) + n;
}

function chunks(value: unknown): number {
  let bytes = 0;
  try {
    bytes = new TextEncoder().encode(JSON.stringify(value) ?? "").byteLength;
  } catch {
    // not JSON (a structured-clone value): one chunk at least
  }
  return Math.max(1, Math.ceil(bytes / queueChunkBytes));
}

/**
 * "insert events :: INSERT OR IGNORE INTO events (id, …": the statement's verb and
 * first table, then the start of its text (two statements on one table differ there).
 */
export function statementKey(sql: string): string {
  return `${statementKind(sql)} :: ${sql.replace(/\s+/g, " ").trim().slice(0, 80)}`;
}

/** "insert events", "update deliveries", "select events": the statement's verb and first table. */
export function statementKind(sql: string): string {
  const text = sql.replace(/\s+/g, " ").trim().toLowerCase();
  const verb = /^(with|select|insert|update|delete|replace|create|pragma)/.exec(text)?.[1] ?? "other";
  const table =
    verb === "select" || verb === "with" || verb === "delete"
      ? /\bfrom "?([a-z_]+)"?/.exec(text)?.[1]
      : verb === "update"
        ? /^update "?([a-z_]+)"?/.exec(text)?.[1]
        : /\binto "?([a-z_]+)"?/.exec(text)?.[1];
  return `${verb === "with" ? "select" : verb} ${table ?? "?"}`;
}

interface D1Meta {
  rows_read?: number;
  rows_written?: number;
}
interface D1Answer {
  meta?: D1Meta;
}
type SendFn = (endpoint: string, query: unknown, ...rest: unknown[]) => Promise<D1Answer | D1Answer[]>;
interface D1Session {
  _send?: SendFn;
}

const meteredSessions = new WeakSet<object>();

/**
 * Every D1 query (prepare().all/run/raw/first, batch, exec) goes through the binding's
 * session `_send`, which returns D1's answer with `meta` before `raw()` and `first()`
 * drop it. Wrapping that one method sees D1's own row counts for every statement.
 * It is workerd's internal shape (workerd's d1-api.ts): test/cost/usage-meter.test.ts
 * fails if it changes.
 */
function meterD1(db: D1Database): void {
  const session = (db as unknown as { alwaysPrimarySession?: D1Session }).alwaysPrimarySession;
  const send = session?._send;
  if (!session || !send || meteredSessions.has(session)) return;
  meteredSessions.add(session);
  session._send = async function (this: D1Session, endpoint, query, ...rest) {
    const answer = await send.call(session, endpoint, query, ...rest);
    const answers = Array.isArray(answer) ? answer : [answer];
    // One SQL string, or a batch's strings in order.
    const sqls = (Array.isArray(query) ? query : [query]).map((q) => (typeof q === "string" ? q : ""));
    answers.forEach((a, i) => {
      const read = a.meta?.rows_read ?? 0;
      const written = a.meta?.rows_written ?? 0;
      usage.d1Queries += 1;
      usage.d1RowsRead += read;
      usage.d1RowsWritten += written;
      const key = statementKey(sqls[i] ?? "");
      const entry = (usage.d1ByStatement[key] ??= { queries: 0, rowsRead: 0, rowsWritten: 0 });
      entry.queries += 1;
      entry.rowsRead += read;
      entry.rowsWritten += written;
    });
    return answer;
  };
}

/** Methods of a native binding called on the binding itself (a Proxy receiver is refused). */
function bound<T extends object>(target: T, prop: string | symbol): unknown {
  const value = Reflect.get(target, prop, target);
  return typeof value === "function" ? value.bind(target) : value;
}

/**
 * The binding with the named methods counted before each call: `counters[method]` gets
 * the call's arguments (and may replace one it has to read, such as an iterable).
 */
function countCalls<T extends object>(binding: T, counters: Record<string, (args: unknown[]) => void>): T {
  return new Proxy(binding, {
    get(target, prop) {
      const value = bound(target, prop);
      const count = typeof prop === "string" ? counters[prop] : undefined;
      if (typeof value !== "function" || !count) return value;
      return (...args: unknown[]) => {
        count(args);
        return (value as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
}

function meterQueue(name: string, queue: Queue): Queue {
  return countCalls(queue, {
    send(args) {
      usage.queueWrites += chunks(args[0]);
      add(usage.queueMessagesSent, name);
    },
    sendBatch(args) {
      const list = [...(args[0] as Iterable<MessageSendRequest>)];
      args[0] = list;
      for (const m of list) usage.queueWrites += chunks(m.body);
      add(usage.queueMessagesSent, name, list.length);
    },
  });
}

// get() of several keys at once is one read per key.
const kvRead = (args: unknown[]) => (usage.kvReads += Array.isArray(args[0]) ? args[0].length : 1);
const kvWrite = () => (usage.kvWrites += 1);

function meterKv(kv: KVNamespace): KVNamespace {
  return countCalls(kv, { get: kvRead, getWithMetadata: kvRead, list: kvRead, put: kvWrite, delete: kvWrite });
}

// R2 Class A: writes and lists; Class B: reads (developers.cloudflare.com/r2/pricing/). Delete is free.
const r2ClassA = () => (usage.r2ClassA += 1);
const r2ClassB = () => (usage.r2ClassB += 1);

function meterR2(bucket: R2Bucket): R2Bucket {
  return countCalls(bucket, {
    put: r2ClassA,
    list: r2ClassA,
    createMultipartUpload: r2ClassA,
    resumeMultipartUpload: r2ClassA,
    get: r2ClassB,
    head: r2ClassB,
  });
}

/** Every method called on a Durable Object stub is one billed request to the object. */
function meterStub<T extends object>(className: string, stub: T): T {
  return new Proxy(stub, {
    get(target, prop) {
      // An RPC stub's every property is callable and remote (even `bind`): call it on the stub.
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || typeof prop !== "string" || prop === "then" || prop === "dup") return value;
      return (...args: unknown[]) => {
        add(usage.doRequests, className);
        return (target as Record<string, (...a: unknown[]) => unknown>)[prop]?.(...args);
      };
    },
  });
}

const stubFactories = new Set(["get", "getByName"]);

function meterNamespace(className: string, namespace: DurableObjectNamespace): DurableObjectNamespace {
  return new Proxy(namespace, {
    get(target, prop) {
      const value = bound(target, prop);
      if (typeof prop !== "string" || !stubFactories.has(prop) || typeof value !== "function") return value;
      return (...args: unknown[]) => meterStub(className, (value as (...a: unknown[]) => object)(...args));
    },
  });
}

function isKind(value: unknown, kind: string): boolean {
  return typeof value === "object" && value !== null && value.constructor?.name === kind;
}

const meteredEnvs = new WeakMap<object, object>();

/**
 * The same env with every billable binding counted. Bindings are told apart by
 * their runtime class, so a binding added later (an R2 bucket) is counted too.
 * `classOf` names a Durable Object namespace's class (from wrangler.toml).
 */
export function meterEnv<E extends object>(env: E, classOf: Record<string, string>): E {
  const known = meteredEnvs.get(env);
  if (known) return known as E;
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (isKind(value, "D1Database")) {
      meterD1(value as D1Database);
      wrapped[name] = value;
    } else if (isKind(value, "WorkerQueue") || (name.endsWith("_QUEUE") && typeof (value as Queue).sendBatch === "function")) {
      wrapped[name] = meterQueue(name, value as Queue);
    } else if (isKind(value, "KvNamespace") || isKind(value, "KVNamespace")) {
      wrapped[name] = meterKv(value as KVNamespace);
    } else if (isKind(value, "R2Bucket")) {
      wrapped[name] = meterR2(value as R2Bucket);
    } else if (classOf[name] && typeof (value as DurableObjectNamespace).idFromName === "function") {
      wrapped[name] = meterNamespace(classOf[name], value as DurableObjectNamespace);
    } else {
      wrapped[name] = value;
    }
  }
  meteredEnvs.set(env, wrapped);
  return wrapped as E;
}

/** A queue batch whose messages count a read each, and a delete each unless retried. */
export function meterBatch<B extends MessageBatch>(batch: B): { batch: B; settle: (handled: boolean) => void } {
  usage.queueBatches += 1;
  usage.workerRequests += 1;
  let reads = 0;
  for (const m of batch.messages) reads += chunks(m.body);
  usage.queueReads += reads;
  const retried = new Set<string>();
  let retriedAll = false;
  const messages = batch.messages.map(
    (m) =>
      new Proxy(m, {
        get(target, prop) {
          if (prop === "retry") return (options?: QueueRetryOptions) => (retried.add(target.id), target.retry(options));
          return bound(target, prop);
        },
      }),
  );
  const wrapped = new Proxy(batch, {
    get(target, prop) {
      if (prop === "messages") return messages;
      if (prop === "retryAll") return (options?: QueueRetryOptions) => ((retriedAll = true), target.retryAll(options));
      return bound(target, prop);
    },
  });
  return {
    batch: wrapped,
    settle(handled) {
      // A throwing handler retries the whole batch: nothing is deleted.
      if (!handled || retriedAll) return;
      for (const m of batch.messages) if (!retried.has(m.id)) usage.queueDeletes += chunks(m.body);
    },
  };
}

export function countWorkerRequest(): void {
  usage.workerRequests += 1;
}

export function countScheduled(): void {
  usage.scheduledRuns += 1;
  usage.workerRequests += 1;
}

export function countAlarm(className: string): void {
  add(usage.doAlarms, className);
}

/**
 * SQL cursors not yet added up: their counts are final once they are read to the end,
 * so they are added when the usage is read (a cost run makes a few thousand).
 */
const openCursors = new Set<SqlStorageCursor<Record<string, SqlStorageValue>>>();

function foldCursors(): void {
  for (const cursor of openCursors) {
    usage.doRowsRead += cursor.rowsRead;
    usage.doRowsWritten += cursor.rowsWritten;
  }
  openCursors.clear();
}

const meteredPrototypes = new WeakSet<object>();

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

function wrapMethod(proto: object, name: string, before: (args: unknown[]) => void, after?: (result: unknown) => void): void {
  const original = Reflect.get(proto, name) as AnyMethod | undefined;
  if (typeof original !== "function") return;
  Reflect.set(proto, name, function (this: unknown, ...args: unknown[]) {
    before(args);
    const result = original.apply(this, args);
    after?.(result);
    return result;
  });
}

const keyCount = (first: unknown) => (Array.isArray(first) ? first.length : typeof first === "object" && first !== null ? Object.keys(first).length : 1);

/**
 * Counts Durable Object SQLite storage for every object of the isolate: rows read and
 * written by each SQL cursor, one row per key of the storage API, one row written per
 * alarm set or deleted (developers.cloudflare.com/durable-objects/platform/pricing/).
 * The runtime's storage classes are patched, not wrapped: the DurableObject base
 * class takes only the runtime's own state object.
 */
export function meterStorage(ctx: DurableObjectState): void {
  const storage = ctx.storage;
  const storageProto = Object.getPrototypeOf(storage) as object;
  const sqlProto = Object.getPrototypeOf(storage.sql) as object;
  if (!meteredPrototypes.has(sqlProto)) {
    meteredPrototypes.add(sqlProto);
    wrapMethod(
      sqlProto,
      "exec",
      () => {},
      (cursor) => openCursors.add(cursor as SqlStorageCursor<Record<string, SqlStorageValue>>),
    );
  }
  if (!meteredPrototypes.has(storageProto)) {
    meteredPrototypes.add(storageProto);
    wrapMethod(storageProto, "get", (args) => (usage.doRowsRead += keyCount(args[0])));
    for (const name of ["put", "delete"]) wrapMethod(storageProto, name, (args) => (usage.doRowsWritten += keyCount(args[0])));
    for (const name of ["setAlarm", "deleteAlarm"]) wrapMethod(storageProto, name, () => (usage.doRowsWritten += 1));
  }
}
