// The reports dashboard: asks dashboard/data every few seconds and redraws what changed.
// Every text from the data goes through textContent (or escaped for Plotly's labels).
"use strict";

(function () {
  const body = document.body;
  const dataUrl = body.dataset.url;
  const pollMs = Math.max(0.1, Number(body.dataset.pollSeconds) || 5) * 1000;
  const state = { from: "", to: "", sku: "", user: "", cursor: "", newer: [], category: "" };
  const drawn = {}; // chart id -> the JSON of what it shows
  const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const whole = new Intl.NumberFormat("en-US");
  const config = { displayModeBar: false, responsive: true };
  const base = { margin: { t: 10, r: 60, b: 40, l: 70 }, legend: { orientation: "h", y: 1.12 },
                 font: { size: 12 } };
  let timer = null;
  let baseCurrency = ""; // the reports' money is in it (REPORTS_BASE_CURRENCY), read each update

  function inBase(text) { // an axis of money: named with its currency
    return baseCurrency ? text + " (" + label(baseCurrency) + ")" : text;
  }

  // Exposed for the browser tests: what the page last drew, and that it never reloaded.
  window.dashboard = { loadedAt: Date.now(), updates: 0, data: null };

  function label(text) { // Plotly reads a few HTML tags in labels: show them as text
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  const LABEL_CHARS = 28; // a bar chart's axis labels: longer ones would squeeze its bars
  function shortened(text) { // by characters, never inside a surrogate pair
    const chars = Array.from(String(text));
    return chars.length > LABEL_CHARS ? chars.slice(0, LABEL_CHARS - 1).join("") + "…" : chars.join("");
  }

  function draw(id, traces, layout) {
    const signature = JSON.stringify([traces, layout]);
    if (drawn[id] === signature) return;
    drawn[id] = signature;
    Plotly.react(id, traces, Object.assign({}, base, layout), config);
  }

  function cell(row, text, numeric) {
    const td = row.insertCell();
    td.textContent = text == null ? "—" : text;
    if (numeric) td.className = "num";
    return td;
  }

  function time(value) {
    return value ? value.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC") : "never";
  }

  function minute(value) { // table cells: to the minute, the header says UTC
    return value ? value.slice(0, 16).replace("T", " ") : "—";
  }

  function freshness(data) {
    const f = data.freshness;
    const text = "as of " + time(f.as_of) + " · lag " + f.lag_seconds.toFixed(1) + " s" +
      (f.pending_changes ? " · " + whole.format(f.pending_changes) +
       (f.pending_changes === 1 ? " change" : " changes") + " pending" : "");
    for (const target of [document.getElementById("freshness"), ...document.querySelectorAll("[data-fresh]")]) {
      target.textContent = "";
      const badge = document.createElement("span");
      badge.className = "badge" + (f.stale ? " stale" : "");
      badge.textContent = f.stale ? "stale" : "fresh";
      target.append(badge, " " + text);
      target.dataset.asOf = f.as_of || "";
      target.dataset.stale = f.stale;
    }
    const c = data.cancelled;
    const live = document.querySelector("[data-fresh-live]");
    live.textContent = "";
    const badge = document.createElement("span");
    badge.className = "badge live";
    badge.textContent = "live";
    live.append(badge, " read from the orders at each update · " +
      (c.count == null ? "" : whole.format(c.count) + " cancelled as of " + time(c.count_as_of)));
  }

  function monthly(rows) {
    const x = rows.map((r) => r.month);
    draw("chart-monthly", [
      { type: "bar", name: "revenue", x, y: rows.map((r) => r.revenue) },
      { type: "scatter", mode: "lines+markers", name: "cumulative", x, yaxis: "y2",
        y: rows.map((r) => r.cumulative_revenue) },
    ], { yaxis: { title: { text: inBase("revenue") } },
         yaxis2: { title: { text: inBase("cumulative") }, overlaying: "y", side: "right", rangemode: "tozero" } });
  }

  function daily(range) {
    const rows = range.results;
    const x = rows.map((r) => r.day);
    for (const [id, value] of [["range-from", range.from], ["range-to", range.to]]) {
      const input = document.getElementById(id);
      if (document.activeElement !== input) input.value = value; // never under the user's typing
    }
    draw("chart-daily", [{ type: "bar", name: "revenue", x, y: rows.map((r) => r.revenue) }],
         { yaxis: { title: { text: inBase("revenue") } }, showlegend: false });
    draw("chart-status", [
      { type: "bar", name: "Pending", x, y: rows.map((r) => r.pending_orders), marker: { color: "#f59e0b" } },
      { type: "bar", name: "Complete", x, y: rows.map((r) => r.completed_orders), marker: { color: "#16a34a" } },
      { type: "bar", name: "Cancelled", x, y: rows.map((r) => r.cancelled_orders), marker: { color: "#dc2626" } },
      { type: "scatter", mode: "lines+markers", name: "cancellation rate %", x, yaxis: "y2",
        y: rows.map((r) => (r.cancellation_rate == null ? null : +(r.cancellation_rate * 100).toFixed(2))),
        line: { color: "#111827" } },
    ], { barmode: "stack", yaxis: { title: { text: "orders" } },
         yaxis2: { title: { text: "cancelled %" }, overlaying: "y", side: "right", rangemode: "tozero" } });
    const orders = rows.reduce((sum, r) => sum + r.orders_count, 0);
    const cancelled = rows.reduce((sum, r) => sum + r.cancelled_orders, 0);
    document.getElementById("cancellation-rate").textContent = orders
      ? "From " + range.from + " to " + range.to + ": " + whole.format(orders) + " orders, " +
        whole.format(cancelled) + " cancelled (" + (100 * cancelled / orders).toFixed(1) + "%)."
      : "No orders from " + range.from + " to " + range.to + ".";
  }

  // Each bar is named by its whole text (the hover shows it); the axis shows it shortened.
  function bars(id, rows, textOf, valueOf, name) {
    const y = rows.map((r) => label(textOf(r)));
    draw(id, [{ type: "bar", orientation: "h", name, x: rows.map(valueOf), y,
                hovertemplate: "%{y}<br>%{x}<extra></extra>" }],
         { yaxis: { autorange: "reversed", automargin: true, tickmode: "array", tickvals: y,
                    ticktext: rows.map((r) => label(shortened(textOf(r)))) },
           xaxis: { title: { text: name } }, showlegend: false });
  }

  function products(p) {
    const name = (r) => r.sku + " " + r.name;
    bars("chart-products-revenue", p.revenue, name, (r) => r.revenue, inBase("revenue"));
    bars("chart-products-units", p.units, name, (r) => r.units_sold, "units sold");
  }

  function alsoBought(a) {
    document.getElementById("also-bought-sku").textContent = a.sku || "…";
    const tbody = document.getElementById("also-bought-rows");
    tbody.textContent = "";
    for (const r of a.results) {
      const row = tbody.insertRow();
      cell(row, r.rank, true); cell(row, r.sku); cell(row, r.name); cell(row, whole.format(r.orders_together), true);
    }
    if (!a.results.length) {
      cell(tbody.insertRow(), a.known ? "No other product was bought with it yet." : "No product has this sku.").colSpan = 4;
    }
  }

  function customers(rows) {
    bars("chart-customers", rows, (r) => "#" + r.revenue_rank + " " + r.user, (r) => r.total_revenue, inBase("revenue"));
  }

  function customer(c) {
    const dl = document.getElementById("customer-stats");
    dl.textContent = "";
    const s = c.stats;
    if (!s) {
      const dd = document.createElement("dd");
      dd.textContent = c.user ? "No statistics for " + c.user + " (no such customer, or not refreshed yet)." : "";
      dl.append(dd);
      return;
    }
    const items = [["Customer", s.user], ["Revenue rank", "#" + s.revenue_rank],
      ["Orders", whole.format(s.orders_count)], ["Complete", whole.format(s.completed_orders)],
      ["Cancelled", whole.format(s.cancelled_orders)], ["Pending", whole.format(s.pending_orders)],
      ["Revenue", money.format(s.total_revenue)],
      ["Average order", s.avg_order_value == null ? "—" : money.format(s.avg_order_value)],
      ["First order", time(s.first_order_at)], ["Last order", time(s.last_order_at)]];
    for (const [term, value] of items) {
      const dt = document.createElement("dt"); dt.textContent = term;
      const dd = document.createElement("dd"); dd.textContent = value;
      dl.append(dt, dd);
    }
  }

  function cancelled(c) {
    const tbody = document.getElementById("cancelled-rows");
    tbody.textContent = "";
    for (const r of c.results) {
      const row = tbody.insertRow();
      cell(row, r.order_number); cell(row, r.user); cell(row, minute(r.created_at));
      cell(row, minute(r.cancelled_at)); cell(row, money.format(r.total_amount), true);
    }
    if (!c.results.length) cell(tbody.insertRow(), "No cancelled orders.").colSpan = 5;
    document.getElementById("cancelled-older").disabled = !c.next;
    document.getElementById("cancelled-older").dataset.next = c.next || "";
    document.getElementById("cancelled-newer").disabled = !state.newer.length;
    document.getElementById("cancelled-page").textContent = "page " + (state.newer.length + 1);
  }

  // Revenue by category, stacked by month: the top-level categories, or the chosen one's
  // sub-categories (its own row in the report is their sum, plus what sits in it directly).
  function categories(c) {
    const months = [...new Set(c.results.map((r) => r.month))].sort();
    const groups = new Map();
    let own = null;
    for (const r of c.results) {
      if (c.category && r.category_key === c.category) { own = own || { row: r, byMonth: {} }; own.byMonth[r.month] = r.revenue; continue; }
      const key = r.category_key == null ? "" : r.category_key;
      if (!groups.has(key)) groups.set(key, { name: r.category_name, byMonth: {} });
      groups.get(key).byMonth[r.month] = r.revenue;
    }
    const traces = [...groups.values()].map((g) => ({
      type: "bar", name: label(g.name), x: months, y: months.map((m) => g.byMonth[m] || 0) }));
    if (own) {
      const direct = months.map((m) => +((own.byMonth[m] || 0) -
        traces.reduce((sum, t) => sum + t.y[months.indexOf(m)], 0)).toFixed(2));
      if (direct.some((v) => Math.abs(v) >= 0.01)) {
        traces.push({ type: "bar", name: label("directly in " + own.row.category_name), x: months, y: direct });
      }
    }
    draw("chart-categories", traces, { barmode: "stack", yaxis: { title: { text: inBase("revenue") } } });
    const select = document.getElementById("category-select");
    const options = [["", "all top-level categories"]];
    if (own) options.push([c.category, own.row.category_name]);
    for (const [key, g] of groups) if (key) options.push([key, (c.category ? "↳ " : "") + g.name]);
    const signature = JSON.stringify([c.category, options]);
    if (select.dataset.signature !== signature && document.activeElement !== select) {
      select.dataset.signature = signature;
      select.textContent = "";
      for (const [value, text] of options) select.add(new Option(text, value));
      select.value = c.category || "";
    }
    const up = document.getElementById("category-up");
    up.disabled = !c.category;
    up.dataset.parent = own && own.row.parent_key ? own.row.parent_key : "";
    const topOf = c.results.find((r) => r.category_key === c.top_of);
    document.getElementById("category-top-of").textContent = topOf ? topOf.category_name : "…";
    bars("chart-category-top", c.top, (r) => r.sku + " " + r.name, (r) => r.revenue, inBase("revenue"));
  }

  function customerValue(v) {
    draw("chart-value-histogram", [{
      type: "bar", name: "customers", marker: { color: "#6366f1" },
      x: v.histogram.map((b) => money.format(b.low) + "–" + money.format(b.high)),
      y: v.histogram.map((b) => b.customers) }],
    { xaxis: { title: { text: inBase("lifetime revenue") }, tickangle: -30, automargin: true },
      yaxis: { title: { text: "customers" } }, showlegend: false });
    const predicted = v.by === "predicted";
    document.getElementById("value-top-title").textContent =
      predicted ? "Top customers by predicted value" : "Top customers by lifetime revenue";
    document.getElementById("value-top-basis").textContent = predicted
      ? "A model's prediction (" + v.model.model + ", fitted " + time(v.model.fitted_at) + ", next " +
        v.model.horizon_days + " days)."
      : "No prediction yet (run `make clv`): ranked by exact lifetime revenue instead.";
    bars("chart-value-top", v.top, (r) => r.user,
         (r) => (predicted ? r.predicted_value : r.total_revenue),
         inBase(predicted ? "predicted value" : "lifetime revenue"));
  }

  function cohortHeatmap(c) {
    const since = [...new Set(c.results.map((r) => r.months_since))].sort((a, b) => a - b);
    const retention = {};
    for (const r of c.results) retention[r.cohort + "/" + r.months_since] = r.retention;
    const z = c.cohorts.map((cohort) => since.map((m) => {
      const value = retention[cohort + "/" + m];
      return value == null ? null : +(value * 100).toFixed(1);
    }));
    draw("chart-cohorts", [{ type: "heatmap", x: since, y: c.cohorts, z, colorscale: "Blues",
                            reversescale: true, zmin: 0, colorbar: { title: { text: "%" } },
                            hovertemplate: "cohort %{y}, month +%{x}: %{z}%<extra></extra>" }],
         { xaxis: { title: { text: "months since the first order" }, dtick: 1 },
           yaxis: { title: { text: "cohort" }, type: "category", automargin: true } });
  }

  // Revenue by channel, stacked by month; then each currency's revenue in the base currency,
  // with what it sold in its own currency and the orders still waiting for a rate.
  function moneyPanels(m) {
    const base = m.base_currency;
    for (const target of document.querySelectorAll("[data-base-currency]")) target.textContent = base;
    const months = [...new Set(m.channels.map((r) => r.month))].sort();
    const channels = [...new Set(m.channels.map((r) => r.channel))].sort();
    const revenue = {};
    for (const r of m.channels) revenue[r.month + "/" + r.channel] = r.revenue;
    draw("chart-channels", channels.map((channel) => ({
      type: "bar", name: label(channel), x: months, y: months.map((month) => revenue[month + "/" + channel] || 0),
      hovertemplate: label(channel) + " %{x}: %{y:,.2f} " + label(base) + "<extra></extra>" })),
    { barmode: "stack", yaxis: { title: { text: inBase("revenue") } } });
    const x = m.currencies.map((r) => label(r.currency));
    const waiting = m.currencies.map((r) => r.unconverted_orders);
    draw("chart-currencies", [ // side by side although on two axes (offsetgroup)
      { type: "bar", name: "revenue in " + label(base), x, offsetgroup: "revenue",
        y: m.currencies.map((r) => r.revenue) },
      { type: "bar", name: "orders waiting for a rate", x, yaxis: "y2", offsetgroup: "waiting",
        marker: { color: "#dc2626" }, y: waiting },
    ], { barmode: "group", yaxis: { title: { text: inBase("revenue") } },
         yaxis2: { title: { text: "orders waiting" }, overlaying: "y", side: "right", rangemode: "tozero",
                   tickmode: "auto", showgrid: false, tickformat: ",d",
                   dtick: Math.max(...waiting, 0) < 5 ? 1 : undefined } });
    const tbody = document.getElementById("currency-rows");
    tbody.textContent = "";
    for (const r of m.currencies) {
      const row = tbody.insertRow();
      cell(row, r.currency); cell(row, whole.format(r.orders_count), true);
      cell(row, whole.format(r.completed_orders), true);
      cell(row, money.format(r.revenue_original) + " " + r.currency, true);
      cell(row, money.format(r.revenue), true); cell(row, whole.format(r.unconverted_orders), true);
      cell(row, money.format(r.unconverted_revenue_original) + " " + r.currency, true);
    }
    if (!m.currencies.length) cell(tbody.insertRow(), "No orders yet.").colSpan = 7;
    document.getElementById("currency-unconverted").textContent = m.unconverted_orders
      ? whole.format(m.unconverted_orders) + (m.unconverted_orders === 1 ? " order waits" : " orders wait") +
        " for an exchange rate: in no " + base + " sum until one on or before its day arrives."
      : "Every order has a rate: all revenue is in " + base + ".";
  }

  function status(text, isError) {
    const target = document.getElementById("status");
    target.textContent = text;
    target.className = isError ? "error" : "muted";
  }

  async function load() {
    clearTimeout(timer);
    const params = new URLSearchParams();
    for (const name of ["from", "to", "sku", "user", "cursor", "category"]) if (state[name]) params.set(name, state[name]);
    try {
      const response = await fetch(dataUrl + "?" + params, { headers: { Accept: "application/json" } });
      if (response.redirected || !(response.headers.get("Content-Type") || "").includes("json")) {
        status("Your session ended: log in again (reload the page).", true);
        return; // no more polling: the login page answers until then
      }
      const data = await response.json();
      if (!response.ok) { // a 400 is the API's problem+json: each parameter and what is wrong
        const wrong = (data.errors || []).map((e) => e.pointer.replace("/query/", "") + " " + e.detail);
        status(wrong.join("; ") || data.detail || data.error ||
               "The dashboard could not read the reports (" + response.status + ").", true);
      } else {
        baseCurrency = data.money.base_currency;
        freshness(data); monthly(data.monthly); daily(data.daily); products(data.products);
        alsoBought(data.also_bought); customers(data.customers); customer(data.customer);
        cancelled(data.cancelled);
        categories(data.categories); customerValue(data.customer_value); cohortHeatmap(data.cohorts);
        moneyPanels(data.money);
        state.sku = data.also_bought.sku; state.user = data.customer.user;
        window.dashboard.data = data;
        window.dashboard.updates += 1;
        status("updated " + new Date().toISOString().slice(11, 19) + " UTC", false);
      }
    } catch (error) {
      status("The server did not answer (" + error.message + "); retrying.", true);
    }
    timer = setTimeout(load, pollMs);
  }

  function onSubmit(id, read) {
    document.getElementById(id).addEventListener("submit", (event) => {
      event.preventDefault();
      read(new FormData(event.target));
      load();
    });
  }

  onSubmit("range-form", (form) => { state.from = form.get("from"); state.to = form.get("to"); });
  onSubmit("sku-form", (form) => { state.sku = form.get("sku").trim(); });
  onSubmit("user-form", (form) => { state.user = form.get("user").trim(); });
  document.getElementById("category-select").addEventListener("change", (event) => {
    state.category = event.target.value;
    load();
  });
  document.getElementById("category-up").addEventListener("click", (event) => {
    state.category = event.target.dataset.parent;
    load();
  });
  document.getElementById("cancelled-older").addEventListener("click", (event) => {
    state.newer.push(state.cursor);
    state.cursor = event.target.dataset.next;
    load();
  });
  document.getElementById("cancelled-newer").addEventListener("click", () => {
    state.cursor = state.newer.pop() || "";
    load();
  });
  load();
})();
