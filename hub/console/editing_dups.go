package console

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"rapport/model"
	"rapport/model/store"
)

// Duplicate search limits, those of store.DuplicatePairs for one record.
const (
	// dupHolders: a value on more records than this (a switchboard, a
	// shared mailbox) says nothing about duplicates.
	dupHolders = 10
	// dupBlock is how many records one name block offers, in name order.
	dupBlock = 50
	// dupBlocks bounds the name blocks asked (a long name has many).
	dupBlocks = 6
	// dupShown is how many likely duplicates a page lists.
	dupShown = 10
)

// keyWebsite is the duplicate key of an account's web site (its host);
// e-mails and phones use the search index's kinds.
const keyWebsite = "website"

// reasonOfKey names the duplicate reason a shared key gives.
var reasonOfKey = map[string]string{model.KeyEmail: model.ReasonEmail, model.KeyPhone: model.ReasonPhone,
	keyWebsite: model.ReasonWebsite}

// dupProbe is a contact or account as the duplicate search compares it:
// the values store.DuplicatePairs matches on.
type dupProbe struct {
	id, label string
	name      model.DuplicateName
	keys      []model.SearchKey // e-mails (contacts), phones, the web site (accounts)
}

// dupHit is a likely duplicate: the other record, how sure and why.
type dupHit struct {
	ID, Name string
	Score    float64
	Reasons  []model.DuplicateReason
	Why      string // the reasons in the user's language
}

// contactProbe prepares a (normalised) contact: its name as the store's
// duplicate pass reads it (a display name made from an e-mail address is
// no name), its e-mails and phones.
func contactProbe(c *model.Contact) dupProbe {
	name := strings.Join([]string{c.FirstName, c.MiddleName, c.LastName}, " ")
	if strings.TrimSpace(name) == "" && !strings.Contains(c.DisplayName, "@") {
		name = c.DisplayName
	}
	return dupProbe{id: c.ID, label: c.DisplayName, name: model.NewDuplicateName(name, false), keys: c.DuplicateKeys()}
}

// accountProbe prepares a (normalised) account: its company name, phones
// and web site.
func accountProbe(a *model.Account) dupProbe {
	var keys []model.SearchKey
	for _, k := range a.SearchKeys() {
		if k.Kind == model.KeyPhone {
			keys = append(keys, k)
		}
	}
	if host := model.WebsiteHost(a.Website); host != "" {
		keys = append(keys, model.SearchKey{Kind: keyWebsite, Value: host})
	}
	return dupProbe{id: a.ID, label: a.Name, name: model.NewDuplicateName(a.Name, true), keys: model.Dedupe(keys)}
}

// sameMatch reports whether two probes would find the same duplicates.
func (p dupProbe) sameMatch(o dupProbe) bool {
	return p.name.Sorted == o.name.Sorted && slices.Equal(p.keys, o.keys)
}

