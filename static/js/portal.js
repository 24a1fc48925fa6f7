// Small progressive enhancements; the portal works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Bar widths come from data attributes so that no inline style is needed (CSP).
  document.querySelectorAll("[data-width]").forEach((bar) => {
    bar.style.width = `${Number(bar.dataset.width) || 0}%`;
  });
  // Focus the first invalid field, or the error summary, after a failed submit.
  const invalid = document.querySelector(".record-form .is-invalid");
  if (invalid) invalid.focus();
});
