package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/conciergehq/concierge"
)

// AllowedUpdates are the update kinds Concierge asks Telegram for, in
// webhook and polling mode alike.
var AllowedUpdates = []string{"message", "edited_message", "callback_query", "pre_checkout_query", "my_chat_member"}

// Handler handles one raw update; webhooks supplies it, so that polling
// and the webhook share one path (decode, de-duplicate, store). It returns
// a call to make in answer (a webhook would return it in its response
// body), or nil. An error means the update was not stored and must be
// delivered again.
type Handler func(ctx context.Context, body []byte) (answer Answer, err error)

// Answer is a Bot API call made in answer to an update.
type Answer = tgbotapi.Chattable

// Poller is the long-polling mode: it asks getUpdates for what Telegram
// holds and hands each update to a Handler, in order. The offset only
// moves past an update once the handler stored it, so a crash delivers
// the update again and the store's de-duplication drops the copy.
type Poller struct {
	Adapter *Adapter
	Handle  Handler
	Timeout time.Duration // the long poll (default 50 s; Telegram allows up to 50)
	Log     *slog.Logger
}

// Run polls until ctx ends. It first deletes any webhook, since Telegram
// refuses getUpdates while one is set (pending updates are kept).
func (p *Poller) Run(ctx context.Context) error {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 50 * time.Second
	}
	log := p.Log
	if log == nil {
		log = p.Adapter.log
	}
	c := p.Adapter.client
	for ctx.Err() == nil {
		if _, err := c.Call(ctx, "deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}); err == nil {
			break
		} else if ctx.Err() == nil {
			log.Warn("telegram: delete webhook before polling", "bot", p.Adapter.cfg.Bot, "err", err)
			sleep(ctx, 5*time.Second)
		}
	}
	allowed, _ := json.Marshal(AllowedUpdates)
	var offset int64
	fails := 0
	for ctx.Err() == nil {
		params := tgbotapi.Params{"timeout": strconv.Itoa(int(timeout / time.Second)), "allowed_updates": string(allowed)}
		if offset > 0 {
			params["offset"] = strconv.FormatInt(offset, 10)
		}
		resp, err := c.Call(ctx, "getUpdates", params)
		var raws []json.RawMessage
		if err == nil {
			err = result(resp, &raws)
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			fails++
			var re *RetryError
			wait := min(time.Duration(1<<min(fails, 6))*time.Second, time.Minute)
			if errors.As(err, &re) {
				wait = re.After
			}
			log.Warn("telegram: getUpdates", "bot", p.Adapter.cfg.Bot, "err", err, "retry_in", wait)
			sleep(ctx, wait/2+rand.N(wait/2+1))
			continue
		}
		fails = 0
		for _, raw := range raws {
			var head struct {
				ID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &head) != nil {
				continue
			}
			for ctx.Err() == nil {
				ans, err := p.Handle(ctx, raw)
				if err == nil {
					if ans != nil {
						if err := p.Adapter.Answer(ctx, ans); err != nil {
							log.Warn("telegram: answer", "bot", p.Adapter.cfg.Bot, "update", head.ID, "err", err)
						}
					}
					break
				}
				if c := concierge.ErrorCode(err); c == concierge.CodeInvalid || c == concierge.CodeNotFound {
					// A webhook would have answered 400: retrying cannot help.
					log.Warn("telegram: polled update refused", "bot", p.Adapter.cfg.Bot, "update", head.ID, "err", err)
					break
				}
				log.Error("telegram: handle polled update", "bot", p.Adapter.cfg.Bot, "update", head.ID, "err", err)
				sleep(ctx, time.Second)
			}
			if ctx.Err() != nil {
				return nil
			}
			offset = head.ID + 1
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// WebhookConfig is what SetWebhook registers.
type WebhookConfig struct {
	URL            string
	SecretToken    string // 1–256 of A-Z a-z 0-9 _ -; sent back in X-Telegram-Bot-Api-Secret-Token
	MaxConnections int    // 1–100; 0 leaves Telegram's default (40)
	DropPending    bool
}

// SetWebhook registers the webhook. v5.5.1's WebhookConfig has no
// secret_token, so the call goes through the library's generic
// MakeRequest with the documented parameters.
func (c *Client) SetWebhook(ctx context.Context, w WebhookConfig) error {
	allowed, _ := json.Marshal(AllowedUpdates)
	p := tgbotapi.Params{"url": w.URL, "secret_token": w.SecretToken, "allowed_updates": string(allowed)}
	p.AddNonZero("max_connections", w.MaxConnections)
	p.AddBool("drop_pending_updates", w.DropPending)
	_, err := c.Call(ctx, "setWebhook", p)
	return c.redact(err, w.SecretToken)
}

// WebhookInfo is the part of getWebhookInfo that set-webhook prints.
type WebhookInfo struct {
	URL                  string   `json:"url"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	LastErrorMessage     string   `json:"last_error_message,omitempty"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
}

// GetWebhookInfo reads the webhook Telegram has for the bot.
func (c *Client) GetWebhookInfo(ctx context.Context) (*WebhookInfo, error) {
	resp, err := c.Call(ctx, "getWebhookInfo", nil)
	if err != nil {
		return nil, err
	}
	var wi WebhookInfo
	return &wi, result(resp, &wi)
}
