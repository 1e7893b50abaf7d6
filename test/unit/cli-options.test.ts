import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { closest, commandHelp, COMMANDS, OPTIONS, optionNames, withOptionTables } from "../../sdk/desk/node/cli/commands.js";

describe("the CLI's one table of commands and options", () => {
  it("the README's option tables are the ones the parser's table makes (node dist/sdk/desk/node/cli/readme-options.js rewrites them)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toMatch(/<!-- options: sim -->/);
    expect(withOptionTables(readme)).toBe(readme);
  });

  it("every command's help names each of its options, with an example that uses only its options", () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const help = commandHelp(name);
      expect(help, name).toContain(`Usage: ${command.usage}`);
      expect(help, name).toMatch(/Example:\n {2}hearth /);
      for (const option of optionNames(name)) expect(help, `${name} --${option}`).toContain(`--${option}`);
      for (const used of command.example.matchAll(/--([a-z-]+)/g)) expect(optionNames(name), `${name}'s example uses --${used[1]}`).toContain(used[1]);
    }
  });

  it("every option in the table is used by some command; did-you-mean finds the near one", () => {
    const used = new Set(Object.keys(COMMANDS).flatMap(optionNames));
    for (const name of Object.keys(OPTIONS)) if (name !== "help" && name !== "version") expect(used.has(name as never), name).toBe(true);
    expect(closest("sped", optionNames("sim"))).toBe("speed");
    expect(closest("buld", Object.keys(COMMANDS))).toBe("build");
    expect(closest("xyzzy", optionNames("sim"))).toBeUndefined();
  });
});
