package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-home/hearth/server/catalog"
)

// Errors a caller decides on.
var (
	ErrBadCredentials = errors.New("wrong user name or password")
	ErrNoUser         = errors.New("no such user")
	ErrUserExists     = errors.New("a user with that name already exists")
	ErrBadName        = errors.New("a user name is 1 to 32 letters, digits, '-', '_' or '.', starting with a letter or digit")
	ErrWeakPassword   = errors.New("a password needs at least 8 characters")
	ErrLastAdmin      = errors.New("the last administrator cannot be removed")
	// ErrNameTaken: a new user's name is already a share's (each user gets a share of
	// their own name).
	ErrNameTaken = errors.New("a share already has that name; choose another user name")
)

// tokenPrefix marks a device token, so a token is never checked as a password.
const tokenPrefix = "hth_"

// Accounts manages users and checks their credentials.
type Accounts struct {
	cat *catalog.Catalog
	// hashing lets one argon2id hash run at a time: each takes 64 MiB, and a small box
	// must not hold several of them at once (see argon).
	hashing chan struct{}
	// key keys the digests verified is kept by, so that what is in memory says nothing
	// about a password to someone who reads it (a core dump, swap): random per process.
	key [32]byte
	mu  sync.Mutex
	// verified remembers recent successful checks, so a WebDAV client that sends its
	// password with every request does not pay for argon2id each time. Keyed by a keyed
	// digest of name and secret; entries lapse, and hold only for the hash they were
	// checked against (salted: a new password, or a user made again, never matches).
	verified map[[32]byte]verifiedEntry
	stats    AccountStats
	// changed is told after users, devices or access changed (nil: nobody is told).
	changed func(context.Context)
}

// NewAccounts returns the accounts kept in cat. changed, when not nil, is called after
// every change of users, devices or access (hearthd records them on the drives then).
func NewAccounts(cat *catalog.Catalog, changed func(context.Context)) *Accounts {
	a := &Accounts{cat: cat, hashing: make(chan struct{}, 1), verified: map[[32]byte]verifiedEntry{}, changed: changed}
	rand.Read(a.key[:]) // never fails (crypto/rand panics rather)
	return a
}

// update runs fn in a catalog transaction and tells changed when it committed.
func (a *Accounts) update(ctx context.Context, fn func(tx *catalog.Tx) error) error {
	if err := a.cat.Update(ctx, fn); err != nil {
		return err
	}
	if a.changed != nil {
		a.changed(ctx)
	}
	return nil
}

// User is a user as the rest of Hearth sees it.
type User struct {
	Name    string
	Admin   bool
	Created time.Time
	// ByToken: this sign-in used a device token.
	ByToken bool `json:"-"`
	// Credential is what this sign-in used; see Current.
	Credential Credential `json:"-"`
	// PC: for a sign-in with a device token, the PC it acts for (see Principal.PC).
	PC string `json:"-"`
}

// Credential is what a sign-in used, kept by what the sign-in made (a web session) so it
// ends with it: a device token, or the user's password as it was then.
type Credential struct {
	user  string
	token [32]byte // the device token's digest; zero for a password
	hash  [32]byte // digest of the password's salted hash, which every new password changes
}

// ByToken reports whether the credential is a device token.
func (c Credential) ByToken() bool { return c.token != [32]byte{} }

func passwordCredential(u catalog.User) Credential {
	return Credential{user: u.Name, hash: sha256.Sum256([]byte(u.Hash))}
}

func tokenCredential(user string, digest [32]byte) Credential {
	return Credential{user: user, token: digest}
}

func signedIn(u catalog.User, c Credential) User {
	return User{Name: u.Name, Admin: u.Admin, Created: u.Created, ByToken: c.ByToken(), Credential: c}
}

