package store

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"rapport/model"
)

// DuplicateParams pages duplicate suggestions.
type DuplicateParams struct {
	Limit  int
	Cursor string
	// MinScore leaves out weaker pairs; 0 is DefaultDuplicateScore.
	MinScore float64
}

// DefaultDuplicateScore is the weakest pair suggested unless asked: a name
// alone must be very close (an e-mail or phone alone is enough).
const DefaultDuplicateScore = 0.7

// DuplicatePage is one page of suggestions, surest first; Total counts all
// pairs at or above the score.
type DuplicatePage struct {
	Items      []model.DuplicatePair `json:"items"`
	NextCursor string                `json:"next_cursor,omitempty"`
	Total      int                   `json:"total"`
}

const (
	// maxSharedHolders: an e-mail or phone on more records than this is a
	// switchboard or a shared mailbox, which says nothing about duplicates.
	maxSharedHolders = 10
	// maxBlock: a name block (records whose names share a blocking key)
	// larger than this compares each member only with its blockWindow
	// neighbours in name order, so a common name costs n·window, not n².
	maxBlock    = 50
	blockWindow = 10
)

// dupEntry is one live record as the duplicate search sees it.
type dupEntry struct {
	id, label, host string
	name            model.DuplicateName
}

// DuplicatePairs suggests pairs of live contacts or accounts that may be
// one: sharing an e-mail (contacts), a phone, a web site (accounts), or
// with similar names. Candidates come from blocks, never from all pairs:
// the search_keys index groups shared e-mails and phones, and names meet
// only when they share a blocking key (model.DuplicateName). A pass reads
// the entity's live names once; pages are cut from its ordered result,
// which is kept until a record of the entity changes.
func (s *Store) DuplicatePairs(ctx context.Context, entity string, p DuplicateParams) (DuplicatePage, error) {
	if !slices.Contains(model.MergeEntities, entity) {
		return DuplicatePage{}, model.Errorf(model.EINVALID, "duplicates of %s are not searched", entity)
	}
	if !model.ActorFrom(ctx).IsStaff() {
		return DuplicatePage{}, model.Errorf(model.EFORBIDDEN, "staff only")
	}
	minScore := p.MinScore
	if minScore == 0 {
		minScore = DefaultDuplicateScore
	}
	if minScore < 0 || minScore > 1 {
		return DuplicatePage{}, fieldErr("min_score", "between 0 and 1")
	}
	all, err := s.allDuplicatePairs(ctx, entity)
	if err != nil {
		return DuplicatePage{}, err
	}
	n, _ := slices.BinarySearchFunc(all, minScore, func(p model.DuplicatePair, min float64) int { return cmp.Compare(min, p.Score) })
	for n < len(all) && all[n].Score >= minScore {
		n++
	}
	return pageOf(all[:n], p)
}

// dupCache keeps each store's last full pass per entity while it is
// current: while no record of the entity changed (its newest feed seq is
// the same) the pages after the first cost one indexed MAX(seq).
var dupCache sync.Map // dupCacheKey → dupPass

type dupCacheKey struct {
	s      *Store
	entity string
}

type dupPass struct {
	seq   int64
	pairs []model.DuplicatePair
}

// allDuplicatePairs returns every scored candidate pair, surest first.
func (s *Store) allDuplicatePairs(ctx context.Context, entity string) ([]model.DuplicatePair, error) {
	var seq *int64
	if err := s.conn(ctx).Model(&model.Change{}).Select("MAX(seq)").Where("entity = ?", entity).Scan(&seq).Error; err != nil {
		return nil, dbErr(err)
	}
	key := dupCacheKey{s, entity}
	if c, ok := dupCache.Load(key); ok && seq != nil && c.(dupPass).seq == *seq {
		return c.(dupPass).pairs, nil
	}
	entries, err := s.duplicateEntries(ctx, entity)
	if err != nil {
		return nil, err
	}
	f := newPairFinder(entries)
	if err := s.addSharedKeys(ctx, f, entity); err != nil {
		return nil, err
	}
	f.addSharedHosts()
	f.addSimilarNames()
	pairs := f.pairs()
	if seq != nil && s.inTx(ctx) == nil { // a transaction may see writes not yet committed
		dupCache.Store(key, dupPass{*seq, pairs})
	}
	return pairs, nil
}

