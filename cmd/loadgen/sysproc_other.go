//go:build !linux

package main

import "syscall"

// childProcAttr has no parent-death signal to ask for outside Linux; the
// deferred stop is all there is.
func childProcAttr() *syscall.SysProcAttr { return nil }
