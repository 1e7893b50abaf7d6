import type { OptionValues } from "./commands.js";
import { isBoardAddress, openBoardLink } from "../tools/flasher.js";
import { UsageError } from "./options.js";

/**
 * `hearth monitor PORT`: a board's log, as it comes: a real board's UART
 * (/dev/ttyUSB0, COM3; through the optional package serialport, at
 * HEARTH_BAUD, default 921600) or a simulated board's log port (HOST:PORT,
 * from hearth sim or hearth board --log-port). Until Ctrl-C, or until the board closes it.
 */
export async function monitorCommand(rest: string[], _values: OptionValues): Promise<number> {
  const address = rest[0];
  if (address === undefined || rest.length > 1) throw new UsageError("try hearth monitor HOST:PORT (hearth sim --log-port P) or hearth monitor /dev/ttyUSB0");
  if (!isBoardAddress(address)) throw new UsageError(`${JSON.stringify(address)} is not HOST:PORT (a simulated board's --log-port) or a serial device (/dev/ttyUSB0, COM3)`);
  const link = await openBoardLink(address).catch((error: Error) => {
    throw new UsageError(`${error.message}: is the board running, with --log-port?`);
  });
  console.error(`monitoring ${address} (Ctrl-C stops)`);
  const ended = await new Promise<"closed" | "interrupt">((resolve) => {
    link.onData((bytes) => process.stdout.write(bytes));
    link.onClose(() => resolve("closed"));
    process.once("SIGINT", () => resolve("interrupt"));
    process.once("SIGTERM", () => resolve("interrupt"));
  });
  link.close();
  if (ended === "closed") console.error(`the board at ${address} closed its log`);
  return 0;
}
