package upload

// OnSync has fn told of every fsync the store makes, in order ("data", "record",
// "folder").
func OnSync(s *Store, fn func(what string)) { s.onSync = fn }
