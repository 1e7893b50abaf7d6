import { frozen } from "../../sdk/index.js";
/** What the robot knows of a cell; `passed`: crossed without cleaning (on its way to the rooms it was asked to clean). */
export const Cell = frozen({ unknown: 0, cleaned: 1, blocked: 2, drop: 3, passed: 4 } as const);
export type Cell = (typeof Cell)[keyof typeof Cell];

/** Headings, clockwise from the way it faced on its dock: 0 ahead, 1 right, 2 back, 3 left. */
const STEP = frozen([
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
] as const);

export interface Pose {
  x: number;
  y: number;
  heading: number;
}

/** The next thing to do to follow a path: one motion command. */
export type Move = "forward" | "left" | "right";

/**
 * The robot's map: a square grid of cells its own width, centred on the
 * dock, 4 KiB for 19 m by 19 m (and 16 KiB of search scratch). Planning is breadth-first over it: to the
 * nearest cell not yet cleaned (unknown cells count as passable, so it
 * explores), or home over cells it has cleaned.
 */
export class GridMap {
  static readonly SIZE = 64;
  readonly cells = new Uint8Array(GridMap.SIZE * GridMap.SIZE);
  readonly dock = { x: GridMap.SIZE / 2, y: GridMap.SIZE / 2 };
  // The search's scratch, kept: a plan every move must not make an MCU's collector work.
  private readonly cameFrom = new Int16Array(GridMap.SIZE * GridMap.SIZE);
  private readonly queue = new Int16Array(GridMap.SIZE * GridMap.SIZE);

  get(x: number, y: number): Cell {
    return this.inside(x, y) ? (this.cells[y * GridMap.SIZE + x] as Cell) : Cell.blocked;
  }

  set(x: number, y: number, cell: Cell): void {
    if (this.inside(x, y)) this.cells[y * GridMap.SIZE + x] = cell;
  }

  count(cell: Cell): number {
    let n = 0;
    for (const c of this.cells) if (c === cell) n++;
    return n;
  }

  /** The cell ahead of a pose. */
  ahead(pose: Pose): { x: number; y: number } {
    const [dx, dy] = STEP[pose.heading] as readonly [number, number];
    return { x: pose.x + dx, y: pose.y + dy };
  }

  /**
   * The first move toward the nearest cell `wanted` accepts, over cells
   * `passable` accepts, and the path's length in cells; undefined when none can be reached.
   * Ties go to going straight on, which sweeps a room in long lanes.
   */
  plan(from: Pose, wanted: (x: number, y: number) => boolean, passable: (x: number, y: number) => boolean): { move: Move; length: number } | undefined {
    const n = GridMap.SIZE;
    const cameFrom = this.cameFrom.fill(-1);
    const start = from.y * n + from.x;
    cameFrom[start] = start;
    const queue = this.queue;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    while (head < tail) {
      const at = queue[head++] as number;
      const x = at % n;
      const y = (at - x) / n;
      if (at !== start && wanted(x, y)) return { move: this.firstMove(from, cameFrom, at), length: this.length(cameFrom, at, start) };
      for (let turn = 0; turn < 4; turn++) {
        const heading = (from.heading + [0, 1, 3, 2][turn]!) % 4;
        const [dx, dy] = STEP[heading] as readonly [number, number];
        const nx = x + dx;
        const ny = y + dy;
        if (!this.inside(nx, ny)) continue;
        const next = ny * n + nx;
        if (cameFrom[next] !== -1 || !(passable(nx, ny) || wanted(nx, ny))) continue;
        cameFrom[next] = at;
        queue[tail++] = next;
      }
    }
    return undefined;
  }

  private firstMove(from: Pose, cameFrom: Int16Array, goal: number): Move {
    const start = from.y * GridMap.SIZE + from.x;
    let step = goal;
    while (cameFrom[step] !== start) step = cameFrom[step] as number;
    const x = step % GridMap.SIZE;
    const y = (step - x) / GridMap.SIZE;
    const heading = STEP.findIndex(([dx, dy]) => from.x + dx === x && from.y + dy === y);
    const turn = (heading - from.heading + 4) % 4;
    return turn === 0 ? "forward" : turn === 3 ? "left" : "right";
  }

  private length(cameFrom: Int16Array, goal: number, start: number): number {
    let n = 0;
    for (let step = goal; step !== start; step = cameFrom[step] as number) n++;
    return n;
  }

  private inside(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < GridMap.SIZE && y < GridMap.SIZE;
  }
}

/** A pose after a move that went through. */
export function moved(pose: Pose, move: Move, map: GridMap): Pose {
  if (move === "left") return { ...pose, heading: (pose.heading + 3) % 4 };
  if (move === "right") return { ...pose, heading: (pose.heading + 1) % 4 };
  return { ...map.ahead(pose), heading: pose.heading };
}
