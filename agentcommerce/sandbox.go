package agentcommerce

import (
	"context"
	"fmt"
	"strings"

	"github.com/conciergehq/concierge"
)

// The sandbox's test tokens, as the UCP conformance suite sends them.
const (
	SuccessToken = "success_token"
	FailToken    = "fail_token"
)

// SandboxHandler is the name of the sandbox's payment handler, in bot
// files and in the protocols.
const SandboxHandler = "sandbox"

// Sandbox is the Payer of the sandbox handler: success_token pays, any
// other token is declined. No money moves; the bot file allows it only
// where sandbox payments are enabled.
type Sandbox struct{}

var (
	_ Payer     = Sandbox{}
	_ TxPayer   = Sandbox{}
	_ Presenter = Sandbox{}
)

// Presentation names the sandbox for buyers as a test handler.
func (Sandbox) Presentation() Presentation {
	return Presentation{Name: "dev.concierge." + SandboxHandler, Display: "Sandbox (test tokens)"}
}

// Charge pays o when token is SuccessToken.
func (Sandbox) Charge(ctx context.Context, o *concierge.Order, token string) (string, error) {
	if token != SuccessToken {
		return "", fmt.Errorf("sandbox: token %q: %w", "…", ErrPaymentDeclined)
	}
	return "agent:" + string(o.ID), nil
}

// ChargeTx pays o with a vault token (vt_…, issued by ACP's
// delegate_payment in test mode) that was issued for session, is unspent,
// unexpired and covers o's total, spending it in the session's
// transaction; other tokens are Charge's.
func (sb Sandbox) ChargeTx(ctx context.Context, tx Tx, session string, o *concierge.Order, token string) (string, error) {
	if !strings.HasPrefix(token, VaultTokenPrefix) {
		return sb.Charge(ctx, o, token)
	}
	if err := spendVaultToken(ctx, tx, session, o, token); err != nil {
		return "", err
	}
	return "agent:" + string(o.ID), nil
}

// Sender marks messages to agents' conversations delivered: an agent
// reads its session's state through the protocol, so the chat's order
// announcements stay in the transcript (for the inbox) and go nowhere
// else.
type Sender struct{}

var _ concierge.Sender = Sender{}

// Send does nothing and succeeds.
func (Sender) Send(ctx context.Context, m *concierge.Outbound) error { return nil }
