/** The console's page: a shell and its styles; page/main.ts fills it in. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hearth console</title>
<style>
  :root { --bg: #f4f1ec; --card: #fff; --ink: #222; --dim: #777; --line: #e2ddd5; --accent: #c4501a; --ok: #2e7d32; --bad: #c62828; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--ink); }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 16px; background: #2b2420; color: #fff; }
  header select { font: inherit; }
  header h1 { font-size: 18px; margin: 0; font-weight: 600; }
  header .clock { font-variant-numeric: tabular-nums; opacity: .85; }
  header .spacer { flex: 1; }
  .source-note { margin: 12px 16px 0; padding: 8px 12px; background: #fff8e6; border: 1px solid #ecd9a8; border-radius: 8px; font-size: 13px; }
  .source-note .missing { color: var(--bad); }
  /* One column on a phone, as many 520 px columns as fit up to a wall screen; nothing wider than the window. */
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 520px), 1fr)); gap: 16px; padding: 16px; max-width: 100vw; }
  @media (max-width: 600px) { main { padding: 8px; gap: 10px; } section.device { padding: 10px; } }
  section.device { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px; display: flex; flex-direction: column; gap: 10px; min-width: 0; }
  section.device > * { min-width: 0; max-width: 100%; }
  h3 { font-size: 13px; font-weight: 600; color: var(--dim); margin: 0 4px 0 0; }
  .title { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; }
  .title h2 { margin: 0; font-size: 16px; }
  .title .app { color: var(--dim); }
  .badge { font-size: 12px; padding: 1px 8px; border-radius: 10px; background: var(--line); }
  .badge.online { background: #dff0e0; color: var(--ok); }
  .badge.offline { background: #fbe0e0; color: var(--bad); }
  .status { font-family: ui-monospace, monospace; font-size: 12px; color: #444; background: #faf8f5; padding: 6px 8px; border-radius: 6px; overflow-wrap: anywhere; }
  table.props { border-collapse: collapse; width: 100%; }
  table.props th, table.props td { padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: middle; text-align: left; }
  table.props th.name { color: var(--dim); font-weight: normal; width: 32%; }
  table.props td.value { font-variant-numeric: tabular-nums; font-weight: 600; width: 28%; }
  table.props td.edit { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
  /* On a phone a property is two lines: its name and value, then its editor. */
  @media (max-width: 600px) {
    table.props tr { display: grid; grid-template-columns: 1fr auto; border-bottom: 1px solid var(--line); }
    table.props th, table.props td { border: 0; width: auto !important; }
    table.props td.edit { grid-column: 1 / -1; }
    table.props td.edit:empty { display: none; }
  }
  input[type=number] { width: 90px; }
  input, select, button { max-width: 100%; }
  .refusal { color: var(--bad); font-size: 12px; flex-basis: 100%; }
  .refusal:empty { display: none; }
  .happened { font-size: 12px; color: var(--accent); flex-basis: 100%; }
  .param { display: inline-flex; gap: 4px; align-items: center; color: var(--dim); }
  .actions { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
  button { font: inherit; padding: 3px 10px; border: 1px solid #bbb; border-radius: 6px; background: #fff; cursor: pointer; }
  button:hover { border-color: var(--accent); }
  button.danger { color: var(--bad); }
  .row { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
  .row .label { color: var(--dim); margin-right: 4px; }
  .chart .plot { width: 100%; min-height: 200px; border: 1px solid var(--line); border-radius: 6px; background: #fffdfa; overflow: hidden; }
  .chart-tools { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 4px; }
  .series { display: flex; flex-wrap: wrap; gap: 8px; font-size: 12px; border: 0; padding: 0; margin: 0; }
  .series legend { color: var(--dim); padding: 0; margin-right: 6px; float: left; }
  figure.view { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fffdfa; }
  figure.view figcaption { font-size: 13px; font-weight: 600; color: var(--dim); margin-bottom: 6px; }
  figure.view p { margin: 6px 0 0; font-size: 12px; }
  .floor-map svg { width: 100%; height: auto; display: block; }
  .floor-map .wall { fill: #5d544c; }
  .floor-map .drop { fill: #c8b8a6; }
  .floor-map .room { fill: none; }
  .floor-map .room-name { font-size: 1.1px; fill: #8b8178; text-anchor: middle; dominant-baseline: middle; }
  .floor-map .dock { fill: var(--ok); }
  .floor-map .dock-name { font-size: 0.9px; fill: var(--ok); text-anchor: middle; }
  .floor-map .path polyline { fill: none; stroke: #1f6fb2; stroke-opacity: .45; stroke-width: .55; stroke-linejoin: round; stroke-linecap: round; }
  .floor-map .robot { fill: var(--accent); stroke: #fff; stroke-width: .12; }
  .timeline-row { display: grid; grid-template-columns: minmax(60px, auto) 1fr auto; gap: 6px; align-items: center; font-size: 12px; margin: 3px 0; }
  .timeline .timeline-row { grid-template-columns: minmax(60px, auto) 1fr; }
  .bar { position: relative; display: flex; height: 20px; background: #f1ede7; border-radius: 4px; overflow: hidden; }
  .bar .phase { overflow: hidden; white-space: nowrap; text-overflow: clip; font-size: 11px; line-height: 20px; padding-left: 3px; color: #fff; border-right: 1px solid #fff; }
  .phase-filling { background: #1f6fb2; } .phase-heating { background: #c4501a; } .phase-washing { background: #2e7d32; }
  .phase-draining { background: #607d8b; } .phase-rinsing { background: #00838f; } .phase-spinning { background: #8e44ad; }
  .phase-locking, .phase-paused, .phase-cancelling, .phase-idle, .phase-done { background: #9e9e9e; }
  .strip .on { position: absolute; top: 0; bottom: 0; background: var(--accent); opacity: .75; }
  .strip-info { color: var(--dim); white-space: nowrap; }
  .series label { display: flex; gap: 3px; align-items: center; }
  .log { font-family: ui-monospace, monospace; font-size: 12px; height: 130px; overflow-y: auto; background: #faf8f5; border-radius: 6px; padding: 6px 8px; }
  .log div.fault { color: var(--accent); }
  .log div.reset { color: var(--ok); font-weight: 600; }
  .log div.log { color: var(--bad); }
  .error { color: var(--bad); font-size: 12px; min-height: 1em; }
  .front-panel svg.digits { max-width: 100%; }
  .front-panel { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; background: #1d1b1a; border-radius: 10px; padding: 10px 14px; }
  .front-panel svg.digits { height: 54px; background: #0c0b0b; border-radius: 6px; padding: 4px; }
  .front-panel svg.digits path, .front-panel svg.digits circle { fill: #2a1512; }
  .front-panel svg.digits .on { fill: #ff5a2c; filter: drop-shadow(0 0 3px #ff5a2c); }
  .front-panel .lights { display: flex; flex-wrap: wrap; gap: 6px; max-width: 220px; }
  .front-panel .light { font-size: 11px; color: #8a817a; padding-left: 12px; position: relative; }
  .front-panel .light::before { content: ""; position: absolute; left: 0; top: 4px; width: 7px; height: 7px; border-radius: 50%; background: #3a3431; }
  .front-panel .light.on { color: #f2ebe4; }
  .front-panel .light.on::before { background: #7dff7a; box-shadow: 0 0 5px #7dff7a; }
  .front-panel .keys { display: flex; flex-wrap: wrap; gap: 6px; }
  .front-panel button.key { background: #2f2b29; color: #f2ebe4; border-color: #4a4441; border-radius: 16px; min-width: 56px; }
  .front-panel button.key:active { background: #4a4441; }
  aside.matter { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: center; margin: 16px 16px 0; padding: 14px; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
  aside.matter[hidden] { display: none; }
  aside.matter svg { width: 168px; height: 168px; flex: none; }
  aside.matter h2 { margin: 0 0 4px; font-size: 16px; }
  aside.matter p { margin: 4px 0; }
  aside.matter .matter-code strong { font-size: 20px; letter-spacing: .05em; font-variant-numeric: tabular-nums; }
  aside.matter .matter-payload { font-family: ui-monospace, monospace; font-size: 12px; color: var(--dim); }
  @media (max-width: 600px) { aside.matter { margin: 8px 8px 0; } }
</style>
</head>
<body>
<header><h1>Hearth console</h1><span class="clock" data-clock aria-live="off">connecting…</span><span class="spacer"></span><button data-broker-restart>Restart broker</button></header>
<p class="source-note" data-source-note hidden></p>
<main data-devices></main>
<script type="module" src="/console.js"></script>
</body>
</html>
`;
