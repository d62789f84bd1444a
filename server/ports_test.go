package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Tests listen only on ports the system picks (127.0.0.1:0): other servers on the test
// machine may hold any fixed port. Every address a test (or a test helper) passes to a
// Listen call, a *Listen option or a -listen/-http flag must have port 0.
func TestTestsListenOnFreePortsOnly(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "bin" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") && !strings.Contains(path, "test/") {
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		checked++
		for _, lit := range listenAddrs(f) {
			if addr, err := strconv.Unquote(lit.Value); err == nil && fixedPort(addr) {
				t.Errorf("%s: a test listens on the fixed address %s; use 127.0.0.1:0", fset.Position(lit.Pos()), addr)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d test files read: the test no longer sees the repository", checked)
	}
}

// listenAddrs finds the string literals a file gives as addresses to listen on.
func listenAddrs(f *ast.File) []*ast.BasicLit {
	var out []*ast.BasicLit
	str := func(e ast.Expr) {
		if l, ok := e.(*ast.BasicLit); ok && l.Kind == token.STRING {
			out = append(out, l)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if strings.Contains(callName(n.Fun), "Listen") {
				for _, a := range n.Args {
					str(a)
				}
			}
		case *ast.KeyValueExpr:
			if k, ok := n.Key.(*ast.Ident); ok && strings.Contains(k.Name, "Listen") {
				str(n.Value)
			}
		case *ast.CompositeLit:
			for i := 1; i < len(n.Elts); i++ {
				if flag, ok := n.Elts[i-1].(*ast.BasicLit); ok {
					switch strings.Trim(flag.Value, "\"`") {
					case "-listen", "--listen", "-http", "--http", "-media", "--media":
						str(n.Elts[i])
					}
				}
			}
		}
		return true
	})
	return out
}

func callName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

// fixedPort reports whether addr is host:port with a port other than 0.
func fixedPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port != "0" && port != ""
}
