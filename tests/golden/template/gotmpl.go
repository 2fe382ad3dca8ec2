// gotmpl: reference renderer for the template differential test.
//
// Usage: gotmpl DATA.json TEMPLATES.txt
// Each line of TEMPLATES.txt is one template; "\n" and "\t" stand for
// newline and tab, "\\" for a backslash, any other backslash is literal.
// For each template, prints "--- N" then the output (or ERROR) and a
// newline.  The data is decoded into typed structs that mirror Podman's
// shapes, so maps and structs print as they do in Podman.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
)

type Mount struct {
	Type        string
	Source      string
	Destination string
	RW          bool
	Options     []string
}

type State struct {
	Status   string
	Running  bool
	ExitCode int
	Pid      int
}

type Config struct {
	Hostname string
	Env      []string
	Labels   map[string]string
	Cmd      []string
}

type Data struct {
	ID        string
	Image     string
	Names     string
	Status    string
	Labels    map[string]string
	Mounts    []string
	Id        string
	Name      string
	State     State
	Config    Config
	MountList []Mount
	Nums      []int
	Floats    []float64
	Float     float64
	Big       float64
	Small     float64
	Zero      int
	Neg       int
	Empty     string
	EmptyList []string
	EmptyMap  map[string]string
	Tricky    []string
	True      bool
	False     bool
	Nil       *State
	Html      string
}

func unescapeLine(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case 't':
				b.WriteByte('\t')
				i++
				continue
			case '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// The functions Podman (containers/common pkg/report) adds.
var funcs = template.FuncMap{
	"json": func(v interface{}) string {
		buf := new(bytes.Buffer)
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		return strings.TrimSpace(buf.String())
	},
	"join":  strings.Join,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"title": strings.Title,
	"split": strings.Split,
	"pad": func(s string, prefix, suffix int) string {
		if s == "" {
			return s
		}
		return strings.Repeat(" ", prefix) + s + strings.Repeat(" ", suffix)
	},
	"truncate": func(s string, n int) string {
		if len(s) < n {
			return s
		}
		return s[:n]
	},
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var data Data
	if err := json.Unmarshal(raw, &data); err != nil {
		panic(err)
	}
	f, err := os.Open(os.Args[2])
	if err != nil {
		panic(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		n++
		fmt.Printf("--- %d\n", n)
		t, err := template.New("output").Funcs(funcs).Parse(unescapeLine(line))
		if err != nil {
			fmt.Fprintf(os.Stderr, "%d: %v\n", n, err)
			fmt.Println("ERROR")
			continue
		}
		var out bytes.Buffer
		if err := t.Execute(&out, data); err != nil {
			fmt.Fprintf(os.Stderr, "%d: %v\n", n, err)
			fmt.Println("ERROR")
			continue
		}
		fmt.Printf("%s\n", out.String())
	}
}
