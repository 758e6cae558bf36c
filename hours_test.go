package concierge

import (
	"testing"
	"time"
)

func TestBusinessHours(t *testing.T) {
	bh, err := ParseBusinessHours("Mon-Fri 09:00-18:00 Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	tests := []struct {
		at   time.Time
		open bool
		next time.Time
	}{
		{time.Date(2026, 11, 26, 10, 0, 0, 0, paris), true, time.Date(2026, 11, 26, 10, 0, 0, 0, paris)},    // Thursday
		{time.Date(2026, 11, 26, 18, 0, 0, 0, paris), false, time.Date(2026, 11, 27, 9, 0, 0, 0, paris)},    // closing time
		{time.Date(2026, 11, 28, 12, 0, 0, 0, paris), false, time.Date(2026, 11, 30, 9, 0, 0, 0, paris)},    // Saturday → Monday
		{time.Date(2026, 11, 27, 7, 59, 0, 0, time.UTC), false, time.Date(2026, 11, 27, 9, 0, 0, 0, paris)}, // 08:59 in Paris
	}
	for _, tt := range tests {
		if got := bh.IsOpen(tt.at); got != tt.open {
			t.Errorf("IsOpen(%v) = %v", tt.at, got)
		}
		if got := bh.NextOpen(tt.at); !got.Equal(tt.next) {
			t.Errorf("NextOpen(%v) = %v, want %v", tt.at, got, tt.next)
		}
	}
	two, err := ParseBusinessHours("Mon-Fri 09:00-12:00, 14:00-18:00, Sat 10:00-13:00 Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	lunch := time.Date(2026, 11, 26, 12, 30, 0, 0, paris)
	if two.IsOpen(lunch) || !two.NextOpen(lunch).Equal(time.Date(2026, 11, 26, 14, 0, 0, 0, paris)) {
		t.Errorf("lunch break: open=%v next=%v", two.IsOpen(lunch), two.NextOpen(lunch))
	}
	if !two.IsOpen(time.Date(2026, 11, 28, 11, 0, 0, 0, paris)) || two.IsOpen(time.Date(2026, 11, 29, 11, 0, 0, 0, paris)) {
		t.Error("Saturday window / Sunday closed")
	}
	for _, bad := range []string{"", "Mon-Fri", "Mon-Fru 09:00-18:00 Europe/Paris", "Mon-Fri 18:00-09:00 Europe/Paris", "Mon-Fri 09:00-18:00 Mars/Olympus", "Mon-Fri 9h-18h"} {
		if _, err := ParseBusinessHours(bad); err == nil {
			t.Errorf("ParseBusinessHours(%q): want error", bad)
		}
	}
}

func TestOrderStateMachine(t *testing.T) {
	allowed := map[[2]OrderState]bool{
		{OrderPending, OrderPaid}: true, {OrderPending, OrderCancelled}: true, {OrderPending, OrderExpired}: true,
		{OrderPaid, OrderFulfilled}: true, {OrderPaid, OrderRefunded}: true, {OrderFulfilled, OrderRefunded}: true,
	}
	all := []OrderState{OrderPending, OrderPaid, OrderFulfilled, OrderCancelled, OrderExpired, OrderRefunded}
	for _, from := range all {
		for _, to := range all {
			if got := from.CanTransition(to); got != allowed[[2]OrderState{from, to}] {
				t.Errorf("%s → %s: %v", from, to, got)
			}
		}
	}
}