// duplicateEntries reads every live record's name (and a company's web
// site), in id order.
func (s *Store) duplicateEntries(ctx context.Context, entity string) ([]dupEntry, error) {
	cols := "id, first_name, middle_name, last_name, display_name, '' AS website"
	if entity == "account" {
		cols = "id, '' AS first_name, '' AS middle_name, '' AS last_name, name AS display_name, website"
	}
	rows, err := s.conn(ctx).Table(Tables[entity]).Select(cols).Where("deleted_at IS NULL").Order("id").Rows()
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	var out []dupEntry
	for rows.Next() {
		var id, first, middle, last, display, site string
		if err := rows.Scan(&id, &first, &middle, &last, &display, &site); err != nil {
			return nil, dbErr(err)
		}
		e := dupEntry{id: id, label: display, host: model.WebsiteHost(site)}
		name := strings.Join([]string{first, middle, last}, " ")
		if strings.TrimSpace(name) == "" && !strings.Contains(display, "@") {
			name = display // a display name made from an e-mail address is no name
		}
		e.name = model.NewDuplicateName(name, entity == "account")
		out = append(out, e)
	}
	return out, dbErr(rows.Err())
}

// pairFinder collects the reasons of candidate pairs of entries.
type pairFinder struct {
	entries []dupEntry
	index   map[string]int
	reasons map[[2]int][]model.DuplicateReason
}

func newPairFinder(entries []dupEntry) *pairFinder {
	f := &pairFinder{entries: entries, index: make(map[string]int, len(entries)), reasons: map[[2]int][]model.DuplicateReason{}}
	for i, e := range entries {
		f.index[e.id] = i
	}
	return f
}

// add records a reason for entries i and j (in either order).
func (f *pairFinder) add(i, j int, r model.DuplicateReason) {
	k := [2]int{min(i, j), max(i, j)}
	if !slices.ContainsFunc(f.reasons[k], func(o model.DuplicateReason) bool { return o.Kind == r.Kind }) {
		f.reasons[k] = append(f.reasons[k], r)
	}
}

// addGroup gives every pair of a group of entries the same reason.
func (f *pairFinder) addGroup(group []int, r model.DuplicateReason) {
	for a := range group {
		for b := a + 1; b < len(group); b++ {
			f.add(group[a], group[b], r)
		}
	}
}

// addSharedKeys adds the pairs that share an e-mail or phone: the values
// held by 2 to maxSharedHolders records come from one grouped read of the
// search_keys index, their holders from keyHolders (the import's lookup).
func (s *Store) addSharedKeys(ctx context.Context, f *pairFinder, entity string) error {
	kinds := []string{model.KeyEmail, model.KeyPhone}
	if entity == "account" {
		kinds = []string{model.KeyPhone}
	}
	var shared []model.SearchKey
	err := s.conn(ctx).Table("search_keys").Select("kind, value").Where("entity = ? AND kind IN ?", entity, kinds).
		Group("kind, value").Having("COUNT(*) BETWEEN 2 AND ?", maxSharedHolders).Scan(&shared).Error
	if err != nil {
		return dbErr(err)
	}
	holders, err := s.keyHolders(ctx, entity, shared)
	if err != nil {
		return err
	}
	for k, ids := range holders {
		kind := model.ReasonPhone
		if k.Kind == model.KeyEmail {
			kind = model.ReasonEmail
		}
		var group []int
		for _, id := range ids {
			if i, ok := f.index[id]; ok {
				group = append(group, i)
			}
		}
		f.addGroup(group, model.DuplicateReason{Kind: kind, Value: k.Value})
	}
	return nil
}

