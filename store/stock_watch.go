package store

import "github.com/conciergehq/concierge"

// OnStockChange has fn called with a bot's id after each transaction
// that changed that bot's stock through its orders (an order placed, or
// canceled, expired or failed, which gives its stock back) has
// committed, once per bot and transaction. fn runs on the committing
// goroutine, so it must not block; it is told of this process's commits
// only (each replica tells its own). It replaces an earlier fn; nil
// tells no one. Stock set otherwise (SeedStock at start, a seller's
// stock push) is not reported.
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
