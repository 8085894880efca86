import type { Handler } from "hono";
import type { ConsoleEnv } from "./env";

/**
 * The console's only two static files, served by the Worker (no build step, no CDN).
 * The script is progressive: every page works without it.
 */

const css = `
:root{--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;--card:#fff;--accent:#0550ae;--focus:#0550ae;
--routed:#1a7f37;--delivering:#0969da;--held:#57606a;--queued:#6e7781;--partially_failed:#bc4c00;--unmatched:#8250df;--invalid:#9a6700;--dead:#cf222e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--focus);outline-offset:2px;box-shadow:0 0 0 5px #fff}
.skip{position:absolute;left:-10000px;top:.5rem;z-index:10;background:#fff;color:var(--ink);padding:.5rem 1rem;border:2px solid var(--ink)}
.skip:focus{left:.5rem}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
header.top{background:#24292f;color:#fff}
header.top .bar{max-width:72rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
header.top a{color:#fff}
header.top a:focus-visible,header.top button:focus-visible{outline-color:#ffd33d;box-shadow:0 0 0 5px #24292f}
.brand{font-weight:700;text-decoration:none;font-size:1.1rem}
nav.main ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
nav.main a{text-decoration:none;padding:.25rem .1rem;border-bottom:3px solid transparent}
nav.main a[aria-current=page]{border-bottom-color:#ffd33d}
.who{margin-left:auto;display:flex;gap:.75rem;align-items:center;font-size:.9rem}
.who form{margin:0}
.who button{background:transparent;color:#fff;border:1px solid #8c959f}
main{max-width:72rem;margin:0 auto;padding:1rem}
main:focus{outline:none;box-shadow:none}
h1{font-size:1.5rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:1.75rem 0 .75rem}
h3{font-size:1rem;margin:1rem 0 .5rem}
figure{margin:0}
section.card>h2:first-child,section.card>figure h2,.chart figcaption h2{margin-top:0}
section.card,.panel{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:1rem;margin:0 0 1rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;margin:0 0 1rem;padding:0}
.cards>div{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.75rem}
.cards dt{font-size:.85rem;color:var(--muted)}
.cards dd{margin:0;font-size:1.35rem;font-weight:600}
.cards dd small{font-size:.85rem;font-weight:400;color:var(--muted);display:block}
.cards .alert{border-color:var(--dead);border-width:2px;background:#fff5f5}
.cards .alert dd{color:#a40e26}
.cards .warn{border-color:var(--partially_failed);border-width:2px;background:#fff8f0}
.notice{border-left:4px solid var(--routed);background:#f0fff4;padding:.5rem 1rem;margin:0 0 1rem}
.error{border-left:4px solid var(--dead);background:#fff5f5;padding:.5rem 1rem;margin:0 0 1rem}
.hint{color:var(--muted);font-size:.9rem}
button,.button{font:inherit;font-size:.95rem;padding:.4rem .9rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;cursor:pointer;text-decoration:none;display:inline-block;white-space:nowrap}
button.secondary,.button.secondary{background:#f6f8fa;color:var(--ink);border-color:var(--line)}
button.danger{background:#cf222e;border-color:#a40e26}
form.inline{display:inline;margin:0}
label{display:block;font-weight:600;font-size:.9rem;margin-bottom:.2rem}
input,select,textarea{font:inherit;font-size:1rem;padding:.35rem .5rem;border:1px solid #8c959f;border-radius:6px;background:#fff;color:var(--ink);max-width:100%}
textarea{width:100%;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.75rem;align-items:end}
.filters input,.filters select{width:100%}
.filters p{margin:0}
.actions-row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.75rem 0}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:var(--card);font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
.id{overflow-wrap:anywhere}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:.75rem;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere;max-height:32rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.8rem;font-weight:600;border:1px solid;white-space:nowrap}
.badge.s-routed,.badge.s-succeeded{color:#116329;background:#dafbe1;border-color:#4ac26b}
.badge.s-delivering,.badge.s-pending,.badge.s-held{color:#0550ae;background:#ddf4ff;border-color:#54aeff}
.badge.s-queued{color:#424a53;background:#eaeef2;border-color:#afb8c1}
.badge.s-partially_failed,.badge.s-retryable{color:#953800;background:#fff1e5;border-color:#fb8f44}
.badge.s-unmatched{color:#6639ba;background:#fbefff;border-color:#c297ff}
.badge.s-invalid{color:#7d4e00;background:#fff8c5;border-color:#d4a72c}
.badge.s-dead,.badge.s-failed{color:#a40e26;background:#ffebe9;border-color:#ff8182}
.badge.role{color:#24292f;background:#ffd33d;border-color:#ffd33d}
tr.dead td{background:#fff5f5}
.f-routed{fill:var(--routed)}.f-delivering{fill:var(--delivering)}.f-held{fill:var(--held)}.f-queued{fill:var(--queued)}.f-partially_failed{fill:var(--partially_failed)}
.f-unmatched{fill:var(--unmatched)}.f-invalid{fill:var(--invalid)}.f-dead{fill:var(--dead)}
/* rtl scroll origin: on a narrow screen the chart opens on its newest end. */
.chart-scroll{overflow-x:auto;direction:rtl}
.chart-scroll svg{direction:ltr}
.chart svg{width:100%;height:auto;display:block;min-width:34rem}
.chart .axis{stroke:#8c959f;stroke-width:1}
.chart .grid{stroke:#eaeef2;stroke-width:1}
.chart text{fill:var(--muted);font-size:11px}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;margin:.5rem 0 0;font-size:.85rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
.swatch.s-routed{background:var(--routed)}.swatch.s-delivering{background:var(--delivering)}.swatch.s-held{background:var(--held)}.swatch.s-queued{background:var(--queued)}
.swatch.s-partially_failed{background:var(--partially_failed)}.swatch.s-unmatched{background:var(--unmatched)}.swatch.s-invalid{background:var(--invalid)}.swatch.s-dead{background:var(--dead)}
.windows{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0;margin:0 0 1rem}
.windows a{display:inline-block;padding:.15rem .6rem;border:1px solid var(--line);border-radius:1rem;background:#fff;text-decoration:none}
.windows a[aria-current=page]{background:var(--accent);color:#fff;border-color:var(--accent)}
ol.story{padding-left:1.5rem;margin:0}
ol.story>li{margin:0 0 1rem}
ol.story>li>h3{margin:.25rem 0}
ul.routes,ul.plain{list-style:none;padding:0;margin:.25rem 0}
ul.routes>li{padding:.4rem .6rem;border-left:4px solid var(--line);margin:.25rem 0;background:#fff}
ul.routes>li.matched{border-left-color:var(--routed);background:#f0fff4}
ul.routes>li.not_matched{border-left-color:#afb8c1}
ul.routes>li.skipped{color:var(--muted)}
.verdict{font-weight:600}
ul.tree{list-style:none;padding-left:1.1rem;margin:.25rem 0;border-left:1px dotted #afb8c1}
.yes{color:#116329;font-weight:700}.no{color:#a40e26;font-weight:700}
details>summary{cursor:pointer;color:var(--accent)}
ol.flow{display:grid;gap:.75rem;list-style:none;padding:0;margin:0}
.flow-row{display:grid;grid-template-columns:minmax(8rem,1fr) 1.5rem minmax(10rem,2fr) 1.5rem minmax(10rem,2fr);gap:.5rem;align-items:stretch}
.flow-row>.box{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem .75rem}
.flow-row .arrow{display:flex;align-items:center;justify-content:center;color:var(--muted);font-size:1.25rem}
.flow-head{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.box h3{margin:0 0 .25rem}
.box ul{margin:.25rem 0 0;padding-left:1.1rem}
meter{width:6rem;vertical-align:middle}
footer{max-width:72rem;margin:2rem auto;padding:0 1rem;color:var(--muted);font-size:.85rem}
.login{max-width:26rem;margin:3rem auto}
.login input{width:100%}
@media (max-width:48rem){
 .flow-row{grid-template-columns:1fr}
 .flow-row .arrow{transform:rotate(90deg);height:1.25rem}
 .flow-head{display:none}
 .who{margin-left:0}
}
@media (max-width:40rem){
 main{padding:.75rem}
 table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
 table.stack tr{border:1px solid var(--line);border-radius:6px;margin:0 0 .5rem;background:#fff}
 table.stack td{border:0;position:relative;padding:.2rem .5rem .2rem 8rem;min-height:1.8rem;overflow-wrap:anywhere}
 table.stack td::before{content:attr(data-label);position:absolute;left:.5rem;width:7rem;color:var(--muted);font-weight:600}
 table.stack td.num{text-align:left}
 dl.facts{grid-template-columns:1fr}
 dl.facts dd{margin-bottom:.4rem}
}
`;