// addSharedHosts adds the accounts that share a web site.
func (f *pairFinder) addSharedHosts() {
	byHost := map[string][]int{}
	for i, e := range f.entries {
		if e.host != "" {
			byHost[e.host] = append(byHost[e.host], i)
		}
	}
	for host, group := range byHost {
		if len(group) <= maxSharedHolders {
			f.addGroup(group, model.DuplicateReason{Kind: model.ReasonWebsite, Value: host})
		}
	}
}

// addSimilarNames compares names within their blocks.
func (f *pairFinder) addSimilarNames() {
	blocks := map[string][]int{}
	for i, e := range f.entries {
		for _, k := range e.name.Keys {
			blocks[k] = append(blocks[k], i)
		}
	}
	for _, block := range blocks {
		window := len(block)
		if window > maxBlock {
			slices.SortFunc(block, func(a, b int) int { return cmp.Compare(f.entries[a].name.Sorted, f.entries[b].name.Sorted) })
			window = blockWindow
		}
		for a := range block {
			for b := a + 1; b < min(len(block), a+1+window); b++ {
				f.compareNames(block[a], block[b])
			}
		}
	}
}

func (f *pairFinder) compareNames(i, j int) {
	if sim := f.entries[i].name.Similarity(f.entries[j].name); sim >= model.NameMatchThreshold {
		f.add(i, j, model.DuplicateReason{Kind: model.ReasonName, Similarity: round3(sim)})
	}
}

// pairs scores every candidate pair (pairs found by a shared value also
// weigh their names) and returns them surest first, then by ids.
func (f *pairFinder) pairs() []model.DuplicatePair {
	var out []model.DuplicatePair
	for k, reasons := range f.reasons {
		if !slices.ContainsFunc(reasons, func(r model.DuplicateReason) bool { return r.Kind == model.ReasonName }) {
			f.compareNames(k[0], k[1])
			reasons = f.reasons[k]
		}
		slices.SortFunc(reasons, func(a, b model.DuplicateReason) int { return cmp.Compare(a.Kind, b.Kind) })
		score := model.DuplicateScore(reasons)
		a, b := f.entries[k[0]], f.entries[k[1]]
		out = append(out, model.DuplicatePair{A: model.DuplicateRecord{ID: a.id, Name: a.label},
			B: model.DuplicateRecord{ID: b.id, Name: b.label}, Score: score, Reasons: reasons})
	}
	slices.SortFunc(out, comparePairs)
	return out
}

func comparePairs(x, y model.DuplicatePair) int {
	return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(x.A.ID, y.A.ID), cmp.Compare(x.B.ID, y.B.ID))
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

// pageOf cuts one page from the ordered pairs; the cursor is the last
// pair's score and ids.
func pageOf(all []model.DuplicatePair, p DuplicateParams) (DuplicatePage, error) {
	start := 0
	if p.Cursor != "" {
		after, err := decodePairCursor(p.Cursor)
		if err != nil {
			return DuplicatePage{}, err
		}
		start, _ = slices.BinarySearchFunc(all, after, comparePairs)
		if start < len(all) && comparePairs(all[start], after) == 0 {
			start++
		}
	}
	limit := clampLimit(p.Limit, 500)
	page := DuplicatePage{Items: all[start:min(len(all), start+limit)], Total: len(all)}
	if start+limit < len(all) {
		last := page.Items[len(page.Items)-1]
		page.NextCursor = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%g|%s|%s", last.Score, last.A.ID, last.B.ID))
	}
	if page.Items == nil {
		page.Items = []model.DuplicatePair{}
	}
	return page, nil
}

func decodePairCursor(c string) (model.DuplicatePair, error) {
	bad := model.Errorf(model.EINVALID, "cursor is not valid for this list")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return model.DuplicatePair{}, bad
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 {
		return model.DuplicatePair{}, bad
	}
	score, err := strconv.ParseFloat(parts[0], 64)
	if err != nil {
		return model.DuplicatePair{}, bad
	}
	return model.DuplicatePair{Score: score, A: model.DuplicateRecord{ID: parts[1]}, B: model.DuplicateRecord{ID: parts[2]}}, nil
}
