#!/usr/bin/python3
"""Drive a CalDAV server with python3-caldav (Debian) the way an application would.

Usage: caldav_client.py BASE_URL USERNAME PASSWORD

BASE_URL is the bare server URL (http://host:port). The script finds the DAV
context path through /.well-known/caldav (RFC 6764), discovers the principal
and its calendar home, lists calendars, creates a one-off event and a weekly
recurring one, searches by time range (the recurring event must be found in a
later week and not after its COUNT ends), updates and deletes the one-off
event, creates and completes a to-do, and makes a calendar with MKCALENDAR.

It prints one JSON object on stdout with what it saw; the Go test
(cmd/rapport/davclients_test.go) checks it against the CRM's REST API. Any
failure exits 1 with "FAIL step: reason" on stderr. Set CALDAV_DEBUG=1 to log
every request and response.
"""

import json
import logging
import os
import sys
import traceback
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin

import caldav
import requests
from caldav.lib import error

step = "start"
result = {"steps": []}


def fail(msg):
    print("FAIL %s: %s" % (step, msg), file=sys.stderr)
    print(json.dumps(result, indent=1), file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def begin(name):
    global step
    step = name
    result["steps"].append(name)


def ics(component, uid, summary, extra):
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//rapport tests//python3-caldav//EN",
        "BEGIN:" + component,
        "UID:" + uid,
        "DTSTAMP:" + stamp(datetime.now(timezone.utc)),
        "SUMMARY:" + summary,
    ] + extra + ["END:" + component, "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def stamp(dt):
    return dt.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def summaries(objs):
    out = []
    for o in objs:
        comp = o.icalendar_component
        out.append(
            {
                "summary": str(comp.get("SUMMARY", "")),
                "uid": str(comp.get("UID", "")),
                "recurrence_id": stamp(comp.get("RECURRENCE-ID").dt) if comp.get("RECURRENCE-ID") else "",
                "dtstart": stamp(comp.get("DTSTART").dt) if comp.get("DTSTART") else "",
            }
        )
    return out


def path_of(url):
    return str(caldav.lib.url.URL.objectify(url).path)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    base, username, password = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    if os.environ.get("CALDAV_DEBUG"):
        logging.basicConfig(level=logging.DEBUG)
        logging.getLogger("caldav").setLevel(logging.DEBUG)

    # RFC 6764 section 5: the well-known URI redirects to the context path.
    begin("well-known")
    r = requests.request(
        "PROPFIND",
        base + "/.well-known/caldav",
        auth=(username, password),
        headers={"Depth": "0"},
        allow_redirects=False,
        timeout=10,
    )
    check(r.status_code in (301, 302, 303, 307, 308), "PROPFIND /.well-known/caldav answered %d, want a redirect" % r.status_code)
    context = urljoin(base + "/.well-known/caldav", r.headers.get("Location", ""))
    result["context_url"] = path_of(context)

    begin("principal")
    client = caldav.DAVClient(url=context, username=username, password=password, timeout=10)
    principal = client.principal()
    result["principal"] = path_of(principal.url)
    home = principal.calendar_home_set
    result["calendar_home"] = path_of(home.url)

    begin("calendars")
    calendars = principal.calendars()
    result["calendars"] = sorted(path_of(c.url) for c in calendars)
    by_slug = {path_of(c.url).rstrip("/").rsplit("/", 1)[-1]: c for c in calendars}
    check("appointments" in by_slug, "no appointments calendar in %s" % result["calendars"])
    check("tasks" in by_slug, "no tasks calendar in %s" % result["calendars"])
    appointments, tasks = by_slug["appointments"], by_slug["tasks"]

    # Times: whole hours a week ahead, so that nothing is in the past.
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    t0 = now + timedelta(days=7)

    begin("create-event")
    one_uid = "caldav-one-" + uuid.uuid4().hex
    one = appointments.save_event(
        ics("VEVENT", one_uid, "caldav one-off", ["DTSTART:" + stamp(t0), "DTEND:" + stamp(t0 + timedelta(hours=1)), "LOCATION:Room 1"])
    )
    result["event_uid"] = one_uid
    result["event_path"] = path_of(one.url)

    begin("create-recurring")
    rec_uid = "caldav-weekly-" + uuid.uuid4().hex
    rec_start = t0 + timedelta(hours=2)
    appointments.save_event(
        ics(
            "VEVENT",
            rec_uid,
            "caldav weekly",
            ["DTSTART:" + stamp(rec_start), "DTEND:" + stamp(rec_start + timedelta(minutes=30)), "RRULE:FREQ=WEEKLY;COUNT=10"],
        )
    )
    result["recurring_uid"] = rec_uid

    begin("search-later-week")
    week4 = rec_start + timedelta(weeks=3)
    found = appointments.search(start=week4 - timedelta(hours=1), end=week4 + timedelta(hours=1), event=True, expand=True)
    result["week4"] = summaries(found)
    check(
        [f for f in result["week4"] if f["uid"] == rec_uid],
        "time-range search %s..%s did not find the weekly event's 4th instance: %s" % (stamp(week4 - timedelta(hours=1)), stamp(week4 + timedelta(hours=1)), result["week4"]),
    )
    inst = [f for f in result["week4"] if f["uid"] == rec_uid][0]
    check(inst["dtstart"] == stamp(week4) or inst["recurrence_id"] == stamp(week4), "instance in week 4 starts at %s, want %s" % (inst, stamp(week4)))
    check(not [f for f in result["week4"] if f["uid"] == one_uid], "the one-off event matched a range it is not in")

    begin("search-after-count")
    week12 = rec_start + timedelta(weeks=11)
    found = appointments.search(start=week12 - timedelta(hours=1), end=week12 + timedelta(hours=1), event=True, expand=True)
    result["week12"] = summaries(found)
    check(not [f for f in result["week12"] if f["uid"] == rec_uid], "COUNT=10 ended after week 10 but week 12 matched: %s" % result["week12"])

    begin("search-one-off")
    found = appointments.search(start=t0 - timedelta(minutes=30), end=t0 + timedelta(minutes=30), event=True)
    check([o for o in summaries(found) if o["uid"] == one_uid], "time-range search did not find the one-off event: %s" % summaries(found))

    begin("update-event")
    ev = appointments.event_by_uid(one_uid)
    ev.icalendar_component["SUMMARY"] = "caldav one-off (moved)"
    ev.save()
    again = appointments.event_by_uid(one_uid)
    got = str(again.icalendar_component.get("SUMMARY"))
    check(got == "caldav one-off (moved)", "summary after update is %r" % got)
    result["updated_summary"] = got

    begin("delete-event")
    again.delete()
    try:
        appointments.event_by_uid(one_uid)
        fail("the deleted event is still found by UID")
    except error.NotFoundError:
        pass
    r = client.request(str(again.url), "GET")
    check(r.status == 404, "GET of the deleted event answered %d, want 404" % r.status)
    check(one_uid not in [o["uid"] for o in summaries(appointments.events())], "the deleted event is still listed")
    result["deleted_uid"] = one_uid

    begin("create-todo")
    todo_uid = "caldav-todo-" + uuid.uuid4().hex
    tasks.save_todo(ics("VTODO", todo_uid, "caldav todo", ["DUE:" + stamp(t0), "STATUS:NEEDS-ACTION"]))
    pending = tasks.todos()
    check(todo_uid in [o["uid"] for o in summaries(pending)], "new todo not among pending todos: %s" % summaries(pending))
    result["todo_uid"] = todo_uid

    begin("complete-todo")
    todo = tasks.todo_by_uid(todo_uid)
    todo.complete()
    pending = tasks.todos()
    check(todo_uid not in [o["uid"] for o in summaries(pending)], "completed todo still pending")
    everything = tasks.todos(include_completed=True)
    done = [o for o in everything if str(o.icalendar_component.get("UID")) == todo_uid]
    check(done, "completed todo missing from todos(include_completed=True)")
    status = str(done[0].icalendar_component.get("STATUS", ""))
    check(status == "COMPLETED", "todo STATUS is %r after complete()" % status)
    result["todo_status"] = status

    begin("mkcalendar")
    cal = principal.make_calendar(name="Projects", cal_id="projects", supported_calendar_component_set=["VEVENT"])
    result["made_calendar"] = path_of(cal.url)
    check("projects" in [path_of(c.url).rstrip("/").rsplit("/", 1)[-1] for c in principal.calendars()], "MKCALENDAR'd calendar not listed")
    proj_uid = "caldav-proj-" + uuid.uuid4().hex
    cal.save_event(ics("VEVENT", proj_uid, "caldav project kickoff", ["DTSTART:" + stamp(t0), "DTEND:" + stamp(t0 + timedelta(hours=1))]))
    check(proj_uid in [o["uid"] for o in summaries(cal.events())], "event in the new calendar not listed")
    result["project_uid"] = proj_uid

    begin("done")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception:
        fail(traceback.format_exc())
