// What the gateway needs on the account (read from wrangler.toml), what is there,
// and the plan that closes the gap: create what is missing, write new ids back.
import { setTomlValue } from "./toml-ids.mjs";

/**
 * @param {{ name: string, d1_databases?: any[], kv_namespaces?: any[], queues?: any, r2_buckets?: any[] }} config
 *   wrangler's parsed configuration (unstable_readConfig)
 */
export function requiredResources(config) {
  const queues = new Set();
  for (const producer of config.queues?.producers ?? []) queues.add(producer.queue);
  for (const consumer of config.queues?.consumers ?? []) {
    queues.add(consumer.queue);
    if (consumer.dead_letter_queue) queues.add(consumer.dead_letter_queue);
  }
  return {
    d1: (config.d1_databases ?? []).map((db) => ({ binding: db.binding, name: db.database_name, id: db.database_id })),
    // wrangler's own convention for a namespace it creates: "<worker>-<binding>".
    kv: (config.kv_namespaces ?? []).map((ns) => ({ binding: ns.binding, name: `${config.name}-${ns.binding}`, id: ns.id })),
    queues: [...queues].map((name) => ({ name })),
    r2: (config.r2_buckets ?? []).map((bucket) => ({ binding: bucket.binding, name: bucket.bucket_name })),
  };
}

/**
 * One step per resource: `exists` (nothing to do, maybe an id to write), `create`.
 * With no account to read (`api` undefined), every resource is planned as `create`.
 */
export async function planResources(required, api) {
  const steps = [];
  const queueNames = api ? await api.queueNames() : new Set();
  for (const db of required.d1) {
    const id = api ? await api.findD1(db.name) : undefined;
    steps.push({ kind: "D1 database", ...db, foundId: id, action: id ? "exists" : "create", writeId: id !== db.id });
  }
  for (const ns of required.kv) {
    const id = api ? await api.findKv(ns.name) : undefined;
    steps.push({ kind: "KV namespace", ...ns, foundId: id, action: id ? "exists" : "create", writeId: id !== ns.id });
  }
  for (const queue of required.queues) {
    steps.push({ kind: "Queue", ...queue, action: queueNames.has(queue.name) ? "exists" : "create", writeId: false });
  }
  for (const bucket of required.r2) {
    const exists = api ? await api.r2Exists(bucket.name) : false;
    steps.push({ kind: "R2 bucket", ...bucket, action: exists ? "exists" : "create", writeId: false });
  }
  return steps;
}

/** One line per step, as the plan and the run print them. */
export function describeStep(step) {
  const binding = step.binding ? ` (binding ${step.binding})` : "";
  if (step.action === "exists") {
    const id = step.writeId ? `; write its id ${step.foundId} to wrangler.toml` : "";
    return `${step.kind} "${step.name}"${binding}: exists${id}`;
  }
  const id = step.kind === "D1 database" || step.kind === "KV namespace" ? ", then write its id to wrangler.toml" : "";
  return `${step.kind} "${step.name}"${binding}: create${id}`;
}

/**
 * Creates what the plan says is missing and returns wrangler.toml's text with every
 * id that changed written in.
 * @param {(line: string) => void} [say]
 */
export async function applyResources(steps, api, tomlText, say = () => {}) {
  let text = tomlText;
  for (const step of steps) {
    let id = step.foundId;
    if (step.action === "create") {
      if (step.kind === "D1 database") id = await api.createD1(step.name);
      else if (step.kind === "KV namespace") id = await api.createKv(step.name);
      else if (step.kind === "Queue") await api.createQueue(step.name);
      else if (step.kind === "R2 bucket") await api.createR2(step.name);
      say(`created ${step.kind} "${step.name}"${id ? ` (${id})` : ""}`);
    }
    if (step.kind === "D1 database" && id !== step.id) {
      text = setTomlValue(text, { table: "d1_databases", matchKey: "binding", matchValue: step.binding, key: "database_id", value: id });
    }
    if (step.kind === "KV namespace" && id !== step.id) {
      text = setTomlValue(text, { table: "kv_namespaces", matchKey: "binding", matchValue: step.binding, key: "id", value: id });
    }
  }
  return text;
}
