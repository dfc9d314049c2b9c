package store

import "rapport/model/migrate"

// riverJobTable is River's job table, whose unfinished jobs are data.
const riverJobTable = "river_job"

// riverJobs describes River's job table by hand: River lays it out
// differently per engine (JSONB blobs on SQLite; jsonb, arrays and an enum
// on PostgreSQL), so each column is read as, and written back from, one
// engine-neutral value. Only unfinished jobs travel (available, scheduled,
// pending, retryable, running: a running job is rescued by River on the
// target once its rescue delay has passed); finished ones are history River
// prunes anyway. The uniqueness columns (unique_key, unique_states) stay
// behind, since River encodes them differently per engine: a restored job
// no longer blocks a duplicate of itself.
func riverJobs(engine string) *backupTable {
	pg := engine == migrate.Postgres
	jsonCol := func(name string) dumpColumn {
		c := dumpColumn{ColumnInfo: ColumnInfo{Name: name, Kind: KindJSON}, read: "json(" + name + ")", write: "jsonb(?)"}
		if pg {
			c.read, c.write = name+"::text", "CAST(? AS jsonb)"
		}
		return c
	}
	// arrayCol is a PostgreSQL array (text[], varchar[], jsonb[]) kept as a
	// JSON array; SQLite keeps the JSON array as JSONB.
	arrayCol := func(name, elements string, nullable bool) dumpColumn {
		c := jsonCol(name)
		if pg {
			c.read = "to_jsonb(" + name + ")::text"
			c.write = "ARRAY(SELECT " + elements + "(CAST(? AS jsonb)))"
			if nullable {
				c.write = "CASE WHEN CAST(? AS jsonb) IS NULL THEN NULL ELSE " + c.write + " END"
			}
		}
		return c
	}
	plain := func(name, kind string) dumpColumn { return dumpColumn{ColumnInfo: ColumnInfo{Name: name, Kind: kind}} }
	riverTime := func(name string) dumpColumn { c := plain(name, KindTime); c.milli = true; return c }
	state := plain("state", KindText)
	if pg {
		state.read, state.write = "state::text", "CAST(? AS river_job_state)"
	}
	return &backupTable{
		name: riverJobTable,
		columns: []dumpColumn{
			jsonCol("args"),
			plain("attempt", KindInt),
			riverTime("attempted_at"),
			arrayCol("attempted_by", "jsonb_array_elements_text", true),
			riverTime("created_at"),
			arrayCol("errors", "jsonb_array_elements", true),
			riverTime("finalized_at"),
			plain("id", KindInt),
			plain("kind", KindText),
			plain("max_attempts", KindInt),
			jsonCol("metadata"),
			plain("priority", KindInt),
			plain("queue", KindText),
			riverTime("scheduled_at"),
			state,
			arrayCol("tags", "jsonb_array_elements_text", false),
		},
		pk:     []string{"id"},
		filter: "state NOT IN ('cancelled', 'completed', 'discarded')",
	}
}
