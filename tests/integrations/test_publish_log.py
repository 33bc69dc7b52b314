"""The publish log: entries appended and read back, bad lines reported and left out, and which
push was live at a given time on one server's project."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from guidelines_tool.integrations.publish_log import (
    LOG_PATH, PublishEntry, Timeline, append_entry, latest_hotkeys, parse_time, push_time, read_log,
)


def entry(time: str, commit: str, *, project="3", url="http://ls:8080", task="pps", hotkeys=None) -> PublishEntry:
    return PublishEntry("label-studio", url, project, task, "v1.0.0", commit, time, hotkeys or {})


def test_entries_round_trip_and_bad_lines_are_reported(tmp_path):
    first = entry("2026-03-01T10:00:00+00:00", "a" * 40, hotkeys={"product": "p"})
    append_entry(tmp_path, first)
    with (tmp_path / LOG_PATH).open("a") as handle:
        handle.write("not json\n\n[1]\n" + '{"tool": "label-studio", "url": "u"}\n'
                     + first.to_json().replace("2026-03-01T10:00:00+00:00", "yesterday") + "\n")
    append_entry(tmp_path, entry("2026-03-02T10:00:00Z", "b" * 40))
    entries, problems = read_log(tmp_path)
    assert [e.commit for e in entries] == ["a" * 40, "b" * 40] and entries[0] == first
    assert [(p.line, p.severity) for p in problems] == [(2, "warning"), (4, "warning"), (5, "warning"), (6, "warning")]
    assert "missing project, task, version, commit, time" in problems[2].message
    assert "not an ISO 8601 time" in problems[3].message


def test_no_log_is_no_entries(tmp_path):
    assert read_log(tmp_path) == ([], [])


def test_the_live_push_is_the_last_at_or_before_the_time_on_that_project_and_server():
    entries = [
        entry("2026-03-02T10:00:00Z", "second"),
        entry("2026-03-01T10:00:00Z", "first", url="HTTP://LS:8080/"),  # the same server
        entry("2026-03-01T12:00:00Z", "other-project", project="4"),
        entry("2026-03-01T12:00:00Z", "other-server", url="http://elsewhere:8080"),
    ]
    timeline = Timeline(entries, tool="label-studio", url="http://ls:8080", project="3")
    at = lambda text: timeline.entry_at(parse_time(text))  # noqa: E731
    assert at("2026-03-01T09:59:59Z") is None
    assert at("2026-03-01T10:00:00Z").commit == "first"
    assert at("2026-03-02T09:59:59.999999+00:00").commit == "first"
    assert at("2026-03-02T12:00:00+02:00").commit == "second"  # 10:00 UTC
    assert timeline.entry_at(None) is None
    assert not Timeline(entries, tool="argilla", url="http://ls:8080", project="3")


def test_hotkeys_come_from_the_last_push_of_the_task():
    entries = [entry("2026-03-02T10:00:00Z", "b", hotkeys={"x": "2"}), entry("2026-03-01T10:00:00Z", "a", hotkeys={"x": "1"}),
               entry("2026-03-03T10:00:00Z", "c", task="other", hotkeys={"x": "3"})]
    assert latest_hotkeys(entries, "pps") == {"x": "2"}
    assert latest_hotkeys(entries, "nothing") == {}


def test_times_without_a_zone_are_utc():
    assert parse_time("2026-03-01T10:00:00") == datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    assert parse_time("soon") is None


def test_the_push_time_is_the_servers_second_refined_by_the_local_clock():
    server = datetime(2026, 3, 1, 10, 0, 5, tzinfo=timezone.utc)
    assert push_time(server, server + timedelta(milliseconds=800)) == server + timedelta(milliseconds=800)
    assert push_time(server, server + timedelta(seconds=7)) == server  # clocks disagree: the server's
    assert push_time(server, server - timedelta(seconds=1)) == server
    assert push_time(None, server) == server