// findDuplicates lists the records of p's entity that are likely p, with
// the matching of store.DuplicatePairs (the API's /duplicates): shared
// e-mails and phones held by at most dupHolders records, an account's web
// site, and names in the same block whose similarity reaches
// model.NameMatchThreshold, scored by model.DuplicateScore down to
// store.DefaultDuplicateScore. Where the pass reads every name of the
// entity, this asks the search index for p's values and name blocks
// (store.List, so only records the user may see), a few indexed queries
// whatever the number of records.
func findDuplicates[T any, P store.RecordPtr[T]](ctx context.Context, s *store.Store, p dupProbe, probeOf func(P) dupProbe) ([]dupHit, error) {
	cands := map[string]dupProbe{}
	look := func(params store.ListParams) ([]dupProbe, error) {
		pg, err := store.List[T, P](ctx, s, params)
		if err != nil {
			return nil, err
		}
		var out []dupProbe
		for _, rec := range pg.Items {
			if q := probeOf(rec); q.id != p.id {
				cands[q.id] = q
				out = append(out, q)
			}
		}
		return out, nil
	}
	telling := map[model.SearchKey]bool{}
	for _, k := range p.keys {
		params := store.ListParams{Limit: 2 * dupHolders, Q: k.Value}
		if k.Kind == keyWebsite {
			params = store.ListParams{Limit: 2 * dupHolders, Filter: model.Filter{All: []model.Condition{{Field: "website", Op: "contains", Value: k.Value}}}}
		}
		found, err := look(params)
		if err != nil {
			return nil, err
		}
		holders := 1 // p itself
		for _, q := range found {
			if slices.Contains(q.keys, k) {
				holders++
			}
		}
		telling[k] = holders <= dupHolders
	}
	for _, b := range nameBlocks(p.name) {
		// The block's word alone first: a rare word (most surnames) is
		// read whole in one cheap query, which holds the block; only a
		// common one (a first name many share) needs the initial too,
		// whose short prefix costs the search index more.
		found, err := look(store.ListParams{Limit: dupBlock, Q: b.word, Sort: "name"})
		if err != nil {
			return nil, err
		}
		if len(found) < dupBlock-1 || b.initial == "" {
			continue
		}
		if _, err := look(store.ListParams{Limit: dupBlock, Q: b.word + " " + b.initial, Sort: "name"}); err != nil {
			return nil, err
		}
	}
	var hits []dupHit
	for _, q := range cands {
		reasons := p.reasons(q, telling)
		if score := model.DuplicateScore(reasons); len(reasons) > 0 && score >= store.DefaultDuplicateScore {
			hits = append(hits, dupHit{ID: q.id, Name: q.label, Score: score, Reasons: reasons})
		}
	}
	slices.SortFunc(hits, func(a, b dupHit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return hits[:min(len(hits), dupShown)], nil
}

// nameBlock is one blocking key of a name: a word and the initial of
// another ("anna|b": a word starting "anna" and another starting "b"),
// which the search matches by word prefix as the blocks do.
type nameBlock struct{ word, initial string }

// nameBlocks reads a name's first blocking keys.
func nameBlocks(n model.DuplicateName) []nameBlock {
	var out []nameBlock
	for _, k := range n.Keys[:min(len(n.Keys), dupBlocks)] {
		word, initial, _ := strings.Cut(k, "|")
		out = append(out, nameBlock{strings.TrimSpace(word), strings.TrimSpace(initial)})
	}
	return out
}

// reasons says why o looks like p: the telling keys they share (one reason
// of each kind, as the store's pass gives) and similar names.
func (p dupProbe) reasons(o dupProbe, telling map[model.SearchKey]bool) []model.DuplicateReason {
	var out []model.DuplicateReason
	for _, k := range p.keys {
		kind := reasonOfKey[k.Kind]
		if !telling[k] || !slices.Contains(o.keys, k) || slices.ContainsFunc(out, func(r model.DuplicateReason) bool { return r.Kind == kind }) {
			continue
		}
		out = append(out, model.DuplicateReason{Kind: kind, Value: k.Value})
	}
	if sim := p.name.Similarity(o.name); sim >= model.NameMatchThreshold {
		out = append(out, model.DuplicateReason{Kind: model.ReasonName, Similarity: sim})
	}
	return out
}

// explainHits writes each hit's reasons in the user's language.
func explainHits(v *view, hits []dupHit) {
	for i := range hits {
		why := make([]string, len(hits[i].Reasons))
		for j, r := range hits[i].Reasons {
			switch r.Kind {
			case model.ReasonEmail:
				why[j] = v.T("merge.reason.email", r.Value)
			case model.ReasonPhone:
				why[j] = v.T("merge.reason.phone", r.Value)
			case model.ReasonWebsite:
				why[j] = v.T("merge.reason.website", r.Value)
			default:
				why[j] = v.T("merge.reason.name", v.Percent(int(r.Similarity*100)))
			}
		}
		hits[i].Why = strings.Join(why, "; ")
	}
}

// withoutIDs drops the hits whose records are in ids.
func withoutIDs(hits []dupHit, ids []string) []dupHit {
	return slices.DeleteFunc(hits, func(h dupHit) bool { return slices.Contains(ids, h.ID) })
}

// hitIDs are the ids of hits.
func hitIDs(hits []dupHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}
