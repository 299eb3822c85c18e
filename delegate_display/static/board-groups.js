// The board while the plenary meets in its discussion groups: each group's name, place,
// status, and the public document it discusses (else "in discussion"). The hub gives a
// board a group's document only when it is public (docs/protocol.md §17).
import { t } from "/static/common/i18n.js";
import { currentItem, h, replace } from "/static/common/ui.js";

// The groups to show, while the current item is a group session; else null.
export function groupsOnBoard(view) {
  const item = currentItem(view);
  const groups = view.groups || [];
  return item && item.group_session && groups.length ? groups : null;
}

function discussing(group) {
  if (group.document) return `${group.document.title} — ${t("document.page")} ${group.document.page}`;
  return group.status === "in_session" ? t("groups.discussing") : "";
}

export function renderGroups(item, groups, element) {
  replace(element,
    h("h2", { class: "groups-title" }, t("groups.meeting"), item ? ` · ${item.title}` : ""),
    h("ol", { class: "groups-list" }, groups.map((group) => h("li", { class: "groups-row", dataset: { group: group.id } },
      h("span", { class: "groups-name" }, group.name),
      h("span", { class: "groups-place" }, group.place),
      h("span", { class: "groups-status", dataset: { status: group.status || "none" } },
        t(`groups.status.${group.status || "none"}`)),
      h("span", { class: "groups-doc" }, discussing(group))))));
}
