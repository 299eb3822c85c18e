// The tablet follows its discussion group: while the plenary's current item is a group
// session, a second connection to the group's room, shown in place of the plenary's view,
// with a banner naming the group and a button back to the plenary (and to the group again).
import { Hub } from "/static/common/hub.js";
import { t } from "/static/common/i18n.js";
import { $, currentItem, setText } from "/static/common/ui.js";

export class GroupFollower {
  // `plenary`: the tablet's Hub; `onSwitch(hub)`: the hub to show (the plenary's or the
  // group's) changed, or what it shows did.
  constructor(plenary, token, onSwitch) {
    this.plenary = plenary;
    this.token = token;
    this.onSwitch = onSwitch;
    this.group = null; // the plenary's `you.group` while the tablet follows it
    this.hub = null; // the connection to the group's room
    this.inPlenary = false; // the delegate chose to look at the plenary meanwhile
    $("group-toggle").addEventListener("click", () => {
      this.inPlenary = !this.inPlenary;
      this.render();
      this.onSwitch(this.shown());
    });
  }

  // The hub whose view the tablet shows and acts in now.
  shown() {
    return this.hub && !this.inPlenary ? this.hub : this.plenary;
  }

  // Called with every change of the plenary's view or `you`: whether to follow a group.
  update() {
    const item = currentItem(this.plenary.view);
    const group = (this.plenary.you && this.plenary.you.group) || null;
    const meeting = Boolean(item && item.group_session && group);
    if (meeting && (!this.group || this.group.room !== group.room)) {
      this.leave();
      this.join(group);
    } else if (!meeting && this.group) {
      this.leave();
      this.onSwitch(this.plenary);
    }
    if (meeting) this.group = group;
    this.render();
  }

  join(group) {
    this.group = group;
    this.inPlenary = false;
    // The same token, the group's room; pages still come from the plenary's documents.
    const session = { ...this.plenary.session, room: group.room, documents_room: this.plenary.session.room };
    this.hub = new Hub({
      token: this.token,
      onChange: () => { if (this.shown() === this.hub) this.onSwitch(this.hub); },
      onStatus: () => {},
    });
    this.hub.start(session);
    this.onSwitch(this.shown());
  }

  leave() {
    if (this.hub) {
      this.hub.stopped = true;
      if (this.hub.socket) this.hub.socket.close();
    }
    this.hub = null;
    this.group = null;
    this.inPlenary = false;
  }

  render() {
    const banner = $("group-banner");
    banner.hidden = !this.group;
    banner.setAttribute("aria-label", t("groups.title"));
    if (!this.group) return;
    const place = this.group.place ? ` — ${this.group.place}` : "";
    setText($("group-name"), `${this.group.name}${place}`);
    banner.dataset.where = this.inPlenary ? "plenary" : "group";
    setText($("group-toggle"), t(this.inPlenary ? "groups.to_group" : "groups.to_plenary"));
  }
}
