import type { ModelSpec } from "../../thing/model.js";
import type { ApplianceApp } from "../../sim/app.js";
import { ImageBoard, type ImageBoardOptions } from "../../sim/image-board.js";
import { XsMcu, type XsMcuOptions } from "./xs-mcu.js";

export interface XsBoardOptions extends Omit<ImageBoardOptions, "mcu">, XsMcuOptions {}

/** An ImageBoard whose MCU is Moddable's XS (xs-mcu.ts). Node-only (Linux, @agoric/xsnap built). */
export class XsBoard<M extends ModelSpec> extends ImageBoard<M> {
  constructor(app: ApplianceApp<M>, options: XsBoardOptions) {
    const { dataBudget, computeLimit } = options;
    const engine: XsMcuOptions = { ...(dataBudget === undefined ? {} : { dataBudget }), ...(computeLimit === undefined ? {} : { computeLimit }) };
    super(app, { ...options, mcu: (hooks) => new XsMcu(engine, hooks) });
  }
}
