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
  header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #2b2420; color: #fff; }
  header h1 { font-size: 18px; margin: 0; font-weight: 600; }
  header .clock { font-variant-numeric: tabular-nums; opacity: .85; }
  header .spacer { flex: 1; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; padding: 16px; }
  section.device { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px; display: flex; flex-direction: column; gap: 10px; }
  .title { display: flex; align-items: baseline; gap: 10px; }
  .title h2 { margin: 0; font-size: 16px; }
  .title .app { color: var(--dim); }
  .badge { font-size: 12px; padding: 1px 8px; border-radius: 10px; background: var(--line); }
  .badge.online { background: #dff0e0; color: var(--ok); }
  .badge.offline { background: #fbe0e0; color: var(--bad); }
  .status { font-family: ui-monospace, monospace; font-size: 12px; color: #444; background: #faf8f5; padding: 6px 8px; border-radius: 6px; }
  table.props { border-collapse: collapse; width: 100%; }
  table.props td { padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: middle; }
  table.props td.name { color: var(--dim); width: 30%; }
  table.props td.value { font-variant-numeric: tabular-nums; font-weight: 600; width: 25%; }
  input[type=number] { width: 90px; }
  button { font: inherit; padding: 3px 10px; border: 1px solid #bbb; border-radius: 6px; background: #fff; cursor: pointer; }
  button:hover { border-color: var(--accent); }
  button.danger { color: var(--bad); }
  .row { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
  .row .label { color: var(--dim); margin-right: 4px; }
  canvas { width: 100%; height: 180px; border: 1px solid var(--line); border-radius: 6px; background: #fffdfa; }
  .series { display: flex; flex-wrap: wrap; gap: 8px; font-size: 12px; }
  .series label { display: flex; gap: 3px; align-items: center; }
  .log { font-family: ui-monospace, monospace; font-size: 12px; height: 130px; overflow-y: auto; background: #faf8f5; border-radius: 6px; padding: 6px 8px; }
  .log div.fault { color: var(--accent); }
  .log div.reset { color: var(--ok); font-weight: 600; }
  .log div.log { color: var(--bad); }
  .error { color: var(--bad); font-size: 12px; min-height: 1em; }
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
</style>
</head>
<body>
<header><h1>Hearth console</h1><span class="clock" data-clock>connecting…</span><span class="spacer"></span><button data-broker-restart>Restart broker</button></header>
<main data-devices></main>
<script type="module" src="/console.js"></script>
</body>
</html>
`;
