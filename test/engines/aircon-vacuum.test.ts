import { engineCase } from "../support/engines-case.js";

engineCase("aircon");
engineCase("vacuum");
