/**
 * The live status on a terminal: a line per appliance, each fitted to the
 * terminal's width, rewritten in place; lines printed meanwhile go above it.
 */

/** A status line fitted to `width` columns: its " | " parts dropped from the end, whole (the important ones come first), then what is left cut with "…". */
export function fitStatus(line: string, width: number): string {
  if (width < 1) return "";
  if ([...line].length <= width) return line;
  const parts = line.split(" | ");
  while (parts.length > 1) {
    parts.pop();
    const shorter = `${parts.join(" | ")} …`;
    if ([...shorter].length <= width) return shorter;
  }
  return `${[...(parts[0] as string)].slice(0, width - 1).join("")}…`;
}

export class LiveStatus {
  private shown = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: () => number,
  ) {}

  /** Replaces the live lines with these, each fitted to the width (one column short: a full line would wrap on some terminals). */
  show(lines: readonly string[]): void {
    const width = this.columns() - 1;
    this.write(`${this.clear()}${lines.map((l) => fitStatus(l, width)).join("\n")}`);
    this.shown = lines.length;
  }

  /** A line above the live lines (they are drawn again at the next show). */
  print(line: string): void {
    this.write(`${this.clear()}${line}\n`);
    this.shown = 0;
  }

  /** Ends the live lines: what follows starts on a line of its own. */
  end(): void {
    if (this.shown > 0) this.write("\n");
    this.shown = 0;
  }

  /** Back to the first live line and clear to the end of the screen. */
  private clear(): string {
    if (this.shown === 0) return "";
    return `\r${this.shown > 1 ? `\x1b[${this.shown - 1}A` : ""}\x1b[J`;
  }
}
