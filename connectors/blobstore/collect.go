package blobstore

import (
	"context"
	"time"
)

// CollectNow is Collect for a few blobs known to have just lost a reference
// (the files of an erased person): each of shas that referenced reports
// unreferenced and that is at least minAge old is deleted, without listing
// the store. It returns how many went. A blob put again within minAge (the
// same file uploaded by someone else, whose transaction may not have
// committed yet) stays for the periodic collector to judge.
func CollectNow(ctx context.Context, s Store, shas []string, referenced func(sha string) (bool, error), minAge time.Duration) (int, error) {
	deleted := 0
	for _, sha := range shas {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		gone, err := collectOne(ctx, s, sha, referenced, minAge)
		if err != nil {
			return deleted, err
		}
		if gone {
			deleted++
		}
	}
	return deleted, nil
}
