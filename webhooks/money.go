package webhooks

import (
	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

func (s *Server) money(m concierge.Money, loc concierge.Locale) string { return money.Format(m, loc) }
