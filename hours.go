package concierge

import (
	"fmt"
	"strings"
	"time"
)

// BusinessHours is when people answer, as the merchant writes it in the bot
// file: one or more "[DAYS] HH:MM-HH:MM" windows, then an optional IANA
// time zone — "Mon-Fri 09:00-18:00 Europe/Paris" or
// "Mon-Fri 09:00-18:00, Sat 10:00-13:00 Europe/Paris". DAYS is a day, a
// range or a comma list of them; left out, it means every day. Without a
// zone, times are UTC.
type BusinessHours struct {
	Windows []HoursWindow
	Loc     *time.Location
}

// HoursWindow is one opening window on some days of the week.
type HoursWindow struct {
	Days       [7]bool // indexed by time.Weekday
	Open, Shut int     // minutes after midnight; Shut may be 24:00
}

var weekdays = map[string]time.Weekday{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// ParseBusinessHours parses the bot file's handoff.business_hours. Its
// errors complete a sentence that starts with the value ("… has no hours").
func ParseBusinessHours(s string) (*BusinessHours, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, fmt.Errorf("is empty")
	}
	bh := &BusinessHours{Loc: time.UTC}
	if last := fields[len(fields)-1]; !isTimeRange(last) && parseDays(last) == nil {
		loc, err := time.LoadLocation(last)
		if err != nil || last == "Local" {
			return nil, fmt.Errorf("has an unknown time zone %q (use an IANA name such as Europe/Paris)", last)
		}
		bh.Loc = loc
		fields = fields[:len(fields)-1]
	}
	var days *[7]bool
	for i, f := range fields {
		f = strings.TrimRight(f, ",;")
		if d := parseDays(f); d != nil {
			if i+1 == len(fields) {
				return nil, fmt.Errorf("has days %q without hours", f)
			}
			days = d
			continue
		}
		if !isTimeRange(f) {
			return nil, fmt.Errorf("has %q where days (Mon-Fri) or hours (09:00-18:00) were expected", f)
		}
		from, to, _ := strings.Cut(f, "-")
		a, errA := minuteOfDay(from)
		b, errB := minuteOfDay(to)
		if errA != nil || errB != nil {
			return nil, fmt.Errorf("has hours %q that are not HH:MM-HH:MM", f)
		}
		if a >= b {
			return nil, fmt.Errorf("has hours %q that end before they start", f)
		}
		w := HoursWindow{Open: a, Shut: b}
		if days != nil {
			w.Days = *days
		} else {
			w.Days = [7]bool{true, true, true, true, true, true, true}
		}
		bh.Windows = append(bh.Windows, w)
		days = nil
	}
	if len(bh.Windows) == 0 {
		return nil, fmt.Errorf("has no hours (such as 09:00-18:00)")
	}
	return bh, nil
}

// parseDays reads "Mon", "Mon-Fri" or "Mon-Fri,Sun", or returns nil.
func parseDays(s string) *[7]bool {
	var d [7]bool
	for _, item := range strings.Split(strings.ToLower(s), ",") {
		from, to, isRange := strings.Cut(item, "-")
		a, ok1 := weekdays[from]
		b, ok2 := a, true
		if isRange {
			b, ok2 = weekdays[to]
		}
		if !ok1 || !ok2 {
			return nil
		}
		for x := a; ; x = (x + 1) % 7 {
			d[x] = true
			if x == b {
				break
			}
		}
	}
	return &d
}

func isTimeRange(s string) bool {
	from, to, ok := strings.Cut(strings.TrimRight(s, ",;"), "-")
	return ok && strings.Contains(from, ":") && strings.Contains(to, ":")
}

// minuteOfDay parses "HH:MM", up to 24:00.
func minuteOfDay(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("bad time %q", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil {
		return 0, err
	}
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return h*60 + m, nil
}

// IsOpen reports whether t falls within business hours.
func (bh *BusinessHours) IsOpen(t time.Time) bool {
	t = t.In(bh.Loc)
	m := t.Hour()*60 + t.Minute()
	for _, w := range bh.Windows {
		if w.Days[t.Weekday()] && m >= w.Open && m < w.Shut {
			return true
		}
	}
	return false
}

// NextOpen returns the next time at or after t when people answer (t
// itself if they do now).
func (bh *BusinessHours) NextOpen(t time.Time) time.Time {
	if bh.IsOpen(t) {
		return t
	}
	t = t.In(bh.Loc)
	best := time.Time{}
	for i := 0; i < 8; i++ {
		for _, w := range bh.Windows {
			day := time.Date(t.Year(), t.Month(), t.Day()+i, 0, w.Open, 0, 0, bh.Loc)
			if w.Days[day.Weekday()] && day.After(t) && (best.IsZero() || day.Before(best)) {
				best = day
			}
		}
		if !best.IsZero() {
			return best
		}
	}
	return t
}
