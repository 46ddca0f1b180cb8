// Small DOM helpers: labelled controls built the same way everywhere.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`playground: no element #${id}`);
  return node as T;
}

let counter = 0;
const nextId = (prefix: string): string => `${prefix}-${++counter}`;

/** A `<label>` + `<select>` pair; `onChange` gets the chosen value. */
export function selectControl(
  label: string,
  options: readonly { value: string; text: string }[],
  value: string,
  onChange: (value: string) => void,
  id = nextId("sel"),
): HTMLElement {
  const select = el("select", { id });
  for (const o of options) select.append(el("option", { value: o.value, text: o.text }));
  select.value = value;
  select.addEventListener("change", () => onChange(select.value));
  return el("div", { class: "control" }, [el("label", { for: id, text: label }), select]);
}

/** A labelled range slider showing its value. */
export function sliderControl(
  label: string,
  min: number,
  max: number,
  step: number,
  value: number,
  onChange: (value: number) => void,
  unit = "",
  id = nextId("rng"),
): HTMLElement {
  const input = el("input", { id, type: "range", min: String(min), max: String(max), step: String(step), value: String(value) });
  const shown = el("output", { for: id, text: `${value}${unit}` });
  input.addEventListener("input", () => {
    shown.textContent = `${input.value}${unit}`;
  });
  input.addEventListener("change", () => onChange(Number(input.value)));
  const lab = el("label", { for: id }, [`${label}: `, shown]);
  return el("div", { class: "control slider" }, [lab, input]);
}

/** A labelled checkbox. */
export function checkControl(label: string, checked: boolean, onChange: (checked: boolean) => void, id = nextId("chk")): HTMLElement {
  const input = el("input", { id, type: "checkbox" });
  input.checked = checked;
  input.addEventListener("change", () => onChange(input.checked));
  return el("div", { class: "control check" }, [input, el("label", { for: id, text: label })]);
}

/** A labelled number field; `onChange` runs on a valid finite number. */
export function numberControl(
  label: string,
  value: number,
  onChange: (value: number) => void,
  attrs: Record<string, string> = {},
  id = nextId("num"),
): HTMLElement {
  const input = el("input", { id, type: "number", value: String(value), ...attrs });
  input.addEventListener("change", () => {
    const v = Number(input.value);
    if (input.value.trim() !== "" && Number.isFinite(v)) onChange(v);
  });
  return el("div", { class: "control number" }, [el("label", { for: id, text: label }), input]);
}
