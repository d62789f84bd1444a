package catalog

import (
	"context"
	"database/sql"
	"testing"
)

// Each connection's page cache is resident memory of hearthd: it is capped on every
// connection, and a burst of connections leaves no more than maxIdleConns open after it.
func TestConnectionMemoryCapped(t *testing.T) {
	ctx := context.Background()
	c, _ := open(t)
	var conns []*sql.Conn
	for range 6 {
		conn, err := c.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		var kib int64
		if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&kib); err != nil {
			t.Fatal(err)
		}
		if kib >= 0 || -kib > 8<<10 {
			t.Errorf("a connection's page cache is %d (pages if positive, KiB if negative), want at most 8 MiB", kib)
			break
		}
	}
	for _, conn := range conns {
		conn.Close()
	}
	if st := c.db.Stats(); st.Idle > 2 {
		t.Errorf("%d connections stay open after a burst, want at most 2", st.Idle)
	}
}
