package main

import (
	"fmt"

	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/server"
)

// readBotFiles reads the bot files for Open through their cache in the
// index folder (config.LoadCached): an unchanged bot file is not parsed
// again at each start. Without an index folder Open reads them itself.
func readBotFiles(m *server.Main) error {
	if m.IndexDir == "" || m.ConfigPath == "" || m.Files != nil {
		return nil
	}
	files, err := config.LoadCached(m.ConfigPath, m.Getenv, config.Cache{Dir: m.IndexDir, Log: m.Log})
	if err != nil {
		return fmt.Errorf("bot files are not valid:\n%w", err) // as Open says it
	}
	m.Files = files
	return nil
}
