import type { QuickJSWASMModule } from "quickjs-emscripten";
import type { ModelSpec } from "../../thing/model.js";
import type { ApplianceApp } from "./app.js";
import { ImageBoard, type ImageBoardOptions } from "./image-board.js";
import { QuickJsMcu, type QuickJsMcuOptions } from "./quickjs-mcu.js";

export interface QuickJsBoardOptions extends Omit<ImageBoardOptions, "mcu">, QuickJsMcuOptions {
  /** QuickJS's module (`await loadQuickJs()`). */
  quickjs: QuickJSWASMModule;
}

/** An ImageBoard whose MCU is QuickJS with the H1's memory (quickjs-mcu.ts). */
export class QuickJsBoard<M extends ModelSpec> extends ImageBoard<M> {
  constructor(app: ApplianceApp<M>, options: QuickJsBoardOptions) {
    const { quickjs, dataBudget, hangMs, stopwatch } = options;
    const engine: QuickJsMcuOptions = { stopwatch, ...(dataBudget === undefined ? {} : { dataBudget }), ...(hangMs === undefined ? {} : { hangMs }) };
    super(app, { ...options, mcu: (hooks) => new QuickJsMcu(quickjs, engine, hooks) });
  }
}
