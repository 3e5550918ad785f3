// Progressive enhancement only: every page works without this file.
// A form sent over a slow phone connection must not be sent twice: after the
// first submit its submit buttons are disabled (the server still guards).
const SUBMITS = "button[type=submit]:not([disabled]), input[type=submit]:not([disabled])";

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "true";
  // Disable after the browser has read the clicked button's name and value.
  window.setTimeout(() => {
    form.querySelectorAll(SUBMITS).forEach((button) => {
      button.disabled = true;
      button.dataset.autoDisabled = "true";
    });
  }, 0);
});

// Back-button navigation restores the page from cache: re-enable what was disabled above.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("form[data-submitted]").forEach((form) => delete form.dataset.submitted);
  document.querySelectorAll("[data-auto-disabled]").forEach((button) => {
    button.disabled = false;
    delete button.dataset.autoDisabled;
  });
});

// Behaviour is declared with data attributes, never inline handlers (onclick=…): the
// Content-Security-Policy runs scripts from this site's files only.
// data-select-on-focus: the whole value is selected, ready to copy (the calendar address).
document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) {
    event.target.select();
  }
});

// data-submit-on-change: a picker that sends its form once a value is chosen (the calendar's date).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-submit-on-change]") && event.target.form) {
    event.target.form.requestSubmit();
  }
});

// data-end-after="<id of a start select>": an end select offers only the times after the chosen start
// (a booking's end before its start is never offered); a chosen end no longer valid moves to the first one.
function limitEnds(end) {
  const start = document.getElementById(end.dataset.endAfter);
  if (!start) return;
  let first = null;
  for (const option of end.options) {
    option.disabled = option.hidden = Boolean(option.value) && option.value <= start.value;
    if (!option.disabled && option.value && first === null) first = option;
  }
  if (end.selectedOptions[0] && end.selectedOptions[0].disabled && first) first.selected = true;
}
document.querySelectorAll("select[data-end-after]").forEach(limitEnds);
document.addEventListener("change", (event) => {
  document.querySelectorAll(`select[data-end-after="${event.target.id}"]`).forEach(limitEnds);
});
