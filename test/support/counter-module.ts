/** The counter app as a module `hearth cloud serve --apps` loads (it takes a module that exports `app`). */
export { counterApp as app } from "./counter-app.js";
