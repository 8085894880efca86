import { DurableObject } from "cloudflare:workers";
export class SourceInbox extends DurableObject {}
export default { fetch: () => new Response("ok") } satisfies ExportedHandler<Env>;
