package server

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
)

var errEOF = io.EOF

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// applyEnv overrides scalar fields from OPENCONSENT_* variables: nested yaml
// keys joined by "_" and upper-cased (server.base_url ->
// OPENCONSENT_SERVER_BASE_URL). Lists are not overridable, except string lists
// given as comma-separated values. Workspaces come from the file only.
func applyEnv(cfg *Config, lookup func(string) (string, bool)) error {
	return walkEnv(reflect.ValueOf(cfg).Elem(), "OPENCONSENT", "", lookup)
}

func walkEnv(v reflect.Value, prefix, path string, lookup func(string) (string, bool)) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + "_" + strings.ToUpper(tag)
		fpath := tag
		if path != "" {
			fpath = path + "." + tag
		}
		fv := v.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			if err := walkEnv(fv, name, fpath, lookup); err != nil {
				return err
			}
			continue
		}
		s, ok := lookup(name)
		if !ok {
			continue
		}
		if err := setScalar(fv, s); err != nil {
			return fmt.Errorf("config: %s (%s): %w", fpath, name, err)
		}
	}
	return nil
}

func setScalar(fv reflect.Value, s string) error {
	switch {
	case fv.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		fv.SetInt(int64(d))
	case fv.Kind() == reflect.String:
		fv.SetString(s)
	case fv.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case fv.Kind() == reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return err
		}
		fv.SetInt(int64(n))
	case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		fv.Set(reflect.ValueOf(&b))
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		fv.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("not settable from the environment")
	}
	return nil
}
