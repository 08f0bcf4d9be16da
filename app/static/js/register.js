// Registration form: fill the city and county lists as the province and city change.
// Without JavaScript the form still works: a "show next level" button posts the choice back.
(function () {
  "use strict";
  var form = document.getElementById("registration-form");
  if (!form) { return; }
  var province = form.querySelector("#province");
  var city = form.querySelector("#city");
  var county = form.querySelector("#county_code");

  function fill(select, items, prompt) {
    select.innerHTML = "";
    var first = document.createElement("option");
    first.value = ""; first.textContent = prompt;
    select.appendChild(first);
    items.forEach(function (item) {
      var opt = document.createElement("option");
      opt.value = item.code; opt.textContent = item.name;
      select.appendChild(opt);
    });
  }
  function load(code, select, prompt) {
    if (!code) { fill(select, [], prompt); return; }
    fetch("/contests/regions/" + encodeURIComponent(code), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (items) { fill(select, items, prompt); })
      .catch(function () { /* offline: the no-JS button still works */ });
  }
  province.addEventListener("change", function () {
    load(province.value, city, city.options[0].textContent);
    fill(county, [], county.options[0].textContent);
  });
  city.addEventListener("change", function () { load(city.value, county, county.options[0].textContent); });

  // Refuse an oversized photo before a slow upload on a phone network.
  form.addEventListener("change", function (ev) {
    var input = ev.target;
    if (input.type !== "file" || !input.files.length) { return; }
    var limit = input.id === "photo" ? 5 : 10;
    if (input.files[0].size > limit * 1024 * 1024) {
      window.alert((input.id === "photo" ? "照片" : "证明材料") + "不能超过" + limit + "MB，请压缩后再上传");
      input.value = "";
    }
  });
})();
