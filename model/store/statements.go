package store

import (
	"strconv"
	"sync/atomic"

	"gorm.io/gorm"
)

// observers numbers the registered observers: callback names must be unique.
var observers atomic.Int64

// ObserveStatements calls fn after every statement the store runs through
// GORM from now on (queries, row scans, raw SQL, inserts, updates, deletes)
// with its SQL text, so that tests can count the queries a page needs and
// catch N+1 patterns. Register observers before the store is in use: GORM's
// callback chain is not safe to change while statements run.
func (s *Store) ObserveStatements(fn func(sql string)) {
	cb := func(db *gorm.DB) { fn(db.Statement.SQL.String()) }
	name := "rapport:observe:" + strconv.FormatInt(observers.Add(1), 10)
	c := s.db.Callback()
	_ = c.Query().After("gorm:query").Register(name, cb)
	_ = c.Row().After("gorm:row").Register(name, cb)
	_ = c.Raw().After("gorm:raw").Register(name, cb)
	_ = c.Create().After("gorm:create").Register(name, cb)
	_ = c.Update().After("gorm:update").Register(name, cb)
	_ = c.Delete().After("gorm:delete").Register(name, cb)
}
