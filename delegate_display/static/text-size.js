// The text size this device chose, set before the page is first drawn (no flash of small text).
// A classic script in <head>, after the styles: it blocks the parser, so the body is never
// drawn at another size. The toggle that changes it is in comfort.js (same key, same steps).
(() => {
  const steps = ["normal", "large", "larger"];
  let step = "normal";
  try {
    const stored = localStorage.getItem("congress.delegate.textSize");
    if (steps.includes(stored)) step = stored;
  } catch {
    // Storage refused (a locked-down browser): the normal size.
  }
  document.documentElement.dataset.text = step;
})();
