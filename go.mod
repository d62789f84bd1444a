module github.com/hearth-home/hearth

go 1.26.0

require (
	github.com/zeebo/blake3 v0.2.4
	golang.org/x/sys v0.49.0
)

require github.com/klauspost/cpuid/v2 v2.0.12 // indirect
