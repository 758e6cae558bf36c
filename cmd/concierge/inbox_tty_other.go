//go:build !linux

package main

import "os"

// noEcho cannot turn echo off here; a password typed on a terminal shows.
// Pipe it in instead (see `concierge inbox` usage).
func noEcho(f *os.File) (restore func(), ok bool) { return nil, false }
