package concierge

import (
	"fmt"
	"strings"
	"time"
)

// BusinessHours is when people answer, as the merchant writes it:
// "Mon-Fri 09:00-18:00 Europe/Paris" (days may be a range or a comma list,
// the time zone is an IANA name).
type BusinessHours struct {
	Days       [7]bool // indexed by time.Weekday
	Open, Shut int     // minutes after midnight
	Loc        *time.Location
}

var weekdays = map[string]time.Weekday{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// ParseBusinessHours parses the bot file's business_hours.
func ParseBusinessHours(s string) (*BusinessHours, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return nil, fmt.Errorf("business hours %q: want \"Mon-Fri 09:00-18:00 Europe/Paris\"", s)
	}
	var bh BusinessHours
	for _, part := range strings.Split(f[0], ",") {
		from, to, isRange := strings.Cut(strings.ToLower(part), "-")
		a, ok1 := weekdays[from]
		b := a
		ok2 := true
		if isRange {
			b, ok2 = weekdays[to]
		}
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("business hours %q: unknown day in %q (use Mon, Tue, … Sun)", s, part)
		}
		for d := a; ; d = (d + 1) % 7 {
			bh.Days[d] = true
			if d == b {
				break
			}
		}
	}
	open, shut, ok := strings.Cut(f[1], "-")
	var err error
	if !ok {
		return nil, fmt.Errorf("business hours %q: want a time range like 09:00-18:00", s)
	}
	if bh.Open, err = clock(open); err == nil {
		bh.Shut, err = clock(shut)
	}
	if err != nil || bh.Shut <= bh.Open {
		return nil, fmt.Errorf("business hours %q: bad time range %q", s, f[1])
	}
	if bh.Loc, err = time.LoadLocation(f[2]); err != nil {
		return nil, fmt.Errorf("business hours %q: unknown time zone %q", s, f[2])
	}
	return &bh, nil
}

func clock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// IsOpen reports whether t falls within business hours.
func (bh *BusinessHours) IsOpen(t time.Time) bool {
	t = t.In(bh.Loc)
	m := t.Hour()*60 + t.Minute()
	return bh.Days[t.Weekday()] && m >= bh.Open && m < bh.Shut
}

// NextOpen returns the next time at or after t when business hours begin
// (t itself if they are open).
func (bh *BusinessHours) NextOpen(t time.Time) time.Time {
	if bh.IsOpen(t) {
		return t
	}
	t = t.In(bh.Loc)
	for i := 0; i < 8; i++ {
		day := time.Date(t.Year(), t.Month(), t.Day()+i, 0, bh.Open, 0, 0, bh.Loc)
		if bh.Days[day.Weekday()] && day.After(t) {
			return day
		}
	}
	return t
}
