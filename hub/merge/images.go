package merge

import (
	"context"

	"rapport/model"
	"rapport/model/store"
	"rapport/templates/office"
)

// images serves the pictures that image placeholders name: attachments,
// such as a contact's photo (photo_id) and the company's logo (logo_id),
// as the actor sees them, read from the blob store. It is used by one
// merge run at a time and keeps the logo, which every document of a bulk
// merge shows, after the first read; other pictures are read for each
// document that shows them, so memory does not grow with a mailing.
type images struct {
	s    *Service
	logo []byte
}

// newImages returns the picture source of one merge run.
func (s *Service) newImages() *images { return &images{s: s} }

// Image implements office.Images. Errors leave the placeholder as
// "[image]" (see office.Images).
func (im *images) Image(ctx context.Context, ref string) ([]byte, error) {
	isLogo := ref == im.s.cfg.Company.LogoID
	if isLogo && im.logo != nil {
		return im.logo, nil
	}
	att, err := store.Get[model.Attachment](ctx, im.s.store, ref)
	if err != nil {
		return nil, err
	}
	data, err := im.s.readBlob(ctx, att.SHA256, im.s.maxImageBytes())
	if err == nil && isLogo {
		im.logo = data
	}
	return data, err
}

// maxImageBytes is the largest picture read, the engine's own limit.
func (s *Service) maxImageBytes() int64 {
	if n := s.cfg.Office.Limits.MaxImageBytes; n > 0 {
		return n
	}
	return office.DefaultLimits.MaxImageBytes
}

var _ office.Images = (*images)(nil)
