package config

import "testing"

func TestCheckBusinessHours(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"Mon-Fri 09:00-18:00 Europe/Paris", true},
		{"Mon-Fri 09:00-18:00", true},
		{"09:00-18:00 Asia/Shanghai", true},
		{"Mon-Fri 09:00-18:00, Sat 10:00-13:00 Europe/Paris", true},
		{"Mon,Wed-Fri 08:30-12:00; Sat 09:00-12:00 Europe/Zurich", true},
		{"mon-fri 00:00-24:00 UTC", true},
		{"Mon-Fri 09:00-12:00 14:00-18:00 Europe/Paris", true},
		{"", false},
		{"Mon-Fri", false},
		{"Mon-Fri Europe/Paris", false},
		{"Mon-Fri 9h-18h Europe/Paris", false},
		{"Mon-Fri 18:00-09:00 Europe/Paris", false},
		{"Mon-Fri 09:00-25:00 Europe/Paris", false},
		{"Mon-Fri 9:00-18:00 Europe/Paris", false},
		{"Mon-Fri 09:00-18:00 Europe/Lyon", false},
		{"Mon-Fri 09:00-18:00 Local", false},
		{"Lun-Ven 09:00-18:00 Europe/Paris", false},
	}
	for _, tt := range tests {
		if err := checkBusinessHours(tt.in); (err == nil) != tt.ok {
			t.Errorf("checkBusinessHours(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}
