package store_test

import (
	"context"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestMailPartsAreReferenced: the files of a message that is only logged
// (bulk mail here) have no attachment rows, yet the blob collector must
// keep them as long as the message is kept — and a backup must carry them.
func TestMailPartsAreReferenced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, s)
		in := f.mail("news@list.example", "Our newsletter", "News.")
		in.Decision.Kind, in.Decision.Ack = model.MailKindBulk, false
		in.Parts = []model.MailPart{{SHA256: sha("banner"), Filename: "banner.png", ContentType: "image/png", Size: 10},
			{SHA256: sha("prices"), Filename: "prices.pdf", ContentType: "application/pdf", Size: 20}}
		msg := f.ingest(in)
		if msg.Outcome != model.MailOutcomeIgnored {
			t.Fatalf("outcome %q, want the message only logged", msg.Outcome)
		}
		for _, part := range []string{"banner", "prices"} {
			if ok, err := s.BlobReferenced(ctx, sha(part)); err != nil || !ok {
				t.Errorf("the part %s is not referenced: %v %v", part, ok, err)
			}
		}
		if ok, err := s.BlobReferenced(ctx, sha("unrelated")); err != nil || ok {
			t.Errorf("an unknown blob is referenced: %v %v", ok, err)
		}
	})
}
