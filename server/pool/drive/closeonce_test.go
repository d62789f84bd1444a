package drive

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// A folder descriptor is a bare number: closed twice, the second close may close a file
// another goroutine opened meanwhile under the same number. No function may both defer a
// descriptor's close and close it itself (keepVersion did, on a retried delete).
func TestNoDescriptorClosedTwice(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			checked++
			for _, v := range closedTwice(fn.Body) {
				t.Errorf("%s: %s defers %s.close() and also closes it itself", fset.Position(fn.Pos()), fn.Name.Name, v)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d functions checked: the test no longer sees the package's code", checked)
	}
}

// closedTwice lists the variables whose close() a body both defers and calls.
func closedTwice(body *ast.BlockStmt) []string {
	deferred, called := map[string]bool{}, map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // its own scope
		case *ast.DeferStmt:
			if v := closeOf(n.Call); v != "" {
				deferred[v] = true
			}
			return false
		case *ast.CallExpr:
			if v := closeOf(n); v != "" {
				called[v] = true
			}
		}
		return true
	})
	var out []string
	for v := range deferred {
		if called[v] {
			out = append(out, v)
		}
	}
	return out
}

func closeOf(c *ast.CallExpr) string {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "close" || len(c.Args) != 0 {
		return ""
	}
	if id, ok := sel.X.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
