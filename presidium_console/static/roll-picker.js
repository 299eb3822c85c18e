// Picks delegates from the roll by name, unit or seat: the counting committee's members.
// The picked list keeps its order (member 1, 2, …) and survives the console's re-renders.
import { t } from "/static/common/i18n.js";
import { h, replace } from "/static/common/ui.js";

// Enough to find a delegate while typing; the rest are counted, not drawn (a roll of 500).
const SHOWN = 8;

// Vietnamese typed without its marks still finds the name: "nguyen van" finds "Nguyễn Văn".
export function fold(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
}

export function matches(roll, query) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  return roll.filter((d) => {
    const text = fold(`${d.name} ${d.unit} ${d.seat} ${d.id}`);
    return words.every((word) => text.includes(word));
  });
}

export class RollPicker {
  // `id` makes the element ids unique; `legend` names what is picked; `roll()` reads the
  // roll now; `limit` caps the picks; `onChange(chosen)` follows every pick.
  constructor({ id, legend, roll, limit, onChange }) {
    this.id = id;
    this.roll = roll;
    this.limit = limit;
    this.onChange = onChange;
    this.chosen = []; // delegate ids, in the order picked
    this.drawn = ""; // what the results were drawn from: redrawn only when it changes
    this.query = h("input", {
      id: `${id}-q`, type: "search", autocomplete: "off", class: "roll-q",
      "aria-controls": `${id}-results`, "aria-describedby": `${id}-found`,
      oninput: () => this.refresh(),
      onkeydown: (event) => this.enter(event),
    });
    this.results = h("ul", { id: `${id}-results`, class: "roll-results" });
    this.found = h("p", { id: `${id}-found`, class: "roll-found muted", "aria-live": "polite" });
    this.picked = h("ol", { class: "roll-chosen", "aria-labelledby": `${id}-picked` });
    this.pickedHead = h("p", { id: `${id}-picked`, class: "roll-picked-head" });
    this.element = h("fieldset", { class: "roll-picker" },
      h("legend", {}, legend),
      h("label", { for: `${id}-q` }, t("picker.search")), this.query,
      this.found, this.results, this.pickedHead, this.picked);
    this.refresh();
    this.drawPicked();
  }

  byId(id) {
    return (this.roll() || []).find((d) => d.id === id);
  }

  // Enter in the search box picks the first match not picked yet, instead of sending the form.
  enter(event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const first = matches(this.roll() || [], this.query.value).find((d) => !this.chosen.includes(d.id));
    if (first) this.toggle(first.id, true);
  }

  toggle(id, on) {
    const has = this.chosen.includes(id);
    if (on && !has && this.chosen.length < this.limit) this.chosen.push(id);
    if (!on && has) this.chosen = this.chosen.filter((c) => c !== id);
    for (const box of this.results.querySelectorAll("input[type=checkbox]")) this.syncBox(box);
    this.drawPicked();
    this.onChange(this.chosen);
  }

  syncBox(box) {
    box.checked = this.chosen.includes(box.value);
    box.disabled = !box.checked && this.chosen.length >= this.limit;
  }

  // The matches for the query, redrawn only when the query or the roll changed, so a
  // checkbox that has the keyboard's focus keeps it while events arrive.
  refresh() {
    const roll = this.roll() || [];
    const signature = `${this.query.value}\n${roll.map((d) => `${d.id}|${d.name}|${d.unit}|${d.seat}`).join("\n")}`;
    if (signature === this.drawn) return;
    this.drawn = signature;
    const found = matches(roll, this.query.value);
    replace(this.results, found.slice(0, SHOWN).map((d) => {
      const box = h("input", {
        type: "checkbox", id: `${this.id}-${d.id}`, value: d.id,
        onchange: (event) => this.toggle(d.id, event.target.checked),
      });
      this.syncBox(box);
      return h("li", {}, h("label", { class: "roll-option", for: `${this.id}-${d.id}` }, box,
        h("span", { class: "roll-name" }, d.name),
        h("span", { class: "roll-where" }, `${d.unit} · ${t("picker.seat")} ${d.seat}`)));
    }));
    const more = found.length - Math.min(found.length, SHOWN);
    this.found.textContent = found.length === 0 ? t("picker.noMatch")
      : more > 0 ? t("picker.more").replace("{n}", more) : t("picker.found").replace("{n}", found.length);
    // A name picked earlier drops out when the roll loses it (a delegate removed).
    const before = this.chosen.length;
    this.chosen = this.chosen.filter((id) => roll.some((d) => d.id === id));
    if (this.chosen.length !== before) { this.drawPicked(); this.onChange(this.chosen); }
  }

