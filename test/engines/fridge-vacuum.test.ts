import { engineCase } from "../support/engines-case.js";

engineCase("fridge");
engineCase("vacuum");
