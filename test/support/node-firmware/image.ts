// A firmware that reaches for Node: the build must refuse it.
import { readFileSync } from "node:fs";

export const firmware = (): string => readFileSync("/etc/hostname", "utf8");
