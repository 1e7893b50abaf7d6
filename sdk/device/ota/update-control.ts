/**
 * What firmware says about updates. Installing an update reboots the
 * appliance, so the firmware decides when that is safe; and a new image runs
 * on trial until it has reached the cloud and passed the firmware's own
 * self-tests, else the next reset goes back to the old image.
 */
export interface UpdateControl {
  /** The firmware version that runs. */
  readonly version: string;
  /** This boot runs a new image on trial. */
  readonly trial: boolean;
  /** An update waits to install (and reboot) until `check` says so; checked about once a second. Default: always safe. */
  safeToInstall(check: () => boolean): void;
  /** A trial image is confirmed only while every registered self-test passes (and the cloud was reached). */
  selfTest(check: () => boolean): void;
}

/** The host's side of UpdateControl: the update client reads what firmware registered. */
export class UpdatePolicy implements UpdateControl {
  private readonly safeChecks: (() => boolean)[] = [];
  private readonly selfTests: (() => boolean)[] = [];

  constructor(
    readonly version: string,
    readonly trial: boolean,
  ) {}

  safeToInstall(check: () => boolean): void {
    this.safeChecks.push(check);
  }

  selfTest(check: () => boolean): void {
    this.selfTests.push(check);
  }

  /** Every install check passes (a check that throws says no). */
  installIsSafe(): boolean {
    return this.safeChecks.every(passes);
  }

  selfTestsPass(): boolean {
    return this.selfTests.every(passes);
  }
}

function passes(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
