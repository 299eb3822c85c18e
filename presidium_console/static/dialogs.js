// The console's safety nets: a confirmation before a consequential action, an undo after one.
import { t } from "/static/common/i18n.js";
import { $, replace } from "/static/common/ui.js";

export const UNDO_MS = 10000;

// "Đồng chí {name}" with the values put in.
export function fill(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// Asks the chair in a modal <dialog>. Resolves with the form's values when confirmed, null
// when cancelled (Escape, "Hủy", or the dialog closed any other way): nothing is sent then.
// `extra` builds fields inside the dialog; `check(values)` returns an error text or "".
export function confirmAction({ title, text, ok, danger = false, extra = null, check = null }) {
  const dialog = $("confirm");
  const opener = document.activeElement;
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = ok;
  $("confirm-ok").className = `btn ${danger ? "danger-solid" : "primary"}`;
  $("confirm-error").hidden = true;
  replace($("confirm-extra"), extra ? extra() : []);
  return new Promise((resolve) => {
    const form = $("confirm-form");
    const values = () => Object.fromEntries([...form.querySelectorAll("input")].map((i) => [i.name, i.value]));
    const submit = (event) => {
      const problem = check ? check(values()) : "";
      if (problem) {
        event.preventDefault();
        $("confirm-error").textContent = problem;
        $("confirm-error").hidden = false;
        return;
      }
      finish(values());
    };
    const closed = () => finish(null);
    function finish(result) {
      form.removeEventListener("submit", submit);
      dialog.removeEventListener("close", closed);
      if (dialog.open) dialog.close();
      // Back where the chair was, so the keyboard goes on from the same place.
      if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
      resolve(result);
    }
    $("confirm-cancel").onclick = () => dialog.close();
    form.addEventListener("submit", submit);
    dialog.addEventListener("close", closed);
    dialog.showModal();
    // The safe choice has the focus: Enter by habit does not adjourn a congress.
    $("confirm-cancel").focus();
  });
}

// A labelled field for a confirmation's `extra`.
export function field(labelKey, attributes) {
  const label = document.createElement("label");
  label.className = "confirm-field";
  const span = document.createElement("span");
  span.textContent = t(labelKey);
  const input = document.createElement("input");
  for (const [name, value] of Object.entries(attributes)) input.setAttribute(name, value);
  label.append(span, input);
  return label;
}

// "Hoàn tác" for a few seconds after a removal or a check-in; a newer one replaces it.
export function offerUndo(text, undo) {
  const bar = $("undo");
  $("undo-text").textContent = text;
  bar.hidden = false;
  clearTimeout(offerUndo.timer);
  const hide = () => { bar.hidden = true; $("undo-button").onclick = null; };
  $("undo-button").onclick = () => { hide(); undo(); };
  offerUndo.timer = setTimeout(hide, UNDO_MS);
}
