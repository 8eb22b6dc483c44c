// Progressive enhancement only: a <select data-autocomplete="true"> becomes a box to type
// in and choose from (GOV.UK's accessible-autocomplete, loaded before this module). Without
// JavaScript, or if the library did not load, the select works as it is.

function hintOf(select) {
  const ids = (select.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  return ids
    .map((id) => document.getElementById(id))
    .filter(Boolean)
    .map((element) => element.textContent.trim())
    .join(" ");
}

function optionLabelled(select, text) {
  return [...select.options].find((option) => option.value && option.textContent === text);
}

function enhance(select) {
  const id = select.id;
  const hint = hintOf(select);
  const hasError = select.classList.contains("nhsuk-select--error");
  window.accessibleAutocomplete.enhanceSelectElement({
    selectElement: select,
    // Nothing chosen: an empty box, not the text of the "None chosen" option.
    defaultValue: select.value ? undefined : "",
    minLength: 2,
    autoselect: false,
    showNoOptionsFound: true,
    inputClasses: hasError ? "nhsuk-input nhsuk-input--error" : "nhsuk-input",
    tNoResults: () => "Not in the list: type its name in the box below",
    tAssistiveHint: () =>
      `${hint} When results are available use up and down arrows to review and enter to select.`,
    onConfirm: (label) => {
      const input = document.getElementById(id);
      const option = optionLabelled(select, label ?? (input ? input.value : ""));
      select.value = option ? option.value : "";
    },
  });
  // Typing over a practice chosen, or clearing it, leaves none chosen until one is confirmed.
  const input = document.getElementById(id);
  if (input) {
    input.addEventListener("input", () => {
      const option = optionLabelled(select, input.value);
      select.value = option ? option.value : "";
    });
  }
}

if (window.accessibleAutocomplete) {
  document.querySelectorAll('select[data-autocomplete="true"]').forEach(enhance);
}
