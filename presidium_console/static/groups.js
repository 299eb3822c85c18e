// The console's discussion groups (tổ thảo luận): define them, assign delegates from the
// roll (search, several at once), name each group's chair and secretary, see each group's
// status and open its own console (docs/protocol.md §17).
import { t } from "/static/common/i18n.js";
import { h, replace } from "/static/common/ui.js";

function statusText(group) {
  return t(`groups.status.${group.status || "none"}`);
}

export class GroupsPanel {
  // `act(name, args)` sends a command and reports its outcome.
  constructor(hub, root, { act }) {
    this.hub = hub;
    this.root = root;
    this.act = act;
    this.chosen = new Set(); // delegate ids ticked in the roll
    this.drawn = null; // the [groups, roll, language] last drawn: redrawn only when they change
    this.build();
  }

  build() {
    const name = h("input", { id: "group-new-name", required: true, maxlength: "100" });
    const place = h("input", { id: "group-new-place", maxlength: "200" });
    const define = h("form", { class: "group-define", onsubmit: (event) => {
      event.preventDefault();
      this.act("define_group", { group_name: name.value, place: place.value });
      event.target.reset();
    } },
      h("label", { for: "group-new-name" }, t("groups.name")), name,
      h("label", { for: "group-new-place" }, t("groups.place")), place,
      h("button", { class: "btn", type: "submit" }, t("groups.define")));
    this.search = h("input", { id: "group-roll-q", type: "search", placeholder: t("groups.search"),
      "aria-label": t("groups.search"), oninput: () => this.drawRoll() });
    this.target = h("select", { id: "group-target", "aria-label": t("groups.title") });
    this.list = h("div", { class: "group-list" });
    this.roll = h("ul", { class: "group-roll", "aria-label": t("groups.members") });
    const assign = h("div", { class: "group-assign" },
      this.search, this.target,
      h("button", { class: "btn primary", type: "button", id: "group-assign", onclick: () => this.assign() }, t("groups.assign")),
      h("button", { class: "btn", type: "button", id: "group-unassign", onclick: () => this.unassign() }, t("groups.unassign")));
    replace(this.root, define, this.list, assign, this.roll);
  }

  assign() {
    if (!this.chosen.size || !this.target.value) return;
    this.act("assign_to_group", { group_id: this.target.value, delegate_ids: [...this.chosen] });
    this.chosen.clear();
  }

  unassign() {
    if (!this.chosen.size) return;
    this.act("unassign_from_group", { delegate_ids: [...this.chosen] });
    this.chosen.clear();
  }

  render() {
    const groups = this.hub.view.groups || [];
    const roll = this.hub.view.roll || [];
    const language = t("groups.title");
    if (this.drawn && this.drawn[0] === groups && this.drawn[1] === roll && this.drawn[2] === language) return;
    this.drawn = [groups, roll, language];
    const target = this.target.value;
    replace(this.target, groups.map((g) => h("option", { value: g.id, selected: g.id === target }, g.name)));
    replace(this.list, groups.length ? groups.map((g) => this.drawGroup(g)) : [h("p", { class: "muted" }, t("groups.none"))]);
    this.drawRoll();
  }

  drawGroup(group) {
    const officer = (key) => {
      const select = h("select", { id: `group-${group.id}-${key}`, "aria-label": `${group.name}: ${t(`groups.${key}`)}` },
        h("option", { value: "" }, t("groups.nobody")),
        ...group.members.map((m) => h("option", {
          value: m.delegate_id, selected: (group[key] || {}).delegate_id === m.delegate_id,
        }, m.name)));
      return h("label", {}, h("span", {}, t(`groups.${key}`)), select);
    };
    const chair = officer("chair");
    const secretary = officer("secretary");
    const link = `/console/?room=${encodeURIComponent(group.room)}`;
    return h("section", { class: "group", dataset: { group: group.id } },
      h("h3", {}, group.name, group.place ? h("span", { class: "muted" }, ` · ${group.place}`) : null,
        " ", h("span", { class: "pill", dataset: { status: group.status || "none" } }, statusText(group)),
        group.document ? h("span", { class: "muted" }, ` · ${group.document.title} (${group.document.page})`) : null),
      h("p", { class: "group-members" }, `${t("groups.members")} (${group.members.length}): `,
        group.members.map((m) => m.name).join(", ")),
      h("div", { class: "group-officers" }, chair, secretary,
        h("button", { class: "btn", type: "button", onclick: () => this.act("set_group_officers", {
          group_id: group.id,
          chair: chair.querySelector("select").value || null,
          secretary: secretary.querySelector("select").value || null,
        }) }, t("groups.officers.save")),
        h("a", { class: "btn", href: link, target: "_blank", rel: "noopener" }, t("groups.open_console")),
        group.members.length ? null
          : h("button", { class: "btn danger", type: "button", onclick: () => this.act("remove_group", { group_id: group.id }) }, t("groups.remove"))));
  }

  drawRoll() {
    const groups = this.hub.view.groups || [];
    const where = new Map();
    for (const g of groups) for (const m of g.members) where.set(m.delegate_id, g.name);
    const query = this.search.value.trim().toLowerCase();
    const roll = (this.hub.view.roll || []).filter((d) => !query
      || `${d.id} ${d.name} ${d.unit}`.toLowerCase().includes(query));
    replace(this.roll, roll.map((d) => {
      const id = `group-pick-${d.id}`;
      return h("li", {},
        h("input", { id, type: "checkbox", checked: this.chosen.has(d.id), onchange: (event) => {
          if (event.target.checked) this.chosen.add(d.id);
          else this.chosen.delete(d.id);
        } }),
        h("label", { for: id }, `${d.name} · ${d.unit} — `,
          h("span", { class: "muted" }, where.get(d.id) || t("groups.unassigned"))));
    }));
  }
}
