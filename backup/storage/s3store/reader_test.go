package s3store_test

import "strings"

func strReader(s string) *strings.Reader { return strings.NewReader(s) }
