package connector

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"

	"github.com/hearth-home/hearth/internal/joincode"
	"github.com/hearth-home/hearth/server/api/schema"
)

// ErrNotCodesServer: the server reached does not present the authority the join code
// was made for. Either the code was made on another server, or something on the network
// stands in for the server; the code's secret was not sent.
var ErrNotCodesServer = errors.New("this server is not the one that made the join code")

// ErrBadJoinCode: the server does not take the code: mistyped, used already, or older
// than its hour.
var ErrBadJoinCode = errors.New("that join code is not right, or it was used already or made more than an hour ago; make a new one in the server's web console, under Get the connector")

// JoinWithCode registers this PC with the server id describes, with a join code instead
// of a fingerprint to compare and a password: the code's pin must match the authority the
// server presented, and only then is its secret sent, over a connection pinned to that
// authority. The PC joins as the user the code was made for.
func JoinWithCode(ctx context.Context, id Identity, code joincode.Code, deviceName string) (Config, error) {
	if !code.Matches(id.CAFingerprint) {
		return Config{}, ErrNotCodesServer
	}
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.CA.Raw}))
	c := Config{Server: id.Server, CAFingerprint: id.CAFingerprint, CA: caPEM, DeviceName: deviceName}
	body, _ := json.Marshal(schema.NewDevice{Name: deviceName})
	var d schema.Device
	err := c.call(ctx, http.MethodPost, "/api/v1/join", body, &d, func(r *http.Request) {
		r.Header.Set("Authorization", "Join "+code.Secret())
	})
	if errors.Is(err, ErrBadCredentials) {
		return Config{}, ErrBadJoinCode
	}
	if err != nil {
		return Config{}, err
	}
	c.User, c.DeviceID, c.Token = d.User, d.ID, d.Token
	return c, nil
}

// ServerForCode picks, among the servers found on the network, the one whose announced
// authority the code was made for. An announcement proves nothing: JoinWithCode checks
// the authority the server then presents.
func ServerForCode(found []Found, code joincode.Code) (Found, bool) {
	for _, f := range found {
		if code.Matches(f.Fingerprint) {
			return f, true
		}
	}
	return Found{}, false
}
