/**
 * What Moddable's own declarations (typings/ and xs.d.ts in the vendored SDK, which
 * tsconfig.moddable.json checks the binding against) lack or get wrong, each checked against
 * the module's source:
 * - "system": typings/ declare `embedded:io/system` with a default export, but the module an
 *   esp32 build has is "system" (modules/io/system/system.js), which exports nothing and sets
 *   globalThis.System;
 * - (`close()` on Analog, I2C, PWM and SPI, which typings/ leave out, is typed in binding.ts (`Closing`));
 * - the project's own hearth-network, and the MQTT client it gives: typings/ declare
 *   `onControl(opcode, message)`, but examples/io/tcp/mqttclient/mqttclient.js calls
 *   `onControl.call(this, message)`, one argument.
 */
/** Moddable's "system" has no export: its body sets globalThis.System. */
declare module "system" {}
declare var System: { restart(): never };

declare module "hearth-network" {
  /** ECMA-419's MQTT client (Moddable's examples/io/tcp/mqttclient), as the project's hearth-network.js gives it. */
  class MQTTClient {
    static readonly CONNACK: number;
    static readonly SUBSCRIBE: number;
    constructor(options: {
      host: string;
      port: number;
      id: string;
      clean: boolean;
      /** Milliseconds (the client's older spelling, `keepalive`, is kept only for compatibility). */
      keepAlive: number;
      will: { topic: string; message: ArrayBuffer; QoS: number; retain: boolean };
      user?: string;
      password?: string;
      dns: unknown;
      socket: unknown;
      onControl(message: { operation: number }): void;
      onReadable(this: MQTTClient, count: number, options: { topic?: string; more?: boolean }): void;
      onClose(): void;
      onError(): void;
    });
    read(count?: number): ArrayBuffer | undefined;
    write(data: ArrayBuffer | null, options: { topic: string; QoS: number } | { operation: number; items: { topic: string; QoS: number }[] }): void;
    close(): void;
  }
  const network: { io: typeof MQTTClient; dns: unknown; socket: Record<string, unknown> };
  export default network;
}

/** The project's Ed25519 verifier (hal/moddable/ed25519.ts, bundled by hearth build as hearth-ed25519.js). */
declare module "hearth-ed25519" {
  export function verify(signature: ArrayBuffer, message: ArrayBuffer, publicKey: ArrayBuffer): boolean;
}
