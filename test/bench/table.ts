import { mkdirSync, writeFileSync } from "node:fs";

export type Figures = Record<string, number>;

/** Prints figures as a table and writes them to bench-results/NAME.json. */
export function report(name: string, figures: Figures, notes: Record<string, string> = {}): void {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  console.log(`\n${name}`);
  const shown = Object.values(figures).map((v) => (Number.isInteger(v) ? String(v) : v.toPrecision(4)));
  const valueWidth = Math.max(5, ...shown.map((v) => v.length));
  console.log(`| ${"figure".padEnd(width)} | ${"value".padStart(valueWidth)} | note`);
  console.log(`|${"-".repeat(width + 2)}|${"-".repeat(valueWidth + 2)}|------`);
  Object.keys(figures).forEach((key, i) => {
    console.log(`| ${key.padEnd(width)} | ${shown[i]!.padStart(valueWidth)} | ${notes[key] ?? ""}`);
  });
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(`bench-results/${name}.json`, `${JSON.stringify(figures, null, 2)}\n`);
}

/** Runs `fn` repeatedly for about `ms` and returns calls per second (after a warm-up). */
export function opsPerSecond(fn: () => void, ms = 1000): number {
  const warmEnd = performance.now() + ms / 5;
  while (performance.now() < warmEnd) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}
