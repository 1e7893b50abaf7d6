import { request } from "node:http";

/**
 * A GET to 127.0.0.1:PORT carrying another Host, as a page on a name the attacker rebinds to 127.0.0.1
 * sends it (DNS rebinding): fetch cannot set Host, so node:http does.
 */
export function getWithHost(port: number, host: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { ...headers, host } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
