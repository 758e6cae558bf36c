package concierge

// Money is an amount in the minor unit of its currency (cents for EUR, none
// for JPY), so that arithmetic is exact. Parsing and formatting live with the
// money library in the packages that show amounts; the core only adds and
// multiplies.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// Add returns m+o. Both must share a currency; callers guarantee it because
// one bot has one currency.
func (m Money) Add(o Money) Money { return Money{Minor: m.Minor + o.Minor, Currency: m.Currency} }

// Mul returns m×n.
func (m Money) Mul(n int) Money { return Money{Minor: m.Minor * int64(n), Currency: m.Currency} }
