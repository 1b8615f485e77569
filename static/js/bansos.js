// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Chained regency -> district -> village selects: fetch the children's <option>s.
  function chain(parentSelect) {
    var childId = parentSelect.getAttribute("data-chain-child");
    var url = parentSelect.getAttribute("data-chain-url");
    var child = document.getElementById(childId);
    if (!child || !url) return;
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
          child.disabled = !value;
          child.dispatchEvent(new Event("change"));
        })
        .catch(function () {
          if (request !== latest) return;
          child.innerHTML = '<option value="">---------</option>';
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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-chain-child]").forEach(chain);
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
