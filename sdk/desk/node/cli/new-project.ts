import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "./options.js";

/**
 * `hearth new NAME`: a TypeScript appliance project in the folder NAME, a
 * kettle to start from: its thing model, firmware (a heater relay and a
 * water sensor on the H1), the simulated water around it, an image entry, a
 * test, and a README whose commands sim, build and test it.
 */
export function newProject(rest: string[]): number {
  const name = rest[0];
  if (name === undefined || rest.length > 1) throw new UsageError("try hearth new NAME");
  // NAME is the folder, the package and the board id in the image's header: one rule for all three.
  if (!/^[a-z][a-z0-9-]{0,23}$/.test(name)) throw new UsageError(`${JSON.stringify(name)} is not a project name: 1 to 24 of a-z 0-9 -, starting with a letter (it is the board id too)`);
  const dir = resolve(name);
  if (existsSync(dir)) throw new UsageError(`${name} already exists: hearth new makes a new folder`);
  mkdirSync(join(dir, "test"), { recursive: true });
  for (const [file, text] of Object.entries(files(name))) writeFileSync(join(dir, file), text);
  console.log(`${name}/: a TypeScript appliance (model.ts, firmware.ts, app.ts, image.ts, test/, README.md)`);
  console.log(`  cd ${name} && npm install && npx hearth sim app.ts --speed 60`);
  return 0;
}

