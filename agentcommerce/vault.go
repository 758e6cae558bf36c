package agentcommerce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// VaultTokenPrefix starts the ids of the sandbox's vault tokens.
const VaultTokenPrefix = "vt_"

// vaultPath is where a refused vault token is named, in the core's
// (UCP's) JSONPaths that the protocols translate.
const vaultPath = "$.payment.instruments[0].credential.token"

// VaultToken is a delegated payment the sandbox issued (ACP's
// delegate_payment, test mode only): the right to pay one checkout
// session once, up to an amount, until a time. No card data is kept.
type VaultToken struct {
	ID        string
	Session   string
	Max       concierge.Money
	ExpiresAt time.Time
	CreatedAt time.Time
}

// IssueVaultToken stores a new vault token of bot for the session t
// names and returns it with its id and creation time. The session must
// be bot's and the allowance in the shop's currency; a refusal names the
// field at fault with ACP's delegate_payment paths.
func (s *Service) IssueVaultToken(ctx context.Context, tx Tx, bot concierge.BotID, t VaultToken) (*VaultToken, error) {
	shop := s.Shop(bot)
	if shop == nil || shop.Handlers[SandboxHandler] == nil {
		return nil, refuse(ReasonPaymentHandler, "", "this shop has no sandbox payment handler")
	}
	if !strings.EqualFold(t.Max.Currency, shop.Bot.Currency) {
		return nil, refuse(ReasonCurrency, "$.allowance.currency", fmt.Sprintf("this shop sells in %s only", shop.Bot.Currency))
	}
	if _, err := tx.AgentSession(ctx, bot, t.Session); errors.Is(err, concierge.ErrNotFound) {
		return nil, refuse(ReasonNotFound, "$.allowance.checkout_session_id", "no such checkout session in this shop")
	} else if err != nil {
		return nil, err
	}
	now := tx.Now()
	if !t.ExpiresAt.After(now) {
		return nil, refuse(ReasonExpired, "$.allowance.expires_at", "the allowance has already expired")
	}
	t.ID, t.CreatedAt = newID(VaultTokenPrefix), now
	t.Max.Currency = shop.Bot.Currency
	if err := tx.SaveVaultToken(ctx, t.ID, bot, t.Session, t.Max, t.ExpiresAt); err != nil {
		return nil, err
	}
	return &t, nil
}

// spendVaultToken spends vault token id on o, the order of session, or
// says why it may not: unknown, already spent, issued for another
// session, expired, or short of o's total or in another currency.
func spendVaultToken(ctx context.Context, tx Tx, session string, o *concierge.Order, id string) error {
	declined := func(msg string) error { return refuse(ReasonPaymentDeclined, vaultPath, msg) }
	sess, max, expires, usedBy, err := tx.VaultToken(ctx, o.Bot, id)
	switch {
	case errors.Is(err, concierge.ErrNotFound):
		return declined("no such vault token")
	case err != nil:
		return err
	case usedBy != "":
		return declined("this vault token was already used")
	case sess != session:
		return declined("this vault token was issued for another checkout session")
	case !tx.Now().Before(expires):
		return declined("this vault token expired")
	case !strings.EqualFold(max.Currency, o.Total.Currency):
		return declined("this vault token is for another currency")
	case max.Minor < o.Total.Minor:
		return declined(fmt.Sprintf("the total %d exceeds the vault token's allowance of %d", o.Total.Minor, max.Minor))
	}
	ok, err := tx.UseVaultToken(ctx, o.Bot, id, o.ID)
	if err != nil {
		return err
	}
	if !ok {
		return declined("this vault token was already used")
	}
	return nil
}
