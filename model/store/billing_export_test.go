package store

import "rapport/model"

// SetBillingPage makes billing runs read n contracts or accounts a page
// (tests use tiny pages to cross page boundaries); it returns the undo.
func SetBillingPage(n int) (restore func()) {
	old := billingPage
	billingPage = n
	return func() { billingPage = old }
}

// FeePeriodStarts lists the starts of a contract's billing periods from
// from to to.
func FeePeriodStarts(c *model.Contract, from, to model.Date) []model.Date {
	return periodStarts(c, billingMonths[c.BillingPeriod], from, to)
}
