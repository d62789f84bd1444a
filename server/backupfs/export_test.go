package backupfs

// Remembered is how many folder listings the view holds.
func (f *FS) Remembered() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.kids)
}

const MaxRemembered = maxRemembered
