import { washer as board } from "../../boards/washer/index.js";
import { HalError, type IO, type Log } from "../../sdk/index.js";

/** The drum's motor as the cycle needs it: a speed to turn at, and what it measures. */
export interface Drum {
  /** Turn at `rpm` (0 stops); after a fault, only 0 is taken until the fault is cleared by it. */
  drive(rpm: number): void;
  /** Measured speed, and the phase current's ripple over a turn as a share of a load all on one side (0..1). */
  sense(): { rpm: number; ripple: number };
}

/**
 * The drum on the H1's BLDC controller (io.Motor): it ramps the speed, and
 * its phase current shows the load's imbalance. A fault (stall, over-current,
 * its sensors) stops the drive and comes to `fault`. Where the chip has no
 * such controller (a dev board), a BLDC driver board on a PWM speed command
 * and two ADC readbacks does the same, with no fault reporting.
 */
export function openDrum(io: IO, log: Log, fault: (name: string) => void): Drum {
  const parts = board.parts;
  try {
    const motor = new io.Motor({ rampRpmPerS: board.rampRpmPerS, onError: (e) => fault((e as HalError).option ?? "fault") });
    return {
      drive(rpm) {
        const faulted = motor.read().state === "fault";
        motor.write({ rpm: faulted ? 0 : Math.min(rpm, motor.maxRpm) });
      },
      sense() {
        const r = motor.read();
        return { rpm: Math.round(r.rpm), ripple: Math.min(1, r.rippleA / board.rippleFullScaleA) };
      },
    };
  } catch (error) {
    if (!(error instanceof HalError) || error.code !== "io") throw error;
    log.info("drum", `no BLDC controller (${error.message}): a driver board on PWM and ADC`);
  }
  const command = new io.PWM({ pin: parts.drumMotor.pin, hz: parts.drumMotor.hz });
  const speed = new io.Analog({ pin: parts.drumSpeed.pin });
  const ripple = new io.Analog({ pin: parts.currentRipple.pin });
  const dutyMax = 2 ** command.resolution - 1;
  const adcMax = 2 ** speed.resolution - 1;
  return {
    drive: (rpm) => command.write(Math.round((Math.min(rpm, board.maxRpm) / board.maxRpm) * dutyMax)),
    sense: () => ({ rpm: Math.round((speed.read() / adcMax) * board.maxRpm), ripple: ripple.read() / adcMax }),
  };
}
