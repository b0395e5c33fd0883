/* masreview: the phone menu and contents buttons work (added to every page by masreview.book.sphinxext).
 *
 * pydata-sphinx-theme 0.17 binds its sidebar dialogs to document.querySelector(".primary-toggle") and
 * (".secondary-toggle"): the first button of each kind, which sphinx-book-theme 1.3 hides; the button a
 * reader sees (the book theme's own, later in the page) does nothing (upstream issue #2451). Every
 * other button of the kind forwards its click to the first one, which holds the themes' handlers
 * (dialog on narrow screens, sidebar collapse on wide ones). Once upstream binds every button, the
 * first button of a kind is the one clicked and this does nothing more. */
(function () {
  "use strict";
  function forward(selector) {
    var buttons = document.querySelectorAll(selector);
    if (buttons.length < 2) return;
    var first = buttons[0];
    Array.prototype.forEach.call(buttons, function (button) {
      if (button === first || button.dataset.masreviewForwarded) return;
      button.dataset.masreviewForwarded = "1";
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        first.click();
        button.blur();
      });
    });
  }
  // The search buttons show "Search Ctrl+K" but were named "Search" only (aria-label): a speech-input
  // user saying what they see would miss them. Without the label, the visible words are the name.
  function nameSearchButtons() {
    Array.prototype.forEach.call(document.querySelectorAll(".search-button__button[aria-label]"), function (b) {
      if (b.textContent.trim()) b.removeAttribute("aria-label");
    });
  }
  function run() {
    forward(".primary-toggle");
    forward(".secondary-toggle");
    nameSearchButtons();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
