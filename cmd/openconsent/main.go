// Command openconsent runs the authorization server and its maintenance
// commands. It parses flags, loads the config and exits; nothing else.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/keys"
	"github.com/openconsent/openconsent/store"
)

const usage = `usage:
  openconsent [serve] [--config FILE]      run the server
  openconsent migrate [--config FILE]      apply database migrations
  openconsent config check FILE            validate a configuration file
  openconsent keys rotate --workspace ID [--alg PS256] [--config FILE]
                                           rotate a workspace signing key`

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args)
	case "migrate":
		err = migrate(ctx, args)
	case "config":
		if len(args) != 2 || args[0] != "check" {
			fmt.Fprintln(os.Stderr, usage)
			return 2
		}
		err = checkConfig(args[1])
	case "keys":
		if len(args) == 0 || args[0] != "rotate" {
			fmt.Fprintln(os.Stderr, usage)
			return 2
		}
		err = rotate(ctx, args[1:])
	default:
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "openconsent:", err)
		return 1
	}
	return 0
}

func load(args []string, name string, extra func(*flag.FlagSet)) (*server.Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fs.String("config", os.Getenv("OPENCONSENT_CONFIG"), "configuration file (YAML)")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return server.Load(*path)
}

func logger(cfg *server.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

func serve(ctx context.Context, args []string) error {
	cfg, err := load(args, "serve", nil)
	if err != nil {
		return err
	}
	log := logger(cfg)
	slog.SetDefault(log)
	s, err := server.New(ctx, cfg, server.Deps{Logger: log})
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

func migrate(ctx context.Context, args []string) error {
	cfg, err := load(args, "migrate", nil)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.Database.Driver, cfg.Database.DSN)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("schema version %d\n", v)
	return nil
}

func checkConfig(path string) error {
	if _, err := server.Load(path); err != nil {
		return err
	}
	fmt.Printf("%s: ok\n", path)
	return nil
}

func rotate(ctx context.Context, args []string) error {
	var ws, alg string
	var publish time.Duration
	cfg, err := load(args, "keys rotate", func(fs *flag.FlagSet) {
		fs.StringVar(&ws, "workspace", "", "workspace id")
		fs.StringVar(&alg, "alg", "PS256", "algorithm of the key to rotate")
		fs.DurationVar(&publish, "publish-for", 0, "how long retired keys stay published (default: the workspace's longest token lifetime)")
	})
	if err != nil {
		return err
	}
	var wc *server.WorkspaceConfig
	for i := range cfg.Workspaces {
		if cfg.Workspaces[i].ID == ws {
			wc = &cfg.Workspaces[i]
		}
	}
	if wc == nil {
		return fmt.Errorf("--workspace: %q is not a configured workspace", ws)
	}
	if publish == 0 {
		publish = max(wc.Tokens.AccessTokenLifetime, wc.Tokens.IDTokenLifetime)
	}
	secret, err := server.LoadSecret(cfg)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.Database.Driver, cfg.Database.DSN)
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := keys.NewManager(st, secret, nil)
	if err != nil {
		return err
	}
	kid, err := m.Rotate(ctx, ws, alg, publish)
	if err != nil {
		return err
	}
	fmt.Printf("workspace %s: new %s key %s; retired keys stay published for %s\n", ws, alg, kid, publish)
	return nil
}
