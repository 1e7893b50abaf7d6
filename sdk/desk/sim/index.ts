/** `hearth/sim`: what a simulator app declares (examples' app.ts): the app, its plant, its status line. Never linked into an image. */
export { defineApp, statusLine, shown, oneDecimal, type ApplianceApp, type Plant, type PanelSpec } from "./app.js";
export { SimulatedBoard } from "./board.js";
