package store

import "github.com/conciergehq/concierge"

// OnStockChange has fn called with a bot's id after each transaction
// that changed that bot's stock has committed, once per bot and
// transaction: through its orders (an order placed, or canceled, expired
// or failed, which gives its stock back), or set by the merchant (the
// seller's assistant's Tx.SetStock; the catalog API's ChangeCatalog and
// a refreshed feed's SetStockOnHand, which the seller's assistant's
// stock changes go through too when the bot has a live catalog). fn runs
// on the committing goroutine, so it must not block; it is told of this
// process's commits only (each replica tells its own). It replaces an
// earlier fn; nil tells no one. SeedStock (at start, and for products
// the store has not seen) is not reported: it sets no count the agents
// could have been told before.
func (db *DB) OnStockChange(fn func(concierge.BotID)) {
	if fn == nil {
		db.stockHook.Store(nil)
		return
	}
	db.stockHook.Store(&fn)
}

// stockChanged notes that the transaction changed bot's stock.
func (tx *Tx) stockChanged(bot concierge.BotID) {
	if tx.stockBots == nil {
		tx.stockBots = map[concierge.BotID]bool{}
	}
	tx.stockBots[bot] = true
}

// committed tells OnStockChange's listener of bots, whose stock a
// committed transaction changed.
func (db *DB) committed(bots map[concierge.BotID]bool) {
	fn := db.stockHook.Load()
	if fn == nil {
		return
	}
	for bot := range bots {
		(*fn)(bot)
	}
}
