// Small progressive enhancements; the portal works without JavaScript.

// A link (many-to-many) field becomes a searchable add/remove list: a click adds one
// record and never replaces the others; only a remove button or Backspace takes one out,
// and that marks the removal as intended for the server's unlink guard.
function enhanceLinkSelects(root) {
  if (!window.TomSelect) return;
  root.querySelectorAll("select[multiple][data-link-select]").forEach((select) => {
    if (select.tomselect) return;
    const tom = new window.TomSelect(select, {
      plugins: { remove_button: { title: "Remove this link" } },
      maxOptions: null,
      closeAfterSelect: true,
      placeholder: "Type to search, then pick to add",
    });
    // The hidden native select keeps a name for assistive technology that reads it.
    const label = document.getElementById(`${select.id}-ts-label`);
    if (label) select.setAttribute("aria-labelledby", label.id);
    tom.on("item_remove", () => {
      const form = select.form;
      if (!form) return;
      const marker = `input[type=hidden][name=unlink_confirmed][value="${select.name}"]`;
      if (form.querySelector(marker)) return;
      const confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "unlink_confirmed";
      confirmed.value = select.name;
      form.appendChild(confirmed);
    });
  });
}

// A filter over a large table (e.g. AI systems) is a plain ID input without JavaScript;
// with it, a search box that asks a small JSON endpoint for matching records.
function enhanceRemoteSelects(root) {
  if (!window.TomSelect) return;
  root.querySelectorAll("input[data-remote-url]").forEach((input) => {
    if (input.tomselect) return;
    const url = input.dataset.remoteUrl;
    const options = [];
    if (input.value && input.dataset.remoteLabel) {
      options.push({ id: input.value, text: input.dataset.remoteLabel });
    }
    new window.TomSelect(input, {
      maxItems: 1,
      valueField: "id",
      labelField: "text",
      searchField: [],
      options,
      create: false,
      persist: false,
      placeholder: "Type to search",
      shouldLoad: (query) => query.length > 0,
      load: (query, callback) => {
        fetch(`${url}?q=${encodeURIComponent(query)}`, { headers: { Accept: "application/json" } })
          .then((response) => (response.ok ? response.json() : { results: [] }))
          .then((data) => callback(data.results))
          .catch(() => callback());
      },
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  // Bar widths come from data attributes so that no inline style is needed (CSP).
  document.querySelectorAll("[data-width]").forEach((bar) => {
    bar.style.width = `${Number(bar.dataset.width) || 0}%`;
  });
  enhanceLinkSelects(document);
  enhanceRemoteSelects(document);
  // Focus the first invalid field, or the error summary, after a failed submit.
  const invalid = document.querySelector(".record-form .is-invalid");
  if (invalid) invalid.focus();
});

// Forms swapped in by htmx (inline editors) get the same enhancements.
document.addEventListener("htmx:afterSwap", (event) => {
  enhanceLinkSelects(event.target);
  enhanceRemoteSelects(event.target);
});

// The header badges are fetched after the page loads. If that request was sent elsewhere
// (the session ended, a code is due), the header keeps its plain buttons: the page that
// follows a click shows where to go.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (target && target.id === "header-badges") {
    const answeredBy = new URL(event.detail.xhr.responseURL, window.location.href).pathname;
    if (!answeredBy.endsWith("/header-badges/")) event.detail.shouldSwap = false;
  }
});
