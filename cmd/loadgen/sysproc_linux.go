package main

import "syscall"

// childProcAttr makes the kernel kill the server if loadgen dies without
// running its deferred stop (SIGKILL, a crash), so that no server is left
// holding a port and a temp dir.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