const js = `// The console's only script. Pages showing work in progress (data-refresh on <body>)
// reload themselves until it settles; the operator can pause that, and it waits while
// a form field has focus. Everything else works without JavaScript.
(function () {
  var seconds = Number(document.body.getAttribute("data-refresh") || 0);
  var control = document.getElementById("refresh-control");
  if (!seconds || !control) return;
  var status = control.querySelector("[data-status]");
  var button = control.querySelector("button");
  var timer;
  function busy() {
    var el = document.activeElement;
    return el && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }
  function schedule() {
    timer = setTimeout(function () {
      if (busy()) return schedule();
      location.reload();
    }, seconds * 1000);
  }
  control.hidden = false;
  button.addEventListener("click", function () {
    clearTimeout(timer);
    status.textContent = "Auto-refresh paused. Reload the page to see changes.";
    button.hidden = true;
  });
  schedule();
})();
`;

/** The two files, by name: what `GET /console/assets/:name` serves. */
export const consoleAssets: Record<string, { body: string; type: string }> = {
  "console.css": { body: css, type: "text/css; charset=utf-8" },
  "console.js": { body: js, type: "text/javascript; charset=utf-8" },
};

/** Public (the login page needs the stylesheet) and data-free, so no session is required. */
export const serveAsset: Handler<ConsoleEnv> = (c) => {
  const asset = consoleAssets[c.req.param("name") ?? ""];
  if (!asset) return c.text("Not found", 404);
  return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=300" });
};
