import { readFileSync, writeFileSync } from "node:fs";
import { withOptionTables } from "./commands.js";

/** `node dist/sdk/desk/node/cli/readme-options.js [README.md]`: rewrites the README's option tables from the CLI's own table. */
const file = process.argv[2] ?? "README.md";
writeFileSync(file, withOptionTables(readFileSync(file, "utf8")));
