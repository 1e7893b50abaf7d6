import type { FieldSpec } from "../../../thing/model.js";
import { formatValue, labelOf, parseFormatted, utcOffset } from "../../../thing/presentation.js";
import { language } from "./words.js";

/** An input constrained by its field's spec: a checkbox, a list of the enum's values, or a number with the model's range and step. */
export interface Editor {
  readonly element: HTMLElement;
  value(): unknown;
  show(value: unknown): void;
  /** The person has changed it since it last showed a value: it is theirs until sent. */
  dirty: boolean;
}

export function editorFor(name: string, spec: FieldSpec): Editor {
  const editor = bare(name, spec);
  // A screen reader names the control by the model's label; the unit is said with it.
  editor.element.setAttribute("aria-label", `${labelOf(spec, name, language)}${unitOf(spec)}`);
  const claim = (): void => void (editor.dirty = true);
  editor.element.addEventListener("input", claim);
  editor.element.addEventListener("change", claim);
  return editor;
}

function bare(name: string, spec: FieldSpec): Editor {
  if (spec.type === "bool") {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.dataset["edit"] = name;
    return { element: box, value: () => box.checked, show: (v) => void (box.checked = v === true), dirty: false };
  }
  if (spec.type === "enum") {
    const select = document.createElement("select");
    select.dataset["edit"] = name;
    spec.values.forEach((v, i) => {
      const option = document.createElement("option");
      option.value = String(i);
      option.textContent = formatValue(spec, v, language);
      select.append(option);
    });
    return {
      element: select,
      value: () => spec.values[Number(select.value)],
      show: (v) => void (select.value = String(spec.values.indexOf(v as string | number))),
      dirty: false,
    };
  }
  if (spec.type === "int" && spec.format === "utc-offset") {
    // Every quarter hour the field allows, as people write them: UTC+8, UTC-3:30.
    const select = document.createElement("select");
    select.dataset["edit"] = name;
    for (let m = Math.ceil((spec.min ?? -720) / 15) * 15; m <= (spec.max ?? 840); m += 15) select.append(new Option(utcOffset(m), String(m)));
    return { element: select, value: () => Number(select.value), show: (v) => void (select.value = String(v)), dirty: false };
  }
  const input = document.createElement("input");
  input.dataset["edit"] = name;
  if (spec.type === "int" && spec.format === "time-of-day") {
    input.type = "time";
    return {
      element: input,
      value: () => parseFormatted("time-of-day", input.value),
      show: (v) => void (input.value = typeof v === "number" ? formatValue(spec, v, language) : ""),
      dirty: false,
    };
  }
  if (spec.type === "string") {
    input.type = "text";
    if (spec.maxLength !== undefined) input.maxLength = spec.maxLength;
    return { element: input, value: () => input.value, show: (v) => void (input.value = String(v ?? "")), dirty: false };
  }
  input.type = "number";
  if (spec.min !== undefined) input.min = String(spec.min);
  if (spec.max !== undefined) input.max = String(spec.max);
  input.step = spec.type === "int" ? "1" : String(spec.step ?? "any");
  return { element: input, value: () => Number(input.value), show: (v) => void (input.value = String(v ?? "")), dirty: false };
}

/** The field's unit, or nothing. */
export function unitOf(spec: FieldSpec): string {
  return "unit" in spec && spec.unit !== undefined ? ` ${spec.unit}` : "";
}
