import { config } from "@matter/nodejs/config";

/**
 * Imported first by every module here that loads matter.js: matter.js's Node
 * platform would otherwise read this process's arguments, environment and a
 * config.json in the working directory as its own settings, and take over
 * signals and unhandled errors, which are the host's (the hearth CLI's).
 */
const settings = {
  loadProcessArgv: false,
  loadProcessEnv: false,
  loadConfigFile: false,
  trapProcessSignals: false,
  trapUnhandledErrors: false,
  setProcessExitCodeOnError: false,
} as const;
for (const [name, value] of Object.entries(settings)) {
  try {
    (config as unknown as Record<string, boolean>)[name] = value;
  } catch {
    // matter.js was loaded before this module (by its host, who then chose its settings): they stand.
  }
}
