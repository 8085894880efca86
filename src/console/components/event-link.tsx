import { href } from "../env";

/** A link to an event's page, its id in monospace. */
export function EventLink({ id }: { id: string }) {
  return (
    <a class="mono id" href={href(`/events/${encodeURIComponent(id)}`)}>
      {id}
    </a>
  );
}
