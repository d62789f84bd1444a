package main

// originalPlace is "" on Windows: a backup's paths start with the drive ("C:"), which
// no folder holds, so putting files back where they were is not offered yet.
func originalPlace() string { return "" }