// Current returns the user of a credential that still holds, or ErrBadCredentials when it
// ended: the password was changed, the device removed, or the user removed (even if one
// of the same name was made since).
func (a *Accounts) Current(ctx context.Context, c Credential) (User, error) {
	if c.ByToken() {
		return a.tokenUser(ctx, c.token, c.user)
	}
	var u catalog.User
	err := a.cat.View(ctx, func(tx *catalog.Tx) (err error) {
		u, err = tx.User(ctx, c.user)
		return err
	})
	if errors.Is(err, catalog.ErrNotFound) {
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("check the sign-in of %s: %w", c.user, err)
	}
	if passwordCredential(u) != c {
		return User{}, ErrBadCredentials
	}
	return signedIn(u, c), nil
}

// tokenUser returns the user signed in by the device token with digest, or
// ErrBadCredentials when there is no such token (never made, or the device was removed)
// or, when user is not "", it is not user's. This is the one place a token is looked up.
func (a *Accounts) tokenUser(ctx context.Context, digest [32]byte, user string) (User, error) {
	var t catalog.Token
	var u catalog.User
	err := a.cat.View(ctx, func(tx *catalog.Tx) (err error) {
		if t, err = tx.TokenByDigest(ctx, digest[:]); err != nil {
			return err
		}
		if user != "" && !strings.EqualFold(t.User, user) {
			return catalog.ErrNotFound
		}
		u, err = tx.User(ctx, t.User)
		return err
	})
	if errors.Is(err, catalog.ErrNotFound) {
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("check a device token: %w", err)
	}
	out := signedIn(u, tokenCredential(u.Name, digest))
	out.PC = t.PC
	return out, nil
}

func validName(name string) bool {
	if len(name) == 0 || len(name) > 32 {
		return false
	}
	for i, r := range name {
		ok := r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || (i > 0 && strings.ContainsRune("-_.", r)))
		if !ok {
			return false
		}
	}
	return true
}

func checkPasswordRules(pw string) error {
	if len([]rune(pw)) < 8 {
		return ErrWeakPassword
	}
	if len(pw) > 1024 {
		return errors.New("a password can be at most 1024 bytes long")
	}
	return nil
}

// Add creates a user.
func (a *Accounts) Add(ctx context.Context, name, password string, admin bool) (User, error) {
	if !validName(name) {
		return User{}, ErrBadName
	}
	if err := checkPasswordRules(password); err != nil {
		return User{}, err
	}
	hash, err := a.newHash(ctx, password)
	if err != nil {
		return User{}, err
	}
	now := time.Now()
	err = a.update(ctx, func(tx *catalog.Tx) error {
		if _, err := tx.User(ctx, name); err == nil {
			return ErrUserExists
		} else if !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
		return tx.PutUser(ctx, catalog.User{Name: name, Admin: admin, Hash: hash, Created: now, Changed: now})
	})
	if err != nil {
		return User{}, err
	}
	return User{Name: name, Admin: admin, Created: now}, nil
}

// SetPassword changes a user's password; sessions with the old one stop working.
func (a *Accounts) SetPassword(ctx context.Context, name, password string) error {
	if err := checkPasswordRules(password); err != nil {
		return err
	}
	hash, err := a.newHash(ctx, password)
	if err != nil {
		return err
	}
	err = a.update(ctx, func(tx *catalog.Tx) error {
		u, err := a.user(ctx, tx, name)
		if err != nil {
			return err
		}
		u.Hash, u.Changed = hash, time.Now()
		return tx.PutUser(ctx, u)
	})
	a.forget(name)
	return err
}

// Remove deletes a user, their device tokens and their share access (not their files).
func (a *Accounts) Remove(ctx context.Context, name string) error {
	defer a.forget(name)
	return a.update(ctx, func(tx *catalog.Tx) error {
		u, err := a.user(ctx, tx, name)
		if err != nil {
			return err
		}
		if u.Admin {
			if err := lastAdminCheck(ctx, tx, u.Name); err != nil {
				return err
			}
		}
		return tx.DeleteUser(ctx, u.Name)
	})
}

