package config

import (
	"github.com/conciergehq/concierge"

	// The time zone of business hours is checked when the file is loaded;
	// embedding the zone database makes that check, and the hand-off's use
	// of the zone, work the same on a minimal container image.
	_ "time/tzdata"
)

// checkBusinessHours checks a handoff.business_hours value with the parser
// the hand-off uses, so that what validates is exactly what works.
func checkBusinessHours(s string) error {
	_, err := concierge.ParseBusinessHours(s)
	return err
}
