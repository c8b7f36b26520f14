// mentor_app — the coordinators' live list of open consults, refreshed from
// GET /api/consults/open. Built with DOM methods only (no HTML strings).
const table = document.querySelector("[data-open-consults]");
const EVERY_MS = 15000;

function label(name) {
  const holder = document.querySelector("[data-labels]");
  return holder ? holder.dataset[name] || "" : "";
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function row(r) {
  const tr = el("tr", r.overdue ? { class: "is-overdue" } : {});
  const first = el("td", {},
    el("a", { href: r.url }, `#${r.id}`), " ",
    el("span", { class: `pill urgency-${r.urgency}` }, r.urgency_label),
    ` ${r.topic_label} · ${r.language_name}`, el("br"),
    el("span", { class: "muted" }, r.mentor_name || ""));
  if (r.overdue) first.append(el("br"), el("strong", { class: "overdue" }, label("overdue")));
  const declined = r.declined.map((d) => {
    const why = d.handed_back ? label("handedBack") : d.reason_label;
    return why ? `${d.name} (${why})` : d.name;
  });
  // On a phone each row is a card and each cell shows its column's name (CSS data-label).
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  tr.append(
    first,
    el("td", { "data-label": heads[1] || "" }, `${r.age_minutes} ${label("min")}`),
    el("td", { "data-label": heads[2] || "" }, `${r.wave} · ${r.wave_label}`),
    el("td", { "data-label": heads[3] || "" }, r.offered.join(", ") || "—"),
    el("td", { "data-label": heads[4] || "" }, declined.join(", ") || "—"),
  );
  return tr;
}

async function refresh() {
  const status = document.querySelector("[data-live-status]");
  try {
    // A background poll: it must not keep an unattended screen signed in.
    const response = await fetch(table.dataset.url, {
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Background-Poll": "1" },
    });
    if (response.status === 401) {
      window.location.reload(); // signed out: the list leaves the screen for sign-in
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    const body = table.querySelector("[data-rows]");
    body.replaceChildren(...(data.consults.length
      ? data.consults.map(row)
      : [el("tr", {}, el("td", { colspan: "5" }, label("none")))]));
    if (status) status.textContent = `${label("updated")} ${data.now_time || ""}`;
  } catch {
    if (status) status.textContent = label("failed");
  }
}

if (table) {
  window.setInterval(() => { if (!document.hidden) refresh(); }, EVERY_MS);
}