// SetAdmin makes a user an administrator or not; the last administrator stays one
// (ErrLastAdmin), so someone can always manage the server.
func (a *Accounts) SetAdmin(ctx context.Context, name string, admin bool) error {
	return a.update(ctx, func(tx *catalog.Tx) error {
		u, err := a.user(ctx, tx, name)
		if err != nil || u.Admin == admin {
			return err
		}
		if !admin {
			if err := lastAdminCheck(ctx, tx, u.Name); err != nil {
				return err
			}
		}
		u.Admin, u.Changed = admin, time.Now()
		return tx.PutUser(ctx, u)
	})
}

func lastAdminCheck(ctx context.Context, tx *catalog.Tx, name string) error {
	us, err := tx.Users(ctx)
	if err != nil {
		return err
	}
	for _, o := range us {
		if o.Admin && !strings.EqualFold(o.Name, name) {
			return nil
		}
	}
	return ErrLastAdmin
}

func (a *Accounts) user(ctx context.Context, tx *catalog.Tx, name string) (catalog.User, error) {
	u, err := tx.User(ctx, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return u, fmt.Errorf("%w: %s", ErrNoUser, name)
	}
	return u, err
}

// List returns the users by name.
func (a *Accounts) List(ctx context.Context) ([]User, error) {
	var out []User
	err := a.cat.View(ctx, func(tx *catalog.Tx) error {
		us, err := tx.Users(ctx)
		for _, u := range us {
			out = append(out, User{Name: u.Name, Admin: u.Admin, Created: u.Created})
		}
		return err
	})
	return out, err
}

// Lookup returns one user.
func (a *Accounts) Lookup(ctx context.Context, name string) (User, error) {
	var u catalog.User
	err := a.cat.View(ctx, func(tx *catalog.Tx) (err error) {
		u, err = a.user(ctx, tx, name)
		return err
	})
	return User{Name: u.Name, Admin: u.Admin, Created: u.Created}, err
}

// HasAdmin reports whether any administrator exists yet.
func (a *Accounts) HasAdmin(ctx context.Context) (bool, error) {
	us, err := a.List(ctx)
	for _, u := range us {
		if u.Admin {
			return true, err
		}
	}
	return false, err
}

// Verify checks a user name with a password or device token and returns the user, or
// ErrBadCredentials.
func (a *Accounts) Verify(ctx context.Context, name, secret string) (User, error) {
	if strings.HasPrefix(secret, tokenPrefix) {
		return a.tokenUser(ctx, sha256.Sum256([]byte(secret)), name)
	}
	var u catalog.User
	err := a.cat.View(ctx, func(tx *catalog.Tx) (err error) {
		u, err = tx.User(ctx, name)
		return err
	})
	if errors.Is(err, catalog.ErrNotFound) {
		// Take as long as for a real user, so the answer's time does not tell which
		// names exist. Never remembered: no one signs in as a name that does not exist.
		a.argon(ctx, func() bool { checkPassword(dummyHash, secret); return true })
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, err
	}
	ok, err := a.check(ctx, u, secret)
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, ErrBadCredentials
	}
	return signedIn(u, passwordCredential(u)), nil
}

// Known returns the user when the credentials are known to be good without an argon2id
// check: a valid device token (a long random secret no one can guess), or a password
// that was checked recently. Such requests may skip the sign-in guard, so a PC sending
// many requests at once is not slowed as if it were guessing. A wrong password is never
// known, so guesses still go through the guard.
func (a *Accounts) Known(ctx context.Context, name, secret string) (User, bool) {
	if strings.HasPrefix(secret, tokenPrefix) { // with a user name or without
		u, err := a.tokenUser(ctx, sha256.Sum256([]byte(secret)), name)
		return u, err == nil
	}
	var u catalog.User
	err := a.cat.View(ctx, func(tx *catalog.Tx) (err error) {
		u, err = tx.User(ctx, name)
		return err
	})
	if err != nil || !a.remembered(u, secret) {
		return User{}, false
	}
	return signedIn(u, passwordCredential(u)), true
}

