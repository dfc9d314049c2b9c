package inbound

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/gorilla/mux"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rapport/hub/problem"
	"rapport/model"
)

// receiveHook accepts one webhook: 202 once it is stored and its job
// queued, 200 for a webhook-id seen before (the sender retried after a
// lost answer), 401 for a missing, wrong or stale signature (more than
// five minutes off), 413 for an oversized body; nothing is written unless
// it answers 202.
func (h *Handler) receiveHook(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Enqueue == nil {
		problem.Errorf(w, r, model.EINTERNAL, "inbound webhooks are not configured on this hub")
		return
	}
	hook, err := h.cfg.Store.InboundHookByKey(r.Context(), mux.Vars(r)["key"])
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxHookBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		problem.Errorf(w, r, model.ETOOLARGE, "the payload is larger than %d bytes", h.cfg.MaxHookBytes)
		return
	case err != nil:
		problem.Errorf(w, r, model.EMALFORMED, "the payload could not be read")
		return
	}
	if err := verify(hook, body, r.Header); err != nil {
		h.cfg.Logger.Warn("inbound webhook refused", "hook", hook.ID, "ip", h.cfg.ClientIP(r), "err", err)
		problem.Write(w, r, err)
		return
	}
	if !json.Valid(body) {
		problem.Errorf(w, r, model.EMALFORMED, "the payload is not JSON")
		return
	}
	msg, dup, err := h.cfg.Store.ReceiveInboundWebhook(r.Context(), hook, r.Header.Get(standardwebhooks.HeaderWebhookID), body, h.cfg.Enqueue)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	status := http.StatusAccepted
	if dup {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": msg.ID, "status": msg.Status, "duplicate": dup})
}

// maxWebhookIDLength bounds the webhook-id header (the store keeps 200).
const maxWebhookIDLength = 200

// verify checks the Standard Webhooks headers with the hook's secret,
// through the specification's reference library.
func verify(hook *model.InboundHook, body []byte, header http.Header) error {
	if len(header.Get(standardwebhooks.HeaderWebhookID)) > maxWebhookIDLength {
		return model.Errorf(model.EMALFORMED, "webhook-id is longer than %d characters", maxWebhookIDLength)
	}
	wh, err := standardwebhooks.NewWebhook(hook.Secret)
	if err != nil {
		return model.Errorf(model.EINTERNAL, "inbound hook %s has an unusable secret: %v", hook.ID, err)
	}
	if err := wh.Verify(body, header); err != nil {
		msg := "bad signature"
		switch {
		case errors.Is(err, standardwebhooks.ErrRequiredHeaders):
			msg = "webhook-id, webhook-timestamp and webhook-signature are required"
		case errors.Is(err, standardwebhooks.ErrMessageTooOld), errors.Is(err, standardwebhooks.ErrMessageTooNew):
			msg = "webhook-timestamp is more than five minutes off"
		}
		return model.Errorf(model.EUNAUTHORIZED, "%s", msg)
	}
	return nil
}
