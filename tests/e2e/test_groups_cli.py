"""`congress groups import` against a running hub: groups, members and officers from a CSV."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, cli


async def test_groups_are_imported_with_their_members_and_officers(
    hub: HubProcess, tokens: DemoTokens, clients: Clients, tmp_path: Path
) -> None:
    csv_file = tmp_path / "groups.csv"
    csv_file.write_text(
        "group,place,delegate_id,role\n"
        "Tổ 1,Phòng họp A,DB001,chair\n"
        "Tổ 1,,DB002,secretary\n"
        "Tổ 1,,DB003,member\n"
        "Tổ 2,Phòng họp B,DB004,\n"
        "Tổ 2,,DB005,chair\n"
        "Tổ 2,,DB999,member\n"
        "Tổ 2,,DB006,president\n"
        # Listed again: the delegate moves to the later group.
        "Tổ 2,,DB003,member\n",
        encoding="utf-8",
    )
    code, _, err = await cli(hub, "groups", "import", str(csv_file))
    assert code == 1, "a bad line or an unknown delegate makes the import fail, after the rest"
    assert "groups.csv:8: needs a group, a delegate_id and a role" in err
    assert "'DB999' is not on the roll" in err
    staff = await clients.connect(tokens.secretariat)
    view = await staff.wait_for(
        # The officers are set by a record after the members': wait for both groups' chairs.
        lambda v: (
            len(v["groups"]) == 2
            and len(v["groups"][1]["members"]) == 3
            and all(g.get("chair") for g in v["groups"])
        ),
        timeout=5 * UNIT,
    )
    one, two = view["groups"]
    assert (one["id"], one["name"], one["place"]) == ("g1", "Tổ 1", "Phòng họp A")
    assert [m["delegate_id"] for m in one["members"]] == ["DB001", "DB002"]
    assert (one["chair"]["delegate_id"], one["secretary"]["delegate_id"]) == ("DB001", "DB002")
    assert [m["delegate_id"] for m in two["members"]] == ["DB004", "DB005", "DB003"]
    assert two["chair"]["delegate_id"] == "DB005"
    assert two["secretary"] is None
    # Imported again: nothing new, the same groups (names match, ids stay).
    before = [(g["id"], g["members"], g["chair"], g["secretary"]) for g in view["groups"]]
    csv_file.write_text("group,place,delegate_id,role\nTổ 1,Phòng họp A,DB001,chair\n")
    code, _, err = await cli(hub, "groups", "import", str(csv_file))
    assert code == 0, err
    assert "0 records appended, 0 problems" in err
    after = [(g["id"], g["members"], g["chair"], g["secretary"]) for g in staff.view["groups"]]
    assert after == before