// Device is a PC or phone signed in with a token of its own.
type Device struct {
	ID      string
	User    string
	Name    string
	Created time.Time
	// PC is the PC the device's token acts for ('' for none).
	PC string `json:",omitempty"`
}

// ErrNoDevice: no device has that id.
var ErrNoDevice = errors.New("no such device")

// Devices lists the devices, newest first.
func (a *Accounts) Devices(ctx context.Context) ([]Device, error) {
	var out []Device
	err := a.cat.View(ctx, func(tx *catalog.Tx) error {
		ts, err := tx.Tokens(ctx)
		for _, t := range ts {
			out = append(out, Device{ID: t.ID, User: t.User, Name: t.Label, Created: t.Created, PC: t.PC})
		}
		return err
	})
	return out, err
}

// RemoveDevice revokes a device's token: it can no longer sign in.
func (a *Accounts) RemoveDevice(ctx context.Context, id string) error {
	err := a.update(ctx, func(tx *catalog.Tx) error { return tx.DeleteToken(ctx, id) })
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%w: %s", ErrNoDevice, id)
	}
	return err
}

// NewDevice registers a device for a user and returns it with its token, which is
// shown once and kept only as a digest. pc is the PC the token acts for: the name its
// backups go under, or empty for a device that does not back up. backedUp are the PCs
// that back up here under pc in any case (see PCNameFree, which decides whether user may
// have the name).
func (a *Accounts) NewDevice(ctx context.Context, user, name, pc string, backedUp []PCHolder) (Device, string, error) {
	secret, id, err := a.newToken(ctx, user, name, pc, backedUp)
	if err != nil {
		return Device{}, "", err
	}
	u, err := a.Lookup(ctx, user)
	return Device{ID: id, User: u.Name, Name: name, Created: time.Now(), PC: pc}, secret, err
}

// NewToken makes a device token for a user; it is shown once and kept only as a digest.
// It acts for no PC: a PC gets its own when it joins (NewDevice).
func (a *Accounts) NewToken(ctx context.Context, name, label string) (string, error) {
	secret, _, err := a.newToken(ctx, name, label, "", nil)
	return secret, err
}

// ErrPCTaken: a PC name is another's (see PCTakenError).
var ErrPCTaken = errors.New("that PC name is taken")

// PCTakenError refuses a PC name that, compared without case, another user holds, or
// that the user's own PC holds spelled otherwise (see PCNameFree): two PCs whose names
// differ only in case would share one folder of backups on Windows, and a name must not
// let one user's PC pass as another's.
type PCTakenError struct {
	PC    string // the name as it is held
	Yours bool   // the user's own PC has it, spelled otherwise
}

func (e *PCTakenError) Error() string {
	if e.Yours {
		return fmt.Sprintf("You already have a PC called %q. If this is that PC, use exactly that name; otherwise give this one another name.", e.PC)
	}
	return fmt.Sprintf("A PC called %q belongs to another person here. Please give this PC another name.", e.PC)
}

func (e *PCTakenError) Is(target error) bool { return target == ErrPCTaken }

// PCHolder is a PC name and the user who holds it: the owner of the PC that backs up
// under it, or the user whose device joined with it.
type PCHolder struct {
	PC, User string
}

