import { checkDeviceId } from "../../../protocol/transport.js";
import { cloudSource, CloudSourceError } from "../../console/node/cloud-source.js";
import { startConsole } from "../../console/node/server.js";
import { fileOption, freePortOption, UsageError } from "./options.js";

export interface ConsoleArgs {
  cloud?: string | undefined;
  "token-file"?: string | undefined;
  "console-port"?: string | undefined;
}

/**
 * `hearth console --cloud URL --token-file FILE [DEVICE...]`: the web console
 * (sdk/desk/console) over a running cloud tier's HTTP API, with the same
 * security as hearth sim's (127.0.0.1, Host and Origin checked, this run's
 * token). Runs until SIGINT or SIGTERM. Node-only.
 */
export async function consoleCommand(devices: string[], values: ConsoleArgs): Promise<number> {
  if (values.cloud === undefined) throw new UsageError("hearth console needs --cloud URL, the HTTP API of hearth cloud serve (http://127.0.0.1:8081); a simulator's console comes with hearth sim");
  const url = apiUrl(values.cloud);
  if (values["token-file"] === undefined) throw new UsageError("hearth console needs --token-file FILE: a file holding a bearer token of one of the API's clients (a line of its own)");
  const token = tokenOf(values["token-file"]);
  for (const id of devices) {
    try {
      checkDeviceId(id);
    } catch {
      throw new UsageError(`${JSON.stringify(id)} is not a device id: 1 to 64 of A-Z a-z 0-9 _ -`);
    }
  }
  const port = values["console-port"] === undefined ? 8080 : await freePortOption("console-port", values["console-port"]);
  const source = await cloudSource({ url, token, devices }).catch((error: unknown) => {
    throw error instanceof CloudSourceError ? new UsageError(error.message) : error;
  });
  const web = await startConsole({ source, port, printedBy: "hearth console" }).catch(async (error: unknown) => {
    await source.close();
    throw error;
  });
  const info = source.info();
  if (info.kind === "cloud") {
    console.log(`cloud   ${info.url}: ${info.shown} device${info.shown === 1 ? "" : "s"} shown${devices.length === 0 ? ` of the ${info.devices} it lists (name devices to choose: hearth console ... ID ID)` : ""}`);
    if (info.missing.length > 0) console.log(`waiting ${info.missing.join(", ")}: not known to the cloud yet (shown once they say hello)`);
  }
  console.log(`console ${web.url}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await web.close();
  await source.close();
  return 0;
}

function apiUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--cloud must be the HTTP API's URL (http://HOST:PORT, as hearth cloud serve prints it), got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--cloud must be an http:// or https:// URL (the API hearth cloud serve prints), got ${JSON.stringify(text)}`);
  if (url.username !== "" || url.password !== "") throw new UsageError("--cloud takes no login in the URL: the API's bearer token goes in --token-file");
  if (url.search !== "" || url.hash !== "") throw new UsageError(`--cloud takes the API's address alone (http://HOST:PORT), no query or fragment: got ${JSON.stringify(text)}`);
  return url.toString().replace(/\/+$/, "");
}

function tokenOf(path: string): string {
  const text = fileOption("--token-file", path).toString("utf8");
  if (text.trimStart().startsWith("{")) throw new UsageError(`--token-file ${path} holds JSON: give a file with one client's token alone (hearth cloud serve's --tokens file lists every client's)`);
  const token = (text.split("\n")[0] ?? "").trim();
  if (token === "") throw new UsageError(`--token-file ${path} is empty: put the token on its first line`);
  return token;
}
