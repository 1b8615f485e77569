// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Chained regency -> district -> village selects: fetch the children's <option>s.
  function chain(parentSelect) {
    var childId = parentSelect.getAttribute("data-chain-child");
    var url = parentSelect.getAttribute("data-chain-url");
    var child = document.getElementById(childId);
    if (!child || !url) return;
    // The child's own empty choice ("Semua" on filters, "---------" on forms)
    // stays as the page wrote it; the server's options bring their own.
    var empty = child.querySelector('option[value=""]');
    var emptyLabel = empty ? empty.textContent : "---------";
    var latest = 0;
    parentSelect.addEventListener("change", function () {
      var value = parentSelect.value;
      // Answers can arrive out of order; only the newest request may fill the list.
      var request = ++latest;
      var params = new URLSearchParams({ parent: value });
      fetch(url + "?" + params.toString(), { headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.text();
        })
        .then(function (html) {
          if (request !== latest) return;
          child.innerHTML = html;
          if (child.options.length && child.options[0].value === "") {
            child.options[0].textContent = emptyLabel;
          }
          child.disabled = !value;
          child.dispatchEvent(new Event("change"));
        })
        .catch(function () {
          if (request !== latest) return;
          child.innerHTML = "";
          child.appendChild(new Option(emptyLabel, ""));
          child.disabled = true;
          child.dispatchEvent(new Event("change"));
        });
    });
  }

  // "Select all" checkbox for bulk actions.
  function selectAll(box) {
    box.addEventListener("change", function () {
      var name = box.getAttribute("data-select-all");
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (item) {
        item.checked = box.checked;
      });
    });
  }

  // A field that repeats another until the user types in it (the account
  // holder is usually the institution itself).
  function copyFrom(field) {
    var source = document.getElementById(field.getAttribute("data-copy-from"));
    if (!source) return;
    var following = field.value === "" || field.value === source.value;
    field.addEventListener("input", function () {
      following = field.value === "";
    });
    source.addEventListener("input", function () {
      if (following) field.value = source.value;
    });
  }

  // A choice that implies another: a WKSBM type makes the institution a WKSBM.
  function implies(select) {
    var target = document.getElementById(select.getAttribute("data-implies"));
    var value = select.getAttribute("data-implies-value");
    if (!target || value === null) return;
    select.addEventListener("change", function () {
      if (select.value !== "" && target.value !== value) {
        target.value = value;
        target.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-implies]").forEach(implies);
    document.querySelectorAll("select[data-chain-child]").forEach(chain);
    document.querySelectorAll("input[data-copy-from]").forEach(copyFrom);
    document.querySelectorAll("input[data-select-all]").forEach(selectAll);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  });
})();
