package admin_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool"
)

// A removed user's own share stays, with its files, and nobody may open it; removing it
// then is recoverable, and while it is kept its name cannot be a new user's.
func TestRemovedUsersShare(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	svc := control(t, s)
	s.AddUser("root", "admin password", true)
	s.AddUser("kid", "kids password", false)
	if _, err := svc.Put(ctx, "kid/homework.txt", strings.NewReader("2+2=4"), 5, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := svc.RemoveUser(ctx, "kid"); err != nil {
		t.Fatal(err)
	}
	shares, _ := svc.Shares(ctx)
	if !slices.ContainsFunc(shares, func(s pool.ShareInfo) bool { return s.Name == "kid" && s.Files == 1 }) {
		t.Errorf("the removed user's share is gone: %+v", shares)
	}
	access, _ := svc.Access(ctx)
	for _, a := range access {
		if a.Share == "kid" && a.Level != "none" {
			t.Errorf("%s may open the removed user's share: %s", a.User, a.Level)
		}
	}
	if err := svc.RemoveShare(ctx, "kid"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(ctx, "Kid", "another password", false); !errors.Is(err, admin.ErrNameTaken) {
		t.Errorf("a new user named as a removed share: %v, want ErrNameTaken", err)
	}
	if err := svc.RemoveShare(ctx, "Backups"); !errors.Is(err, admin.ErrBackupsShare) {
		t.Errorf("removing Backups over the socket: %v, want ErrBackupsShare", err)
	}
	if _, err := svc.RestoreShare(ctx, "kid"); err != nil {
		t.Fatal(err)
	}
}
