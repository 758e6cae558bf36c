package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/server"
)

const wechatUsage = `Usage:
  concierge wechat menu --config PATH [--bot NAME] [--db URL]

menu publishes the custom menu of channels.wechat.menu in the bot file
(or, without one: 逛逛商品 with the catalog's categories, 我的订单, 人工客服).
It uses the access token the servers share (through --db, or the Redis
server of channels.wechat.token_cache), so that it does not invalidate
theirs.
`

func wechatCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] != "menu" {
		fmt.Fprint(stderr, wechatUsage)
		return 2
	}
	fs := flag.NewFlagSet("wechat menu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "bot file or folder of bot files")
	botName := fs.String("bot", "", "bot (default: the only one with a WeChat account)")
	defDB := getenv("DATABASE_URL")
	if defDB == "" {
		defDB = "sqlite:concierge.db"
	}
	dbURL := fs.String("db", defDB, "database URL shared with the servers")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if err := wechatMenu(ctx, *path, *botName, *dbURL, stdout, getenv); err != nil {
		fmt.Fprintf(stderr, "concierge wechat menu: %v\n", err)
		return 1
	}
	return 0
}

func wechatMenu(ctx context.Context, path, botName, dbURL string, stdout io.Writer, getenv func(string) string) error {
	f, err := pickBot(path, botName, getenv, "channels.wechat", func(f *config.File) bool { return f.Channels.WeChat != nil })
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := server.PublishWeChatMenu(ctx, db, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "published the menu of %s (%d buttons)\n", f.ID, n)
	return nil
}