  drawPicked() {
    this.pickedHead.textContent = t("picker.picked").replace("{n}", this.chosen.length).replace("{max}", this.limit);
    replace(this.picked, this.chosen.map((id, index) => {
      const d = this.byId(id) || { name: id, unit: "" };
      return h("li", { class: "roll-chip" },
        h("span", { class: "roll-name" }, d.name), h("span", { class: "roll-where" }, d.unit),
        h("button", {
          type: "button", class: "btn roll-remove",
          "aria-label": t("picker.remove").replace("{name}", d.name),
          onclick: () => {
            this.toggle(id, false);
            // The focus goes to the next chip's button, else back to the search.
            const left = this.picked.querySelectorAll(".roll-remove");
            (left[Math.min(index, left.length - 1)] || this.query).focus();
          },
        }, t("picker.removeShort")));
    }));
  }
}

// Candidates found in the roll, written into the list's text ("Name | Unit" a line): the
// text stays the one list, since a candidate may also be someone who is not a delegate.
export class RollLines {
  constructor({ id, legend, roll, textarea }) {
    this.id = id;
    this.roll = roll;
    this.textarea = textarea;
    this.drawn = "";
    this.query = h("input", {
      id: `${id}-q`, type: "search", autocomplete: "off", class: "roll-q",
      "aria-controls": `${id}-results`, "aria-describedby": `${id}-found`,
      oninput: () => this.refresh(),
      onkeydown: (event) => {
        if (event.key !== "Enter") return;
        event.preventDefault();
        const first = matches(this.roll() || [], this.query.value).find((d) => !this.has(d));
        if (first) this.toggle(first, true);
      },
    });
    this.results = h("ul", { id: `${id}-results`, class: "roll-results" });
    this.found = h("p", { id: `${id}-found`, class: "roll-found muted", "aria-live": "polite" });
    this.element = h("fieldset", { class: "roll-picker" }, h("legend", {}, legend),
      h("label", { for: `${id}-q` }, t("picker.search")), this.query, this.found, this.results);
    textarea.addEventListener("input", () => this.sync());
    this.refresh();
  }

  lines() {
    return this.textarea.value.split("\n").map((line) => line.trim()).filter(Boolean);
  }

  static same(line, d) {
    const [name, unit = ""] = line.split("|").map((part) => part.trim());
    return name === d.name && unit === d.unit;
  }

  has(d) {
    return this.lines().some((line) => RollLines.same(line, d));
  }

  toggle(d, on) {
    let lines = this.lines();
    if (on && !this.has(d)) lines.push(`${d.name} | ${d.unit}`);
    if (!on) lines = lines.filter((line) => !RollLines.same(line, d));
    this.textarea.value = lines.join("\n");
    this.sync();
  }

  // The checkboxes follow the text, typed or reset.
  sync() {
    const roll = this.roll() || [];
    for (const box of this.results.querySelectorAll("input[type=checkbox]")) {
      const d = roll.find((x) => x.id === box.value);
      box.checked = Boolean(d && this.has(d));
    }
  }

  refresh() {
    const roll = this.roll() || [];
    const signature = `${this.query.value}\n${roll.map((d) => `${d.id}|${d.name}|${d.unit}|${d.seat}`).join("\n")}`;
    if (signature === this.drawn) return;
    this.drawn = signature;
    const query = this.query.value.trim();
    const found = query ? matches(roll, query) : [];
    replace(this.results, found.slice(0, SHOWN).map((d) => h("li", {},
      h("label", { class: "roll-option", for: `${this.id}-${d.id}` },
        h("input", {
          type: "checkbox", id: `${this.id}-${d.id}`, value: d.id, checked: this.has(d),
          onchange: (event) => this.toggle(d, event.target.checked),
        }),
        h("span", { class: "roll-name" }, d.name),
        h("span", { class: "roll-where" }, `${d.unit} · ${t("picker.seat")} ${d.seat}`)))));
    const more = found.length - Math.min(found.length, SHOWN);
    this.found.textContent = !query ? "" : found.length === 0 ? t("picker.noMatch")
      : more > 0 ? t("picker.more").replace("{n}", more) : t("picker.found").replace("{n}", found.length);
  }
}