// PCNameFree is the one rule for who may have a PC name, used where a PC joins and where
// a PC's first backup claims its name. It returns a *PCTakenError when user may not have
// a PC called pc. backedUp are the PCs that back up here under pc in any case, with their
// owners; joined are the devices that joined with it in any case, oldest first.
//
// A name is its backups' owner's: whoever backs up under it holds it, whatever devices
// an older server let join with it (a leftover token of another user must not lock the
// owner out of their own PC). Only a name nobody backs up under yet is held by the
// devices that joined with it, the first one first. Either way the exact spelling decides
// before other spellings do: a user keeps the name they hold exactly even if an older
// server let another spelling in beside it. Any other spelling of a held name is refused,
// the user's own too (two PCs whose names differ only in case would share one folder of
// backups on Windows), naming the spelling that holds it.
func PCNameFree(user, pc string, backedUp, joined []PCHolder) error {
	if pc == "" {
		return nil
	}
	for _, held := range [][]PCHolder{backedUp, joined} {
		for _, h := range held {
			if h.PC == pc {
				if strings.EqualFold(h.User, user) {
					return nil
				}
				return &PCTakenError{PC: h.PC}
			}
		}
		for _, h := range held {
			if strings.EqualFold(h.PC, pc) {
				return &PCTakenError{PC: h.PC, Yours: strings.EqualFold(h.User, user)}
			}
		}
	}
	return nil
}

// CheckPCName returns a *PCTakenError when user may not have a PC called pc (see
// PCNameFree); backedUp are the PCs that back up here under pc in any case.
func (a *Accounts) CheckPCName(ctx context.Context, user, pc string, backedUp []PCHolder) error {
	return a.cat.View(ctx, func(tx *catalog.Tx) error { return pcNameFree(ctx, tx, user, pc, backedUp) })
}

func pcNameFree(ctx context.Context, tx *catalog.Tx, user, pc string, backedUp []PCHolder) error {
	if pc == "" {
		return nil
	}
	ts, err := tx.TokensForPC(ctx, pc) // oldest first
	if err != nil {
		return err
	}
	joined := make([]PCHolder, len(ts))
	for i, t := range ts {
		joined[i] = PCHolder{PC: t.PC, User: t.User}
	}
	return PCNameFree(user, pc, backedUp, joined)
}

// ErrBadDeviceName: a device's name is shown in lists and terminals, so it is plain text.
var ErrBadDeviceName = errors.New("a device's name is at most 200 bytes of text, without control characters")

// checkDeviceName refuses a name that would not show as itself: control characters
// (a terminal escape in hearthd device list), invisible format characters such as a
// right-to-left override, or bytes that are not UTF-8.
func checkDeviceName(label string) error {
	if len(label) > 200 || !utf8.ValidString(label) { // "": hearthd user token without -label
		return ErrBadDeviceName
	}
	for _, r := range label {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ErrBadDeviceName
		}
	}
	return nil
}

func (a *Accounts) newToken(ctx context.Context, name, label, pc string, backedUp []PCHolder) (secret, id string, err error) {
	if err := checkDeviceName(label); err != nil {
		return "", "", err
	}
	raw := make([]byte, 25) // 20 secret bytes, and 5 for an id that gives nothing away
	if _, err := rand.Read(raw); err != nil {
		return "", "", fmt.Errorf("make a token: %w", err)
	}
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	secret = tokenPrefix + strings.ToLower(enc.EncodeToString(raw[:20]))
	id = strings.ToLower(enc.EncodeToString(raw[20:]))
	digest := sha256.Sum256([]byte(secret))
	err = a.update(ctx, func(tx *catalog.Tx) error {
		u, err := a.user(ctx, tx, name)
		if err != nil {
			return err
		}
		// Checked in the same transaction as the token is added, so two PCs joining at
		// once under one name cannot both have it.
		if err := pcNameFree(ctx, tx, u.Name, pc, backedUp); err != nil {
			return err
		}
		return tx.AddToken(ctx, catalog.Token{ID: id, User: u.Name, Digest: digest[:], Label: label, Created: time.Now(), PC: pc})
	})
	if err != nil {
		return "", "", err
	}
	return secret, id, nil
}

// VerifyToken checks a device token given without a user name and returns its user.
func (a *Accounts) VerifyToken(ctx context.Context, secret string) (User, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return User{}, ErrBadCredentials
	}
	return a.tokenUser(ctx, sha256.Sum256([]byte(secret)), "")
}
