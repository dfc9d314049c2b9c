// Package model holds Rapport's domain: the record types, their validation and
// normalisation rules, the visibility policy table, coded errors and money.
//
// It performs no I/O and imports nothing else from this repository; every other
// package builds on it (model ← model/store ← everything else).
package model
