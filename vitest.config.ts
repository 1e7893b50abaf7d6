import { defineConfig } from "vitest/config";

/**
 * Tests by kind (test/README.md): `npm run test:fast` runs the unit project
 * for the edit loop; `npm test` runs them all. The engines project (each
 * image on three engines for simulated hours, both cores busy) runs after the
 * others, so its load does not stretch their timing, two files at a time
 * (each is one core: the host waits while XS runs). The moddable project
 * (Moddable's tools built with make -j2, then every export linked) runs last,
 * so it stretches no one's timing either.
 */
const kind = (name: string, testTimeout: number, groupOrder = 0, maxWorkers?: number) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], testTimeout, sequence: { groupOrder }, ...(maxWorkers === undefined ? {} : { maxWorkers }) },
});

export default defineConfig({
  test: {
    hookTimeout: 30_000,
    projects: [kind("unit", 60_000), kind("conformance", 60_000), kind("scenario", 60_000), kind("fault", 120_000), kind("e2e", 120_000), kind("engines", 900_000, 1, 2), kind("moddable", 300_000, 2, 2)],
  },
});
