// Command rapport is the Rapport CRM hub: the server, migrations, user and
// credential administration, contact import and export, and demo data. It is
// the only package that wires hub and connectors together.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"rapport/hub/problem"
	"rapport/model"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "rapport:", userMessage(err))
		os.Exit(exitCode(err))
	}
}

// userMessage shows coded errors with their field details; others as they are.
func userMessage(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Error()
	}
	return err.Error()
}

func exitCode(err error) int {
	if code := model.ErrorCode(err); code != model.EINTERNAL && problem.Status(code) < 500 {
		return 2
	}
	return 1
}
