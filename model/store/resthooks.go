package store

import (
	"context"

	"rapport/model"
)

// RESTHooks returns the REST hook subscriptions the actor may see (their
// own; every one for admins), oldest first.
func (s *Store) RESTHooks(ctx context.Context) ([]model.WebhookEndpoint, error) {
	q, err := visible(s.conn(ctx).Where("rest_hook = ? AND deleted_at IS NULL", true), model.ActorFrom(ctx), "webhook_endpoint")
	if err != nil {
		return nil, err
	}
	var out []model.WebhookEndpoint
	return out, dbErr(q.Order("created_at, id").Limit(1000).Find(&out).Error)
}

// RESTHook returns one REST hook subscription; endpoints made through the
// webhook API are not found here.
func (s *Store) RESTHook(ctx context.Context, id string) (*model.WebhookEndpoint, error) {
	ep, err := Get[model.WebhookEndpoint](ctx, s, id)
	if err == nil && !ep.RESTHook {
		return nil, notFound()
	}
	return ep, err
}
