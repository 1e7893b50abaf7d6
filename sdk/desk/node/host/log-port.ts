import { createServer, type Socket } from "node:net";
import { formatRecord, type LogRecord } from "../../../../os/log.js";

/**
 * A simulated board's log on a TCP port of 127.0.0.1, one line a record, as
 * a real board's UART carries its console: `hearth monitor 127.0.0.1:P`
 * reads it. Every level is sent (the session's own output shows only
 * warnings and the boot, update and engine records); a reader that comes
 * late gets the last BACKLOG lines first (the boot, say). Node-only.
 */
const BACKLOG = 200;

export async function startLogPort(port: number, onLog: (sink: (r: LogRecord) => void) => void): Promise<{ port: number; close(): Promise<void> }> {
  const readers = new Set<Socket>();
  const backlog: string[] = [];
  const server = createServer((socket) => {
    socket.write(backlog.join(""));
    readers.add(socket);
    socket.on("close", () => readers.delete(socket));
    socket.on("error", () => readers.delete(socket));
    socket.on("data", () => undefined); // a monitor sends nothing; anything it does is dropped
  });
  onLog((r) => {
    const line = `${formatRecord(r)}\n`;
    backlog.push(line);
    if (backlog.length > BACKLOG) backlog.shift();
    for (const s of readers) s.write(line);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of readers) s.destroy();
        server.close(() => resolve());
      }),
  };
}
