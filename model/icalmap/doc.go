// Package icalmap maps activities to and from iCalendar (RFC 5545): VEVENT
// for appointments and calls, VTODO for tasks. It renders read-only ICS
// feeds (Calendar, Component, Encode) and CalDAV calendar object resources
// (Decode, ObjectCalendar), and answers CalDAV's time-range questions
// (Overlaps, Expand, LimitRecurrenceSet). It is a pure mapping: it imports
// model, go-ical, rrule-go and its own tzdata table, never a store or HTTP.
//
// # Time zones
//
// TZIDs resolve through ResolveTZID (IANA, Windows and Windows display
// names from CLDR, prefixed Olson names such as
// "/mozilla.org/20050126_1/Europe/Berlin"); an unknown TZID falls back to
// the object's own VTIMEZONE, whose STANDARD/DAYLIGHT observances (RRULE or
// RDATE) are compiled into a *time.Location for 1900–2100. Floating times
// use DecodeOptions.DefaultZone. Output writes times with TZID in the
// activity's TimeZone and a VTIMEZONE: the client's own when it sent one
// for that TZID, else one generated from Go's tzdata (embedded) for the
// years the event spans, the last year's transitions as yearly RRULEs so
// open-ended series stay right.
//
// # Extra
//
// model.DAVLink.Extra keeps, verbatim, what a CalDAV client wrote that the
// activity does not hold. It is itself an iCalendar object, as go-ical
// encodes it (CRLF lines, unfolded, properties sorted by name):
//
//	BEGIN:VCALENDAR
//	<the calendar's properties: VERSION, the client's PRODID, CALSCALE, X-WR-…>
//	BEGIN:VEVENT            the shadow of the mapped (master) component:
//	<every unmapped property, e.g. X-APPLE-TRAVEL-ADVISORY-BEHAVIOR, RDATE,
//	 EXDATE, SEQUENCE, CREATED, URL, ATTACH, CONFERENCE>
//	<the original lines of a mapped property group (DTSTART/DTEND/DURATION/
//	 DUE, RRULE, SUMMARY, DESCRIPTION, LOCATION, STATUS, CLASS, PRIORITY,
//	 PERCENT-COMPLETE, COMPLETED, CATEGORIES) only where Rapport would not
//	 write the very same lines from the mapped fields>
//	<ORGANIZER and those ATTENDEE lines that Rapport would write otherwise,
//	 plus ATTENDEEs without a mailto: address>
//	<every VALARM, the one mapped to RemindAt included>
//	END:VEVENT
//	<the client's VTIMEZONEs, except those Rapport generates identically>
//	<RECURRENCE-ID overrides, verbatim>
//	<any other component, verbatim>
//	END:VCALENDAR
//
// The first VEVENT or VTODO is always the shadow; "RDATE" and
// "RECURRENCE-ID" appear literally, which model.Activity's recurrence end
// relies on. ObjectCalendar merges the shadow back: for each mapped group it
// emits the client's original lines when they still decode to the
// activity's current values (so "DTSTART;TZID=W. Europe Standard Time",
// "PRIORITY:2" or a relative TRIGGER survive), and regenerates them when the
// CRM changed the value. ATTENDEE and ORGANIZER lines keep their unmapped
// parameters (RSVP, CUTYPE, SCHEDULE-STATUS …) and get new CN, ROLE or
// PARTSTAT only where those changed. Rapport always writes UID, DTSTAMP and
// LAST-MODIFIED itself, and SEQUENCE as the larger of the client's and
// the activity's version − 1.
//
// # Limits
//
// Input: DecodeOptions.MaxBytes (DefaultMaxBytes), 8 levels of nesting,
// 8 KiB of parameters per line, Extra at most model.MaxDAVExtra. Recurrence:
// at most MaxInstances instances per object, 100,000 occurrences of a rule
// followed, nothing after 2200; rules rrule-go would loop on (out-of-range
// BY values, unreachable BYHOUR/BYMINUTE/BYSECOND, BYMONTHDAY never in
// BYMONTH, rules no date ever meets) are EINVALID. Dates must lie in the
// years 1000–9999.
package icalmap