function files(name: string): Record<string, string> {
  const id = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return {
    "package.json": `${JSON.stringify(
      {
        name,
        version: "1.0.0",
        private: true,
        type: "module",
        scripts: {
          sim: "hearth sim app.ts --speed 60",
          keys: "hearth keys new --out keys",
          build: `hearth build image.ts --board ${name} --key keys/hearth.key --out ${name}.hfw`,
          test: "node --test test/",
        },
        dependencies: { hearth: "^0.1.0" },
      },
      null,
      2,
    )}\n`,
    "tsconfig.json": `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true }, include: ["*.ts"] }, null, 2)}\n`,
    ".gitignore": "node_modules/\nkeys/hearth.key\n*.hfw\n*.flash\n",
    "model.ts": `import { defineModel, type Props } from "hearth/sdk";

/** The ${name}'s thing model: what the cloud reads, sets and is told. Ids are the wire's: never reuse one. */
export const model = defineModel({
  id: "my.${id}",
  version: 1,
  properties: {
    power: { id: 1, type: "bool", access: "rw" },
    target: { id: 2, type: "number", min: 40, max: 100, step: 1, unit: "°C", access: "rw" },
    water: { id: 3, type: "number", min: -20, max: 130, step: 0.1, unit: "°C", access: "r" },
    heating: { id: 4, type: "bool", access: "r" },
  },
  actions: {},
  events: {
    ready: { id: 1, level: "info", fields: { water: { id: 1, type: "number", min: -20, max: 130, step: 0.1, unit: "°C" } } },
  },
});

export const defaults: Props<typeof model.spec> = { power: false, target: 80, water: 20, heating: false };
`,
    "wiring.ts": `/** Which H1 pin is which part of the ${name}'s board. */
export const parts = {
  /** The heater's relay: 1 = heating. */
  heater: 12,
  /** A linear water temperature sensor on ADC channel 0: 0 counts at 0 °C, 4095 at 125 °C. */
  sensor: 24,
} as const;

export const FULL_SCALE_C = 125;
`,
    "firmware.ts": `import { DigitalMode, type FirmwareContext } from "hearth/sdk";
import type { model } from "./model.js";
import { FULL_SCALE_C, parts } from "./wiring.js";

/** Heats the water to the target while the ${name} is on; says once when it is there. */
export function firmware({ io, kernel, device }: FirmwareContext<typeof model.spec>): void {
  const heater = new io.Digital({ pin: parts.heater, mode: DigitalMode.Output });
  const sensor = new io.Analog({ pin: parts.sensor });
  let toldReady = false;
  kernel.every(1000, () => {
    const water = Math.round(((sensor.read() / (2 ** sensor.resolution - 1)) * FULL_SCALE_C) * 10) / 10;
    const heat = device.get("power") && water < device.get("target");
    heater.write(heat ? 1 : 0);
    device.set("water", water);
    device.set("heating", heat);
    if (device.get("power") && !heat && !toldReady) device.emit("ready", { water });
    toldReady = device.get("power") && !heat;
  }, { task: "heat" });
}
`,
    "app.ts": `import { defineApp, oneDecimal, statusLine, type Plant } from "hearth/sim";
import { firmware } from "./firmware.js";
import { defaults, model } from "./model.js";
import { FULL_SCALE_C, parts } from "./wiring.js";

/** The ${name} as the simulator runs it: switched on, a litre of water at 20 °C. */
export const app = defineApp({
  name: "${name}",
  firmwareVersion: "1.0.0",
  boardId: "${name}",
  model,
  initial: { ...defaults, power: true },
  firmware,
  createPlant: (h1): Plant => {
    let waterC = 20;
    return {
      // 2 kW into a litre of water (4186 J/K), losing heat to a 20 °C kitchen.
      step(dtS) {
        const heating = h1.level(parts.heater) === 1;
        waterC += ((heating ? 2000 : 0) - 1.5 * (waterC - 20)) * dtS / 4186;
        h1.setAnalog(parts.sensor, Math.round((Math.min(FULL_SCALE_C, Math.max(0, waterC)) / FULL_SCALE_C) * 4095));
      },
      readings: () => ({ waterC }),
    };
  },
  status: (s, r) => statusLine([\`water \${oneDecimal(r["waterC"])} °C → \${s.target} °C\`, s.power ? (s.heating ? "heating" : "on") : "off"]),
});
`,
    "image.ts": `import { defineEngine } from "hearth/sdk";
import { firmware } from "./firmware.js";
import { defaults, model } from "./model.js";

/** What goes into the firmware image (hearth build image.ts): nothing of the simulator. */
export { firmware, model, defaults as initial };
export const engine = defineEngine({ firmware, model, initial: defaults });
`,
    "test/heats.test.mjs": `import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const project = join(dirname(fileURLToPath(import.meta.url)), "..");
const hearth = join(dirname(fileURLToPath(import.meta.resolve("hearth/package.json"))), "dist/sdk/desk/node/cli/main.js");

test("the ${name} heats a litre of water to its target within ten simulated minutes, and holds it", () => {
  const out = execFileSync(process.execPath, [hearth, "sim", "app.ts", "--speed", "2000", "--duration", "10m", "--json", "--port", "0"], { cwd: project, encoding: "utf8" });
  const summary = JSON.parse(out.trim().split("\\n").at(-1));
  assert.equal(summary.faults, 0);
  assert.equal(summary.cloud.online, true);
  assert.ok(Math.abs(summary.readings.waterC - 80) < 3, \`water at \${summary.readings.waterC} °C\`);
});
`,
    "README.md": `# ${name}

A Hearth appliance: a kettle to start from. \`model.ts\` is its thing model (what the cloud reads and
sets), \`firmware.ts\` runs on the H1 (a heater relay and a water sensor, \`wiring.ts\`), \`app.ts\` is
how the simulator runs it (the water around the chip), \`image.ts\` is what goes into a firmware image.

\`\`\`sh
npm install
npx hearth sim app.ts --speed 60            # on a simulated board, with the web console on http://127.0.0.1:8080/
npm test                                    # ten simulated minutes: the water reaches its target
npx hearth keys new --out keys              # a signing key pair (keep keys/hearth.key secret)
npx hearth build image.ts --board ${name} --key keys/hearth.key --out ${name}.hfw
npx hearth image inspect ${name}.hfw --pub keys/hearth.pub
\`\`\`

While it runs, \`npx hearth get sim-${name}-1 --app app.ts --broker <the backend URL hearth sim prints>\`
reads its state, \`hearth set ... target=95\` sets it and \`hearth watch --app app.ts\` shows every frame.
\`hearth COMMAND --help\` explains each command.
`,
  };
}
