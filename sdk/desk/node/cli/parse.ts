import { parseArgs } from "node:util";
import { closest, COMMANDS, OPTIONS, optionNames, type OptionName, type OptionSpec, type OptionValues } from "./commands.js";
import { joinNegativeValues, UsageError } from "./options.js";

export interface CommandLine {
  /** A command of COMMANDS, or "help" / "version" for the global switches. */
  command: string;
  positionals: string[];
  values: OptionValues;
}

/**
 * Reads `hearth COMMAND [ARGS] [OPTIONS]` with COMMAND's options only (from
 * the one table in commands.ts): an unknown command or option is a
 * UsageError with the closest one there is ("did you mean").
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const first = argv[0];
  if (first === undefined || first === "--help" || first === "-h") return { command: "help", positionals: argv.slice(1), values: {} };
  if (first === "--version") return { command: "version", positionals: [], values: {} };
  if (first.startsWith("-")) throw new UsageError(`${first} before a command: try hearth COMMAND ${first} (hearth help lists the commands)`);
  if (COMMANDS[first] === undefined) {
    const near = closest(first, Object.keys(COMMANDS));
    throw new UsageError(`unknown command ${JSON.stringify(first)}; ${near === undefined ? "try hearth help" : `did you mean hearth ${near}?`}`);
  }
  const names = [...optionNames(first), "help" as const];
  const options = Object.fromEntries(names.map((n) => [n, { type: (OPTIONS[n] as OptionSpec).value === undefined ? "boolean" : "string", ...(n === "help" ? { short: "h" } : {}) }])) as Record<string, { type: "string" | "boolean"; short?: string }>;
  const valued = new Set(names.filter((n) => (OPTIONS[n] as OptionSpec).value !== undefined));
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(argv.slice(1), valued), allowPositionals: true, strict: true, options });
    return { command: first, positionals, values: values as OptionValues };
  } catch (error) {
    throw explain(error, first, names);
  }
}

/** Node's parser messages, said for this command: which option, and the one meant. */
function explain(error: unknown, command: string, names: OptionName[]): Error {
  const e = error as { code?: string; message: string };
  const option = /'(-[^' ]*)/.exec(e.message)?.[1] ?? "?";
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const bare = option.replace(/^-+/, "").split("=")[0] as string;
    const near = closest(bare, names);
    if (near !== undefined) return new UsageError(`unknown option ${option}; did you mean --${near}? (hearth ${command} --help)`);
    const elsewhere = Object.entries(COMMANDS).filter(([, c]) => c.options.some((o) => (typeof o === "string" ? o : o[0]) === bare)).map(([n]) => `hearth ${n}`);
    return new UsageError(`unknown option ${option} for hearth ${command}${elsewhere.length > 0 ? ` (it is an option of ${elsewhere.slice(0, 3).join(", ")})` : ""}; hearth ${command} --help lists its options`);
  }
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const bare = option.replace(/^-+/, "") as OptionName;
    const spec: OptionSpec | undefined = OPTIONS[bare];
    return new UsageError(spec?.value === undefined ? `${option} takes no value` : `${option} needs a value: --${bare} ${spec.value}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
