import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { href } from "../env";
import type { Session } from "../session";
import { PostButton } from "./post-button";

export type Section = "overview" | "kpis" | "events" | "routing" | "simulate";

const sections: { id: Section; label: string; path: string }[] = [
  { id: "overview", label: "Overview", path: "" },
  { id: "kpis", label: "KPIs", path: "/kpis" },
  { id: "events", label: "Events", path: "/events" },
  { id: "routing", label: "Routing", path: "/routing" },
  { id: "simulate", label: "Simulate", path: "/simulate" },
];

export interface LayoutProps {
  title: string;
  /** Absent on the login and error pages. */
  session?: Session;
  active?: Section;
  /** Reload the page every this many seconds (console.js), with a pause button. */
  refreshSeconds?: number;
  children?: Child;
}

/** Every page: skip link, navigation, who is signed in, the main landmark. */
export function Layout({ title, session, active, refreshSeconds, children }: LayoutProps) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light" />
          <title>{`${title} · Switchboard console`}</title>
          <link rel="stylesheet" href={href("/assets/console.css")} />
          <script src={href("/assets/console.js")} defer></script>
        </head>
        <body data-refresh={refreshSeconds ? String(refreshSeconds) : undefined}>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <div class="bar">
              <a class="brand" href={href("")}>
                Switchboard
              </a>
              {session ? (
                <nav class="main" aria-label="Console">
                  <ul>
                    {sections.map((s) => (
                      <li>
                        <a href={href(s.path)} aria-current={s.id === active ? "page" : undefined}>
                          {s.label}
                        </a>
                      </li>
                    ))}
                  </ul>
                </nav>
              ) : null}
              {session ? (
                <div class="who">
                  <span class="badge role">{session.role === "admin" ? "admin" : "read-only"}</span>
                  <PostButton action={href("/logout")} csrf={session.csrf} label="Sign out" variant="secondary" />
                </div>
              ) : null}
            </div>
          </header>
          <main id="main" tabindex={-1}>
            {refreshSeconds ? (
              <p id="refresh-control" class="hint" hidden>
                <span data-status role="status">{`Updating every ${refreshSeconds} s.`}</span>{" "}
                <button type="button" class="secondary">
                  Pause auto-refresh
                </button>
              </p>
            ) : null}
            {children}
          </main>
          <footer>Switchboard operator console · times in UTC</footer>
        </body>
      </html>
    </>
  );
}
